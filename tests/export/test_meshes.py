import numpy as np
import pytest

from emoshift.export.meshes import write_meshes
from emoshift.headmodel.mesh import read_obj
from emoshift.io import UserError


def test_obj_per_frame_matches_the_model(tmp_path, head_model, make_traj):
    traj = make_traj(3)
    ident = np.random.default_rng(2).normal(size=50).astype(np.float32)
    out = write_meshes(tmp_path / "meshes", head_model, ident, traj, translation=[1.0, 2.0, -40.0])
    files = sorted(p.name for p in out.iterdir())
    assert files == ["frame_00000.obj", "frame_00001.obj", "frame_00002.obj"]
    v, f = read_obj(out / "frame_00002.obj")
    ref = head_model(ident[None], traj.expression[2:3], traj.rotation[2:3], np.array([[1.0, 2.0, -40.0]])).vertices[0]
    assert np.abs(v - ref).max() < 1e-4
    assert len(f) == len(head_model.polygons)
    assert "vt " in (out / "frame_00000.obj").read_text()[:2_000_000]
    assert list(tmp_path.iterdir()) == [out]  # no temporary folder left


def test_ply_and_bad_format(tmp_path, head_model, make_traj):
    traj = make_traj(2)
    out = write_meshes(tmp_path / "ply", head_model, np.zeros(50), traj, fmt="ply")
    data = (out / "frame_00001.ply").read_bytes()
    assert data.startswith(b"ply\nformat binary_little_endian")
    assert f"element vertex {head_model.neutral.shape[0]}".encode() in data[:400]
    with pytest.raises(UserError, match="mesh format"):
        write_meshes(tmp_path / "x", head_model, np.zeros(50), traj, fmt="stl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ply"]
