"""The coarse flow of the photo reenactment: the head's per-pixel flow averaged over cells of CELL
pixels, grown outwards ring by ring, faded to zero over ``radius`` cells with the minimum-jerk profile and
box-blurred (:func:`coarse_field`); the coarse expression shading (:func:`broad_shading`); bilinear
lookups of either at a pixel (:func:`field_at`). At the head's outline, per pixel: the exact flow of skin
that occludes skin (the jaw over the neck) is kept up to its rim (:func:`widen_at`), and the flow off
the head starts at the silhouette's and fades into the coarse field (:func:`extend_silhouette`), so the
photographed jaw and cheek outlines move as one edge instead of stepping where exact met coarse.
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.shaders import per_sample

CELL = 8
BLUR_PASSES = 2
#: The exact-flow weight of skin occluding skin at least WIDEN_GAP_CM deeper is widened by WIDEN_PX pixels
#: (:func:`widen_at`; the jaw over the neck is 2.5-3.5 cm in front of it at the contour, lips pressed
#: together < 0.5).
WIDEN_PX = 3
WIDEN_GAP_CM = 1.0
#: The silhouette's flow is carried this far off the head (:func:`extend_silhouette`), as a fraction of the
#: coarse field's falloff (at least CELL pixels).
SILHOUETTE_BAND = 0.2
#: Off the head, the photo is blended over the clean plate up to this many pixels from the skin.
EDGE_BLEND_PX = 2.0


@njit(cache=True, nogil=True)
def coarse_field(sx, sy, cnt, radius):  # pragma: no cover - jitted
    """Average per cell, grow ``radius`` rings outwards, fade, blur: (gh, gw) x and y flow in place-free."""
    gh, gw = sx.shape
    dist = np.full((gh, gw), -1, np.int32)
    for gi in range(gh):
        for gj in range(gw):
            if cnt[gi, gj] > 0:
                sx[gi, gj] /= cnt[gi, gj]
                sy[gi, gj] /= cnt[gi, gj]
                dist[gi, gj] = 0
    for ring in range(1, radius + 1):
        grown = False
        nx = sx.copy()
        ny = sy.copy()
        for gi in range(gh):
            for gj in range(gw):
                if dist[gi, gj] >= 0:
                    continue
                ax = 0.0
                ay = 0.0
                n = 0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        if 0 <= dist[qi, qj] < ring:
                            ax += sx[qi, qj]
                            ay += sy[qi, qj]
                            n += 1
                if n > 0:
                    nx[gi, gj] = ax / n
                    ny[gi, gj] = ay / n
                    dist[gi, gj] = ring
                    grown = True
        sx = nx
        sy = ny
        if not grown:
            break
    fx = np.zeros((gh, gw), np.float32)
    fy = np.zeros((gh, gw), np.float32)
    for gi in range(gh):
        for gj in range(gw):
            d = dist[gi, gj]
            if d < 0:
                continue
            u = 1.0 - d / (radius + 1.0)
            fade = u * u * u * (10 + u * (-15 + 6 * u))
            fx[gi, gj] = sx[gi, gj] * fade
            fy[gi, gj] = sy[gi, gj] * fade
    for _ in range(BLUR_PASSES):
        bx = np.empty_like(fx)
        by = np.empty_like(fy)
        for gi in range(gh):
            for gj in range(gw):
                ax = 0.0
                ay = 0.0
                n = 0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        ax += fx[qi, qj]
                        ay += fy[qi, qj]
                        n += 1
                bx[gi, gj] = ax / n
                by[gi, gj] = ay / n
        fx = bx
        fy = by
    return fx, fy


@njit(cache=True, nogil=True)
def broad_shading(sr, cnt):  # pragma: no cover - jitted
    """Coarse (cell-average, blurred) shading ratio of the head's pixels; 1 where there are none."""
    gh, gw = sr.shape
    out = np.ones((gh, gw), np.float32)
    for blur in range(BLUR_PASSES + 1):
        nxt = np.ones((gh, gw), np.float32)
        for gi in range(gh):
            for gj in range(gw):
                acc = 0.0
                n = 0.0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        if cnt[qi, qj] > 0:
                            acc += sr[qi, qj] / cnt[qi, qj] if blur == 0 else out[qi, qj]
                            n += 1.0
                if n > 0:
                    nxt[gi, gj] = acc / n
        out = nxt
    return out


@per_sample
def _cell_tap(i, g):  # pragma: no cover - jitted
    """The coarse grid's bilinear taps along one axis (``g`` cells) at pixel ``i`` of the ROI: (first cell,
    second cell, weight of the second)."""
    ci = (i + 0.5) / CELL - 0.5
    i0 = min(max(int(math.floor(ci)), 0), g - 1)
    return i0, min(i0 + 1, g - 1), min(max(ci - i0, 0.0), 1.0)


@per_sample
def field_lerp(f, i0, i1, wi, j0, j1, wj):  # pragma: no cover - jitted
    """Bilinear mix of the coarse grid ``f`` at the taps of a row (i0, i1, wi) and a column (j0, j1, wj)
    (:func:`_cell_tap`)."""
    return (f[i0, j0] * (1 - wj) + f[i0, j1] * wj) * (1 - wi) + (f[i1, j0] * (1 - wj) + f[i1, j1] * wj) * wi


@per_sample
def field_at(fx, fy, i, j):  # pragma: no cover - jitted
    """Bilinear lookup of the coarse field at pixel (row i, column j) of the ROI: (dx, dy)."""
    gh, gw = fx.shape
    i0, i1, wi = _cell_tap(i, gh)
    j0, j1, wj = _cell_tap(j, gw)
    return field_lerp(fx, i0, i1, wi, j0, j1, wj), field_lerp(fy, i0, i1, wi, j0, j1, wj)


@njit(cache=True, nogil=True)
def field_taps(n, g):  # pragma: no cover - jitted
    """:func:`_cell_tap` of the pixels 0..n-1 of an axis of ``g`` cells: (n,) first cells, (n,) second
    cells, (n,) weights, so a pass over the ROI looks them up per row and column (:func:`field_at` per
    pixel computes the same values)."""
    c0 = np.empty(n, np.int64)
    c1 = np.empty(n, np.int64)
    w = np.empty(n, np.float64)
    for i in range(n):
        c0[i], c1[i], w[i] = _cell_tap(i, g)
    return c0, c1, w


@njit(cache=True, nogil=True, inline="always")
def mark_contour(tri_id, depth, flow, i, j, contour):  # pragma: no cover - jitted
    """Skin pixel (i, j) against its left and upper neighbours: where one is skin at least WIDEN_GAP_CM
    away in depth, the nearer of the two is set in ``contour`` (an occluding contour of skin over skin).
    Skin: covered with ``flow[..., 2] >= 0`` (its exact-flow weight)."""
    for k in range(2):
        qi = i - k
        qj = j - 1 + k
        if qi < 0 or qj < 0 or tri_id[qi, qj] < 0 or flow[qi, qj, 2] < 0:
            continue
        gap = depth[qi, qj] - depth[i, j]
        if gap >= WIDEN_GAP_CM:
            contour[i, j] = True
        elif gap <= -WIDEN_GAP_CM:
            contour[qi, qj] = True


@njit(cache=True, nogil=True)
def widen_at(tri_id, depth, flow, contour, box, reach):  # pragma: no cover - jitted
    """Along the skin's occluding contours over farther skin (``contour``, :func:`mark_contour`: the jaw and
    chin over the neck), raise the exact-flow weight (``flow[..., 2]``) of the occluding skin to the
    largest it has within ``reach`` pixels (in place); ``box`` (i0, i1, j0, j1): the skin's bounding box.

    The per-vertex weight falls to 0 where the surface turns away from the camera. Where that surface
    occludes more skin its rim is foreshortened to a pixel or two, so the flow stepped from exact to coarse
    inside the occluder: its rim sampled the photo a few pixels off the photographed edge (a dotted or
    doubled jaw line). Widened, the occluder keeps its own flow up to its edge: around each contour pixel
    the skin of its layer (less than half WIDEN_GAP_CM behind it) takes the largest weight of that layer
    there; the farther skin keeps its own."""
    if box[1] < 0 or reach <= 0:
        return
    for i in range(box[0], box[1] + 1):
        for j in range(box[2], box[3] + 1):
            if contour[i, j]:
                _widen_around(tri_id, depth, flow, i, j, reach, depth[i, j] + 0.5 * WIDEN_GAP_CM)


@njit(cache=True, nogil=True, inline="always")
def _widen_around(tri_id, depth, flow, ni, nj, reach, front):  # pragma: no cover - jitted
    """:func:`widen_at` at one occluding contour pixel (ni, nj): the skin within ``reach`` less deep than
    ``front`` takes the largest weight among it."""
    rh, rw = tri_id.shape
    m = 0.0
    for qi in range(max(ni - reach, 0), min(ni + reach + 1, rh)):
        for qj in range(max(nj - reach, 0), min(nj + reach + 1, rw)):
            if tri_id[qi, qj] >= 0 and flow[qi, qj, 2] >= 0 and depth[qi, qj] < front:
                m = max(m, flow[qi, qj, 2])
    for qi in range(max(ni - reach, 0), min(ni + reach + 1, rh)):
        for qj in range(max(nj - reach, 0), min(nj + reach + 1, rw)):
            if tri_id[qi, qj] >= 0 and 0 <= flow[qi, qj, 2] < m and depth[qi, qj] < front:
                flow[qi, qj, 2] = m


@njit(cache=True, nogil=True)
def extend_silhouette(tri_id, flow, fx, fy, box, band):  # pragma: no cover - jitted
    """Carry the flow of the head's silhouette outwards: each pixel off the head (``tri_id < 0``) within
    ``band`` pixels of a skin pixel gets that nearest skin pixel's flow (its exact flow blended with the
    coarse field by its weight) as its own "exact" flow in ``flow[..., :2]``, with weight ``flow[..., 2]``
    falling from 1 at the silhouette to 0 at ``band`` (minimum-jerk), so the skin pass blends it with the
    coarse field like a skin pixel's, and its distance in ``flow[..., 4]`` (0 beyond ``band``). The flow is
    then continuous across the silhouette: the photographed outline moves with the skin (no step where the
    exact flow met the coarse field, no doubled edge) and the background beside it is stretched or
    compressed over ``band`` pixels. ``box`` (i0, i1, j0, j1):
    the skin's bounding box (:func:`widen_at`). Nearest skin pixels by two raster passes carrying each
    pixel's nearest seed (8 neighbours; Danielsson's vector propagation)."""
    rh, rw = tri_id.shape
    if box[1] < 0 or band <= 0:
        return
    i0 = max(box[0] - band, 0)
    i1 = min(box[1] + band, rh - 1)
    j0 = max(box[2] - band, 0)
    j1 = min(box[3] + band, rw - 1)
    bh = i1 - i0 + 1
    bw = j1 - j0 + 1
    far = np.int32(1 << 20)
    si = np.full((bh, bw), far, np.int32)  # nearest seed (box coordinates); far: none yet
    sj = np.full((bh, bw), far, np.int32)
    for p in range(2):  # forward (left, up-left, up, up-right), then backward (the mirrored four)
        s = 1 if p == 0 else -1
        for ii in range(bh):
            i = ii if s > 0 else bh - 1 - ii
            for jj in range(bw):
                j = jj if s > 0 else bw - 1 - jj
                if s > 0 and tri_id[i0 + i, j0 + j] >= 0:  # the skin is its own nearest (seeded in passing)
                    if flow[i0 + i, j0 + j, 2] >= 0:
                        si[i, j] = i
                        sj[i, j] = j
                    continue
                bi = si[i, j]
                bj = sj[i, j]
                best = (i - bi) * (i - bi) + (j - bj) * (j - bj) if bi != far else 1 << 40
                if best == 0:
                    continue
                for k in range(4):
                    qi = i if k == 0 else i - s
                    qj = j - s if k <= 1 else (j if k == 2 else j + s)
                    if qi < 0 or qi >= bh or qj < 0 or qj >= bw or si[qi, qj] == far:
                        continue
                    d = (i - si[qi, qj]) * (i - si[qi, qj]) + (j - sj[qi, qj]) * (j - sj[qi, qj])
                    if d < best:
                        best = d
                        bi = si[qi, qj]
                        bj = sj[qi, qj]
                si[i, j] = bi
                sj[i, j] = bj
    for i in range(bh):
        for j in range(bw):
            if tri_id[i0 + i, j0 + j] >= 0 or si[i, j] == far:
                continue
            d = math.sqrt((i - si[i, j]) ** 2 + (j - sj[i, j]) ** 2)
            if d >= band:
                continue
            u = 1.0 - d / band
            a = u * u * u * (10 + u * (-15 + 6 * u))
            qi = i0 + si[i, j]
            qj = j0 + sj[i, j]
            w = flow[qi, qj, 2]
            cx, cy = field_at(fx, fy, qi, qj)
            flow[i0 + i, j0 + j, 0] = w * flow[qi, qj, 0] + (1 - w) * cx
            flow[i0 + i, j0 + j, 1] = w * flow[qi, qj, 1] + (1 - w) * cy
            flow[i0 + i, j0 + j, 2] = a
            flow[i0 + i, j0 + j, 4] = d
