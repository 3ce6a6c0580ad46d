import os
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


def _head_error(tmp_path, capsys) -> str:
    """``emoshift head`` with the head model's caches cleared: exit 2, no output; its stderr."""
    from emoshift.headmodel import model

    model.clear_cache()
    try:
        assert main(["head", "--out", str(tmp_path / "h.obj")]) == 2
    finally:
        model.clear_cache()
    assert not (tmp_path / "h.obj").exists()
    return capsys.readouterr().err


def test_head_command_without_assets_is_one_line_error(tmp_path, monkeypatch, capsys):
    _no_assets(monkeypatch, tmp_path)
    err = _head_error(tmp_path, capsys)
    assert err.startswith("emoshift: error: asset 'ict-facekit'") and err.count("\n") == 1


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


# ------------------------------------------------------------------------ uncompressed copies (read_npz)


def _npz(path, scale=1.0):
    import numpy as np

    arrays = {"b_vertices": np.arange(12, dtype=np.float32).reshape(4, 3) * scale, "a_names": np.array(["x", "yy"]),
              "scalar_text": np.array("{}")}  # fmt: skip
    np.savez_compressed(path, **arrays)
    return arrays


def _same(got, want):
    import numpy as np

    return list(got) == list(want) and all(np.array_equal(got[k], want[k]) and got[k].dtype == want[k].dtype
                                           and got[k].flags.writeable for k in want)  # fmt: skip


def test_read_npz_keeps_an_uncompressed_copy_and_reads_it_back(tmp_path, monkeypatch):
    import numpy as np

    from emoshift.assets import read_npz

    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "cache"))
    want = _npz(tmp_path / "head.npz")
    assert _same(read_npz(tmp_path / "head.npz"), want)
    (copy,) = (tmp_path / "cache").iterdir()
    assert copy.name.startswith("head-") and (copy / "names.txt").is_file()
    np.save(copy / "0.npy", np.full((4, 3), 7, np.float32))  # the second read must come from the copy
    assert read_npz(tmp_path / "head.npz")["b_vertices"].max() == 7
    # control: the asset changed (new content, new mtime) -> read afresh, the stale copy is removed
    os.utime(tmp_path / "head.npz", ns=(1, 1))
    want = _npz(tmp_path / "head.npz", scale=2.0)
    assert _same(read_npz(tmp_path / "head.npz"), want)
    (fresh,) = (tmp_path / "cache").iterdir()
    assert fresh.name != copy.name


def test_read_npz_falls_back_to_the_npz(tmp_path, monkeypatch):
    from emoshift.assets import read_npz

    want = _npz(tmp_path / "head.npz")
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "cache"))
    read_npz(tmp_path / "head.npz")
    (copy,) = (tmp_path / "cache").iterdir()
    (copy / "1.npy").unlink()  # a damaged copy
    assert _same(read_npz(tmp_path / "head.npz"), want)
    (tmp_path / "blocked").write_text("a file where the cache folder would go")
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "blocked"))
    assert _same(read_npz(tmp_path / "head.npz"), want)
    monkeypatch.setenv("EMOSHIFT_CACHE", "off")
    assert _same(read_npz(tmp_path / "head.npz"), want)


# ------------------------------------------------------------------------ a damaged asset (QA round 3)


def _damaged_head(tmp_path, monkeypatch, blob: bytes):
    """An asset folder whose ICT head is ``blob``; the uncompressed copies go to a fresh cache."""
    folder = tmp_path / "assets" / "ict-facekit"
    folder.mkdir(parents=True)
    (folder / "ict_facekit_light.npz").write_bytes(blob)
    monkeypatch.setenv(assets.ENV_VAR, str(tmp_path / "assets"))
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path / "cache"))
    return folder / "ict_facekit_light.npz"


def test_a_truncated_head_model_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    good = assets.find_asset("ict-facekit").read_bytes()
    path = _damaged_head(tmp_path, monkeypatch, good[: len(good) // 2])
    err = _head_error(tmp_path, capsys)
    assert err.count("\n") == 1 and err.startswith(f"emoshift: error: asset 'ict-facekit' {path} is damaged (")
    assert "`emoshift assets` checks it" in err


def test_an_npz_without_the_head_arrays_is_damaged(tmp_path, monkeypatch):
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, neutral_vertices=np.zeros((3, 3)))  # a readable npz, not the head model
    path = _damaged_head(tmp_path, monkeypatch, buf.getvalue())
    with pytest.raises(assets.AssetDamagedError, match=r"array 'neutral_vertices' missing or of another shape"):
        assets.read_npz(path)
    want = _npz(tmp_path / "other.npz")  # control: any other npz is read as it is
    assert _same(assets.read_npz(tmp_path / "other.npz"), want)


@pytest.mark.slow
def test_animate_with_a_truncated_head_model_exits_2_in_one_line(tmp_path):
    """The QA case: a copy of the asset folder, its head model truncated -> one line, exit 2 (was a traceback)."""
    import subprocess
    import sys

    good = assets.find_asset("ict-facekit").read_bytes()
    folder = tmp_path / "as" / "ict-facekit"
    folder.mkdir(parents=True)
    (folder / "ict_facekit_light.npz").write_bytes(good[: len(good) // 2])
    env = dict(os.environ, EMOSHIFT_ASSETS=str(tmp_path / "as"), EMOSHIFT_CACHE=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join(sys.path))  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "emoshift", "animate", "astronaut", "happy", "--out",
                        str(tmp_path / "as.mp4")], capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "ict_facekit_light.npz is damaged" in r.stderr
    assert "`emoshift assets` checks it" in r.stderr
    assert not (tmp_path / "as.mp4").exists()
