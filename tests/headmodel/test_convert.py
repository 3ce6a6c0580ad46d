"""The FaceXModel -> npz converter, on a small synthetic release written by the test."""

import json

import numpy as np
import pytest

from emoshift.cli import main
from emoshift.headmodel.convert import build_head_model
from emoshift.io import UserError

NEUTRAL = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [2, 0, 0]], np.float32)
FACES = "f 1/1 2/2 3/3 4/4\nf 2/2 5/5 3/3\n"
UV = "".join(f"vt {u} {v}\n" for u, v in [(0, 0), (1, 0), (1, 1), (0, 1), (0.5, 0.5)])


def write_mesh(path, verts):
    path.write_text("".join(f"v {x} {y} {z}\n" for x, y, z in verts) + UV + FACES)


@pytest.fixture()
def release(tmp_path):
    folder = tmp_path / "FaceXModel"
    folder.mkdir()
    write_mesh(folder / "generic_neutral_mesh.obj", NEUTRAL)
    rng = np.random.default_rng(0)
    shapes = {}
    for name in ["identity000", "identity001", "identity010", "browDown_L", "jawOpen", "cheekRaiser_L"]:
        d = rng.normal(size=NEUTRAL.shape).astype(np.float32).round(3)
        shapes[name] = d
        write_mesh(folder / f"{name}.obj", NEUTRAL + d)
    (folder / "vertex_indices.json").write_text(json.dumps({"expressions": ["browDown_L", "jawOpen"]}))
    return folder, shapes


def test_converter_writes_the_shared_layout(release, tmp_path):
    folder, shapes = release
    out = build_head_model(folder, tmp_path / "out" / "ict.npz")
    d = np.load(out)
    np.testing.assert_allclose(d["neutral_vertices"], NEUTRAL)
    assert d["faces"].tolist() == [[0, 1, 2, 3], [1, 4, 2, -1]]
    assert d["face_uvs"].tolist() == [[0, 1, 2, 3], [1, 4, 2, -1]]
    assert d["uvs"].shape == (5, 2)
    assert list(d["expression_names"]) == ["browDown_L", "jawOpen"]
    np.testing.assert_allclose(d["expression_deltas"][1], shapes["jawOpen"], atol=1e-5)
    assert list(d["identity_names"]) == ["identity000", "identity001", "identity010"]  # numeric order
    np.testing.assert_allclose(d["identity_deltas"][2], shapes["identity010"], atol=1e-5)
    assert list(d["extra_expression_names"]) == ["cheekRaiser_L"]
    assert json.loads(str(d["vertex_indices_json"]))["expressions"] == ["browDown_L", "jawOpen"]


def test_converter_cli(release, tmp_path, capsys):
    folder, _ = release
    out = tmp_path / "cli.npz"
    assert main(["assets", "build-head-model", str(folder), "--out", str(out)]) == 0
    assert out.is_file() and "wrote" in capsys.readouterr().out


def test_converter_rejects_bad_folders(release, tmp_path, capsys):
    folder, _ = release
    with pytest.raises(UserError, match="missing generic_neutral_mesh.obj"):
        build_head_model(tmp_path, tmp_path / "x.npz")
    (folder / "jawOpen.obj").write_text("v 0 0 0\n")
    assert main(["assets", "build-head-model", str(folder), "--out", str(tmp_path / "y.npz")]) == 2
    assert "jawOpen.obj: 1 vertices" in capsys.readouterr().err
    assert not (tmp_path / "y.npz").exists()
