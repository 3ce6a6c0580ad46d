"""Hole filling for images and textures: pull-push (a pyramid of weighted averages, Gortler et al. 1996).

Used to fill the texture atlas where the photo shows nothing (:mod:`.textured`), to paint the photo's
open mouth shut for lips that close over it and to fill the clean plate behind the face (:mod:`.reenact`,
once per photo and once per frame of a video). Each pyramid level is one GIL-free kernel
(:func:`_pull`, :func:`_push`, :func:`_upsample_into`) that does the float32 arithmetic of the NumPy
formulation in the same order, so the values are the same to the bit (``tests/render/test_fill.py``
checks them against that formulation).
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.shaders import bilinear, corners


@njit(cache=True, nogil=True)
def _pull(colour, weight, coarse, coarse_w, side):  # pragma: no cover - jitted
    """One pull step: (H, W, C) colour and (H, W) weight -> (h, w, C) weighted 2 x 2 means and (h, w)
    weights min(sum, 1), of a pyramid level of ``side`` x ``side`` texels (the coarse level's) of which
    these are the top-left corner: fine texels beyond (H, W) weigh 0. Summed in the order NumPy sums
    ``reshape(s, 2, s, 2[, C]).sum((1, 3))``: the colours row by row, the weights by row pairs (both in
    a row when side = 1)."""
    h, w, nc = coarse.shape
    fh, fw = weight.shape
    floor = np.float32(1e-8)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for y in range(h):
        for x in range(w):
            ya, yb, xa, xb = 2 * y, 2 * y + 1, 2 * x, 2 * x + 1
            w00 = weight[ya, xa] if ya < fh and xa < fw else zero
            w01 = weight[ya, xb] if ya < fh and xb < fw else zero
            w10 = weight[yb, xa] if yb < fh and xa < fw else zero
            w11 = weight[yb, xb] if yb < fh and xb < fw else zero
            ws = ((w00 + w01) + w10) + w11 if side == 1 else (w00 + w01) + (w10 + w11)
            d = max(ws, floor)
            for c in range(nc):
                c00 = colour[ya, xa, c] if ya < fh and xa < fw else zero
                c01 = colour[ya, xb, c] if ya < fh and xb < fw else zero
                c10 = colour[yb, xa, c] if yb < fh and xa < fw else zero
                c11 = colour[yb, xb, c] if yb < fh and xb < fw else zero
                wc = ((c00 * w00 + c01 * w01) + c10 * w10) + c11 * w11
                coarse[y, x, c] = wc / d
            coarse_w[y, x] = min(ws, one)


@njit(cache=True, nogil=True, inline="always")
def _taps(j, s):  # pragma: no cover - jitted
    """Bilinear taps of fine index j on a coarse axis of s texels (centres aligned, edges clamped)."""
    if j % 2 == 0:
        i0 = j // 2 - 1
        f = np.float32(0.75)
        if i0 < 0:
            i0, f = 0, np.float32(0.0)
    else:
        i0 = j // 2
        f = np.float32(0.25)
    return i0, min(i0 + 1, s - 1), f


@njit(cache=True, nogil=True)
def _upsample_rows(src, dst, side):  # pragma: no cover - jitted
    """Linear 2 x upsampling along the first axis: each row j of (H, W, C) ``dst`` from the two rows of
    ``src`` its taps name (:func:`_taps` on a level of ``side`` rows)."""
    h, w, nc = dst.shape
    one = np.float32(1.0)
    for j in range(h):
        a, b, f = _taps(j, side)
        g = one - f
        for x in range(w):
            for c in range(nc):
                dst[j, x, c] = src[a, x, c] * g + src[b, x, c] * f


@njit(cache=True, nogil=True)
def _upsample_into(img, out, side):  # pragma: no cover - jitted
    """Bilinear 2 x upsampling (texel centres aligned, edges clamped at the ``side`` x ``side`` level's
    edge) of the (h, w, C) top-left corner ``img`` of that level into the (H, W, C) top-left corner
    ``out`` of the next finer one; ``img`` must hold the texels ``out`` reads (H // 2 + 1 rows, clamped).
    Rows first, then columns (as the NumPy formulation)."""
    rows = np.empty((out.shape[0], img.shape[1], out.shape[2]), np.float32)
    _upsample_rows(img, rows, side)
    _upsample_rows(rows.transpose((1, 0, 2)), out.transpose((1, 0, 2)), side)


@njit(cache=True, nogil=True)
def _push(colour, weight, coarse, out, side):  # pragma: no cover - jitted
    """One push step: ``w c + (1 - w) up(coarse)`` into ``out`` (``side``: the coarse level's)."""
    _upsample_into(coarse, out, side)
    one = np.float32(1.0)
    h, w, nc = out.shape
    for y in range(h):
        for x in range(w):
            wt = weight[y, x]
            for c in range(nc):
                out[y, x, c] = wt * colour[y, x, c] + (one - wt) * out[y, x, c]


def _pyramid_fill(colour: np.ndarray, weight: np.ndarray, side: int) -> np.ndarray:
    """Pull-push of the (h, w) top-left corner of a ``side`` x ``side`` (power of two) image that is zero
    with weight 0 elsewhere: each level is computed over the texels the finer one reads only (half its
    extent plus one, clamped at the level's edge), so the values are those of the whole square's."""
    c = np.ascontiguousarray(colour, np.float32)
    w = np.ascontiguousarray(weight, np.float32)
    levels = []
    while side > 1:
        side //= 2
        h, wd = min((c.shape[0] - 1) // 2 + 2, side), min((c.shape[1] - 1) // 2 + 2, side)
        coarse, coarse_w = np.empty((h, wd, c.shape[2]), np.float32), np.empty((h, wd), np.float32)
        _pull(c, w, coarse, coarse_w, side)
        levels.append((c, w, side))
        c, w = coarse, coarse_w
    for fine, fine_w, coarse_side in reversed(levels):
        out = np.empty_like(fine)
        _push(fine, fine_w, c, out, coarse_side)
        c = out
    return c


def pull_push(colour: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill low-weight texels of a (S, S, 3) image from a pyramid of weighted averages (pull-push).

    Args:
        colour: (S, S, 3) float32; weight: (S, S) in [0, 1] (0 = unknown). S a power of two.
    Returns:
        (S, S, 3) float32 with ``w c + (1 - w) coarser`` at every level.
    """
    return _pyramid_fill(colour, weight, colour.shape[0])


def _upsample2(img: np.ndarray) -> np.ndarray:
    """(s, s, C) -> (2s, 2s, C) float32 bilinear (texel centres aligned, edges clamped)."""
    img = np.ascontiguousarray(img, np.float32)
    out = np.empty((2 * img.shape[0], 2 * img.shape[1], img.shape[2]), np.float32)
    _upsample_into(img, out, img.shape[0])
    return out


def fill_holes(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill the unknown pixels of an (H, W, 3) image (any size) from the known ones by pull-push.

    The pull-push of the image in the corner of the smallest power-of-two square holding it (the rest
    unknown), computed over the image's extent only (:func:`_pyramid_fill`).

    Args:
        image: (H, W, 3) uint8 or float; known: (H, W) weights in [0, 1] (0 = fill, 1 = keep).
    Returns:
        (H, W, 3) float32; known pixels (weight 1) unchanged.
    """
    h, w = known.shape
    side = 1 << int(np.ceil(np.log2(max(h, w, 1))))
    return _pyramid_fill(np.asarray(image, np.float32), np.asarray(known, np.float32), side)


@njit(cache=True, nogil=True)
def _paste_into(photo, known, filled, out):  # pragma: no cover - jitted
    h, w, nc = photo.shape
    for y in range(h):
        for x in range(w):
            if known[y, x]:
                for c in range(nc):
                    out[y, x, c] = photo[y, x, c]
            else:
                for c in range(nc):
                    v = min(max(filled[y, x, c] + np.float32(0.5), np.float32(0.0)), np.float32(255.0))
                    out[y, x, c] = np.uint8(v)


def paste_filled(photo: np.ndarray, known: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: ``photo`` where ``known`` (H, W) bool, else ``filled`` (float32, from
    :func:`fill_holes`) rounded to uint8, as ``np.where(known[..., None], photo, np.clip(filled + 0.5, 0,
    255).astype(np.uint8))`` does, in one GIL-free pass."""
    out = np.empty(photo.shape, np.uint8)
    _paste_into(np.ascontiguousarray(photo, np.uint8), np.ascontiguousarray(known, bool),
                np.ascontiguousarray(filled, np.float32), out)  # fmt: skip
    return out


@njit(cache=True, nogil=True)
def _flood_into(mask, seeds, eight, out):  # pragma: no cover - jitted
    h, w = mask.shape
    stack = np.empty((h * w, 2), np.int64)
    top = 0
    for y in range(h):
        for x in range(w):
            if seeds[y, x] and mask[y, x]:
                out[y, x] = True
                stack[top, 0] = y
                stack[top, 1] = x
                top += 1
    while top > 0:
        top -= 1
        y, x = stack[top, 0], stack[top, 1]
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if (dy == 0 and dx == 0) or (not eight and dy != 0 and dx != 0):
                    continue
                yy, xx = y + dy, x + dx
                if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not out[yy, xx]:
                    out[yy, xx] = True
                    stack[top, 0] = yy
                    stack[top, 1] = xx
                    top += 1


def connected_to(mask: np.ndarray, seeds: np.ndarray, eight: bool = False) -> np.ndarray:
    """(H, W) bool: the pixels of ``mask`` (H, W) bool connected to a pixel of ``mask & seeds`` (the union
    of the components of ``mask`` that touch ``seeds``, as scipy.ndimage.label finds them with its default
    4-connected structure, or 8-connected with ``eight``; without scipy on the render path)."""
    out = np.zeros(mask.shape, bool)
    _flood_into(np.ascontiguousarray(mask, bool), np.ascontiguousarray(seeds, bool), bool(eight), out)
    return out


def face_rim(photo: np.ndarray, face: np.ndarray, reach: int, grow: int = 2) -> np.ndarray:
    """(H, W) float32 in [0, 1]: how far each pixel within ``reach`` pixels outside ``face`` (H, W) bool, the
    fitted mesh's face, belongs to the photographed face rather than to what lies behind it: the share of
    the face's colour in it, ``<I - B, F - B> / |F - B|^2`` clipped to [0, 1] (a two-colour matte; 0 off
    the line from B to F by over RIM_RESIDUAL x |F - B|), with F
    the face's colour next to it (pull-push of the face eroded by ``grow`` pixels) and B the background's
    (pull-push of the pixels beyond ``reach``), over the pixels of share > 1/2 connected to the face (its
    core), and within RIM_FRINGE_PX of that core, where larger, the pixel's departure from the background
    ``(|I - B| - c) / (|F - B| - c)`` (c: RIM_CONTRAST; a blurred outline's shadowed outer edge); 1 inside
    ``face`` grown by ``grow`` (the mesh's anti-aliased rim); 0 elsewhere, beyond ``reach`` and where face and
    background are within RIM_CONTRAST of each other (nothing to tell apart). Glasses, hair or a textured
    background beside the face are not its colour: they stay in the plate (but for the fringe).

    The photographed outline is seldom the fitted mesh's: where the face reaches past the mesh, the clean
    plate (:func:`clean_plate`) kept that rim (skin, its shadowed edge, stubble) beside its fill, and a frame
    whose face moved in showed it off the face as a detached, jagged light edge (dev06's cheek at sadness)."""
    from emoshift.render.filters import binary_dilation, binary_erosion

    img = np.asarray(photo, np.float32)
    near = binary_dilation(face, iterations=grow) if grow > 0 else face.copy()
    zone = binary_dilation(face, iterations=reach) & ~near
    out = near.astype(np.float32)
    if not zone.any():
        return out
    inner = binary_erosion(face, np.ones((2 * grow + 1, 2 * grow + 1), bool)) if grow > 0 else face
    if not inner.any():
        inner = face
    fg = fill_holes(img, inner.astype(np.float32))
    bg = fill_holes(img, (~binary_dilation(face, iterations=reach)).astype(np.float32))
    d = fg[zone] - bg[zone]
    n = np.sqrt((d * d).sum(-1))
    off = img[zone] - bg[zone]
    share = np.clip((off * d).sum(-1) / np.maximum(n * n, 1.0), 0.0, 1.0)
    # a mix of the two colours only: near the line from B to F (sunglasses, blond hair or a bright sky are
    # not the face's rim however far along it they project)
    resid = np.sqrt(((off - share[:, None] * d) ** 2).sum(-1))
    share = np.where((n >= RIM_CONTRAST) & (resid <= RIM_RESIDUAL * n), share, 0.0)
    out[zone] = share
    # only the rim that reaches the face: the pixels of over 1/2 the face's colour connected to it ...
    core = connected_to(out > 0.5, near)
    # ... and its fringe (RIM_FRINGE_PX), where any departure from the background counts (the blurred
    # outline's shadowed outer edge is neither the face's colour nor the background's: left, it showed as a
    # grey line beside the moved face)
    fringe = binary_dilation(core | near, iterations=RIM_FRINGE_PX) & zone
    dev = (np.sqrt((off * off).sum(-1)) - RIM_CONTRAST) / np.maximum(n - RIM_CONTRAST, RIM_CONTRAST)
    dev = np.where(n >= RIM_CONTRAST, np.clip(dev, 0.0, 1.0), 0.0)
    out[zone] = np.where(fringe[zone], np.maximum(share, dev), 0.0)
    return out


#: Face and background colours closer than this (RGB levels) are not told apart by :func:`face_rim`.
RIM_CONTRAST = 12.0
#: A pixel counts as a mix of the face's and the background's colours within RIM_RESIDUAL x |F - B| of
#: the line between them (:func:`face_rim`).
RIM_RESIDUAL = 0.5
#: The rim's fringe (pixels beyond its face-coloured core) where any departure from the background counts.
RIM_FRINGE_PX = 3


#: The photographed face (the plate's alpha, :func:`clean_plate`) is carried past a frame's silhouette only where
#: that silhouette samples the photo within OUTLINE_DEPTH x the silhouette band (frame pixels, ~0.12 x the face's
#: height: :data:`~emoshift.render.flow.SILHOUETTE_BAND`) of the photographed outline, fading out by twice that
#: (:func:`rim_over`): deeper, the frame's outline is new contour (a turned cheek) and the plate shows behind it.
OUTLINE_DEPTH = (0.2, 0.4)


def clean_plate(photo: np.ndarray, face: np.ndarray, reach: int, grow: int = 2) -> np.ndarray:
    """(H, W, 5) uint8: in RGB the photo without the face ``face`` (H, W) bool nor its photographed rim within
    ``reach`` pixels (:func:`face_rim`); in channel 3 the photographed face's matte (255 on ``face``, 255 x the
    rim's share beyond it); in channel 4 each face pixel's distance (pixels, at most 255) from the face's edge.
    RGB: wherever the rim has a share, the background behind it, filled in by pull-push from the pixels it does
    not touch (the matte's background, not a blend with the photo: that kept the faint outer edge of a blurred
    outline as a grey line); elsewhere the photo. ``reach`` <= ``grow``: the face grown by ``grow`` pixels only
    (the former plate).

    The matte is the photographed face as a layer over the plate: a frame carries it past its silhouette with
    the silhouette's flow (:func:`rim_over`), so the face beyond the fitted mesh (the nose's tip and the lips in
    profile, a chin or cheek the fit falls short of, the outline's shadowed edge) stays the face's outline. Off
    the head a frame showed the plate only, which erased it wherever the face moved (dev05 looking down at
    surprise and fear: its nose's tip and lips cut off, white patches beside the nostril and along the jaw)."""
    from emoshift.render.filters import binary_dilation, distance_transform_edt

    out = np.zeros((*face.shape, 5), np.uint8)
    if not face.any():
        out[..., :3] = photo
        return out
    if reach > grow:
        rim = face_rim(photo, face, reach, grow)
    else:
        rim = (binary_dilation(face, iterations=grow) if grow > 0 else face).astype(np.float32)
    known = rim <= 0.0
    out[..., :3] = paste_filled(photo, known, fill_holes(photo, known.astype(np.float32)))
    out[..., 3] = np.round(255.0 * rim).astype(np.uint8)
    out[..., 4] = np.minimum(np.round(distance_transform_edt(face)), 255).astype(np.uint8)
    return out


#: Skin off the plate's face (the neck, the skull) whose source point lies inside the photographed face is
#: skin the photo hid behind the face (the neck behind the chin). Where the photo beyond the face's outline
#: there is background (no rim of the photographed face: the fit overshoots the chin), that skin shows the
#: plate, not the face, by smoothstep of the point's depth in the face (the plate's channel 4) from
#: HIDDEN_DEPTH_PX[0] to [1] pixels (the face's edge pixel, depth 1, is the visible seam between the two; (0.5, 2)
#: left the 96 panel crops within 8 levels of these) (:func:`behind_face`) ...
HIDDEN_DEPTH_PX = (1.0, 3.0)
#: ... "beyond the outline": HIDDEN_OUT_PX past the face's edge, straight out from the point (past the mesh's
#: grown rim, where the plate's matte is the photographed face's share); the plate must match the photo there
#: and at the face's edge pixel itself (within RIM_CONTRAST / 2, none at RIM_CONTRAST, RGB levels): the fit's
#: face reaches past the photographed one onto the background, and a fill of hair, beard or shadow across the
#: face is not what lies behind it.
HIDDEN_OUT_PX = 4.0


@njit(cache=True, nogil=True, inline="always")
def _depth_at(plate, x, y):  # pragma: no cover - jitted
    """The plate's channel 4 (depth in the face, pixels) at box point (x, y), bilinear, edges clamped."""
    x0, y0, x1, y1, ax, ay = corners(plate.shape[0], plate.shape[1], x, y)
    top = (1.0 - ax) * plate[y0, x0, 4] + ax * plate[y0, x1, 4]
    return (1.0 - ay) * top + ay * ((1.0 - ax) * plate[y1, x0, 4] + ax * plate[y1, x1, 4])


@njit(cache=True, nogil=True, inline="always")
def behind_face(image, plate, ox, oy, x, y, behind):  # pragma: no cover - jitted
    """In [0, 1]: how far photo point (x, y) is background hidden behind the photographed face (``plate``:
    :func:`clean_plate` over the source box at (ox, oy); its RGB at the point into ``behind`` (3,) where > 0):
    smoothstep over HIDDEN_DEPTH_PX of the point's depth in the face, times the background's share HIDDEN_OUT_PX
    beyond the face's edge straight out from it (1 - the matte there), times how far ``behind`` matches the photo
    ``image`` there and at the face's edge pixel on the way (RIM_CONTRAST / 2 to RIM_CONTRAST levels); 0 off the
    box or without the depth channel.

    Skin of the frame that is not the face yet samples the photo inside it was hidden behind the face in the
    photo: a chin that rises or moves aside (a jaw that straightens or closes, a head tilting back) uncovers the
    neck behind it, whose exact flow sampled the photo's chin. Where the fit's chin reaches past the
    photographed one over a bright background, that strip showed the chin's shadowed lower edge detached under
    the moved chin, a dark dash (dev09, head turned over white, at contempt and disgust). Where the
    photographed face goes on past the mesh (its rim), or hair lies beside it, the strip keeps the face: the
    plate there is a blurred fill, a dark line along a jaw."""
    h, w = plate.shape[0], plate.shape[1]
    px = x - ox
    py = y - oy
    if plate.shape[2] < 5 or not (0.5 <= px <= w - 0.5 and 0.5 <= py <= h - 0.5):
        return 0.0
    d = _depth_at(plate, px, py)
    u = min(max((d - HIDDEN_DEPTH_PX[0]) / (HIDDEN_DEPTH_PX[1] - HIDDEN_DEPTH_PX[0]), 0.0), 1.0)
    if u <= 0.0:
        return 0.0
    gx = _depth_at(plate, px + 1.5, py) - _depth_at(plate, px - 1.5, py)
    gy = _depth_at(plate, px, py + 1.5) - _depth_at(plate, px, py - 1.5)
    g = math.sqrt(gx * gx + gy * gy)
    if g < 1e-3:
        return 0.0
    bilinear(plate, px, py, behind)
    out = 1.0
    diff = 0.0
    for k in range(2):  # at the face's edge (depth 1) and HIDDEN_OUT_PX beyond it
        step = d - 1.0 if k == 0 else d + HIDDEN_OUT_PX
        i = int(py - step * gy / g)
        j = int(px - step * gx / g)
        if not (0 <= i < h and 0 <= j < w):
            return 0.0
        for c in range(3):
            diff = max(diff, abs(image[oy + i, ox + j, c] - behind[c]))
        if k == 1:
            out = 1.0 - plate[i, j, 3] / 255.0
    m = min(max((RIM_CONTRAST - diff) / (0.5 * RIM_CONTRAST), 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u) * out * m * m * (3.0 - 2.0 * m)


@njit(cache=True, nogil=True, inline="always")
def rim_over(image, plate, ox, oy, x, y, d, band, pix):  # pragma: no cover - jitted
    """Composite the photographed face (the plate's matte, :func:`clean_plate`) at photo point (x, y) over ``pix``
    (3,) float32 in place, for a frame pixel ``d`` pixels off its silhouette whose flow (the silhouette's, rigid)
    maps it to (x, y): the face's premultiplied colour ``I - (1 - a) B`` (``image`` I, the plate's RGB B and matte
    a, over the source box at (ox, oy)) of each of the 2 x 2 pixels around the point, interpolated bilinearly
    with a, then ``pix = face + (1 - a) pix``. Each pixel's matte fades out by smoothstep as the silhouette's
    own source point, ``d`` + that pixel's depth in the face (channel 4), lies deeper than OUTLINE_DEPTH x
    ``band``: a ray from the frame's silhouette carries the photographed outline, never face texture that ends
    in a cut nor an outline detached from the head by the plate. Returns a (0 off the plate's box)."""
    h, w = plate.shape[0], plate.shape[1]
    px = x - ox
    py = y - oy
    if plate.shape[2] < 5 or not (0.5 <= px <= w - 0.5 and 0.5 <= py <= h - 0.5):
        return 0.0
    fx = min(max(px - 0.5, 0.0), w - 1.0)
    fy = min(max(py - 0.5, 0.0), h - 1.0)
    x0 = int(fx)
    y0 = int(fy)
    ax = fx - x0
    ay = fy - y0
    lo = OUTLINE_DEPTH[0] * band
    span = max((OUTLINE_DEPTH[1] - OUTLINE_DEPTH[0]) * band, 1e-3)
    a = 0.0
    r0 = 0.0
    r1 = 0.0
    r2 = 0.0
    for k in range(4):
        yy = min(y0 + (k >> 1), h - 1)
        xx = min(x0 + (k & 1), w - 1)
        wk = (ay if k >> 1 else 1.0 - ay) * (ax if k & 1 else 1.0 - ax)
        ak = plate[yy, xx, 3] / 255.0
        if ak <= 0.0 or wk <= 0.0:
            continue
        u = min(max((d + plate[yy, xx, 4] - lo) / span, 0.0), 1.0)
        g = wk * (1.0 - u * u * (3.0 - 2.0 * u))
        a += g * ak
        r0 += g * (image[oy + yy, ox + xx, 0] - (1.0 - ak) * plate[yy, xx, 0])
        r1 += g * (image[oy + yy, ox + xx, 1] - (1.0 - ak) * plate[yy, xx, 1])
        r2 += g * (image[oy + yy, ox + xx, 2] - (1.0 - ak) * plate[yy, xx, 2])
    if a <= 0.0:
        return 0.0
    pix[0] = r0 + (1.0 - a) * pix[0]
    pix[1] = r1 + (1.0 - a) * pix[1]
    pix[2] = r2 + (1.0 - a) * pix[2]
    return a
