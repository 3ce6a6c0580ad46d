"""Screen-space pass of the photo reenactment after the per-pixel shaders: anti-aliased part boundaries
(lips / mouth interior, teeth / gums, lids / eyeballs: each boundary pixel re-rendered as the mean of
AA_SAMPLES x AA_SAMPLES z-buffered samples, coloured by :mod:`emoshift.render.shaders`). The mouth pass
that follows it is :func:`emoshift.render.mouth.mouth_pass`.
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.flow import field_at
from emoshift.render.raster import FAR, barycentric
from emoshift.render.shaders import inner_sample, put, skin_sample, warp_offset
from emoshift.render.view import EYE, SKIN

#: Boundary pixels between parts are rendered as the mean of AA_SAMPLES^2 samples, z-buffered against the
#: triangles next to those seen within AA_REACH_PX pixels and at most AA_DEPTH_MARGIN_CM behind the
#: deepest surface seen around the pixel.
AA_SAMPLES = 4
AA_REACH_PX = 1
AA_DEPTH_MARGIN_CM = 0.5


@njit(cache=True, nogil=True)
def _edge_band(tri_id, part, span):  # pragma: no cover - jitted
    """(rh, rw) bool: covered pixels whose 8-neighbourhood holds another part, one of the two not skin (the
    skin's own silhouette is blended by the flow instead), not both eyeball (the model's iris and sclera
    take one colour, the photo's and :func:`~emoshift.render.shaders.eye_colour`'s, continuous across
    their boundary: its samples of the recessed iris behind the cornea projected elsewhere in the photo
    and drew a dotted dark ring around the iris); ``span`` (rh, 2) bounds the columns of the
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
                    if pq != p and (p != SKIN or pq > SKIN) and (p < EYE or pq < EYE):
                        band[i, j] = True
    return band


@njit(cache=True, nogil=True)
def antialias_edges(src, mesh, frame, local, tri_id, depth, span, fx, fy, broad, x0, y0, out):  # pragma: no cover - jitted
    """Re-render the pixels along part boundaries (lips/mouth interior, teeth/gums, lids/eyeballs) as the
    mean of AA_SAMPLES x AA_SAMPLES samples: coverage-weighted soft edges instead of 1-sample stair steps.

    The samples of the boundary pixels (:func:`_edge_band`) are z-buffered against the triangles near
    them, with the frame's conventions (skin back faces culled, ties to the lower id), skipping those
    deeper than AA_DEPTH_MARGIN_CM behind every surface seen at the 3 x 3 pixel centres around. A sample is
    coloured like a pixel of its own surface with its own flow applied at the pixel centre (so an unmoved
    frame stays the photo exactly); a sample no triangle covers keeps the pixel's colour.
    """
    tris, n_skin, part, wexact = mesh.tris, mesh.n_skin, mesh.part, mesh.wexact
    image, src_screen, ratio, flat = src.image, src.screen, frame.ratio, frame.flat
    closed, mouth, shut, lift = src.closed, src.mouth, src.shut, src.lift
    coef, corg, ccoef = src.coef, src.coef_origin, src.closed_coef
    pmask, eyes, eye_colours, vcol = src.pmask, src.eyes, src.eye_colours, frame.vcol
    ox, oy, keep, keep_eyes, grain = src.origin[0], src.origin[1], frame.keep, frame.keep_eyes, src.grain
    keep_lower = frame.keep_lower
    power = src.mouth_power
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
                    w0, w1, w2 = barycentric(xa, ya, xb, yb, xc, yc, inv, j + (q % s + 0.5) / s, i + (q // s + 0.5) / s)
                    if w0 < 0:
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
                fl = b0 * flat[va] + b1 * flat[vb] + b2 * flat[vc]
                dx, dy, shade = warp_offset(fdx, fdy, fb, ex, ey, w, shade)
                if abs(dx) < 1e-3 and abs(dy) < 1e-3 and abs(shade - 1) < 1e-3 and fl < 1e-3:
                    for c in range(3):
                        pix[c] = image[y0 + i, x0 + j, c]
                else:
                    skin_sample(image, coef, corg, closed, ccoef, mouth, shut, lift, ox, oy, cx, cy, dx, dy, shade, fl, grain, pix,
                                tmp)
            else:
                inner_sample(image, coef, corg, pmask, eyes, eye_colours, ox, oy, vcol, ratio, power, keep, keep_eyes, keep_lower, grain, part[t],
                             cx, cy, ex, ey, va, vb, vc, b0, b1, b2, pix, tmp)  # fmt: skip
            for c in range(3):
                acc[c] += pix[c]
        for c in range(3):
            pix[c] = acc[c] / ns
        put(out, y0 + i, x0 + j, pix)
