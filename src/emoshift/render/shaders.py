"""Per-sample shaders of the photo reenactment (Numba, inlined into the frame kernel of
:mod:`emoshift.render.warp` and the edge pass of :mod:`emoshift.render.edges`): the colour of a warped
skin sample (:func:`skin_sample`), of a mouth-interior or eyeball sample (:func:`inner_sample`,
:func:`eye_colour`). They take plain arrays, unpacked once per frame from the named structures of
:mod:`emoshift.render.view` (passing those per pixel costs reference counting of all their arrays).
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.eyes import (
    CATCHLIGHT_GAIN, CATCHLIGHT_LUMA, CATCHLIGHT_RADIUS, CATCHLIGHT_STRENGTH, EYE_ROWS, IRIS_BINS, LIMBAL_PROFILE,
    LIMBAL_WIDTH,
)
from emoshift.render.mouth import grain_noise, hash_gauss
from emoshift.render.view import EYE, EYE_BALL_ABOVE_LOWER, EYE_BALL_BELOW_UPPER, IRIS, MOUTH_PARTS

def per_sample(fn):
    """``njit`` of a per-pixel (per-sample) function that takes arrays and allocates none: compiled without
    Numba's reference counting, which otherwise increments and decrements (atomically) every array
    argument on each call wherever the function's branches defeat Numba's pruning of those pairs (2x the
    frame kernel's time)."""
    return njit(cache=True, nogil=True, _nrt=False)(fn)


#: Skin displacement (pixels) over which sampling switches from the photo to its mouth-closed version.
CLOSE_PX = 2.0
#: Bounds of the expression-shading factor applied to a warped skin pixel.
SHADE_RANGE = (0.72, 1.08)
#: Resampling grain: a Catmull-Rom sample between pixel centres is a weighted mean of 16 pixels, which keeps
#: only sqrt(sum of its squared weights) of the photo's pixel-level grain (0.41 of its variance half a pixel
#: off in both directions): moved skin looked smoothed ("airbrushed, waxy" in the blind panels; the face's
#: fine-detail energy fell to 0.70-0.87 of the photo's at the apexes). The lost share of the photo's grain
#: level (``SourceView.grain``) is given back as luma grain of the source pixel sampled (it moves with the
#: skin), none at pixel centres (an unmoved frame stays the photo).
RESAMPLE_GRAIN = 1.0
#: Magnification grain: where the warp stretches the skin (the lips and the skin around a mouth that opens,
#: widens or closes over the photo's open mouth), each source pixel spreads over several frame pixels and
#: the frame lacks the photo's pixel-level grain there: the stretched mouth region kept 0.75-0.88 of the
#: grain the photo has at the same points (its 3 x 3 residual; dev01-04 apexes), where moved but unstretched
#: skin keeps 0.93-1.07. The missing share (1 - source area / frame area, per triangle) of the photo's
#: grain level is added as white grain (:func:`emoshift.render.warp.magnified_share`): MAGNIFY_GRAIN x the
#: grain level x sqrt(share), MAGNIFY_GRAIN = 1 / GRAIN_SHARE (the grain level is GRAIN_SHARE of the
#: photo's white-noise equivalent: the stretch loses all of it, pores and fine wrinkles too). Triangles
#: magnified by less than MAGNIFY_MIN_SHARE (1.11 x the area; at most 0.45 of the grain level, under a grey
#: level on the development photos) get none: a head moving towards the camera magnifies the whole face a
#: little, and the grain costs a hash per pixel.
MAGNIFY_GRAIN = 1.43
MAGNIFY_MIN_SHARE = 0.1
#: Texture detail on one-way stretched skin (:func:`emoshift.render.warp.detail_tris`,
#: :func:`emoshift.render.warp.detail_pass`): where the warp stretches the skin strongly in one direction
#: (mouth corners pulled out at contempt and fear, lips rolled by a dropping jaw, cheeks around a shout), the
#: Catmull-Rom sample draws the photo's texture out into streaks along the stretch (stubble and pores as
#: radial lines from a pulled corner: "smeared / warped" in the blind panels), and the area it keeps hides it
#: from the magnification grain (stretched 1.5x, squeezed to 0.4x across: 0.6 of the area, no grain). There the
#: photo's own texture detail (:func:`emoshift.render.filters.texture_detail`: its luma above a Gaussian of
#: DETAIL_SIGMA, none on edges) is taken at the photo's own scale: around the same source point, through the
#: rotation nearest the warp (its polar part), anchored on a grid of DETAIL_CELL frame pixels and blended
#: between the four anchors of a pixel's cell with variance-preserving weights (each anchor's copy drifts from
#: the warped point by at most DETAIL_REACH source pixels, and is shifted by a fixed random offset of up to
#: DETAIL_JITTER pixels each way: without it, neighbouring anchors copy overlapping source pixels where the
#: photo has fewer than the frame, and the repeated features smear along the stretch as before); it replaces
#: the stretched detail (the same layer at the warped point) by the share ``beta``: 0 at a stretch ratio (the
#: larger singular value of the frame-from-source map over the smaller, or the larger alone where it
#: magnifies both ways) of DETAIL_FROM, 1 at DETAIL_FULL (smoothstep). The magnification grain is added
#: as before (the layer is gated off edges).
DETAIL_SIGMA = 3.0
DETAIL_CELL = 4.0
DETAIL_REACH = 4.0
DETAIL_JITTER = 3.0
DETAIL_FROM = 1.5
DETAIL_FULL = 2.5
#: The detail layer's edge gate (:func:`emoshift.render.filters.texture_detail`): full below a gradient of
#: DETAIL_EDGE[0] grey levels per pixel of the photo's luma after a Gaussian of DETAIL_EDGE_SIGMA, none above
#: DETAIL_EDGE[1], the gate's minimum over 1.5 DETAIL_SIGMA pixels around (lip outlines, the jaw's silhouette,
#: nostrils keep their own pixels; pores, stubble, lip lines pass).
DETAIL_EDGE = (2.0, 6.0)
DETAIL_EDGE_SIGMA = 2.0
#: Painted iris: darkening of its rim (the limbal ring) and the rim's width (fraction of the radius), over
#: the flat iris colour; over the photo's own radial profile (which carries its ring) LIMBAL_PROFILE
#: (:mod:`emoshift.render.eyes`, which keeps the iris's mean brightness with it).
LIMBAL_DARKEN = 0.35
#: The iris's radial fibres: the profile's colour times 1 + IRIS_FIBRE x a smooth noise over IRIS_SPOKES
#: angular cells (varying along the radius too), so a painted iris is not one smooth disc.
IRIS_FIBRE = 0.12
#: Width of the painted iris's edge into the sclera, in iris radii (at least a pixel).
IRIS_EDGE = 0.12
IRIS_SPOKES = 40.0
#: Painted sclera: darkening towards the upper lid over SCLERA_SHADOW_SPAN iris radii above the iris centre
#: (the narrow shadow right under a moved lid and its lashes is :func:`emoshift.render.eyes.lid_shadow_pass`),
#: and towards the eye corners (the eyeball curves away) over SCLERA_ROUND_SPAN radii to the side, per
#: channel SCLERA_ROUND x SCLERA_ROUND_RGB (red least: the corners' vessels and the caruncle's pink). The
#: former 0.5 towards the lid painted a heavy dark gradient over the top of a widened eye (0.56-0.66 of the
#: photo's own white on dev07). To watch in the next panel: panel 14 found a lighter grey-white (0.15 /
#: 0.25, the shared grey colour then) made anger's raised upper lid read as a fearful stare.
SCLERA_SHADOW = 0.15
SCLERA_SHADOW_SPAN = 1.6
SCLERA_ROUND = 0.3
SCLERA_ROUND_RGB = (0.6, 1.0, 1.15)
SCLERA_ROUND_SPAN = 3.0
#: The sclera's own low-frequency texture (its vessels and uneven white at panel size): luma times
#: 1 + SCLERA_MOTTLE x a smooth noise over cells of SCLERA_MOTTLE_CELL iris radii, fixed on the eyeball.
SCLERA_MOTTLE = 0.04
SCLERA_MOTTLE_CELL = 0.5


@per_sample
def smooth_noise(u, v, k):  # pragma: no cover - jitted
    """Bilinearly interpolated :func:`hash_gauss` over the integer lattice at (u, v), pattern ``k``."""
    i = math.floor(v)
    j = math.floor(u)
    fy = v - i
    fx = u - j
    fy = fy * fy * (3 - 2 * fy)
    fx = fx * fx * (3 - 2 * fx)
    ii = int(i)
    jj = int(j)
    a = hash_gauss(ii, jj, k) * (1 - fx) + hash_gauss(ii, jj + 1, k) * fx
    b = hash_gauss(ii + 1, jj, k) * (1 - fx) + hash_gauss(ii + 1, jj + 1, k) * fx
    return a * (1 - fy) + b * fy


@per_sample
def corners(h, w, x, y):  # pragma: no cover - jitted
    """The 2 x 2 pixels around pixel coordinates (x, y) (centres at +0.5) of an (h, w) image, edges clamped:
    -> (x0, y0, x1, y1, ax, ay), ``ax``/``ay`` the position between them."""
    fx = min(max(x - 0.5, 0.0), w - 1.0)
    fy = min(max(y - 0.5, 0.0), h - 1.0)
    x0 = int(fx)
    y0 = int(fy)
    return x0, y0, min(x0 + 1, w - 1), min(y0 + 1, h - 1), fx - x0, fy - y0


@per_sample
def bilinear(image, x, y, out):  # pragma: no cover - jitted
    """Sample (H, W, 3) uint8 ``image`` at pixel coordinates (x, y) (pixel centres at +0.5) into out (3,)."""
    x0, y0, x1, y1, ax, ay = corners(image.shape[0], image.shape[1], x, y)
    for c in range(3):
        top = image[y0, x0, c] * (1 - ax) + image[y0, x1, c] * ax
        bottom = image[y1, x0, c] * (1 - ax) + image[y1, x1, c] * ax
        out[c] = top * (1 - ay) + bottom * ay


@per_sample
def cr_weights(t):  # pragma: no cover - jitted
    """The four Catmull-Rom weights (pixels -1, 0, +1, +2) at fractional offset ``t`` in [0, 1)."""
    return (((-0.5 * t + 1.0) * t - 0.5) * t, (1.5 * t - 2.5) * t * t + 1.0, ((-1.5 * t + 2.0) * t + 0.5) * t,
            (0.5 * t - 0.5) * t * t)


@per_sample
def bicubic(image, x, y, out):  # pragma: no cover - jitted
    """Catmull-Rom sample of (H, W, 3) uint8 ``image`` at pixel coordinates (x, y) (centres at +0.5) into out
    (3,), edges clamped: exact at pixel centres, and keeps the photo's fine texture (pores, stubble, hair)
    that bilinear sampling of a moving warp blurs away (-12 to -18 % of the face's high-frequency energy)."""
    h, w = image.shape[0], image.shape[1]
    fx = min(max(x - 0.5, 0.0), w - 1.0)
    fy = min(max(y - 0.5, 0.0), h - 1.0)
    x0 = int(fx)
    y0 = int(fy)
    wx0, wx1, wx2, wx3 = cr_weights(fx - x0)
    wy0, wy1, wy2, wy3 = cr_weights(fy - y0)
    xa = max(x0 - 1, 0)
    xb = min(x0 + 1, w - 1)
    xc = min(x0 + 2, w - 1)
    for c in range(3):
        out[c] = 0.0
    for di in range(4):
        wy = wy0 if di == 0 else (wy1 if di == 1 else (wy2 if di == 2 else wy3))
        yi = min(max(y0 + di - 1, 0), h - 1)
        for c in range(3):
            out[c] += wy * (wx0 * image[yi, xa, c] + wx1 * image[yi, x0, c] + wx2 * image[yi, xb, c]
                            + wx3 * image[yi, xc, c])


#: The face is sampled as a cubic B-spline through the photo's pixels (the cardinal cubic spline: the photo
#: prefiltered once per source, :func:`spline_coefficients`, then 4 x 4 B-spline weights per sample, as many
#: taps as Catmull-Rom). Catmull-Rom half a pixel off kept 0.55 of the photo's contrast at 3/4 of the Nyquist
#: frequency and 0.64 of its pixel-level grain; the spline keeps 0.76 and 0.76, so moved skin keeps more of the
#: photo's own pores, stubble and lip lines and less is given back as grain (the moved face's 3 x 3 Laplacian
#: kept 0.90-0.97 of the photo's at the apexes with Catmull-Rom: bench/bench_sharpness.py). Exact at pixel
#: centres. Unclamped, a sharp step rang by 11 % of its height on either side (Catmull-Rom 7 %: a step of
#: 160 levels 40 -> 24, 216 -> 200, a dark and a light halo at hair and glasses against skin): each spline
#: sample is clamped to the range of the 4 pixels around it (:func:`clamp_to_nearest`; no halo beside an edge),
#: which keeps most of the gain (a 0.7 px-blurred noise texture half a pixel off: Laplacian 0.82 of the
#: photo's, unclamped 0.84, Catmull-Rom 0.71).
SPLINE_POLE = math.sqrt(3.0) - 2.0
#: Samples of the spline's effective weights' energy (sum of their squares) at fractional offsets 0, 1/64, ...
#: 1 (:func:`_spline_energy`, for the resampling grain).
SPLINE_ENERGY = np.empty(65, np.float64)


def _spline_energy_table() -> None:
    n = np.arange(-40, 41)
    inv = math.sqrt(3.0) * SPLINE_POLE ** np.abs(n)  # the prefilter's impulse response
    for k, t in enumerate(np.linspace(0.0, 1.0, 65)):
        b = np.array([(1 - t) ** 3, 3 * t**3 - 6 * t * t + 4, -3 * t**3 + 3 * t * t + 3 * t + 1, t**3]) / 6.0
        SPLINE_ENERGY[k] = float((np.convolve(b, inv) ** 2).sum())


_spline_energy_table()


@njit(cache=True, nogil=True)
def spline_coefficients(image, x0, y0, x1, y1):  # pragma: no cover - jitted
    """(y1 - y0, x1 - x0, 3) float32 cubic B-spline coefficients of the box [x0, x1) x [y0, y1) of (H, W, 3)
    uint8 ``image`` (mirrored at the box's edges): sampled with :func:`spline_at` they interpolate its pixels.
    The causal and anticausal recursions of Unser et al. (1991) along rows, then along columns (a row at a
    time: the box's memory in order)."""
    h, w = y1 - y0, x1 - x0
    z = SPLINE_POLE
    horizon = 24  # z^24 < 1e-13
    out = np.empty((h, w, 3), np.float32)
    line = np.empty(max(w, 1), np.float64)
    for a in range(h):
        for c in range(3):
            for k in range(w):
                line[k] = image[y0 + a, x0 + k, c]
            if w > 1:
                acc = 0.0
                zk = 1.0
                for k in range(min(w, horizon)):
                    acc += zk * line[k]
                    zk *= z
                line[0] = acc
                for k in range(1, w):
                    line[k] += z * line[k - 1]
                line[w - 1] = z / (z * z - 1.0) * (line[w - 1] + z * line[w - 2])
                for k in range(w - 2, -1, -1):
                    line[k] = z * (line[k + 1] - line[k])
                for k in range(w):
                    line[k] *= 6.0
            for k in range(w):
                out[a, k, c] = line[k]
    if h > 1:
        col = np.zeros((w, 3), np.float64)
        zk = 1.0
        for k in range(min(h, horizon)):
            for j in range(w):
                for c in range(3):
                    col[j, c] += zk * out[k, j, c]
            zk *= z
        for j in range(w):
            for c in range(3):
                out[0, j, c] = col[j, c]
        for k in range(1, h):
            for j in range(w):
                for c in range(3):
                    out[k, j, c] += z * out[k - 1, j, c]
        g = z / (z * z - 1.0)
        for j in range(w):
            for c in range(3):
                out[h - 1, j, c] = g * (out[h - 1, j, c] + z * out[h - 2, j, c])
        for k in range(h - 2, -1, -1):
            for j in range(w):
                for c in range(3):
                    out[k, j, c] = z * (out[k + 1, j, c] - out[k, j, c])
        for k in range(h):
            for j in range(w):
                for c in range(3):
                    out[k, j, c] *= 6.0
    return out


#: Pixels by which the photo's spline coefficients (:func:`photo_coefficients`) reach beyond the source box.
SPLINE_MARGIN = 4


def photo_coefficients(image: np.ndarray, origin, shape) -> tuple[np.ndarray, np.ndarray]:
    """The spline coefficients of (H, W, 3) uint8 ``image`` over the box at ``origin`` (x, y) of ``shape``
    (h, w, ...) grown by SPLINE_MARGIN (clipped to the image) and that box's (x, y) int64 origin."""
    hh, ww = image.shape[:2]
    x0, y0 = max(int(origin[0]) - SPLINE_MARGIN, 0), max(int(origin[1]) - SPLINE_MARGIN, 0)
    x1 = min(int(origin[0]) + int(shape[1]) + SPLINE_MARGIN, ww)
    y1 = min(int(origin[1]) + int(shape[0]) + SPLINE_MARGIN, hh)
    return spline_coefficients(image, x0, y0, max(x1, x0), max(y1, y0)), np.array([x0, y0], np.int64)


@per_sample
def bspline_weights(t):  # pragma: no cover - jitted
    """The four cubic B-spline weights (coefficients -1, 0, +1, +2) at fractional offset ``t`` in [0, 1)."""
    s = 1.0 - t
    t2 = t * t
    return s * s * s / 6.0, (3.0 * t2 * t - 6.0 * t2 + 4.0) / 6.0, (-3.0 * t2 * t + 3.0 * t2 + 3.0 * t + 1.0) / 6.0, t2 * t / 6.0


@per_sample
def spline_at(coef, x, y, out):  # pragma: no cover - jitted
    """The cardinal cubic spline through a box's pixels (its :func:`spline_coefficients` ``coef``) at pixel
    coordinates (x, y) of the box (centres at +0.5) into out (3,); False (``out`` unset) where its 4 x 4 taps
    leave the box."""
    h, w = coef.shape[0], coef.shape[1]
    fx = x - 0.5
    fy = y - 0.5
    xf = math.floor(fx)
    yf = math.floor(fy)
    if not (1.0 <= xf < w - 2.0 and 1.0 <= yf < h - 2.0):
        return False
    x0 = int(xf)
    y0 = int(yf)
    wx0, wx1, wx2, wx3 = bspline_weights(fx - xf)
    wy0, wy1, wy2, wy3 = bspline_weights(fy - yf)
    for c in range(3):
        out[c] = 0.0
    for di in range(4):
        wy = wy0 if di == 0 else (wy1 if di == 1 else (wy2 if di == 2 else wy3))
        yi = y0 + di - 1
        for c in range(3):
            out[c] += wy * (wx0 * coef[yi, x0 - 1, c] + wx1 * coef[yi, x0, c] + wx2 * coef[yi, x0 + 1, c]
                            + wx3 * coef[yi, x0 + 2, c])
    return True


@per_sample
def clamp_to_nearest(image, x, y, pix):  # pragma: no cover - jitted
    """Clamp ``pix`` (3,) per channel to the range of the (H, W, 3) uint8 ``image``'s 4 pixels around pixel
    coordinates (x, y) (centres at +0.5; edges clamped): a spline sample rings no further than its
    neighbours."""
    x0, y0, x1, y1, _, _ = corners(image.shape[0], image.shape[1], x, y)
    for c in range(3):
        a = image[y0, x0, c]
        b = image[y0, x1, c]
        d = image[y1, x0, c]
        e = image[y1, x1, c]
        lo = min(min(a, b), min(d, e))
        hi = max(max(a, b), max(d, e))
        pix[c] = min(max(pix[c], lo), hi)


@per_sample
def photo_sample(image, coef, cx0, cy0, x, y, grain, pix):  # pragma: no cover - jitted
    """The photo ``image`` at pixel coordinates (x, y) into ``pix`` (3,): the cardinal cubic spline where the
    box of its coefficients ``coef`` (at (cx0, cy0)) covers the sample's taps (clamped to its 4 nearest
    pixels' range: :func:`clamp_to_nearest`), else Catmull-Rom
    (:func:`bicubic`); with ``grain`` > 0 the share of the photo's grain that sample loses given back
    (:func:`resample_grain`)."""
    spline = spline_at(coef, x - cx0, y - cy0, pix)
    if spline:
        clamp_to_nearest(image, x, y, pix)
    else:
        bicubic(image, x, y, pix)
    if grain > 0.0:
        resample_grain(x, y, grain, pix, spline)


@per_sample
def resample_grain(x, y, grain, pix, spline=False):  # pragma: no cover - jitted
    """Add to ``pix`` (3,) the share of grain ``grain`` (grey levels) that a sample at (x, y) loses
    (:func:`spline_at` with ``spline``, else :func:`bicubic`): RESAMPLE_GRAIN x grain x sqrt(1 - kx ky), k the
    sum of the squares of the kernel's weights per axis (1 at a pixel centre), as luma grain keyed to the
    source pixel sampled."""
    fx = x - 0.5
    fy = y - 0.5
    t = fx - math.floor(fx)
    u = fy - math.floor(fy)
    if spline:
        kx = _spline_energy(t)
        ky = _spline_energy(u)
    else:
        kx = _cr_energy(t)
        ky = _cr_energy(u)
    lost = 1.0 - kx * ky
    if lost <= 1e-6:
        return
    n = RESAMPLE_GRAIN * grain * math.sqrt(lost) * hash_gauss(int(math.floor(fy)), int(math.floor(fx)), 7)
    for c in range(3):
        pix[c] += n


@per_sample
def _cr_energy(t):  # pragma: no cover - jitted
    """Sum of the squared Catmull-Rom weights at fractional offset ``t`` (1 at 0 and 1, 0.64 at 0.5)."""
    w0, w1, w2, w3 = cr_weights(t)
    return w0 * w0 + w1 * w1 + w2 * w2 + w3 * w3


@per_sample
def _spline_energy(t):  # pragma: no cover - jitted
    """Sum of the squared effective weights of the cardinal cubic spline at fractional offset ``t`` (1 at 0
    and 1, 0.76 at 0.5), linear between SPLINE_ENERGY's samples."""
    f = min(max(t, 0.0), 1.0) * 64.0
    k = min(int(f), 63)
    a = f - k
    return (1.0 - a) * SPLINE_ENERGY[k] + a * SPLINE_ENERGY[k + 1]


@njit(cache=True)
def bilinear_many(image, xs, ys):  # pragma: no cover - jitted
    """(n, 3) float32 bilinear samples of an (H, W, 3) uint8 image at pixel coordinates xs, ys (n,)."""
    out = np.empty((xs.shape[0], 3), np.float32)
    for k in range(xs.shape[0]):
        bilinear(image, xs[k], ys[k], out[k])
    return out


@per_sample
def detail_px(detail, x, y):  # pragma: no cover - jitted
    """The (h, w) float32 detail layer's pixel under pixel coordinates (x, y) of its box; 0 outside."""
    i = int(math.floor(y))
    j = int(math.floor(x))
    if 0 <= i < detail.shape[0] and 0 <= j < detail.shape[1]:
        return detail[i, j]
    return 0.0


@per_sample
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


@per_sample
def put(out, i, j, pix):  # pragma: no cover - jitted
    for c in range(3):
        out[i, j, c] = np.uint8(min(255.0, max(0.0, pix[c] + 0.5)))


@per_sample
def photo_at(image, coef, corg, cx, cy, dx, dy, grain, out):  # pragma: no cover - jitted
    """The photo at pixel centre (cx, cy) moved by (dx, dy): the pixel itself when the move is negligible, else
    :func:`photo_sample` (the spline over ``coef`` at ``corg``, the grain it loses given back: the photo's teeth
    and eyeballs moved were bilinear, softer than the skin around them)."""
    if abs(dx) < 1e-3 and abs(dy) < 1e-3:
        i = int(cy)
        j = int(cx)
        for c in range(3):
            out[c] = image[i, j, c]
    else:
        photo_sample(image, coef, corg[0], corg[1], cx + dx, cy + dy, grain, out)


@njit(cache=True, nogil=True, inline="always")
def warp_offset(field_dx, field_dy, broad, ex, ey, w, shade):  # pragma: no cover - jitted
    """(dx, dy, shade) of a skin pixel: ``w`` x its exact flow (ex, ey) + (1 - w) x the coarse field there
    (field_dx, field_dy); its expression shading ``shade`` divided by the coarse ``broad`` shading (keep
    the local folds, drop broad changes) and clipped to SHADE_RANGE."""
    shade = min(max(shade / broad, SHADE_RANGE[0]), SHADE_RANGE[1])
    return w * ex + (1 - w) * field_dx, w * ey + (1 - w) * field_dy, shade


@njit(cache=True, nogil=True, inline="always")
def skin_sample(image, coef, corg, closed, ccoef, mouth, shut, lift, ox, oy, cx, cy, dx, dy, shade, flat, grain, pix, tmp):  # pragma: no cover - jitted
    """The photo at pixel centre (cx, cy) + (dx, dy) into ``pix``, for the skin (what lies around the head:
    :func:`around_sample`): moving skin
    that samples the photo's open mouth (box ``mouth``, less the 2 pixels along its sides where ``closed``
    is the photo) blends to the mouth-closed photo ``closed`` (sampled like the photo, :func:`photo_sample`
    over its spline coefficients ``ccoef``; bilinear, the moved lips and the skin around them were softer than
    the cheeks beside), by smoothstep of the motion over CLOSE_PX, or at least ``shut`` (a frame whose lips closed:
    the skin the fit laid over the photo's teeth shows lip, not teeth, however little it moved),
    ``flat`` x the fold ``lift`` is added (:mod:`.folds`) and the result multiplied by ``shade``; the grain
    its resampling lost is given back (:func:`resample_grain`, ``grain``: the photo's level). The photo is
    sampled as the cardinal cubic spline over ``coef`` (its box at ``corg``), Catmull-Rom outside it. ``lift``
    covers the source box at (ox, oy). Takes plain arrays: it runs per pixel, where passing the whole
    SourceView costs reference counting of all its arrays; inlined into the skin and edge passes (a call
    per pixel, with its arrays' fields as arguments, cost a tenth of the skin pass)."""
    qx = cx + dx
    qy = cy + dy
    photo_sample(image, coef, corg[0], corg[1], qx, qy, grain, pix)  # the face: keep its texture
    if mouth[0] + 2 <= qx < mouth[2] - 2 and mouth[1] + 2 <= qy < mouth[3] - 2:
        m = min(math.sqrt(dx * dx + dy * dy) / CLOSE_PX, 1.0)
        m = max(m * m * (3 - 2 * m), shut)  # a shut frame's lips: the closed photo however little they moved
        if m > 0:  # as sharp as the photo's skin, with the same grain (keyed to the source pixel)
            spline = spline_at(ccoef, qx - mouth[0], qy - mouth[1], tmp)
            if spline:
                clamp_to_nearest(closed, qx - mouth[0], qy - mouth[1], tmp)
            else:
                bicubic(closed, qx - mouth[0], qy - mouth[1], tmp)
            if grain > 0.0:
                resample_grain(qx, qy, grain, tmp, spline)
            for c in range(3):
                pix[c] = (1 - m) * pix[c] + m * tmp[c]
    if flat > 1e-3:
        i = int(qy - oy)
        j = int(qx - ox)
        if 0 <= i < lift.shape[0] and 0 <= j < lift.shape[1]:
            for c in range(3):
                pix[c] += flat * lift[i, j, c]
    for c in range(3):
        pix[c] *= shade


@njit(cache=True, nogil=True, inline="always")
def around_sample(image, plate, ox, oy, qx, qy, pix):  # pragma: no cover - jitted
    """Off the head, the photo's pixel at (qx, qy) into ``pix`` (bilinear): its clean ``plate`` (over the
    source box at (ox, oy)) where that covers it (a turn does not drag the face's rim along), else the photo
    itself. Inlined into the skin pass (as :func:`skin_sample`)."""
    px = qx - ox
    py = qy - oy
    if 0.5 <= px <= plate.shape[1] - 0.5 and 0.5 <= py <= plate.shape[0] - 0.5:
        bilinear(plate, px, py, pix)
    else:
        bilinear(image, qx, qy, pix)


@per_sample
def eye_colour(image, opening, eyes, eye_colours, ox, oy, sx, sy, pix, tmp):  # pragma: no cover - jitted
    """Painted colour (into ``pix``) of an eyeball point at source position (sx, sy) that the photo does not
    show. Outside the photo's iris circle (``eyes``): the eye's own sclera colour (``eye_colours`` row 2 + k,
    :func:`emoshift.render.eyes.own_sclera`), slightly darker towards the upper lid and, warmest, towards the
    corners, with a faint low-frequency mottle. Inside it: the photo's own iris at the same distance from
    its centre (:func:`iris_source`), else the eye's radial iris profile (the photo's pupil, stroma and
    ring, :func:`emoshift.render.eyes.iris_profile`) with radial fibres, the photo's own only inside
    IRIS_SOURCE_RIM; the edge between iris and sclera soft over IRIS_EDGE radii; an iris seen obliquely (a row
    after EYE_ROWS: per eye its height over its width, :data:`emoshift.render.eyes.IRIS_SQUASH_ROW`) an ellipse,
    and that row's third value the share of the corners' warm tint (SCLERA_ROUND_RGB; 0: grey), a row after it
    the gain of the shading towards the upper lid and the corners (lowered lids' LOWERED_SHADE); on the iris a
    soft catchlight at ``eyes[k, 4:6]`` iris radii from its centre
    (:data:`emoshift.render.eyes.CATCHLIGHT_AT`). ``eye_colours`` of 2 rows (shared sclera, iris): the
    shared colours, a flat iris with a darker rim. The sclera is not mirrored from the photo: reflected about
    a lid, the lid's lash line, eyeliner and the iris's edge landed in the newly shown eyeball as streaks
    and hard-edged patches (issue 11 panels: "eyes look pasted", "eyes warped" on fear and surprise)."""
    k = 0
    if (sx - eyes[1, 0]) ** 2 + (sy - eyes[1, 1]) ** 2 < (sx - eyes[0, 0]) ** 2 + (sy - eyes[0, 1]) ** 2:
        k = 1
    own = eye_colours.shape[0] >= EYE_ROWS
    row = 2 + k if own else 0
    ex, ey, r = eyes[k, 0], eyes[k, 1], eyes[k, 2]
    rr = max(r, 1e-3)
    q = 1.0  # the iris's height over its width as seen (a lowered gaze's: the row after EYE_ROWS)
    tint = 1.0  # how far the corners warm (the row after EYE_ROWS: 0 on a black-and-white photo)
    deep = 1.0  # the shading's gain (lowered lids: a row more, :data:`emoshift.render.eyes.LOWERED_SHADE`)
    if eye_colours.shape[0] > EYE_ROWS:
        q = min(max(eye_colours[EYE_ROWS, k], 0.2), 1.0)
        tint = eye_colours[EYE_ROWS, 2]
    if eye_colours.shape[0] > EYE_ROWS + 1:
        deep = eye_colours[EYE_ROWS + 1, 0]
    d = math.sqrt((sx - ex) ** 2 + ((sy - ey) / q) ** 2)
    soft = max(IRIS_EDGE * r, 1.0) if own else 1.0  # the limbus is a soft edge, not a cut-out disc
    wi = min(max((r - d) / soft + 0.5, 0.0), 1.0)  # iris coverage
    up = min(max((ey - sy) / (SCLERA_SHADOW_SPAN * rr), 0.0), 1.0)
    side = min(abs(sx - ex) / (SCLERA_ROUND_SPAN * rr), 1.0)
    shade = 1.0 - deep * SCLERA_SHADOW * up * up * (3 - 2 * up)
    if own:
        shade *= 1.0 + SCLERA_MOTTLE * smooth_noise((sx - ex) / (SCLERA_MOTTLE_CELL * rr), (sy - ey) / (SCLERA_MOTTLE_CELL * rr), 9 + k)
    for c in range(3):
        rgb = 1.0 + tint * (SCLERA_ROUND_RGB[c] - 1.0)
        pix[c] = eye_colours[row, c] * shade * max(1.0 - deep * SCLERA_ROUND * rgb * side * side, 0.0)
    if wi <= 0.0:
        return
    t = d / rr
    u = min(max((t - (1 - LIMBAL_WIDTH)) / LIMBAL_WIDTH, 0.0), 1.0)
    limbus = u * u * (3 - 2 * u)  # 0 inside the limbal ring, 1 at the rim
    if own:  # the photo's radial profile (linear between ring centres) with fibres
        f = min(max(t * IRIS_BINS - 0.5, 0.0), IRIS_BINS - 1.0)
        b0 = int(f)
        b1 = min(b0 + 1, IRIS_BINS - 1)
        fb = f - b0
        a = (math.atan2((sy - ey) / q, sx - ex) / (2 * math.pi) + 0.5) * IRIS_SPOKES
        fib = 1.0 + IRIS_FIBRE * smooth_noise(a, t * 2.0, 13 + k)
        fib *= 1.0 - LIMBAL_PROFILE * limbus
        at = 4 + k * IRIS_BINS
        for c in range(3):
            tmp[c] = ((1 - fb) * eye_colours[at + b0, c] + fb * eye_colours[at + b1, c]) * fib
    else:
        dark = 1.0 - LIMBAL_DARKEN * limbus
        for c in range(3):
            tmp[c] = eye_colours[1, c] * dark
    for c in range(3):
        pix[c] = wi * tmp[c] + (1 - wi) * pix[c]
    if (not own or t < IRIS_SOURCE_RIM) and iris_source(image, opening, ex, ey, r, eye_colours, ox, oy, sx, sy, tmp):
        ws = wi
        if own:  # the rim from the profile: samples there hit the photo's limbus, lid or sclera by turns
            u = min(max((IRIS_SOURCE_RIM - t) / IRIS_SOURCE_FADE, 0.0), 1.0)
            ws *= u * u * (3 - 2 * u)
        for c in range(3):
            pix[c] = ws * tmp[c] + (1 - ws) * pix[c]
    g = math.sqrt((sx - ex - eyes[k, 4] * r) ** 2 + (sy - ey - eyes[k, 5] * r) ** 2)
    w = wi * CATCHLIGHT_STRENGTH * min(max((CATCHLIGHT_RADIUS * r - g) / 1.5 + 0.5, 0.0), 1.0)  # soft over 1.5 px
    if w > 0.0:
        for c in range(3):
            pix[c] = w * min(CATCHLIGHT_GAIN * eye_colours[row, c], 255.0) + (1 - w) * pix[c]


#: Where a painted iris point takes the photo's iris from: the same distance from the iris centre at these
#: angles, tried in order (fractions of the point's own angle above or below the horizontal: -1 reflects it
#: about the horizontal diameter, 0 turns it onto the diameter), the first that lies IRIS_CLEAR iris radii
#: inside the photo's eye opening both above and below. Reflection alone copied the lower lid's edge, the
#: shadow under the upper lid and the catchlight of a narrowed eye into the newly shown top of the iris (a
#: second iris stacked on the first: dev04, dev03 at fear and surprise).
IRIS_TURNS = (-1.0, -0.5, 0.5, 0.0)
#: Over the profile (:func:`eye_colour`), the photo's own iris is taken inside IRIS_SOURCE_RIM radii only,
#: fading to the profile over IRIS_SOURCE_FADE radii inwards: at the rim its samples at turned angles hit
#: the photo's limbus, lid or sclera by turns, a dotted dark ring around the painted iris (dev07).
IRIS_SOURCE_RIM = 0.85
IRIS_SOURCE_FADE = 0.15
IRIS_CLEAR = 0.2


@per_sample
def iris_source(image, opening, ex, ey, r, eye_colours, ox, oy, sx, sy, out):  # pragma: no cover - jitted
    """The photo's iris (into ``out``) for the painted iris point (sx, sy) of the iris at (ex, ey) radius r:
    a sample at the same distance from the centre, turned towards the horizontal diameter by the first of
    IRIS_TURNS that lies well inside the ``opening`` (box at (ox, oy)) and is not a catchlight. Returns
    False (``out`` unset) when none does (the caller keeps the flat iris colour)."""
    d = math.sqrt((sx - ex) ** 2 + (sy - ey) ** 2)
    hx = abs(sx - ex)
    s = 1.0 if sx >= ex else -1.0
    a = math.atan2(sy - ey, max(hx, 1e-6))
    m = IRIS_CLEAR * r
    iris_luma = 0.299 * eye_colours[1, 0] + 0.587 * eye_colours[1, 1] + 0.114 * eye_colours[1, 2]
    for f in IRIS_TURNS:
        qx = ex + s * d * math.cos(f * a)
        qy = ey + d * math.sin(f * a)
        if mask_at(opening, qx - ox, qy - m - oy) < 0.5 or mask_at(opening, qx - ox, qy + m - oy) < 0.5:
            continue
        bilinear(image, qx, qy, out)
        if 0.299 * out[0] + 0.587 * out[1] + 0.114 * out[2] > iris_luma + CATCHLIGHT_LUMA:
            continue
        return True
    return False


@per_sample
def inner_sample(
    image, coef, corg, pmask, eyes, eye_colours, ox, oy, vcol, ratio, power, keep, keep_eyes, keep_lower, grain, p, cx, cy, dx, dy, va, vb,
    vc, b0, b1, b2, pix, tmp,
):  # pragma: no cover - jitted
    """Colour (into ``pix``) of a mouth-interior or eyeball sample of part ``p`` whose source point lies at
    (cx + dx, cy + dy). Mouth: its painted colour (``vcol``, barycentric) blended with the photo there by
    ``pmask[p - 1]`` (how surely the photo shows part p), at least ``keep`` (1 while the lips have not
    moved), the photo's share times ``ratio`` (barycentric: the share of the light that reaches the point
    through the frame's lips) to the per-channel ``power`` (3,) (red fades slowest, as on the painted
    parts), towards 1 by ``keep``: the photo's teeth are taken as fully lit, so those the frame puts behind
    a lip corner fall into its shadow as the painted ones do, warm, not grey; the painted share
    carries the photo's ``grain`` (:func:`~emoshift.render.mouth.grain_noise`).
    Eyeball: the photo where its source point lies in the photo's eye opening (``pmask[EYE - 1]``);
    where the lids open no further than the photo's (``keep_eyes`` the upper's, ``keep_lower`` the lower's),
    also where the source render shows eyeball (``pmask[IRIS - 1]``); where only one lid opens, there but off
    that lid's margin in the photo (``pmask[EYE_BALL_BELOW_UPPER]``, ``pmask[EYE_BALL_ABOVE_LOWER]``); else :func:`eye_colour` with the photo's grain on that share (the model's colour
    when the photo shows no eyes).
    Plain arrays (see :func:`skin_sample`); the masks cover the source box at (ox, oy). Returns the painted
    share of a mouth sample (1 - the photo's), 0 for an eyeball sample (for the mouth's focus pass,
    :func:`~emoshift.render.mouth.focus_paint`)."""
    sx = cx + dx - ox
    paint = 0.0
    sy = cy + dy - oy
    if p <= MOUTH_PARTS:
        for c in range(3):
            pix[c] = b0 * vcol[va, c] + b1 * vcol[vb, c] + b2 * vcol[vc, c]
        a = max(mask_at(pmask[p - 1], sx, sy), keep)
        paint = 1.0 - a
        if a < 1.0:
            grain_noise(cx, cy, (1.0 - a) * grain, pix)
    else:
        a = mask_at(pmask[EYE - 1], sx, sy)
        if keep_eyes > 0.0 or keep_lower > 0.0:
            kept = keep_eyes * keep_lower * mask_at(pmask[IRIS - 1], sx, sy)
            if keep_eyes < 1.0:  # the upper lid opens: off its margin
                kept += (1.0 - keep_eyes) * keep_lower * mask_at(pmask[EYE_BALL_BELOW_UPPER], sx, sy)
            if keep_lower < 1.0:
                kept += keep_eyes * (1.0 - keep_lower) * mask_at(pmask[EYE_BALL_ABOVE_LOWER], sx, sy)
            a = max(a, kept)
        if eyes[0, 3] > 0.0:
            if a < 1.0:
                eye_colour(image, pmask[EYE - 1], eyes, eye_colours, ox, oy, cx + dx, cy + dy, pix, tmp)
                grain_noise(cx, cy, (1.0 - a) * grain, pix)
        else:
            for c in range(3):
                pix[c] = b0 * vcol[va, c] + b1 * vcol[vb, c] + b2 * vcol[vc, c]
    if a > 1e-3:
        photo_at(image, coef, corg, cx, cy, dx, dy, grain, tmp)
        if p <= MOUTH_PARTS and keep < 1.0:  # at keep 1 the factor is 1
            lg = math.log(max(b0 * ratio[va] + b1 * ratio[vb] + b2 * ratio[vc], 1e-3))
            for c in range(3):
                tmp[c] *= 1.0 - (1.0 - keep) * (1.0 - math.exp(power[c] * lg))  # 1 at keep 1
        for c in range(3):  # a >= 1: the photo alone (an eyeball's pix is unset there: eye_colour runs below 1)
            pix[c] = tmp[c] if a >= 1.0 else a * tmp[c] + (1 - a) * pix[c]
    return paint
