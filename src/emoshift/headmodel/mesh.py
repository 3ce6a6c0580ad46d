"""Mesh utilities: quad triangulation, sub-meshes, normals, OBJ (with UVs) and PLY writing.

All writers go through :func:`emoshift.io.atomic_write`: a file appears whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emoshift.io import atomic_write


def triangulate(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split quads (and -1-padded triangles) into triangles.

    Args:
        polys: (P, 4) int, vertex (or uv) indices, a triangle padded with -1.
    Returns:
        (tris (T, 3) int64, source polygon of each triangle (T,) int64). A quad ``a b c d`` becomes
        ``a b c`` and ``a c d``, keeping the winding.
    """
    polys = np.asarray(polys)
    first = polys[:, [0, 1, 2]]
    quad = polys[:, 3] >= 0
    second = polys[quad][:, [0, 2, 3]]
    tris = np.concatenate([first, second]).astype(np.int64)
    src = np.concatenate([np.arange(len(polys)), np.nonzero(quad)[0]]).astype(np.int64)
    order = np.argsort(src, kind="stable")
    return tris[order], src[order]


def submesh(tris: np.ndarray, keep_vertices: np.ndarray, n_vertices: int) -> np.ndarray:
    """Triangles whose three corners are all in ``keep_vertices``, re-indexed into that subset.

    Args:
        tris: (T, 3) indices into the full mesh.
        keep_vertices: (V',) sorted full-mesh indices.
    Returns:
        (T', 3) indices into the subset.
    """
    remap = np.full(n_vertices, -1, dtype=np.int64)
    remap[keep_vertices] = np.arange(len(keep_vertices))
    sub = remap[tris]
    return sub[(sub >= 0).all(1)]


def vertex_normals(vertices: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(V, 3) area-weighted unit vertex normals."""
    v = vertices[tris]
    fn = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    n = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(n, tris[:, k], fn)
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


def write_obj(
    path: str | Path,
    vertices: np.ndarray,
    faces: np.ndarray,
    uvs: np.ndarray | None = None,
    face_uvs: np.ndarray | None = None,
    texture: str | None = None,
) -> Path:
    """Write a Wavefront OBJ. Faces may be triangles (F,3) or -1-padded quads (F,4), 0-based.

    With ``uvs``/``face_uvs`` the file carries texture coordinates; with ``texture`` (an image file
    name beside the OBJ) it also writes a ``.mtl`` that references it.
    """
    path = Path(path)
    lines = ["# emoshift head mesh (ICT FaceKit geometry, MIT license)"]
    if texture:
        mtl = path.with_suffix(".mtl")
        atomic_write(mtl, f"newmtl face\nKa 1 1 1\nKd 1 1 1\nmap_Kd {texture}\n".encode())
        lines += [f"mtllib {mtl.name}", "usemtl face"]
    lines += [f"v {x:.5f} {y:.5f} {z:.5f}" for x, y, z in np.asarray(vertices, dtype=np.float64)]
    if uvs is not None:
        lines += [f"vt {u:.6f} {v:.6f}" for u, v in np.asarray(uvs, dtype=np.float64)]
    faces = np.asarray(faces)
    for i, f in enumerate(faces):
        idx = [int(x) for x in f if x >= 0]
        if uvs is not None and face_uvs is not None:
            t = [int(x) for x in face_uvs[i] if x >= 0]
            lines.append("f " + " ".join(f"{a + 1}/{b + 1}" for a, b in zip(idx, t)))
        else:
            lines.append("f " + " ".join(str(a + 1) for a in idx))
    atomic_write(path, ("\n".join(lines) + "\n").encode())
    return path


def write_ply(path: str | Path, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None = None) -> Path:
    """Write a binary little-endian PLY of a triangle mesh, optionally with uint8 RGB vertex colours."""
    path = Path(path)
    vertices = np.asarray(vertices, dtype="<f4")
    faces = np.asarray(faces)
    if faces.shape[1] == 4:
        faces, _ = triangulate(faces)
    header = [
        "ply",
        "format binary_little_endian 1.0",
        "comment emoshift head mesh (ICT FaceKit geometry, MIT license)",
        f"element vertex {len(vertices)}",
        "property float x",
        "property float y",
        "property float z",
    ]
    if colors is not None:
        header += ["property uchar red", "property uchar green", "property uchar blue"]
    header += [f"element face {len(faces)}", "property list uchar int vertex_indices", "end_header"]
    if colors is not None:
        vdt = np.dtype([("p", "<f4", 3), ("c", "u1", 3)])
        varr = np.empty(len(vertices), vdt)
        varr["p"], varr["c"] = vertices, np.asarray(colors, dtype=np.uint8)
    else:
        varr = vertices
    fdt = np.dtype([("n", "u1"), ("i", "<i4", 3)])
    farr = np.empty(len(faces), fdt)
    farr["n"], farr["i"] = 3, faces
    atomic_write(path, ("\n".join(header) + "\n").encode() + varr.tobytes() + farr.tobytes())
    return path


def read_obj(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Minimal OBJ reader: (vertices (V,3) float32, faces (F,4) int32, -1-padded, 0-based).

    Polygons with more than four corners are fan-split into triangles.
    """
    verts: list[list[float]] = []
    faces: list[list[int]] = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("v "):
                verts.append([float(x) for x in line.split()[1:4]])
            elif line.startswith("f "):
                idx = [int(tok.split("/")[0]) - 1 for tok in line.split()[1:]]
                if len(idx) <= 4:
                    faces.append(idx + [-1] * (4 - len(idx)))
                else:
                    faces += [[idx[0], idx[k], idx[k + 1], -1] for k in range(1, len(idx) - 1)]
    return np.asarray(verts, dtype=np.float32).reshape(-1, 3), np.asarray(faces, dtype=np.int32).reshape(-1, 4)
