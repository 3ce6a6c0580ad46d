"""Numba kernels of the photo reenactment (:mod:`emoshift.render.reenact`): one frame = raster the posed
head, backward-warp the photo through the source projection of each visible surface point, paint
surfaces the photo never showed, and carry a smoothed, faded flow into the hair and background.

Flow at a head pixel is ``w · exact + (1 - w) · smooth``: ``exact`` comes from the surface point,
``smooth`` is the coarse-grid average of the head's flow (cells of :data:`CELL` pixels), grown outwards
ring by ring, faded to zero over ``radius`` cells with the minimum-jerk profile and box-blurred; ``w``
is a per-vertex weight (1 on the front of the face, 0 towards the silhouette, skull and neck) so the
flow has no seam where the mesh ends; along the outline the occluding skin keeps its exact flow and the
flow just off the head continues the silhouette's (:mod:`emoshift.render.flow`). Outside the head the
smooth flow moves the photo, sampling its clean plate (the face filled in from around it) so a turn does
not drag the face's rim off the head. Mouth-interior and eye pixels blend the photo with painted colours (:func:`inner_sample`), and the
pixels along part boundaries are re-rendered from 4 x 4 samples each (:func:`antialias_edges`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from emoshift.jit import njit

from emoshift.render.edges import antialias_edges
from emoshift.render.fill import behind_face, rim_over
from emoshift.render.eyes import eye_pass
from emoshift.render.filters import binary_erosion
from emoshift.render.mouth import darken_lips, hash_gauss, mark_seam, mouth_pass, soften_seams
from emoshift.render.flow import (BLUR_PASSES, CELL, EDGE_BLEND_PX, broad_shading, coarse_field, extend_silhouette,
                                  field_lerp, field_taps, mark_contour, widen_at)
from emoshift.render.raster import raster_box
from emoshift.render.shaders import (DETAIL_CELL, DETAIL_FROM, DETAIL_FULL, DETAIL_JITTER, DETAIL_REACH, MAGNIFY_GRAIN,
                                     MAGNIFY_MIN_SHARE, SHADE_RANGE, around_sample, bilinear, bilinear_many,
                                     detail_px, inner_sample, mask_at, put, skin_sample, warp_offset)
from emoshift.render.shape import add_face_normals
from emoshift.render.view import SKIN, FrameView, MeshView, SourceView
from emoshift.render.wrinkle_shader import FoldView, shade_folds

__all__ = ["BLUR_PASSES", "CELL", "SHADE_RANGE", "bilinear", "bilinear_many", "lambert_at", "pose_and_project",
           "xy_bounds",
           "render_frame", "render_frame_into"]


@njit(cache=True, nogil=True)
def pose_and_project(shaped, rots, rot0, weight, translation, focal, cx, cy, out):  # pragma: no cover - jitted
    """Pose and project vertices of many frames (in place into ``out`` (T, V, 3) [x_px, y_px, depth]).

    ``x = w R_t s + (1 - w) R_0 s + t`` per vertex (``weight`` w (V,): 1 follows the frame's rotation,
    0 keeps the source rotation ``rot0``), then the pinhole of :class:`emoshift.camera.Camera`.
    """
    for k in range(shaped.shape[0]):
        r = rots[k]
        for v in range(shaped.shape[1]):
            sx, sy, sz = shaped[k, v, 0], shaped[k, v, 1], shaped[k, v, 2]
            w = weight[v]
            # float32 locals (each rounded as the former (3,) float32 scratch array was), not an array: an
            # allocation per vertex was a third of this kernel's time
            p0 = _posed(r, rot0, w, sx, sy, sz, translation, 0)
            p1 = _posed(r, rot0, w, sx, sy, sz, translation, 1)
            p2 = _posed(r, rot0, w, sx, sy, sz, translation, 2)
            z = max(-p2, 1e-3)
            out[k, v, 0] = cx + focal * p0 / z
            out[k, v, 1] = cy - focal * p1 / z
            out[k, v, 2] = z


@njit(cache=True, nogil=True, inline="always")
def _posed(r, rot0, w, sx, sy, sz, translation, d):  # pragma: no cover - jitted
    """Coordinate ``d`` of a posed vertex (:func:`pose_and_project`), rounded to float32."""
    a = r[d, 0] * sx + r[d, 1] * sy + r[d, 2] * sz
    b = rot0[d, 0] * sx + rot0[d, 1] * sy + rot0[d, 2] * sz
    return np.float32(w * a + (1 - w) * b + translation[d])


@njit(cache=True, nogil=True)
def xy_bounds(points, out):  # pragma: no cover - jitted
    """(T, N, >= 2) points -> ``out`` (T, 4) [smallest x, smallest y, largest x, largest y] per frame, NaN
    ignored (``np.fmin`` / ``np.fmax`` reductions; inf where every value is NaN). A strided numpy reduction
    over the middle axis is several times slower."""
    for k in range(points.shape[0]):
        x0 = np.inf
        y0 = np.inf
        x1 = -np.inf
        y1 = -np.inf
        for v in range(points.shape[1]):
            x = points[k, v, 0]
            y = points[k, v, 1]
            if x < x0:
                x0 = x
            if x > x1:
                x1 = x
            if y < y0:
                y0 = y
            if y > y1:
                y1 = y
        out[k, 0] = x0
        out[k, 1] = y0
        out[k, 2] = x1
        out[k, 3] = y1


@njit(cache=True, nogil=True)
def lambert_at(shaped, tris, verts, rots, light, ambient, out):  # pragma: no cover - jitted
    """Per-vertex Lambert shading ``ambient + (1 - ambient) max(0, (R n) . light)`` of many frames, of the
    vertices ``verts`` (n,) only.

    Args:
        shaped: (T, V, 3) unposed vertices; tris: (F, 3), need hold only the triangles with a vertex in
            ``verts`` (in their order in the mesh's list, so each vertex sums its triangles' normals in the
            same order as :func:`~emoshift.render.shape.vertex_normals_into`); rots: (T, 3, 3); light: (3,)
            unit, camera frame. out: (T, n) float32, written in place.
    """
    normals = np.zeros((shaped.shape[1], 3), np.float32)
    for k in range(shaped.shape[0]):
        for q in range(verts.shape[0]):
            v = verts[q]
            normals[v, 0] = 0.0
            normals[v, 1] = 0.0
            normals[v, 2] = 0.0
        add_face_normals(shaped[k], tris, normals)
        r = rots[k]
        for q in range(verts.shape[0]):
            v = verts[q]
            n = math.sqrt(normals[v, 0] ** 2 + normals[v, 1] ** 2 + normals[v, 2] ** 2)
            if n > 1e-12:
                normals[v, 0] /= n
                normals[v, 1] /= n
                normals[v, 2] /= n
            d = 0.0
            for a in range(3):
                d += light[a] * (r[a, 0] * normals[v, 0] + r[a, 1] * normals[v, 1] + r[a, 2] * normals[v, 2])
            out[k, q] = ambient + (1 - ambient) * max(d, 0.0)


@njit(cache=True, nogil=True)
def render_frame(src, mesh, frame, folds, x0, y0, rw, rh, radius, widen, band, out):  # pragma: no cover - jitted
    """One frame into ``out`` (H, W, 3) uint8, which holds the photo, over the ROI (x0, y0, rw, rh).

    Rasterize once (fragments: triangle id, barycentrics, depth), then the shaders over those fragments:
    inner parts (:func:`~emoshift.render.shaders.inner_sample`), the flow of the skin and of what lies
    around the head (:func:`~emoshift.render.shaders.skin_sample`, :func:`~emoshift.render.shaders.around_sample`), the anti-aliased part boundaries
    (:func:`~emoshift.render.edges.antialias_edges`), the mouth pass, the expression wrinkles
    (:func:`~emoshift.render.wrinkle_shader.shade_folds`).

    Args:
        src: :class:`~emoshift.render.view.SourceView`; mesh: :class:`~emoshift.render.view.MeshView`;
        frame: :class:`~emoshift.render.view.FrameView`; folds: :class:`~emoshift.render.wrinkle_shader.FoldView`;
        radius: flow falloff in cells; widen, band: pixels by which the exact flow of skin occluding skin
            is widened (:func:`~emoshift.render.flow.widen_at`) and the silhouette's flow is carried off
            the head (:func:`~emoshift.render.flow.extend_silhouette`); 0 turns either off.
    """
    local, tri_id, bary, depth = raster_box(frame.screen, mesh.tris, mesh.n_skin, x0, y0, rw, rh)
    flow, sx, sy, sr, cnt, span, contour, box = _fragment_pass(
        src.image, src.coef, src.coef_origin, src.pmask, src.eyes, src.eye_colours, src.origin[0], src.origin[1],
        src.screen, mesh.tris,
        mesh.part, mesh.wexact, frame.vcol, frame.ratio, src.mouth_power, frame.flat, frame.keep, frame.keep_eyes,
        frame.keep_lower, src.grain, tri_id, bary, depth, x0, y0, out,
    )  # fmt: skip
    broad = broad_shading(sr, cnt)  # before coarse_field normalises cnt-weighted sums in place
    fx, fy = coarse_field(sx, sy, cnt, radius)
    widen_at(tri_id, depth, flow, contour, box, widen)
    extend_silhouette(tri_id, flow, fx, fy, box, band)
    lost = magnified_share(src.screen, frame.screen, mesh.tris, mesh.n_skin)
    seam = _skin_pass(src.image, src.coef, src.coef_origin, src.plate, src.closed, src.closed_coef, src.mouth, src.shut, src.lift,
                      src.origin[0], src.origin[1], tri_id, mesh.face, depth, flow, fx, fy, broad, src.grain, lost, band, x0,
                      y0, out)  # fmt: skip
    detail_pass(src.detail, src.origin[0], src.origin[1], src.screen, frame.screen, mesh.tris, mesh.n_skin, tri_id, flow, x0,
                y0, out)  # fmt: skip
    antialias_edges(src, mesh, frame, local, tri_id, depth, span, fx, fy, broad, x0, y0, out)
    if frame.keep < 1.0:  # the inner lips in the mouth's shadow, before the seams are softened (the lips' line)
        darken_lips(tri_id, bary, mesh.tris, src.lip_dark, src.lip_dark_tri, 1.0 - frame.keep, x0, y0, out)
    soften_seams(seam, src.mouth_blur, src.grain, x0, y0, out)
    if frame.keep < 1.0:
        mouth_pass(tri_id, mesh.part, 1.0 - frame.keep, src.lip_shadow_px, flow[:, :, 4], src.mouth_blur, src.black,
                   src.grain, x0, y0, out)  # fmt: skip
    if min(frame.keep_eyes, frame.keep_lower) < 1.0 and src.eyes[0, 3] > 0.0:  # lid shadow, the photo's softness
        eye_pass(tri_id, mesh.part, 1.0 - frame.keep_eyes, 1.0 - min(frame.keep_eyes, frame.keep_lower), src.eyes, x0,
                 y0, out)  # fmt: skip
    shade_folds(folds, frame.screen, mesh.tris, mesh.n_skin, tri_id, bary, x0, y0, out)


# The per-pixel passes take plain arrays: Numba reference-counts every array it takes out of a named tuple
# (or copies for an inlined call) in the loop that uses it, an atomic increment and decrement per pixel.
@njit(cache=True, nogil=True)
def _fragment_pass(
    image, coef, corg, pmask, eyes, eye_colours, ox, oy, src_screen, tris, part, wexact, vcol, ratio, power, flat, keep,
    keep_eyes, keep_lower, grain, tri_id, bary, depth, x0, y0, out,
):  # pragma: no cover - jitted
    """Per fragment: the inner parts' colours into ``out``; for the skin, its exact flow and shading.

    Returns flow (rh, rw, 5) [exact dx, dy, weight (< 0: done), shading ratio, flattening], the per-cell
    sums sx, sy, sr (shading) and counts cnt (gh, gw), span (rh, 2) the columns of the non-skin pixels per
    row (for the edge pass), the skin's occluding contours over skin (rh, rw) bool and its bounding box
    (i0, i1, j0, j1) (for :func:`~emoshift.render.flow.widen_at`)."""
    rh, rw = tri_id.shape
    gh = (rh + CELL - 1) // CELL
    gw = (rw + CELL - 1) // CELL
    sx = np.zeros((gh, gw), np.float32)
    sr = np.zeros((gh, gw), np.float32)
    sy = np.zeros((gh, gw), np.float32)
    cnt = np.zeros((gh, gw), np.float32)
    flow = np.zeros((rh, rw, 5), np.float32)  # exact dx, dy, weight (< 0: done), shading ratio, flattening
    flow[:, :, 3] = 1.0
    pix = np.empty(3, np.float32)
    tmp = np.empty(3, np.float32)
    span = np.empty((rh, 2), np.int64)  # columns of the non-skin pixels per row (for the edge pass)
    span[:, 0] = rw
    span[:, 1] = -1
    contour = np.zeros((rh, rw), np.bool_)
    i0, i1, j0, j1 = rh, -1, rw, -1
    for i in range(rh):
        for j in range(rw):
            t = tri_id[i, j]
            if t < 0:
                continue
            b0, b1, b2 = bary[i, j, 0], bary[i, j, 1], bary[i, j, 2]
            va, vb, vc = tris[t, 0], tris[t, 1], tris[t, 2]
            px = b0 * src_screen[va, 0] + b1 * src_screen[vb, 0] + b2 * src_screen[vc, 0]
            py = b0 * src_screen[va, 1] + b1 * src_screen[vb, 1] + b2 * src_screen[vc, 1]
            dx = px - (x0 + j + 0.5)
            dy = py - (y0 + i + 0.5)
            p = part[t]
            if p == SKIN:
                flow[i, j, 0] = dx
                flow[i, j, 1] = dy
                flow[i, j, 2] = b0 * wexact[va] + b1 * wexact[vb] + b2 * wexact[vc]
                flow[i, j, 3] = b0 * ratio[va] + b1 * ratio[vb] + b2 * ratio[vc]
                flow[i, j, 4] = b0 * flat[va] + b1 * flat[vb] + b2 * flat[vc]
                gi = i // CELL
                gj = j // CELL
                sx[gi, gj] += dx
                sy[gi, gj] += dy
                cnt[gi, gj] += 1.0
                sr[gi, gj] += flow[i, j, 3]
                mark_contour(tri_id, depth, flow, i, j, contour)
                i0 = min(i0, i)
                i1 = max(i1, i)
                j0 = min(j0, j)
                j1 = max(j1, j)
                continue
            flow[i, j, 4] = inner_sample(image, coef, corg, pmask, eyes, eye_colours, ox, oy, vcol, ratio, power, keep,
                                         keep_eyes, keep_lower, grain, p, x0 + j + 0.5, y0 + i + 0.5, dx, dy, va, vb, vc, b0, b1, b2, pix,
                                         tmp)  # fmt: skip
            put(out, y0 + i, x0 + j, pix)
            flow[i, j, 2] = -1.0  # done; flow[i, j, 4]: the painted share (the mouth's focus pass)
            span[i, 0] = min(span[i, 0], j)
            span[i, 1] = max(span[i, 1], j)
    return flow, sx, sy, sr, cnt, span, contour, (i0, i1, j0, j1)


@njit(cache=True, nogil=True)
def _twice_area(p, a, b, c):  # pragma: no cover - jitted
    """Twice the area of the triangle of points a, b, c of ``p`` (n, >= 2) (the cross product's magnitude)."""
    return abs((p[b, 0] - p[a, 0]) * (p[c, 1] - p[a, 1]) - (p[b, 1] - p[a, 1]) * (p[c, 0] - p[a, 0]))


@njit(cache=True, nogil=True)
def magnified_share(src_screen, screen, tris, n_skin):  # pragma: no cover - jitted
    """(n_skin,) float32 per skin triangle: 1 - its source area / its frame area where the frame magnifies it
    (the share of a frame pixel's fine detail the photo never had: a triangle stretched to twice its area
    shows each source pixel over two frame pixels), 0 where it is not magnified or degenerate."""
    out = np.zeros(n_skin, np.float32)
    for t in range(n_skin):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        fa = _twice_area(screen, a, b, c)
        sa = _twice_area(src_screen, a, b, c)
        if fa > 1e-6 and sa < fa:
            out[t] = 1.0 - sa / fa
    return out


def skin_area_ratio(src_xy: np.ndarray, screen_xy: np.ndarray, tris: np.ndarray, n_skin: int) -> np.ndarray:
    """(n_skin,) each skin triangle's frame area over its source area (the source's floored at 1e-6 px^2):
    above 1 where the frame stretches the photo, below where it compresses it (NumPy; the measures of the
    tests and benches, beside :func:`magnified_share`, the renderer's own). ``src_xy``, ``screen_xy``: (V, >= 2)
    pixel positions (x, y) of the source projection and the frame's; ``tris``: (T, 3), skin first."""

    def area(p):
        a, b, c = (p[tris[:n_skin, q]] for q in range(3))
        return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))

    return area(screen_xy) / np.maximum(area(src_xy), 1e-6)


class SkinSources(NamedTuple):
    """Where each pixel of a frame's skin takes the photo from (:func:`skin_sources`); all (h, w) per pixel.

    skin: bool, covered by a skin triangle (the first ``n_skin``). tri: int, that triangle (0 off the skin).
    corners: (h, w, 3) int, its vertices. bary: (h, w, 3) float32, their barycentric weights (the fragments').
    nearest: int, the vertex of the largest barycentric weight.
    source: (h, w, 2) float32, the source point (x, y photo pixels): the corners' source projection
    interpolated. moved: float64, its distance from the pixel's centre (pixels the warp moved the skin).
    front: bool, the front of the face well inside the skin: exact-flow weight > 0.9, eroded by a 5 x 5 square
    (a pixel's 3 x 3 or 5 x 5 filter reads front skin only). row, col: int, the photo pixel holding the
    source point, clipped to the (h, w) box."""

    skin: np.ndarray
    tri: np.ndarray
    corners: np.ndarray
    bary: np.ndarray
    nearest: np.ndarray
    source: np.ndarray
    moved: np.ndarray
    front: np.ndarray
    row: np.ndarray
    col: np.ndarray


def skin_sources(screen: np.ndarray, src_xy: np.ndarray, tris: np.ndarray, n_skin: int, exact_weight: np.ndarray,
                 shape: tuple[int, int]) -> SkinSources:
    """A frame's skin pixels mapped back to the photo (NumPy, for the tests' and benches' texture measures: a
    frame pixel against the photo's at its source point), from the frame's fragments over the (h, w) ``shape``
    from (0, 0) (:func:`~emoshift.render.raster.raster_box`, skin triangles culled as the renderer does).
    ``screen``: (V, 3) float32, the frame's projection; ``src_xy``: (V, 2) float32, the source projection's
    pixel positions; ``tris``: (T, 3) int32, skin first (``n_skin``); ``exact_weight``: (V,) float32, the
    exact flow's weight per vertex."""
    h, w = shape
    _, tri_id, bary, _ = raster_box(screen, tris, n_skin, 0, 0, w, h)
    skin = (tri_id >= 0) & (tri_id < n_skin)
    t = np.where(skin, tri_id, 0)
    tv = tris[t]
    sxy = (bary[..., :, None] * src_xy[tv]).sum(-2)
    ii, jj = np.mgrid[0:h, 0:w]
    d = np.hypot(sxy[..., 0] - (jj + 0.5), sxy[..., 1] - (ii + 0.5))
    ew = (bary * exact_weight[tv]).sum(-1)
    front = binary_erosion(skin & (ew > 0.9), np.ones((5, 5), bool))
    nearest = tv[ii, jj, bary.argmax(-1)]
    si = np.clip(np.floor(sxy[..., 1]).astype(int), 0, h - 1)
    sj = np.clip(np.floor(sxy[..., 0]).astype(int), 0, w - 1)
    return SkinSources(skin, t, tv, bary, nearest, sxy, d, front, si, sj)


#: The detail pass's fixed per-anchor shifts (source pixels, uniform within DETAIL_JITTER each way), a table
#: repeating every _JITTER_CELLS anchors (256 frame pixels; a hash per anchor cost 4 % of a frame's CPU time).
_JITTER_CELLS = 64
_JITTER = (np.random.default_rng(18).uniform(-1.0, 1.0, (_JITTER_CELLS, _JITTER_CELLS, 2)) * DETAIL_JITTER).astype(np.float32)


@njit(cache=True, nogil=True)
def detail_tris(src_screen, screen, tris, n_skin):  # pragma: no cover - jitted
    """(n_skin, 5) float32 per skin triangle: [beta, the 2 x 2 map (row-major) from a frame offset to the
    source offset that turns the warp's sampling into its nearest rotation] where the frame stretches it one
    way (:data:`~emoshift.render.shaders.DETAIL_FROM`), zeros elsewhere (also folded or degenerate
    triangles). The magnification grain (:func:`magnified_share`) is kept beside it: the detail layer is gated
    off edges (the lips' outlines), where the grain alone gives a stretched lip its pixel-level grain (with the
    grain scaled by 1 - beta, the stretched skin's 3 x 3 grain fell from 1.00 to 0.93 of the photo's on the
    apex bench)."""
    out = np.zeros((n_skin, 5), np.float32)
    for t in range(n_skin):
        _detail_tri(src_screen, screen, tris, t, out)
    return out


@njit(cache=True, nogil=True, inline="always")
def _detail_tri(src_screen, screen, tris, t, out):  # pragma: no cover - jitted
    """Row ``t`` of :func:`detail_tris` into ``out`` (left as it is where beta is 0: zeros)."""
    even = DETAIL_FROM + 1.0 / DETAIL_FROM
    shrink = 1.0 / (DETAIL_FROM * DETAIL_FROM)
    a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
    f1x = screen[b, 0] - screen[a, 0]
    f1y = screen[b, 1] - screen[a, 1]
    f2x = screen[c, 0] - screen[a, 0]
    f2y = screen[c, 1] - screen[a, 1]
    s1x = src_screen[b, 0] - src_screen[a, 0]
    s1y = src_screen[b, 1] - src_screen[a, 1]
    s2x = src_screen[c, 0] - src_screen[a, 0]
    s2y = src_screen[c, 1] - src_screen[a, 1]
    fd = f1x * f2y - f2x * f1y
    sd = s1x * s2y - s2x * s1y
    if abs(fd) < 1e-3 or abs(sd) < 1e-3 or fd * sd <= 0.0:
        return
    # A = S F^-1: a frame offset -> the source offset the warp samples
    inv = 1.0 / fd
    a00 = (s1x * f2y - s2x * f1y) * inv
    a01 = (s2x * f1x - s1x * f2x) * inv
    a10 = (s1y * f2y - s2y * f1y) * inv
    a11 = (s2y * f1x - s1y * f2x) * inv
    p = a00 * a00 + a01 * a01 + a10 * a10 + a11 * a11
    det = a00 * a11 - a01 * a10
    # without roots first (most triangles): A's singular values s1 >= s2 have s1 / s2 + s2 / s1 = p / det,
    # and s2^2 >= k = 1 / DETAIL_FROM^2 (no magnification past it) where k^2 - p k + det^2 >= 0, k <= p / 2
    if p < even * det and shrink * shrink - p * shrink + det * det >= 0.0 and shrink <= 0.5 * p:
        return
    big = math.sqrt(0.5 * (p + math.sqrt(max(p * p - 4.0 * det * det, 0.0))))  # A's singular values
    small = det / big
    ratio = max(big / small, 1.0 / small)  # the frame's stretch one way over the other, or its magnification
    if ratio <= DETAIL_FROM:
        return
    u = (ratio - DETAIL_FROM) / (DETAIL_FULL - DETAIL_FROM)
    if u <= 0.0:
        return
    u = min(u, 1.0)
    beta = u * u * (3 - 2 * u)
    ca = a00 + a11
    sa = a10 - a01
    n = math.sqrt(ca * ca + sa * sa)
    out[t, 0] = beta
    out[t, 1] = ca / n - a00
    out[t, 2] = -sa / n - a01
    out[t, 3] = sa / n - a10
    out[t, 4] = ca / n - a11


@njit(cache=True, nogil=True)
def detail_pass(detail, ox, oy, src_screen, screen, tris, n_skin, tri_id, flow, x0, y0, out):  # pragma: no cover - jitted
    """One-way stretched skin (:func:`detail_tris` of the source and frame projections ``src_screen``,
    ``screen``, found for the triangles the frame shows only) takes the photo's texture ``detail``
    ((h, w) over the source box at (ox, oy)) at the photo's own scale in place of its stretched detail:
    ``out`` += beta x w x (unstretched - stretched) as luma, w the exact-flow weight (none towards the
    silhouette). Unstretched: the layer around the pixel's source point (the skin pass's flow in
    ``flow[..., :2]``) through the warp's nearest rotation, anchored at the four corners of the pixel's cell of
    DETAIL_CELL frame pixels (each copy at most DETAIL_REACH source pixels off the warped point, and shifted by
    up to DETAIL_JITTER pixels each way, fixed per anchor: neighbouring copies of the photo's few source pixels
    then do not repeat the same features, which would smear them along the stretch again), blended
    bilinearly with weights over the root of their sum of squares (the copies' texture energy kept; each copy
    reads whole pixels, :func:`~emoshift.render.shaders.detail_px`: interpolated, it lost the photo's finest
    grain again);
    stretched: the layer at the warped point. Runs after :func:`_skin_pass`, before the edge pass."""
    rh, rw = tri_id.shape
    dtri = np.zeros((n_skin, 5), np.float32)
    found = np.zeros(n_skin, np.bool_)
    for i in range(rh):
        for j in range(rw):
            t = tri_id[i, j]
            if t < 0 or t >= n_skin:
                continue
            w = flow[i, j, 2]
            if w <= 0.0:
                continue
            if not found[t]:
                _detail_tri(src_screen, screen, tris, t, dtri)
                found[t] = True
            beta = dtri[t, 0] * w
            if beta <= 1e-3:
                continue
            px = x0 + j + 0.5
            py = y0 + i + 0.5
            qx = px + flow[i, j, 0] - ox
            qy = py + flow[i, j, 1] - oy
            gx = px / DETAIL_CELL
            gy = py / DETAIL_CELL
            cx = math.floor(gx)
            cy = math.floor(gy)
            u = gx - cx
            v = gy - cy
            acc = 0.0
            ww = 0.0
            for k in range(4):
                kx = k & 1
                ky = k >> 1
                wk = (u if kx else 1.0 - u) * (v if ky else 1.0 - v)
                if wk <= 1e-6:
                    continue
                ex = px - (cx + kx) * DETAIL_CELL
                ey = py - (cy + ky) * DETAIL_CELL
                sx = dtri[t, 1] * ex + dtri[t, 2] * ey
                sy = dtri[t, 3] * ex + dtri[t, 4] * ey
                m = math.sqrt(sx * sx + sy * sy)
                if m > DETAIL_REACH:
                    sx *= DETAIL_REACH / m
                    sy *= DETAIL_REACH / m
                ai = (int(cy) + ky) & (_JITTER_CELLS - 1)
                aj = (int(cx) + kx) & (_JITTER_CELLS - 1)
                sx += _JITTER[ai, aj, 0]
                sy += _JITTER[ai, aj, 1]
                acc += wk * detail_px(detail, qx + sx, qy + sy)
                ww += wk * wk
            n = beta * (acc / math.sqrt(ww) - mask_at(detail, qx, qy))
            for c in range(3):
                out[y0 + i, x0 + j, c] = np.uint8(min(255.0, max(0.0, out[y0 + i, x0 + j, c] + n + 0.5)))


@njit(cache=True, nogil=True)
def _skin_pass(image, coef, corg, plate, closed, ccoef, mouth, shut, lift, ox, oy, tri_id, face, depth, flow, fx, fy, broad, grain, lost, band, x0, y0, out):  # pragma: no cover - jitted
    """The flow of the skin (exact blended with the coarse field ``fx``, ``fy``) and of what lies around
    the head (the coarse field, blended with the silhouette's flow beside it: :func:`extend_silhouette`)
    applied to every pixel the fragment pass left (``flow[..., 2] >= 0``). Off the head, within
    EDGE_BLEND_PX of the skin, the photo itself is blended over the clean plate (1/2 at a pixel next to
    the skin, 0 at EDGE_BLEND_PX): the skin samples the photo, so the plate's fill met it in a hard,
    stair-stepped line along the mesh's edge. Within ``band`` of the skin the photographed face (the plate's
    matte: the face past the mesh, :func:`~emoshift.render.fill.rim_over`) is composited over the plate at the
    silhouette's own flow, so the outline moves with the face. Skin the frame magnifies (``lost`` (n_skin,),
    per triangle: :func:`magnified_share`) gets back the fine grain its stretched sample lacks: MAGNIFY_GRAIN x ``grain`` x
    sqrt(lost) x the exact-flow weight where lost >= MAGNIFY_MIN_SHARE, luma grain keyed to the frame pixel
    (as the painted mouth's, :func:`~emoshift.render.mouth.grain_noise`, without its chroma: a third of the
    hashes). The photo (and ``closed``) are sampled through their spline coefficients ``coef`` (box at ``corg``)
    and ``ccoef`` (:func:`~emoshift.render.shaders.skin_sample`). The skin's flow is left in ``flow[..., :2]``;
    returns its seams (rh, rw) bool (:func:`~emoshift.render.mouth.mark_seam`)."""
    rh, rw = tri_id.shape
    pix = np.empty(3, np.float32)
    tmp = np.empty(3, np.float32)
    seam = np.zeros((rh, rw), np.bool_)
    r0, r1, rwt = field_taps(rh, fx.shape[0])  # the coarse grid's taps per row and column (field_at's)
    c0, c1, cwt = field_taps(rw, fx.shape[1])
    for i in range(rh):
        i0, i1, wi = r0[i], r1[i], rwt[i]
        for j in range(rw):
            w = flow[i, j, 2]
            if w < 0:
                continue
            j0, j1, wj = c0[j], c1[j], cwt[j]
            dx = field_lerp(fx, i0, i1, wi, j0, j1, wj)
            dy = field_lerp(fy, i0, i1, wi, j0, j1, wj)
            shade = flow[i, j, 3]
            if tri_id[i, j] < 0:  # around the head (the mouth interior and eyes are done)
                moved = False
                if w > 0:  # beside the silhouette: its flow, faded into the coarse field (extend_silhouette)
                    dx = w * flow[i, j, 0] + (1 - w) * dx
                    dy = w * flow[i, j, 1] + (1 - w) * dy
                    moved = abs(flow[i, j, 0]) >= 1e-3 or abs(flow[i, j, 1]) >= 1e-3
                if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3 and not moved:
                    continue  # the photo's own pixel
                qx = x0 + j + 0.5 + dx
                qy = y0 + i + 0.5 + dy
                around_sample(image, plate, ox, oy, qx, qy, pix)
                if w > 0:  # the photographed face's rim past the mesh moves with the silhouette, over the plate
                    rim_over(image, plate, ox, oy, x0 + j + 0.5 + flow[i, j, 0], y0 + i + 0.5 + flow[i, j, 1], flow[i, j, 4],
                             band, pix)  # fmt: skip
                for c in range(3):
                    pix[c] *= shade
                if 0 < flow[i, j, 4] < EDGE_BLEND_PX:
                    b = 1.0 - flow[i, j, 4] / EDGE_BLEND_PX
                    bilinear(image, qx, qy, tmp)
                    for c in range(3):
                        pix[c] = b * tmp[c] + (1 - b) * pix[c]
                put(out, y0 + i, x0 + j, pix)
                continue
            fl = flow[i, j, 4]
            fb = field_lerp(broad, i0, i1, wi, j0, j1, wj)
            dx, dy, shade = warp_offset(dx, dy, fb, flow[i, j, 0], flow[i, j, 1], w, shade)
            flow[i, j, 0] = dx
            flow[i, j, 1] = dy
            mark_seam(tri_id, depth, flow, i, j, seam)
            if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3 and fl < 1e-3:
                continue  # the photo's own pixel
            skin_sample(image, coef, corg, closed, ccoef, mouth, shut, lift, ox, oy, x0 + j + 0.5, y0 + i + 0.5, dx, dy, shade,
                        fl, grain, pix, tmp)
            if not face[tri_id[i, j]]:  # the neck or skull the photo hid behind its face: the plate (behind_face)
                h = behind_face(image, plate, ox, oy, x0 + j + 0.5 + dx, y0 + i + 0.5 + dy, tmp)
                if h > 0.0:
                    for c in range(3):
                        pix[c] = (1.0 - h) * pix[c] + h * shade * tmp[c]
                    flow[i, j, 2] = w * (1.0 - h)  # nor the face's detail (detail_pass)
            if grain > 0.0:
                t = tri_id[i, j]
                if t < lost.shape[0] and lost[t] >= MAGNIFY_MIN_SHARE:
                    n = MAGNIFY_GRAIN * grain * w * math.sqrt(lost[t]) * hash_gauss(y0 + i, x0 + j, 8)
                    for c in range(3):
                        pix[c] += n
            put(out, y0 + i, x0 + j, pix)
    return seam


def render_frame_into(src, mesh, frame, folds, roi, radius, widen, band, out) -> None:
    """Copy the photo into ``out`` (H, W, 3), then :func:`render_frame` over ``roi`` (x0, y0, w, h) with the
    wrinkles of ``folds`` (:class:`~emoshift.render.wrinkle_shader.FoldView`); ``radius``, ``widen``, ``band``:
    see :func:`render_frame`.

    The named tuples are passed to the kernel as their fields and rebuilt inside it: Numba types plain
    arrays and scalars in C, a named tuple in Python with the GIL held (~3 ms a call, which also
    serialises the frame threads)."""
    _render_frame_flat(*src, *mesh, *frame, *folds, roi, radius, widen, band, out)


@njit(cache=True, nogil=True)
def _render_frame_flat(
    image, closed, mouth, plate, screen, origin, pmask, eyes, eye_colours, lift, lip_shadow_px, grain, mouth_blur, black,
    mouth_power, lip_dark, lip_dark_tri, detail, coef, coef_origin, closed_coef, shut, tris, n_skin, part, wexact, face, fscreen, vcol, ratio, flat, keep, keep_eyes, keep_lower, uv, tensor, focal, cx, cy, spacing,
    strength, roi, radius, widen, band, out,
):  # pragma: no cover - jitted
    src = SourceView(image, closed, mouth, plate, screen, origin, pmask, eyes, eye_colours, lift, lip_shadow_px, grain,
                     mouth_blur, black, mouth_power, lip_dark, lip_dark_tri, detail, coef, coef_origin, closed_coef, shut)
    mesh = MeshView(tris, n_skin, part, wexact, face)
    frame = FrameView(fscreen, vcol, ratio, flat, keep, keep_eyes, keep_lower)
    folds = FoldView(uv, tensor, focal, cx, cy, spacing, strength)
    out[:] = image
    render_frame(src, mesh, frame, folds, roi[0], roi[1], roi[2], roi[3], radius, widen, band, out)
