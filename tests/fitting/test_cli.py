"""``emoshift fit`` end to end, and every bad input: exit 2, one line, no output file."""

import json

import numpy as np
import pytest
from PIL import Image

from emoshift.cli import main


@pytest.fixture(scope="module")
def photo(tmp_path_factory, astronaut):
    p = tmp_path_factory.mktemp("in") / "astro.png"
    Image.fromarray(astronaut).save(p)
    return p


@pytest.fixture(autouse=True)
def _shared_fitter(monkeypatch, fitter):
    """Reuse the session's Fitter inside the CLI (loading MediaPipe + the model once)."""
    import emoshift.fitting

    monkeypatch.setattr(emoshift.fitting, "Fitter", lambda *a, **k: fitter)


def test_fit_writes_json_mesh_overlay(photo, tmp_path, capsys):
    out, mesh, ov = tmp_path / "c.json", tmp_path / "h.obj", tmp_path / "o.png"
    assert main(["fit", str(photo), "--out", str(out), "--mesh", str(mesh), "--overlay", str(ov)]) == 0
    d = json.loads(out.read_text())
    for key in ("identity", "expression", "rotation", "translation", "camera", "landmark_rmse_px", "time_ms"):
        assert key in d
    assert d["expression"]["mouthSmile_L"] > 0.3
    assert mesh.read_text().count("\nv ") > 10000
    ov_img = np.asarray(Image.open(ov))
    assert ov_img.shape == (512, 512, 3) and (ov_img != np.asarray(Image.open(photo))).any()
    assert "wrote" in capsys.readouterr().out
    # existing output without --force is refused before any work
    assert main(["fit", str(photo), "--out", str(out)]) == 2


def test_fit_all_and_face_index(tmp_path, astronaut, photo):
    p = tmp_path / "two.jpg"
    small = np.full_like(astronaut, 255)
    small[64:448, 64:448] = np.asarray(Image.fromarray(astronaut).resize((384, 384)))
    Image.fromarray(np.concatenate([small, astronaut], 1)).save(p, quality=95)
    out = tmp_path / "all.json"
    assert main(["fit", str(p), "--all", "--out", str(out), "--quiet"]) == 0
    faces = json.loads(out.read_text())["faces"]
    assert len(faces) == 2
    assert faces[0]["landmarks_detected"][1][0] > 512  # the largest face (index 0) is on the right
    assert faces[1]["landmarks_detected"][1][0] < 512
    out1 = tmp_path / "f1.npz"
    assert main(["fit", str(p), "--face", "1", "--out", str(out1), "--quiet"]) == 0
    from emoshift.fitting import FaceFit

    f1 = FaceFit.load(out1)
    assert f1.face_index == 1 and f1.landmarks_detected[1, 0] < 512
    bad = tmp_path / "f5.json"
    assert main(["fit", str(p), "--face", "5", "--out", str(bad)]) == 2
    assert not bad.exists()


def _bad(tmp_path, capsys, src, *extra):
    out = tmp_path / "never.json"
    code = main(["fit", str(src), "--out", str(out), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert not out.exists() and not list(tmp_path.glob(".never*"))
    assert err.startswith("emoshift: error:") and "\n" not in err and "Traceback" not in err
    return err


def test_bad_inputs(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(blank)
    assert "no face found" in _bad(tmp_path, capsys, blank)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert "empty" in _bad(tmp_path, capsys, empty)
    txt = tmp_path / "notes.png"
    txt.write_text("this is text")
    assert "not a readable image" in _bad(tmp_path, capsys, txt)
    assert "not found" in _bad(tmp_path, capsys, tmp_path / "missing.jpg")
    assert "extension" in _bad(tmp_path, capsys, blank, "--mesh", str(tmp_path / "m.xyz"))


def test_face_too_small(tmp_path, capsys, astronaut):
    canvas = np.full((400, 400, 3), 200, np.uint8)  # a ~35 px face, found but below the 48 px minimum
    canvas[120:280, 120:280] = np.asarray(Image.fromarray(astronaut).resize((160, 160)))
    p = tmp_path / "tiny.png"
    Image.fromarray(canvas).save(p)
    err = _bad(tmp_path, capsys, p)
    assert "too small" in err and "48 px" in err and "tiny.png" in err


def test_large_image_is_downscaled_and_said(tmp_path, capsys, astronaut):
    from emoshift.fitting.image import MAX_SIDE

    big = np.asarray(Image.fromarray(astronaut).resize((MAX_SIDE + 400, MAX_SIDE + 400)))
    p = tmp_path / "big.jpg"
    Image.fromarray(big).save(p, quality=90)
    out = tmp_path / "big.json"
    assert main(["fit", str(p), "--out", str(out)]) == 0
    assert "downscaled" in capsys.readouterr().err
    d = json.loads(out.read_text())
    assert d["image_size"] == [MAX_SIDE + 400, MAX_SIDE + 400]
    assert d["expression"]["mouthSmile_L"] > 0.3
    assert d["landmark_rmse_interocular"] < 0.03


def test_bad_options(tmp_path, capsys, photo):
    assert "--identity-modes" in _bad(tmp_path, capsys, photo, "--identity-modes", "0")
    assert "--focal-factor" in _bad(tmp_path, capsys, photo, "--focal-factor", "-1")
    assert "--face" in _bad(tmp_path, capsys, photo, "--face", "-2")
    assert "--stride" in _bad(tmp_path, capsys, photo, "--stride", "0")


def _read_ply(path):
    """(vertices (V, 3), faces (F, 3)) of the binary PLY emoshift.headmodel.mesh.write_ply writes."""
    head, body = path.read_bytes().split(b"end_header\n", 1)
    counts = dict(line.split()[1:3] for line in head.decode().splitlines() if line.startswith("element"))
    nv, nf = int(counts["vertex"]), int(counts["face"])
    verts = np.frombuffer(body[: 12 * nv], "<f4").reshape(nv, 3)
    faces = np.frombuffer(body[12 * nv :], np.dtype([("n", "u1"), ("i", "<i4", 3)]))
    assert len(faces) == nf and (faces["n"] == 3).all()
    return verts, faces["i"]


def test_fit_mesh_as_ply(photo, tmp_path, capsys):
    from emoshift.headmodel.mesh import read_obj

    ply, obj = tmp_path / "h.ply", tmp_path / "h.obj"
    assert main(["fit", str(photo), "--out", str(tmp_path / "c.json"), "--mesh", str(ply), "--quiet"]) == 0
    assert main(["fit", str(photo), "--out", str(tmp_path / "d.json"), "--mesh", str(obj), "--quiet"]) == 0
    v, f = _read_ply(ply)
    v_obj, _ = read_obj(obj)  # control: the OBJ of the same fit
    assert len(v) == len(v_obj) > 10000
    np.testing.assert_allclose(v, v_obj, atol=1e-4)
    assert f.min() == 0 and f.max() == len(v) - 1
    assert capsys.readouterr().err == ""
