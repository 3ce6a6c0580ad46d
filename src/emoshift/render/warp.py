"""Numba kernels of the photo reenactment (:mod:`emoshift.render.reenact`): one frame = raster the posed
head, backward-warp the photo through the source projection of each visible surface point, paint
surfaces the photo never showed, and carry a smoothed, faded flow into the hair and background.

Flow at a head pixel is ``w · exact + (1 - w) · smooth``: ``exact`` comes from the surface point,
``smooth`` is the coarse-grid average of the head's flow (cells of :data:`CELL` pixels), grown outwards
ring by ring, faded to zero over ``radius`` cells with the minimum-jerk profile and box-blurred; ``w``
is a per-vertex weight (1 on the front of the face, 0 towards the silhouette, skull and neck) so the
flow has no seam where the mesh ends. Outside the head the smooth flow alone moves the photo.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from emoshift.render.raster import FAR, raster_into
from emoshift.render.shape import vertex_normals_into

SKIN = 0
CELL = 8
BLUR_PASSES = 2
#: Bounds of the expression-shading factor applied to a warped skin pixel.
SHADE_RANGE = (0.72, 1.08)
#: Skin displacement (pixels) over which sampling switches from the photo to its mouth-closed version.
CLOSE_PX = 2.0


@njit(cache=True, nogil=True)
def bilinear(image, x, y, out):  # pragma: no cover - jitted
    """Sample (H, W, 3) uint8 ``image`` at pixel coordinates (x, y) (pixel centres at +0.5) into out (3,)."""
    h, w = image.shape[0], image.shape[1]
    fx = min(max(x - 0.5, 0.0), w - 1.0)
    fy = min(max(y - 0.5, 0.0), h - 1.0)
    x0 = int(fx)
    y0 = int(fy)
    x1 = min(x0 + 1, w - 1)
    y1 = min(y0 + 1, h - 1)
    ax = fx - x0
    ay = fy - y0
    for c in range(3):
        top = image[y0, x0, c] * (1 - ax) + image[y0, x1, c] * ax
        bottom = image[y1, x0, c] * (1 - ax) + image[y1, x1, c] * ax
        out[c] = top * (1 - ay) + bottom * ay


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
            p = np.empty(3, np.float32)
            for d in range(3):
                a = r[d, 0] * sx + r[d, 1] * sy + r[d, 2] * sz
                b = rot0[d, 0] * sx + rot0[d, 1] * sy + rot0[d, 2] * sz
                p[d] = w * a + (1 - w) * b + translation[d]
            z = max(-p[2], 1e-3)
            out[k, v, 0] = cx + focal * p[0] / z
            out[k, v, 1] = cy - focal * p[1] / z
            out[k, v, 2] = z


@njit(cache=True, nogil=True)
def lambert(shaped, tris, rots, light, ambient, out):  # pragma: no cover - jitted
    """Per-vertex Lambert shading ``ambient + (1 - ambient) max(0, (R n) . light)`` of many frames.

    Args:
        shaped: (T, V, 3) unposed vertices; tris: (F, 3); rots: (T, 3, 3); light: (3,) unit, camera
            frame. out: (T, V) float32, written in place.
    """
    for k in range(shaped.shape[0]):
        normals = np.empty((shaped.shape[1], 3), np.float32)
        vertex_normals_into(shaped[k], tris, normals)
        r = rots[k]
        for v in range(shaped.shape[1]):
            d = 0.0
            for a in range(3):
                d += light[a] * (r[a, 0] * normals[v, 0] + r[a, 1] * normals[v, 1] + r[a, 2] * normals[v, 2])
            out[k, v] = ambient + (1 - ambient) * max(d, 0.0)


@njit(cache=True)
def bilinear_many(image, xs, ys):  # pragma: no cover - jitted
    """(n, 3) float32 bilinear samples of an (H, W, 3) uint8 image at pixel coordinates xs, ys (n,)."""
    out = np.empty((xs.shape[0], 3), np.float32)
    for k in range(xs.shape[0]):
        bilinear(image, xs[k], ys[k], out[k])
    return out


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


@njit(cache=True, nogil=True)
def field_at(fx, fy, i, j):  # pragma: no cover - jitted
    """Bilinear lookup of the coarse field at pixel (row i, column j) of the ROI: (dx, dy)."""
    gh, gw = fx.shape
    ci = (i + 0.5) / CELL - 0.5
    cj = (j + 0.5) / CELL - 0.5
    i0 = min(max(int(math.floor(ci)), 0), gh - 1)
    j0 = min(max(int(math.floor(cj)), 0), gw - 1)
    i1 = min(i0 + 1, gh - 1)
    j1 = min(j0 + 1, gw - 1)
    wi = min(max(ci - i0, 0.0), 1.0)
    wj = min(max(cj - j0, 0.0), 1.0)
    dx = (fx[i0, j0] * (1 - wj) + fx[i0, j1] * wj) * (1 - wi) + (fx[i1, j0] * (1 - wj) + fx[i1, j1] * wj) * wi
    dy = (fy[i0, j0] * (1 - wj) + fy[i0, j1] * wj) * (1 - wi) + (fy[i1, j0] * (1 - wj) + fy[i1, j1] * wj) * wi
    return dx, dy


@njit(cache=True, nogil=True)
def _put(out, i, j, pix):  # pragma: no cover - jitted
    for c in range(3):
        out[i, j, c] = np.uint8(min(255.0, max(0.0, pix[c] + 0.5)))


@njit(cache=True, nogil=True)
def render_frame(
    image, closed, mouth, src_screen, src_origin, src_tri, src_depth, seen, screen, vcol, ratio, wexact, tris, n_skin,
    part, x0, y0, rw, rh, radius, tol, out,
):  # pragma: no cover - jitted
    """One frame into ``out`` (H, W, 3) uint8, which holds the photo, over the ROI (x0, y0, rw, rh).

    Args:
        image: (H, W, 3) uint8 photo. closed: (h, w, 3) uint8, the photo's box ``mouth`` (x0, y0, x1, y1)
            with the open mouth painted shut (lip colours): skin that moves and samples the box blends
            to it (by displacement, over CLOSE_PX pixels), so closing lips do not carry teeth along.
        src_screen: (V, 3) source-pose [x_px, y_px, depth].
        src_tri, src_depth: (h, w) source render (triangle id, depth) covering the photo's pixels from
            ``src_origin`` (x, y) on: a non-skin pixel whose point is the front surface there in the
            source (depth within ``tol``), or lands where the source shows the same part (parallax
            inside an open mouth, a moving eye), is warped.
        seen: (V,) in [0, 1], how much the photo shows each vertex: other non-skin pixels blend the
            warped colour (weight ``seen``) with the painted one.
        screen: (V, 3) this frame's projection. vcol: (V, 3) colours of painted (never seen) parts.
        ratio: (V,) shading ratio (frame / source) multiplied into warped colours.
        wexact: (V,) weight of the exact flow. tris: (T, 3) int32, skin triangles first (n_skin).
        part: (T,) int8 part code. radius: flow falloff in cells.
    """
    nv = screen.shape[0]
    local = np.empty((nv, 3), np.float32)
    for v in range(nv):
        local[v, 0] = screen[v, 0] - x0
        local[v, 1] = screen[v, 1] - y0
        local[v, 2] = screen[v, 2]
    tri_id = np.full((rh, rw), -1, np.int32)
    bary = np.zeros((rh, rw, 3), np.float32)
    depth = np.full((rh, rw), FAR, np.float32)
    raster_into(local, tris[:n_skin], 0, rh, 1, 0, tri_id, bary, depth)
    raster_into(local, tris[n_skin:], 0, rh, 0, n_skin, tri_id, bary, depth)

    gh = (rh + CELL - 1) // CELL
    gw = (rw + CELL - 1) // CELL
    sx = np.zeros((gh, gw), np.float32)
    sr = np.zeros((gh, gw), np.float32)
    sy = np.zeros((gh, gw), np.float32)
    cnt = np.zeros((gh, gw), np.float32)
    flow = np.zeros((rh, rw, 4), np.float32)  # exact dx, dy, weight (< 0: painted pixel), shading ratio
    flow[:, :, 3] = 1.0
    sh, sw = src_tri.shape
    pix = np.empty(3, np.float32)
    warped = np.empty(3, np.float32)
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
                gi = i // CELL
                gj = j // CELL
                sx[gi, gj] += dx
                sy[gi, gj] += dy
                cnt[gi, gj] += 1.0
                sr[gi, gj] += flow[i, j, 3]
                continue
            # other parts: warped where the photo shows them, painted where it never did, blended between
            pz = b0 * src_screen[va, 2] + b1 * src_screen[vb, 2] + b2 * src_screen[vc, 2]
            qi = int(math.floor(py)) - src_origin[1]
            qj = int(math.floor(px)) - src_origin[0]
            s = b0 * seen[va] + b1 * seen[vb] + b2 * seen[vc]
            if 0 <= qi < sh and 0 <= qj < sw:
                st = src_tri[qi, qj]
                if st >= 0 and (abs(src_depth[qi, qj] - pz) < tol or part[st] == p):
                    s = 1.0
            if s >= 0.999:
                flow[i, j, 0] = dx
                flow[i, j, 1] = dy
                flow[i, j, 2] = 1.0
                continue
            for c in range(3):
                pix[c] = b0 * vcol[va, c] + b1 * vcol[vb, c] + b2 * vcol[vc, c]
            if s > 0.001:
                bilinear(image, px, py, warped)
                for c in range(3):
                    pix[c] = s * warped[c] + (1 - s) * pix[c]
            _put(out, y0 + i, x0 + j, pix)
            flow[i, j, 2] = -1.0

    broad = broad_shading(sr, cnt)  # before coarse_field normalises cnt-weighted sums in place
    fx, fy = coarse_field(sx, sy, cnt, radius)
    for i in range(rh):
        for j in range(rw):
            w = flow[i, j, 2]
            if w < 0:
                continue
            dx, dy = field_at(fx, fy, i, j)
            if tri_id[i, j] >= 0:
                dx = w * flow[i, j, 0] + (1 - w) * dx
                dy = w * flow[i, j, 1] + (1 - w) * dy
            shade = flow[i, j, 3]
            skin = tri_id[i, j] >= 0 and part[tri_id[i, j]] == SKIN
            if skin:
                shade /= field_at(broad, broad, i, j)[0]  # keep the local folds, drop broad shading changes
                shade = min(max(shade, SHADE_RANGE[0]), SHADE_RANGE[1])
            if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3:
                continue  # the photo's own pixel
            qx = x0 + j + 0.5 + dx
            qy = y0 + i + 0.5 + dy
            bilinear(image, qx, qy, pix)
            if skin and mouth[0] <= qx < mouth[2] and mouth[1] <= qy < mouth[3]:
                # moving skin that samples the photo's open mouth takes the mouth-closed photo instead
                m = min(math.sqrt(dx * dx + dy * dy) / CLOSE_PX, 1.0)
                m = m * m * (3 - 2 * m)
                if m > 0:
                    bilinear(closed, qx - mouth[0], qy - mouth[1], warped)
                    for c in range(3):
                        pix[c] = (1 - m) * pix[c] + m * warped[c]
            for c in range(3):
                pix[c] *= shade
            _put(out, y0 + i, x0 + j, pix)

    # soften the edge of painted regions (1-sample rasterization is aliased there)
    for i in range(1, rh - 1):
        for j in range(1, rw - 1):
            if flow[i, j, 2] >= 0:
                continue
            edge = False
            for qi in range(i - 1, i + 2):
                for qj in range(j - 1, j + 2):
                    if flow[qi, qj, 2] >= 0:
                        edge = True
            if not edge:
                continue
            for c in range(3):
                acc = 0.0
                for qi in range(i - 1, i + 2):
                    for qj in range(j - 1, j + 2):
                        acc += out[y0 + qi, x0 + qj, c]
                pix[c] = (acc + 4.0 * out[y0 + i, x0 + j, c]) / 13.0
            _put(out, y0 + i, x0 + j, pix)


@njit(cache=True, nogil=True)
def render_frame_into(
    image, closed, mouth, src_screen, src_origin, src_tri, src_depth, seen, screen, vcol, ratio, wexact, tris, n_skin,
    part, roi, radius, tol, out,
):  # pragma: no cover - jitted
    """Copy the photo into ``out`` (H, W, 3), then :func:`render_frame` over ``roi`` (x0, y0, w, h)."""
    out[:] = image
    render_frame(
        image, closed, mouth, src_screen, src_origin, src_tri, src_depth, seen, screen, vcol, ratio, wexact, tris,
        n_skin, part, roi[0], roi[1], roi[2], roi[3], radius, tol, out,
    )  # fmt: skip
