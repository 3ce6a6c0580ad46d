"""Grey shaded "shape images" of head meshes, like the paper's figures (DECA-style shape renders).

A fixed frontal orthographic camera frames the ICT face (the same framing for every identity and
expression, so images of different expressions are directly comparable), the mesh is drawn with back
faces culled (an open mouth shows as a dark opening) on a black background and shaded with smooth
normals under a key, a fill and an ambient light.
"""

from __future__ import annotations

import math

import numpy as np
from emoshift.jit import njit

from emoshift.render.raster import FAR, parallel_map, raster_into

#: ICT's full mesh (``HeadModel(region="full")``) and the first vertex of its eyelash / eye-occlusion /
#: lacrimal shells, which are transparent in the original rig and are not drawn.
FULL_MESH_VERTICES = 26719
SHELLS_START = 24591
#: Framing in head-frame centimetres: the square ``[CX ± HALF] x [CY ± HALF]`` fills the image.
FRAME_CENTER = (0.0, -2.0)
FRAME_HALF = 10.5
#: Light directions (towards the light, view frame: x right, y up, z to the viewer) and intensities.
LIGHTS = np.array([[-0.35, 0.45, 0.82], [0.6, 0.1, 0.8]], np.float32)
LIGHT_INTENSITY = np.array([0.62, 0.25], np.float32)
AMBIENT = 0.18
ALBEDO = 0.92


@njit(cache=True, nogil=True)
def add_face_normals(verts, tris, out):  # pragma: no cover - jitted
    """Adds each triangle's area-weighted normal (the cross product of two edges) of a (V, 3) mesh to its
    three vertices' rows of ``out`` (V, 3), in the order of ``tris``."""
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        ux = verts[b, 0] - verts[a, 0]
        uy = verts[b, 1] - verts[a, 1]
        uz = verts[b, 2] - verts[a, 2]
        vx = verts[c, 0] - verts[a, 0]
        vy = verts[c, 1] - verts[a, 1]
        vz = verts[c, 2] - verts[a, 2]
        nx = uy * vz - uz * vy
        ny = uz * vx - ux * vz
        nz = ux * vy - uy * vx
        for k in range(3):
            v = tris[t, k]
            out[v, 0] += nx
            out[v, 1] += ny
            out[v, 2] += nz


@njit(cache=True, nogil=True)
def vertex_normals_into(verts, tris, out):  # pragma: no cover - jitted
    """Area-weighted unit vertex normals (V, 3) of a (V, 3) mesh, written into ``out``."""
    out[:] = 0.0
    add_face_normals(verts, tris, out)
    for v in range(verts.shape[0]):
        n = math.sqrt(out[v, 0] ** 2 + out[v, 1] ** 2 + out[v, 2] ** 2)
        if n > 1e-12:
            out[v, 0] /= n
            out[v, 1] /= n
            out[v, 2] /= n


@njit(cache=True, nogil=True)
def shade_grey(tri_id, bary, tris, normals, lights, intensity, ambient, albedo, out):  # pragma: no cover
    """Lambert-shade covered pixels with interpolated normals into ``out`` (H, W) uint8."""
    h, w = tri_id.shape
    for i in range(h):
        for j in range(w):
            t = tri_id[i, j]
            if t < 0:
                continue
            nx = 0.0
            ny = 0.0
            nz = 0.0
            for k in range(3):
                v = tris[t, k]
                wk = bary[i, j, k]
                nx += wk * normals[v, 0]
                ny += wk * normals[v, 1]
                nz += wk * normals[v, 2]
            n = math.sqrt(nx * nx + ny * ny + nz * nz) + 1e-12
            val = ambient
            for li in range(lights.shape[0]):
                d = (nx * lights[li, 0] + ny * lights[li, 1] + nz * lights[li, 2]) / n
                if d > 0:
                    val += intensity[li] * d
            val = albedo * val * 255.0
            out[i, j] = np.uint8(min(255.0, max(0.0, val + 0.5)))


@njit(cache=True, nogil=True)
def _render_one(v, tris, size, cx, cy, half, lights, intensity, ambient, albedo, out):  # pragma: no cover
    """One (V, 3) mesh into ``out`` (size, size) uint8."""
    scale = size / (2.0 * half)
    screen = np.empty((v.shape[0], 3), np.float32)
    for i in range(v.shape[0]):
        screen[i, 0] = (v[i, 0] - cx) * scale + size / 2.0
        screen[i, 1] = size / 2.0 - (v[i, 1] - cy) * scale
        screen[i, 2] = -v[i, 2]
    normals = np.empty((v.shape[0], 3), np.float32)
    vertex_normals_into(v, tris, normals)
    tri_id = np.full((size, size), -1, np.int32)
    bary = np.zeros((size, size, 3), np.float32)
    depth = np.full((size, size), FAR, np.float32)
    raster_into(screen, tris, 0, size, 1, 0, tri_id, bary, depth)
    shade_grey(tri_id, bary, tris, normals, lights, intensity, ambient, albedo, out)


def view_rotation(rotation_deg: float | tuple[float, float, float] | np.ndarray) -> np.ndarray:
    """(3, 3) rotation of the head for the view: a yaw angle in degrees, or (pitch, yaw, roll) degrees."""
    from emoshift.rotations import euler_to_matrix

    r = np.atleast_1d(np.asarray(rotation_deg, dtype=np.float32))
    pyr = np.array([0.0, float(r[0]), 0.0], np.float32) if r.size == 1 else r.reshape(3)
    return euler_to_matrix(pyr[None])[0]


def render_shape_images(vertices, triangles, size: int = 128, rotation_deg=0.0) -> np.ndarray:
    """Grey shape images of a batch of meshes.

    Args:
        vertices: (B, V, 3) or (V, 3) numpy array or torch tensor, head frame centimetres (unposed:
            Y up, +Z out of the face), e.g. ``HeadModel(identity, expression).vertices``.
        triangles: (T, 3) int (numpy or torch), e.g. ``HeadModel.triangles``. With the full ICT mesh
            (``region="full"``: eyeballs, teeth, mouth socket) the eyes and an open mouth are drawn
            like the paper's figures; the "head" region leaves them as dark openings.
        size: output side in pixels.
        rotation_deg: head rotation for the view: yaw in degrees (positive turns the face towards
            the subject's left) or (pitch, yaw, roll) degrees; applied about the framing centre.
    Returns:
        (B, size, size) uint8 (a (size, size) image for unbatched input).
    """
    v = vertices.detach().cpu().numpy() if hasattr(vertices, "detach") else np.asarray(vertices)
    t = triangles.detach().cpu().numpy() if hasattr(triangles, "detach") else np.asarray(triangles)
    single = v.ndim == 2
    v = np.ascontiguousarray(v[None] if single else v, dtype=np.float32)
    if v.ndim != 3 or v.shape[2] != 3:
        raise ValueError(f"vertices must be (B, V, 3), got {v.shape}")
    if int(size) < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    if np.any(np.asarray(rotation_deg) != 0):
        centre = np.array([FRAME_CENTER[0], FRAME_CENTER[1], 0.0], np.float32)
        v = np.ascontiguousarray((v - centre) @ view_rotation(rotation_deg).T + centre, dtype=np.float32)
    t = np.asarray(t)
    if v.shape[1] == FULL_MESH_VERTICES:  # ICT's full head: skip the eyelash / eye-occlusion shells
        t = t[(t < SHELLS_START).all(1)]
    out = np.zeros((v.shape[0], int(size), int(size)), np.uint8)
    t = np.ascontiguousarray(t, dtype=np.int32)
    lights = (LIGHTS / np.linalg.norm(LIGHTS, axis=1, keepdims=True)).astype(np.float32)
    cx, cy, half = np.float32(FRAME_CENTER[0]), np.float32(FRAME_CENTER[1]), np.float32(FRAME_HALF)
    parallel_map(
        lambda k: _render_one(
            v[k], t, int(size), cx, cy, half, lights, LIGHT_INTENSITY, np.float32(AMBIENT), np.float32(ALBEDO), out[k]
        ),
        len(v),
    )
    return out[0] if single else out
