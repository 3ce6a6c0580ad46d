"""The line where closed lips meet: their contact shadow.

Real closed lips always show a thin dark line where they meet, as sharp as the photo's own blur. The photo's own
line (or slit) lies between the fitted mesh's inner lips, in the mouth's inside, which a frame whose lips moved
(keep 0) paints instead of sampling, and which the closure of nearly closed targets
(:meth:`~emoshift.render.reenact.Reenactor._closed_lips`) squeezes to nothing: the frame's lips met as one smooth
band ("painted"; the blind pairs preferred the renders before the closure for sadness 18 of 24 times). Measured at
the mouth's middle on dev01 at sadness: dip 0.44 without the closure, 0.27 with it, the same with or without the
shut frame's painted-shut sampling (:data:`~emoshift.render.reenact.SHUT_GAP_CM`); dev02 (closed) 0.12 / 0.20 against
its photo's 0.42. :func:`contact_line` darkens the frame along the middle line between the frame's inner lips (the
mesh's inner-lip contour as the frame projects it) wherever they meet, up to a target dip: the photo's own line
(:func:`photo_line`) when the photo's lips are closed, else real closed mouths' (CONTACT_DEPTH). It only tops up:
where the frame already shows a line that deep (the photo's own, carried by the skin) nothing changes. It runs only
as far as the frame shows lips (:func:`visible_lips`, by their colour): the mesh's inner lips can reach on past
them into the skin (a laughing photo's lips, stretched thin at the corners, closed; dev06 at sadness and contempt,
dev03's contempt), where a dark line reads as a mouth corner drawn out, a smirk.

The dip is 1 - the line's minimum luma over the darker lip's mean luma 3-5 px off it (bench/bench_contact_line.py
also reports it over both lips' mean).
"""

from __future__ import annotations

import numpy as np

from emoshift.render.filters import sample_bilinear
from emoshift.render.ramp import smoothstep
from emoshift.render.teeth import LUMA

#: The lips' reference rows either side of the line, pixels (the dip's denominator).
LIPS_OFF_PX = (3, 5)
#: How far from the mesh's middle line (pixels, either side) the frame's own line is looked for.
SEARCH_PX = 2
#: Samples along the line per pixel of its length.
SAMPLES_PER_PX = 1.0
#: Times the line is measured and topped up (:func:`contact_line`).
TOP_UP_PASSES = 3
#: The line is drawn only as far as the frame shows lips, which are redder and less yellow than the skin around
#: them (CIELAB a* - b*, :func:`lip_chroma`): its ends fade out (and stay out, from the middle third outwards) where
#: the lips' chroma on either side of it (the rows LIPS_OFF_PX off it) falls from the middle third's median towards
#: the skin's (SKIN_PAST_CORNER past either end), from VISIBLE_LIPS[1] of that contrast to VISIBLE_LIPS[0]. A laughing
#: photo's lips, stretched thin at the corners, leave skin where the mesh's closed lips reach (dev06, seen from
#: below at sadness: the line ran on into the near corner's stubble, a one-sided smirk; "disgust" 5 of 8 and
#: "contempt" 3 of 8 in panel 63). On the dev photos' sadness and contempt apexes (seed 0) the lips' middle third
#: measures 12-28 (a* - b*), the skin past the corners -10 .. +8; where the line is drawn over half its depth
#: (with the corner taper) it ended at 0.944 of its length on dev06's sadness, now 0.838 (its contempt 0.052-0.942,
#: now 0.241-0.832; dev03's contempt 0.937, now 0.824: its tail curled up past the lips), the others' ends
#: moving by 0-0.10 (dev12's contempt 0.25: its pale lower lip's corner under the moustache).
VISIBLE_LIPS = (0.45, 0.8)
#: ... the skin's reference chroma: pixels this far past either end of the line (x its length, along the chord).
SKIN_PAST_CORNER = 0.12
#: ... faded in by the lips' contrast over the skin (a* - b*): none below the first (a black-and-white photo, lips
#: as grey as the skin, or a tinted one), all from the second.
LIP_CONTRAST = (8.0, 14.0)
#: sRGB's linear primaries in CIE XYZ and the D65 white (IEC 61966-2-1), for :func:`lip_chroma`.
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def _catmull_rom(points: np.ndarray, n: int) -> np.ndarray:
    """(n, 2) points along the Catmull-Rom spline through (k, 2) ``points`` (end points repeated)."""
    p = np.concatenate([points[:1], points, points[-1:]], 0).astype(np.float64)
    k = len(points) - 1
    t = np.linspace(0.0, k, n)
    i = np.minimum(t.astype(int), k - 1)
    u = (t - i)[:, None]
    p0, p1, p2, p3 = p[i], p[i + 1], p[i + 2], p[i + 3]
    return 0.5 * ((2 * p1) + (-p0 + p2) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * u**3)


def _directions(mid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) unit tangents along the points ``mid`` (n, 2) and their normals, pointing down the image."""
    tangent = np.gradient(mid, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-6)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], 1)
    normal *= np.sign(normal[:, 1:2] + 1e-9)  # downwards
    return tangent, normal


def _profiles(luma: np.ndarray, mid: np.ndarray, normal: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n, len(offsets)) luma along the normals at ``mid`` (n, 2)."""
    pts = mid[:, None, :] + offsets[None, :, None] * normal[:, None, :]
    return sample_bilinear(luma, pts[..., 0], pts[..., 1])


def line_dips(luma: np.ndarray, mid: np.ndarray, normal: np.ndarray, search: float = SEARCH_PX) -> np.ndarray:
    """(n,) the dip of ``luma`` (h, w) at each point ``mid`` (n, 2) across its unit ``normal`` (n, 2): 1 - the minimum
    within ``search`` px over the darker lip's mean of the rows LIPS_OFF_PX off that minimum on its side (a step from
    a dark upper lip to a light lower one is no line: 0)."""
    off = np.arange(-search, search + 0.01, 0.5)
    core = _profiles(luma, mid, normal, off)
    j = np.argmin(core, 1)
    at = off[j]
    lo, hi = LIPS_OFF_PX
    side = np.arange(lo, hi + 1).astype(np.float64)
    centre = mid + at[:, None] * normal
    lips = np.minimum(_profiles(luma, centre, normal, -side).mean(1), _profiles(luma, centre, normal, side).mean(1))
    return 1.0 - core[np.arange(len(j)), j] / np.maximum(lips, 1.0)


def _smooth_along(values: np.ndarray, sigma: float) -> np.ndarray:
    """(n,) ``values`` along the line smoothed by a Gaussian of ``sigma`` samples (cut at 2 sigma, ends held)."""
    half = int(2 * sigma)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    return np.convolve(np.pad(values, half, mode="edge"), k / k.sum(), mode="same")[half:-half]


def lip_chroma(rgb: np.ndarray) -> np.ndarray:
    """(...) CIELAB a* - b* (D65) of (..., 3) sRGB values 0-255: higher on lips (red) than on the skin (yellower).
    In numpy (skimage's rgb2lab imports scipy.linalg, which animate does not load: tests/test_cli_imports.py)."""
    c = np.clip(np.asarray(rgb, np.float64) / 255.0, 0.0, 1.0)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > (6.0 / 29.0) ** 3, np.cbrt(xyz), xyz / (3.0 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    return 500.0 * (f[..., 0] - f[..., 1]) - 200.0 * (f[..., 1] - f[..., 2])


def visible_lips(image: np.ndarray, mid: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """(n,) 0 .. 1: how far the line through the points ``mid`` (n, 2, corner to corner) with unit ``normal`` (n, 2)
    runs between lips the (h, w, 3) ``image`` shows (VISIBLE_LIPS, SKIN_PAST_CORNER, LIP_CONTRAST): 1 over the middle
    third, then, towards either end, falling where the lips' chroma LIPS_OFF_PX off the line (both sides' mean)
    fades into the skin's past that end, and never rising again."""
    n = len(mid)
    lo, hi = LIPS_OFF_PX
    side = np.arange(lo, hi + 1).astype(np.float64)
    off = np.concatenate([-side, side])
    rows = (mid[:, None, :] + off[None, :, None] * normal[:, None, :]).reshape(-1, 2)
    chord = SKIN_PAST_CORNER * (mid[-1] - mid[0])
    grid = np.stack(np.meshgrid(np.arange(-1.0, 1.01), np.arange(-1.0, 1.01)), -1).reshape(-1, 2)
    around = np.concatenate([mid[0] - chord + grid, mid[-1] + chord + grid])  # 3 x 3 pixels about each
    pts = np.concatenate([rows, around])
    h, w = image.shape[:2]  # sampled within the points' box (clamped to the image as sample_bilinear clamps)
    x0, y0 = np.maximum(np.floor(pts.min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(pts.max(0)).astype(int) + 3, (w, h))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.ones(n)
    box = np.asarray(image[y0:y1, x0:x1], np.float32)
    chroma = lip_chroma(sample_bilinear(box, pts[:, 0] - x0, pts[:, 1] - y0))
    along = _smooth_along(chroma[: len(rows)].reshape(n, len(off)).mean(1), 2.0)
    skin = chroma[len(rows) :].reshape(2, -1).mean(1)  # (2,) past the first and the last point
    a, b = n // 3, max(2 * n // 3, n // 3 + 1)
    lips = float(np.median(along[a:b]))
    shown = np.ones(n)
    for end, part in ((0, slice(0, a)), (1, slice(b, n))):
        contrast = lips - float(skin[end])
        share = (along[part] - skin[end]) / max(contrast, 1e-3)
        fade = smoothstep((share - VISIBLE_LIPS[0]) / (VISIBLE_LIPS[1] - VISIBLE_LIPS[0]))
        sure = float(smoothstep((contrast - LIP_CONTRAST[0]) / (LIP_CONTRAST[1] - LIP_CONTRAST[0])))
        shown[part] = 1.0 - sure * (1.0 - fade)
    shown[b:] = np.minimum.accumulate(shown[b:])
    shown[:a] = np.minimum.accumulate(shown[:a][::-1])[::-1]
    return shown


def photo_line(image: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> tuple[float, float]:
    """(dip, sigma px) of the line between a photo's closed lips at the middle third of its inner-lip contours
    ``upper``, ``lower`` (k, 2, corner to corner, same order): the median dip (:func:`line_dips`) and the Gaussian
    sigma of its full width at half depth (each side against its own lip past the search; median over the same
    points; the pixel rows widen it a little)."""
    luma = np.asarray(image, np.float32) @ LUMA
    n = max(int(SAMPLES_PER_PX * np.hypot(*(upper[-1] - upper[0]))), 8)
    mid = _catmull_rom(0.5 * (upper + lower), n)
    _, normal = _directions(mid)
    sel = slice(n // 3, max(2 * n // 3, n // 3 + 1))
    mid, normal = mid[sel], normal[sel]
    dips = line_dips(luma, mid, normal)
    off = np.arange(-SEARCH_PX - 3.0, SEARCH_PX + 3.01, 0.25)
    prof = _profiles(luma, mid, normal, off)
    lo, hi = LIPS_OFF_PX
    above = _profiles(luma, mid, normal, -np.arange(lo, hi + 1.0) - SEARCH_PX).mean(1)
    below = _profiles(luma, mid, normal, np.arange(lo, hi + 1.0) + SEARCH_PX).mean(1)
    centre = np.abs(off) <= SEARCH_PX
    widths = []
    for p, up, down in zip(prof, above, below):  # full width at half depth, each side against its own lip
        j = int(np.flatnonzero(centre)[np.argmin(p[centre])])
        a = j
        while a > 0 and p[a - 1] < p[j] + 0.5 * (up - p[j]):
            a -= 1
        b = j
        while b < len(p) - 1 and p[b + 1] < p[j] + 0.5 * (down - p[j]):
            b += 1
        widths.append((b - a + 1) * 0.25)
    return float(np.median(dips)), float(np.median(widths)) / 2.355


def contact_line(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, depth: float, sigma: float,
                 weight: float, gap_px: tuple[float, float]) -> None:
    """Darken ``frame`` (H, W, 3) uint8 in place along the middle line between the inner lips ``upper``, ``lower``
    ((k, 2) frame pixels, corner to corner, the same corners first and last) so that its dip reaches ``depth`` x
    ``weight`` (0 .. 1) where they meet: a Gaussian across the line of ``sigma`` px, as deep as the frame's own dip
    there falls short (:func:`line_dips`, smoothed along the line), tapered over the outer tenth of the line at
    either corner, ended where the frame's lips end (:func:`visible_lips`) and faded out as the lips part from
    ``gap_px[0]`` to ``gap_px[1]`` (their local distance)."""
    if weight <= 0.0 or depth <= 0.0:
        return
    h, w = frame.shape[:2]
    length = float(np.hypot(*(upper[-1] - upper[0])))
    if length < 4.0:
        return
    n = max(int(SAMPLES_PER_PX * length), 8)
    up, lo = _catmull_rom(upper, n), _catmull_rom(lower, n)
    mid = 0.5 * (up + lo)
    gap = np.linalg.norm(lo - up, axis=1)
    tangent, normal = _directions(mid)
    s = np.linspace(0.0, 1.0, n)
    taper = smoothstep(np.minimum(s, 1.0 - s) / 0.1)
    closed = 1.0 - smoothstep((gap - gap_px[0]) / max(gap_px[1] - gap_px[0], 1e-3))
    want = depth * weight * taper * closed
    if (want > 1e-3).any():  # only as far as the frame shows lips
        want = want * visible_lips(frame, mid, normal)
    if not (want > 1e-3).any():
        return
    reach = max(4.0 * sigma + 1.0, SEARCH_PX + LIPS_OFF_PX[1] + 2.0)  # the line and the lips it is measured against
    x0, y0 = int(max(np.floor(mid[:, 0].min() - reach), 0)), int(max(np.floor(mid[:, 1].min() - reach), 0))
    x1, y1 = int(min(np.ceil(mid[:, 0].max() + reach) + 1, w)), int(min(np.ceil(mid[:, 1].max() + reach) + 1, h))
    if x1 <= x0 or y1 <= y0:
        return
    # each pixel within the Gaussian's reach of a sample of the line takes its nearest sample (written farthest first)
    r = int(np.ceil(4.0 * sigma + 1.0))
    oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
    cx, cy = np.floor(mid[:, 0]).astype(int), np.floor(mid[:, 1]).astype(int)
    px = (cx[:, None] + ox.ravel()[None]).ravel()
    py = (cy[:, None] + oy.ravel()[None]).ravel()
    idx = np.repeat(np.arange(n), ox.size)
    ok = (px >= x0) & (px < x1) & (py >= y0) & (py < y1)
    px, py, idx = px[ok], py[ok], idx[ok]
    d2 = (px + 0.5 - mid[idx, 0]) ** 2 + (py + 0.5 - mid[idx, 1]) ** 2  # pixel centres
    order = np.argsort(-d2)
    near = np.full((y1 - y0) * (x1 - x0), -1, np.int64)
    near[(py - y0)[order] * (x1 - x0) + (px - x0)[order]] = idx[order]
    hit = near >= 0
    near = np.maximum(near, 0)
    yy, xx = np.divmod(np.arange(near.size), x1 - x0)
    p = np.stack([xx + x0 + 0.5, yy + y0 + 0.5], -1).astype(np.float64)
    rel = p - mid[near]
    across = (rel * normal[near]).sum(1)
    along = (rel * tangent[near]).sum(1)
    inside = hit & ~(((near == 0) | (near == n - 1)) & (np.abs(along) > 0.5))
    profile = np.where(inside, np.exp(-0.5 * (across / sigma) ** 2), 0.0)
    patch = frame[y0:y1, x0:x1].astype(np.float32)
    for _ in range(TOP_UP_PASSES):  # a line between two pixel rows shows less than its centre's depth: measure again
        luma = patch @ LUMA
        have = np.clip(line_dips(luma, mid - np.array([x0, y0]), normal), 0.0, 0.95)
        amount = np.clip(1.0 - (1.0 - want) / (1.0 - have), 0.0, 1.0)  # the darkening that brings the dip to want
        amount = _smooth_along(amount, 4.0)  # no ticks where the frame's own line wavers
        if not (amount > 1e-3).any():
            break
        gain = (1.0 - amount[near] * profile).reshape(y1 - y0, x1 - x0)
        patch *= gain[..., None].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
