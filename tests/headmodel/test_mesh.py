import numpy as np
import pytest

from emoshift.headmodel.mesh import read_obj, submesh, triangulate, vertex_normals, write_obj, write_ply


def test_triangulate_quads_and_padded_triangles():
    polys = np.array([[0, 1, 2, 3], [1, 4, 2, -1]])
    tris, src = triangulate(polys)
    assert tris.tolist() == [[0, 1, 2], [0, 2, 3], [1, 4, 2]]
    assert src.tolist() == [0, 0, 1]


def test_submesh_reindexes():
    tris = np.array([[0, 1, 2], [2, 3, 4]])
    sub = submesh(tris, np.array([2, 3, 4]), 5)
    assert sub.tolist() == [[0, 1, 2]]


def test_normals_of_a_flat_square_point_up():
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    n = vertex_normals(v, np.array([[0, 1, 2], [0, 2, 3]]))
    np.testing.assert_allclose(n, [[0, 0, 1]] * 4)


def test_obj_round_trip_with_uvs(tmp_path, head_model):
    v = head_model.neutral
    p = write_obj(tmp_path / "h.obj", v, head_model.polygons, head_model.uvs, head_model.polygon_uvs)
    v2, f2 = read_obj(p)
    np.testing.assert_allclose(v2, v, atol=1e-5)
    np.testing.assert_array_equal(f2, head_model.polygons)
    text = p.read_text()
    assert text.count("\nvt ") == len(head_model.uvs)
    assert "/" in text.splitlines()[-1]


def test_ply_binary_layout(tmp_path):
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    p = write_ply(tmp_path / "t.ply", v, np.array([[0, 1, 2]]), colors=np.array([[255, 0, 0]] * 3))
    data = p.read_bytes()
    head, body = data.split(b"end_header\n")
    assert b"element vertex 3" in head and b"element face 1" in head
    verts = np.frombuffer(body[: 3 * 15], dtype=np.dtype([("p", "<f4", 3), ("c", "u1", 3)]))
    np.testing.assert_array_equal(verts["p"], v)
    assert verts["c"][0].tolist() == [255, 0, 0]
    face = body[45:]
    assert face[0] == 3 and np.frombuffer(face[1:], "<i4").tolist() == [0, 1, 2]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "bad.obj"
    with pytest.raises(Exception):
        write_obj(target, np.zeros((3, 3)), np.array([[0, 1, "x"]], dtype=object))
    assert list(tmp_path.iterdir()) == []
