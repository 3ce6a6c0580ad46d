"""Numba kernels of the photo reenactment (:mod:`emoshift.render.reenact`): one frame = raster the posed
head, backward-warp the photo through the source projection of each visible surface point, paint
surfaces the photo never showed, and carry a smoothed, faded flow into the hair and background.

Flow at a head pixel is ``w · exact + (1 - w) · smooth``: ``exact`` comes from the surface point,
``smooth`` is the coarse-grid average of the head's flow (cells of :data:`CELL` pixels), grown outwards
ring by ring, faded to zero over ``radius`` cells with the minimum-jerk profile and box-blurred; ``w``
is a per-vertex weight (1 on the front of the face, 0 towards the silhouette, skull and neck) so the
flow has no seam where the mesh ends. Outside the head the smooth flow alone moves the photo, sampling
its clean plate (the face filled in from around it) so a turn does not drag the face's rim off the head.
Mouth-interior and eye pixels blend the photo with painted colours (:func:`inner_colour`), and the
pixels along part boundaries are re-rendered from 4 x 4 samples each (:func:`antialias_edges`).
"""

from __future__ import annotations

import math

import numpy as np
from emoshift.jit import njit

from emoshift.render.raster import FAR, raster_box
from emoshift.render.shape import vertex_normals_into

SKIN = 0
CELL = 8
BLUR_PASSES = 2
#: Bounds of the expression-shading factor applied to a warped skin pixel.
SHADE_RANGE = (0.72, 1.08)
#: Skin displacement (pixels) over which sampling switches from the photo to its mouth-closed version.
CLOSE_PX = 2.0
#: Part codes up to this one are the mouth interior (socket 1, gums/tongue 2, teeth 3; eyes above).
MOUTH_PARTS = 3
#: Boundary pixels between parts are rendered as the mean of AA_SAMPLES^2 samples, z-buffered against the
#: triangles next to those seen within AA_REACH_PX pixels and at most AA_DEPTH_MARGIN_CM behind the
#: deepest surface seen around the pixel.
AA_SAMPLES = 4
AA_REACH_PX = 1
AA_DEPTH_MARGIN_CM = 0.5


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


@njit(cache=True, nogil=True, inline="always")
def mask_at(mask, x, y):  # pragma: no cover - jitted
    """Bilinear sample of an (h, w) float32 mask at pixel coordinates (x, y) (centres at +0.5); 0 outside."""
    h, w = mask.shape
    fx = x - 0.5
    fy = y - 0.5
    if not (-1.0 < fx < w and -1.0 < fy < h):
        return 0.0
    x0 = int(math.floor(fx))
    y0 = int(math.floor(fy))
    ax = fx - x0
    ay = fy - y0
    acc = 0.0
    for di in range(2):
        for dj in range(2):
            yi = y0 + di
            xj = x0 + dj
            if 0 <= yi < h and 0 <= xj < w:
                acc += mask[yi, xj] * (ay if di else 1 - ay) * (ax if dj else 1 - ax)
    return acc


@njit(cache=True, nogil=True, inline="always")
def _photo(image, cx, cy, dx, dy, out):  # pragma: no cover - jitted
    """The photo at pixel centre (cx, cy) moved by (dx, dy): the pixel itself when the move is negligible."""
    if abs(dx) < 1e-3 and abs(dy) < 1e-3:
        i = int(cy)
        j = int(cx)
        for c in range(3):
            out[c] = image[i, j, c]
    else:
        bilinear(image, cx + dx, cy + dy, out)


@njit(cache=True, nogil=True, inline="always")
def inner_colour(
    image, pmask, src_origin, keep, p, cx, cy, dx, dy, vcol, va, vb, vc, b0, b1, b2, pix, tmp
):  # pragma: no cover - jitted
    """Colour (into ``pix``) of a mouth-interior or eye sample of part ``p`` whose source point lies at
    (cx + dx, cy + dy): its painted colour blended with the photo there by ``pmask[p - 1]`` at that
    point (how surely the photo shows part p there), at least ``keep`` for the mouth parts."""
    for c in range(3):
        pix[c] = b0 * vcol[va, c] + b1 * vcol[vb, c] + b2 * vcol[vc, c]
    a = mask_at(pmask[p - 1], cx + dx - src_origin[0], cy + dy - src_origin[1])
    if p <= MOUTH_PARTS:
        a = max(a, keep)
    if a > 1e-3:
        _photo(image, cx, cy, dx, dy, tmp)
        for c in range(3):
            pix[c] = a * tmp[c] + (1 - a) * pix[c]


@njit(cache=True, nogil=True, inline="always")
def warp_offset(field_dx, field_dy, broad, ex, ey, w, shade):  # pragma: no cover - jitted
    """(dx, dy, shade) of a skin pixel: ``w`` x its exact flow (ex, ey) + (1 - w) x the coarse field there
    (field_dx, field_dy); its expression shading ``shade`` divided by the coarse ``broad`` shading (keep
    the local folds, drop broad changes) and clipped to SHADE_RANGE."""
    shade = min(max(shade / broad, SHADE_RANGE[0]), SHADE_RANGE[1])
    return w * ex + (1 - w) * field_dx, w * ey + (1 - w) * field_dy, shade


@njit(cache=True, nogil=True)
def sample_warped(image, closed, mouth, cx, cy, dx, dy, skin, shade, pix, tmp):  # pragma: no cover - jitted
    """The photo at pixel centre (cx, cy) + (dx, dy), times ``shade``, into ``pix``; moving skin that
    samples the photo's open mouth (box ``mouth``) blends to the mouth-closed photo ``closed``."""
    qx = cx + dx
    qy = cy + dy
    bilinear(image, qx, qy, pix)
    if skin and mouth[0] <= qx < mouth[2] and mouth[1] <= qy < mouth[3]:
        m = min(math.sqrt(dx * dx + dy * dy) / CLOSE_PX, 1.0)
        m = m * m * (3 - 2 * m)
        if m > 0:
            bilinear(closed, qx - mouth[0], qy - mouth[1], tmp)
            for c in range(3):
                pix[c] = (1 - m) * pix[c] + m * tmp[c]
    for c in range(3):
        pix[c] *= shade


@njit(cache=True, nogil=True)
def _edge_band(tri_id, part, span):  # pragma: no cover - jitted
    """(rh, rw) bool: covered pixels whose 8-neighbourhood holds another part, one of the two not skin (the
    skin's own silhouette is blended by the flow instead); ``span`` (rh, 2) bounds the columns of the
    non-skin pixels per row, so only those rows and columns are scanned."""
    rh, rw = tri_id.shape
    band = np.zeros((rh, rw), np.bool_)
    for i in range(1, rh - 1):
        lo = min(span[i - 1, 0], min(span[i, 0], span[i + 1, 0]))
        hi = max(span[i - 1, 1], max(span[i, 1], span[i + 1, 1]))
        for j in range(max(lo - 1, 1), min(hi + 2, rw - 1)):
            t = tri_id[i, j]
            if t < 0:
                continue
            p = part[t]
            for qi in range(i - 1, i + 2):
                for qj in range(j - 1, j + 2):
                    tq = tri_id[qi, qj]
                    pq = part[tq] if tq >= 0 else -1
                    if pq != p and (p != SKIN or pq > SKIN):
                        band[i, j] = True
    return band


@njit(cache=True, nogil=True)
def antialias_edges(
    image, closed, mouth, src_screen, src_origin, pmask, keep, local, vcol, ratio, wexact, tris, n_skin, part,
    tri_id, depth, span, fx, fy, broad, x0, y0, out,
):  # pragma: no cover - jitted
    """Re-render the pixels along part boundaries (lips/mouth interior, teeth/gums, lids/eyeballs) as the
    mean of AA_SAMPLES x AA_SAMPLES samples: coverage-weighted soft edges instead of 1-sample stair steps.

    The samples of the boundary pixels (:func:`_edge_band`) are z-buffered against the triangles near
    them, with the frame's conventions (skin back faces culled, ties to the lower id), skipping those
    deeper than AA_DEPTH_MARGIN_CM behind every surface seen at the 3 x 3 pixel centres around. A sample is
    coloured like a pixel of its own surface with its own flow applied at the pixel centre (so an unmoved
    frame stays the photo exactly); a sample no triangle covers keeps the pixel's colour.
    """
    rh, rw = tri_id.shape
    band = _edge_band(tri_id, part, span)
    nb = 0
    for i in range(rh):
        for j in range(rw):
            if band[i, j]:
                nb += 1
    if nb == 0:
        return
    s = AA_SAMPLES
    ns = s * s
    index = np.full((rh, rw), -1, np.int32)
    bi = np.empty(nb, np.int32)
    bj = np.empty(nb, np.int32)
    limit = np.empty(nb, np.float32)  # deepest surface around + margin
    k = 0
    for i in range(rh):
        for j in range(rw):
            if band[i, j]:
                index[i, j] = k
                bi[k] = i
                bj[k] = j
                dmax = 0.0
                for qi in range(i - 1, i + 2):
                    for qj in range(j - 1, j + 2):
                        if tri_id[qi, qj] >= 0:
                            dmax = max(dmax, depth[qi, qj])
                limit[k] = dmax + AA_DEPTH_MARGIN_CM
                k += 1
    # candidate triangles: those sharing a vertex with a triangle seen at a pixel centre within AA_REACH_PX
    # of a boundary pixel (hidden layers away from the boundary, e.g. the mouth socket behind the teeth,
    # are left out; tiny triangles seen at no pixel centre are kept through their neighbours)
    vnear = np.zeros(local.shape[0], np.bool_)
    for k in range(nb):
        for qi in range(max(bi[k] - AA_REACH_PX, 0), min(bi[k] + AA_REACH_PX + 1, rh)):
            for qj in range(max(bj[k] - AA_REACH_PX, 0), min(bj[k] + AA_REACH_PX + 1, rw)):
                tq = tri_id[qi, qj]
                if tq >= 0:
                    vnear[tris[tq, 0]] = True
                    vnear[tris[tq, 1]] = True
                    vnear[tris[tq, 2]] = True
    sid = np.full((nb, ns), -1, np.int32)
    sz = np.full((nb, ns), FAR, np.float32)
    sb = np.zeros((nb, ns, 3), np.float32)
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        if not (vnear[a] or vnear[b] or vnear[c]):
            continue
        xa, ya, za = local[a, 0], local[a, 1], local[a, 2]
        xb, yb, zb = local[b, 0], local[b, 1], local[b, 2]
        xc, yc, zc = local[c, 0], local[c, 1], local[c, 2]
        area = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya)
        if area == 0.0 or (t < n_skin and area > 0):
            continue  # degenerate, or a skin back face
        zmin = min(za, min(zb, zc))
        xmin = min(xa, min(xb, xc))
        xmax = max(xa, max(xb, xc))
        ymin = min(ya, min(yb, yc))
        ymax = max(ya, max(yb, yc))
        inv = 1.0 / area
        for i in range(max(int(math.floor(ymin)), 1), min(int(math.floor(ymax)), rh - 2) + 1):
            # the sample rows (and below, columns) of pixel i inside the triangle's box
            si0 = max(int(math.ceil((ymin - i) * s - 0.5)), 0)
            si1 = min(int(math.floor((ymax - i) * s - 0.5)), s - 1)
            for j in range(max(int(math.floor(xmin)), 1), min(int(math.floor(xmax)), rw - 2) + 1):
                k = index[i, j]
                if k < 0 or zmin > limit[k]:
                    continue
                sj0 = max(int(math.ceil((xmin - j) * s - 0.5)), 0)
                sj1 = min(int(math.floor((xmax - j) * s - 0.5)), s - 1)
                for q in range(ns):
                    if not (si0 <= q // s <= si1 and sj0 <= q % s <= sj1):
                        continue
                    px = j + (q % s + 0.5) / s
                    py = i + (q // s + 0.5) / s
                    w0 = ((xb - px) * (yc - py) - (xc - px) * (yb - py)) * inv
                    if w0 < 0:
                        continue
                    w1 = ((xc - px) * (ya - py) - (xa - px) * (yc - py)) * inv
                    if w1 < 0:
                        continue
                    w2 = 1.0 - w0 - w1
                    if w2 < 0:
                        continue
                    z = w0 * za + w1 * zb + w2 * zc
                    if z < sz[k, q]:
                        sz[k, q] = z
                        sid[k, q] = t
                        sb[k, q, 0] = w0
                        sb[k, q, 1] = w1
                        sb[k, q, 2] = w2
    pix = np.empty(3, np.float32)
    tmp = np.empty(3, np.float32)
    acc = np.empty(3, np.float32)
    for k in range(nb):
        i = bi[k]
        j = bj[k]
        fdx, fdy = field_at(fx, fy, i, j)
        fb = field_at(broad, broad, i, j)[0]
        cx = x0 + j + 0.5
        cy = y0 + i + 0.5
        acc[:] = 0.0
        for q in range(ns):
            t = sid[k, q]
            if t < 0:
                for c in range(3):
                    acc[c] += out[y0 + i, x0 + j, c]
                continue
            b0, b1, b2 = sb[k, q, 0], sb[k, q, 1], sb[k, q, 2]
            va, vb, vc = tris[t, 0], tris[t, 1], tris[t, 2]
            # the sample's flow: its source point relative to the sample itself
            ex = b0 * src_screen[va, 0] + b1 * src_screen[vb, 0] + b2 * src_screen[vc, 0] - x0 - j - (q % s + 0.5) / s
            ey = b0 * src_screen[va, 1] + b1 * src_screen[vb, 1] + b2 * src_screen[vc, 1] - y0 - i - (q // s + 0.5) / s
            if part[t] == SKIN:
                w = b0 * wexact[va] + b1 * wexact[vb] + b2 * wexact[vc]
                shade = b0 * ratio[va] + b1 * ratio[vb] + b2 * ratio[vc]
                dx, dy, shade = warp_offset(fdx, fdy, fb, ex, ey, w, shade)
                if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3:
                    for c in range(3):
                        pix[c] = image[y0 + i, x0 + j, c]
                else:
                    sample_warped(image, closed, mouth, cx, cy, dx, dy, True, shade, pix, tmp)
            else:
                inner_colour(image, pmask, src_origin, keep, part[t], cx, cy, ex, ey, vcol, va, vb, vc, b0, b1, b2, pix,
                             tmp)  # fmt: skip
            for c in range(3):
                acc[c] += pix[c]
        for c in range(3):
            pix[c] = acc[c] / ns
        _put(out, y0 + i, x0 + j, pix)


@njit(cache=True, nogil=True)
def render_frame(
    image, closed, mouth, plate, src_screen, src_origin, pmask, keep, screen, vcol, ratio, wexact, tris, n_skin,
    part, x0, y0, rw, rh, radius, out,
):  # pragma: no cover - jitted
    """One frame into ``out`` (H, W, 3) uint8, which holds the photo, over the ROI (x0, y0, rw, rh).

    Args:
        image: (H, W, 3) uint8 photo. closed: (h, w, 3) uint8, the photo's box ``mouth`` (x0, y0, x1, y1)
            with the open mouth painted shut (lip colours): skin that moves and samples the box blends
            to it (by displacement, over CLOSE_PX pixels), so closing lips do not carry teeth along.
        plate: (h, w, 3) uint8, the photo's box from ``src_origin`` (x, y) with the face filled in from its
            surroundings (a clean plate). Pixels off the frame's head sample it instead of the photo (the
            same away from the face): where the face turned away (a disocclusion) they show what was
            around the face, not the face's rim dragged along by the coarse flow.
        src_screen: (V, 3) source-pose [x_px, y_px, depth].
        pmask: (5, h, w) float32 over the photo's box from ``src_origin`` (x, y): for each non-skin part
            code p, ``pmask[p - 1]`` is how surely the photo shows part p at a pixel. A mouth-interior or
            eye pixel blends the photo at its point's source position with its painted colour by that
            weight (at least ``keep``, in [0, 1], for the mouth parts: 1 while the lips have not moved).
        screen: (V, 3) this frame's projection. vcol: (V, 3) painted colours of the non-skin parts.
        ratio: (V,) shading ratio (frame / source) multiplied into warped skin colours.
        wexact: (V,) weight of the exact flow. tris: (T, 3) int32, skin triangles first (n_skin).
        part: (T,) int8 part code. radius: flow falloff in cells.
    """
    local, tri_id, bary, depth = raster_box(screen, tris, n_skin, x0, y0, rw, rh)

    gh = (rh + CELL - 1) // CELL
    gw = (rw + CELL - 1) // CELL
    sx = np.zeros((gh, gw), np.float32)
    sr = np.zeros((gh, gw), np.float32)
    sy = np.zeros((gh, gw), np.float32)
    cnt = np.zeros((gh, gw), np.float32)
    flow = np.zeros((rh, rw, 4), np.float32)  # exact dx, dy, weight (< 0: done), shading ratio
    flow[:, :, 3] = 1.0
    pix = np.empty(3, np.float32)
    tmp = np.empty(3, np.float32)
    span = np.empty((rh, 2), np.int64)  # columns of the non-skin pixels per row (for the edge pass)
    span[:, 0] = rw
    span[:, 1] = -1
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
            cx = x0 + j + 0.5
            inner_colour(image, pmask, src_origin, keep, p, cx, y0 + i + 0.5, dx, dy, vcol, va, vb, vc, b0, b1, b2, pix,
                         tmp)  # fmt: skip
            _put(out, y0 + i, x0 + j, pix)
            flow[i, j, 2] = -1.0
            span[i, 0] = min(span[i, 0], j)
            span[i, 1] = max(span[i, 1], j)

    broad = broad_shading(sr, cnt)  # before coarse_field normalises cnt-weighted sums in place
    fx, fy = coarse_field(sx, sy, cnt, radius)
    for i in range(rh):
        for j in range(rw):
            w = flow[i, j, 2]
            if w < 0:
                continue
            skin = tri_id[i, j] >= 0  # the mouth interior and eyes are done
            dx, dy = field_at(fx, fy, i, j)
            shade = flow[i, j, 3]
            if skin:
                fb = field_at(broad, broad, i, j)[0]
                dx, dy, shade = warp_offset(dx, dy, fb, flow[i, j, 0], flow[i, j, 1], w, shade)
            if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3:
                continue  # the photo's own pixel
            # :func:`sample_warped` written out: as a call it costs ~15% of the whole frame here
            qx = x0 + j + 0.5 + dx
            qy = y0 + i + 0.5 + dy
            # off the head: the clean plate (the photo without its face) where it covers the source position
            px = qx - src_origin[0]
            py = qy - src_origin[1]
            if not skin and 0.5 <= px <= plate.shape[1] - 0.5 and 0.5 <= py <= plate.shape[0] - 0.5:
                bilinear(plate, px, py, pix)
            else:
                bilinear(image, qx, qy, pix)
            if skin and mouth[0] <= qx < mouth[2] and mouth[1] <= qy < mouth[3]:
                m = min(math.sqrt(dx * dx + dy * dy) / CLOSE_PX, 1.0)
                m = m * m * (3 - 2 * m)
                if m > 0:
                    bilinear(closed, qx - mouth[0], qy - mouth[1], tmp)
                    for c in range(3):
                        pix[c] = (1 - m) * pix[c] + m * tmp[c]
            for c in range(3):
                pix[c] *= shade
            _put(out, y0 + i, x0 + j, pix)

    antialias_edges(
        image, closed, mouth, src_screen, src_origin, pmask, keep, local, vcol, ratio, wexact, tris, n_skin, part,
        tri_id, depth, span, fx, fy, broad, x0, y0, out,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def render_frame_into(
    image, closed, mouth, plate, src_screen, src_origin, pmask, keep, screen, vcol, ratio, wexact, tris, n_skin,
    part, roi, radius, out,
):  # pragma: no cover - jitted
    """Copy the photo into ``out`` (H, W, 3), then :func:`render_frame` over ``roi`` (x0, y0, w, h)."""
    out[:] = image
    render_frame(
        image, closed, mouth, plate, src_screen, src_origin, pmask, keep, screen, vcol, ratio, wexact, tris,
        n_skin, part, roi[0], roi[1], roi[2], roi[3], radius, out,
    )  # fmt: skip
