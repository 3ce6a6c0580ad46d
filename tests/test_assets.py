import shutil

import pytest

from emoshift import assets
from emoshift.cli import main


def test_found_beside_the_checkout():
    path = assets.find_asset("ict-facekit")
    assert path.name == "ict_facekit_light.npz" and path.is_file()


def test_environment_variable_comes_first(tmp_path, monkeypatch):
    folder = tmp_path / "mediapipe-canonical"
    folder.mkdir()
    shutil.copy(assets.find_asset("mediapipe-canonical"), folder / "canonical_face_model.obj")
    monkeypatch.setenv(assets.ENV_VAR, str(tmp_path))
    assert assets.find_asset("mediapipe-canonical") == folder / "canonical_face_model.obj"
    assert assets.search_roots()[0] == (f"${assets.ENV_VAR}", tmp_path)


def test_user_data_folder_is_searched_last(tmp_path, monkeypatch):
    roots = assets.search_roots()
    assert roots[-1][1] == assets.user_assets_dir()


def _no_assets(monkeypatch, tmp_path):
    monkeypatch.setattr(assets, "search_roots", lambda: [("empty", tmp_path / "nowhere")])


def test_missing_asset_message_says_what_to_get(tmp_path, monkeypatch):
    _no_assets(monkeypatch, tmp_path)
    with pytest.raises(assets.AssetMissingError) as err:
        assets.find_asset("ict-facekit")
    msg = str(err.value)
    assert "\n" not in msg
    assert "ICT FaceKit" in msg and "MIT" in msg and "FaceXModel" in msg and "build-head-model" in msg
    assert assets.ENV_VAR in msg


def test_assets_command_reports_missing_with_nonzero_exit(tmp_path, monkeypatch, capsys):
    _no_assets(monkeypatch, tmp_path)
    assert main(["assets"]) == 1
    out, err = capsys.readouterr()
    assert "MISSING" in out and "build-head-model" in err


def test_head_command_without_assets_is_one_line_error(tmp_path, monkeypatch, capsys):
    _no_assets(monkeypatch, tmp_path)
    from emoshift.headmodel import model

    model.clear_cache()
    try:
        assert main(["head", "--out", str(tmp_path / "h.obj")]) == 2
    finally:
        model.clear_cache()
    err = capsys.readouterr().err
    assert err.startswith("emoshift: error: asset 'ict-facekit'") and err.count("\n") == 1
    assert not (tmp_path / "h.obj").exists()


def test_assets_command_verifies_shapes_and_checksums(capsys):
    assert main(["assets", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert {r["asset"] for r in rows} == {"ict-facekit", "mediapipe-canonical"}
    assert all(r["ok"] and "checksum matches" in r["detail"] for r in rows)


def test_corrupt_asset_is_reported_invalid(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "mediapipe-canonical"
    folder.mkdir()
    (folder / "canonical_face_model.obj").write_text("v 0 0 0\n")
    monkeypatch.setattr(assets, "search_roots", lambda: [("tmp", tmp_path)])
    assert main(["assets"]) == 1
    assert "INVALID" in capsys.readouterr().out
