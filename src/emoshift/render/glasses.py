"""Glasses in the photo, kept rigid in the frames.

Real glasses sit on the nose and the ears: an expression (brows rising, cheeks raising) does not bend them.
The warp moves every photo pixel with the skin under it, so frames bent the photo's frames and lenses with
the face. :func:`detect_glasses` finds them from the detected MediaPipe landmarks and the photo's colours:
rays from each eye's centre over the skin around it (``non-skin``: darker than the face's skin or off its
hue, :func:`non_skin`) find either

- a dark lens (sunglasses): the ring just outside the eye's opening is non-skin on most rays, the lens's
  outline is where each ray first reaches skin (the convex hull of those points, the frame's rim added by a
  margin; a skin-hued reflection the lens's dark body encloses is not skin: :func:`_lens_holes`), or
- a rim (clear glasses): on most rays, including those below the eye (where a face without glasses shows
  cheek), a thin non-skin band beyond the lid with skin on both sides; the rim is the band between its inner
  and outer outlines,

each eye on its own, both needed; the bridge over the nose is the non-skin between the two lenses at their
upper part, and a top bar above it a thin line darker than the skin above and below it (:func:`_top_bar`); the
mask then takes in the rims' antialiased edges and a lens edge's highlight or tint beside them. Nothing is found
on a face without glasses (brows lie above the eye only, a shaded socket has no skin between it and the lid).
The renderer (:mod:`.reenact`) samples the face from the photo with the glasses filled in from around them
(:func:`fill_glasses`: the skin's shading and its grain), so skin the expression moves out from under the frame
is skin that looks photographed, and lays the photo's glasses over each frame moved by the head's rigid motion only
(:func:`rigid_affine`, :func:`lay_glasses`): for a still photo at its own pose, the glasses stay where they were.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from emoshift.render.eyes import EYE_CONTOURS
from emoshift.render.filters import sample_bilinear
from emoshift.render.teeth import LUMA

#: Rays per eye.
N_RAYS = 72
#: Rays reach this many eye widths (corner to corner) from the eye's centre, and no further than the
#: face's midline (the nose bridge).
RAY_REACH = 1.8
#: Non-skin: luma below this share of the skin's, or a log-chroma distance from the skin's hue above NON_SKIN_HUE.
NON_SKIN_DARK = 0.55
NON_SKIN_HUE = 0.3
#: The ring outside the eye's opening tested for a lens: from its contour (plus this many eye widths) over
#: LENS_RING eye widths.
LENS_GAP = 0.08
LENS_RING = 0.25
#: A ray crosses a lens where at least this share of its ring is non-skin; a lens when this share of the rays
#: (and of those below the eye) do.
LENS_RAY = 0.7
LENS_SHARE = 0.85
#: ... and the two rings together are this dark (luma below NON_SKIN_DARK of the skin's) at least.
LENS_DARK = 0.7
#: A hole of a dark lens's body (:func:`_lens_holes`: a reflection) takes at most this many eye widths squared.
HOLE_MAX = 0.6
#: Skin reached (a lens's outline): this many eye widths of skin in a row.
SKIN_RUN = 0.05
#: A rim: a non-skin band of RIM_WIDTH eye widths (min, max), RIM_GAP eye widths or more beyond the lid's
#: contour, with skin for SKIN_RUN on both sides, on RIM_SHARE of the rays (and of those below the eye).
RIM_WIDTH = (0.015, 0.2)
RIM_GAP = 0.04
RIM_SHARE = 0.7
RIM_BELOW = 0.5
#: ... of which this share lies on a smooth outline (within RIM_OFF of its neighbours' median,
RIM_KEEP = 0.5
#: ... the median over RIM_SMOOTH rays either side, RIM_OFF eye widths
RIM_SMOOTH = 6
RIM_OFF = 0.06
#: Margin (eye widths) added around the found outlines (the rim's antialiased edge; a sunglasses' thin rim
#: outside the dark lens).
MARGIN = 0.03
#: The fill under the glasses (:func:`fill_glasses`): the shading from the skin off the mask's GRAIN_RING px
#: edge; the grain (detail less a Gaussian of GRAIN_SIGMA px) mirrored about the edge, folded back every
#: GRAIN_FOLDS[0] px (or the next where that pixel is not dark), clipped at GRAIN_CLIP robust standard deviations
#: of the skin's grain within GRAIN_REACH px of the mask.
GRAIN_RING = 2
GRAIN_SIGMA = 2.0
GRAIN_FOLDS = (14.0, 9.0, 20.0, 5.0)
GRAIN_CLIP = 2.5
GRAIN_REACH = 24
#: A top bar between the lenses (:func:`_top_bar`): BAR_DARK levels darker than the pixels above and below, up to
#: BAR_ABOVE eye widths above the lenses' inner tops.
BAR_DARK = 10.0
BAR_ABOVE = 0.3
#: The mask grows into non-skin joined to it by at most this many eye widths.
GROW = 0.1
#: The mask then grows EDGE_PX pixels into pixels darker than EDGE_DARK of the skin's luma (the rim's antialiased
#: edge) or off the skin around it by EDGE_OFF levels in a channel or EDGE_TINT in blue less red (a lens edge's
#: highlight, its blue tint).
EDGE_DARK = 0.8
EDGE_OFF = 20.0
EDGE_TINT = 8.0
EDGE_PX = 4
#: Feather (pixels) of the glasses' alpha outside the hard mask.
FEATHER_PX = 1.5


class Glasses(NamedTuple):
    """origin: (x, y) of the box in the photo; mask: (h, w) bool, the glasses (filled in for the face's
    sampling); alpha: (h, w) float32, the mask feathered outwards by FEATHER_PX (the glasses' layer);
    kind: "sun" (dark lenses: lenses and rims) or "clear" (rims only); lenses: per eye (N, 2) float32 the
    outline's points in photo pixels; skin: the face skin's colour they were found against."""

    origin: tuple[int, int]
    mask: np.ndarray
    alpha: np.ndarray
    kind: str
    lenses: tuple
    skin: tuple = (0.0, 0.0, 0.0)


def non_skin(pix: np.ndarray, skin: np.ndarray, hue: bool = True) -> np.ndarray:
    """(..., 3) colours -> (...) bool: darker than NON_SKIN_DARK of the skin's luma, or off its hue by more
    than NON_SKIN_HUE (log red / green and blue / green)."""
    pix = np.asarray(pix, np.float32)
    skin = np.asarray(skin, np.float32)
    luma = pix @ np.asarray(LUMA, np.float32)
    dark = luma < NON_SKIN_DARK * float(skin @ np.asarray(LUMA, np.float32))
    if not hue:
        return dark
    lr = np.log((pix[..., 0] + 8) / (pix[..., 1] + 8)) - np.log((skin[0] + 8) / (skin[1] + 8))
    lb = np.log((pix[..., 2] + 8) / (pix[..., 1] + 8)) - np.log((skin[2] + 8) / (skin[1] + 8))
    return dark | (np.hypot(lr, lb) > NON_SKIN_HUE)


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of the True runs of a 1-D bool array."""
    d = np.diff(np.concatenate([[0], row.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def _contour_radius(contour: np.ndarray, centre: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """(n,) the eye contour's distance from ``centre`` along each ray (its farthest crossing; polygon
    edges intersected with the rays)."""
    out = np.zeros(len(angles))
    p = contour - centre
    q = np.roll(p, -1, axis=0)
    for k, a in enumerate(angles):
        u = np.array([np.cos(a), np.sin(a)])
        best = 0.0
        for s, e in zip(p, q):
            d = e - s
            m = np.array([[u[0], -d[0]], [u[1], -d[1]]])
            if abs(np.linalg.det(m)) < 1e-9:
                continue
            t, v = np.linalg.solve(m, s)
            if t > 0 and 0 <= v <= 1:
                best = max(best, t)
        out[k] = best
    return out


class _Eye(NamedTuple):
    kind: str | None  # "sun", "clear" or None
    outer: np.ndarray  # (n, 2) outline points (photo pixels)
    inner: np.ndarray | None  # (n, 2) a rim's inner outline
    width: float
    dark: float = 0.0  # a lens's dark share of its ring


def _scan_eye(image, skin, contour, centre, width, mid, step) -> _Eye:
    """Rays from ``centre`` over the non-skin map: a lens, a rim or nothing (module docstring)."""
    angles = np.linspace(0, 2 * np.pi, N_RAYS, endpoint=False)
    dirs = np.stack([np.cos(angles), np.sin(angles)], 1)
    r_eye = _contour_radius(contour, centre, angles)
    reach = np.full(N_RAYS, RAY_REACH * width)
    # not past the face's midline (the line through the nose bridge, ``mid``: point, unit direction)
    (mp, md) = mid
    nrm = np.array([-md[1], md[0]])
    side = float((centre - mp) @ nrm)
    toward = dirs @ nrm * -np.sign(side)
    ok = toward > 1e-6
    reach[ok] = np.minimum(reach[ok], abs(side) / toward[ok])
    radii = np.arange(0, RAY_REACH * width, step)
    pts = centre + radii[None, :, None] * dirs[:, None, :]
    cols = sample_bilinear(image, pts[..., 0], pts[..., 1])
    ns = non_skin(cols, skin)  # (n, m)
    dk = non_skin(cols, skin, hue=False)
    inside = radii[None, :] <= reach[:, None]
    below = dirs[:, 1] > 0.3  # image y down
    skin_run = max(int(round(SKIN_RUN * width / step)), 2)
    # a lens: the ring outside the opening is non-skin
    lo = r_eye + LENS_GAP * width
    ring = (radii[None, :] >= lo[:, None]) & (radii[None, :] < (lo + LENS_RING * width)[:, None]) & inside
    share = (ns & ring).sum(1) / np.maximum(ring.sum(1), 1)
    dark = (dk & ring).sum() / max(ring.sum(), 1)
    lens = share >= LENS_RAY
    if lens.mean() >= LENS_SHARE and lens[below].mean() >= LENS_SHARE:
        # a reflection in the lens (skin-hued: a face or a wall mirrored) is not the skin beyond it
        held = _lens_holes(image, skin, centre, width, mid, pts[dk & ring])
        (hx, hy), (hh, hw) = held[0], held[1].shape
        hi, hj = np.floor(pts[..., 1]).astype(int) - hy, np.floor(pts[..., 0]).astype(int) - hx
        inbox = (hi >= 0) & (hi < hh) & (hj >= 0) & (hj < hw)
        hole = np.zeros(ns.shape, bool)
        hole[inbox] = held[1][hi[inbox], hj[inbox]]
        out = np.full(N_RAYS, np.nan)
        for k in np.flatnonzero(lens):
            start = int(np.searchsorted(radii, lo[k]))
            for m in (ns | hole, dk | hole):  # skin reached: neither dark nor off the skin's hue, else not dark
                hitk = [s for s, e in _runs((~m[k] & inside[k])[start:]) if e - s >= skin_run]
                if hitk:
                    out[k] = radii[start + hitk[0]]
                    break
        good = np.isfinite(out)
        if good.mean() >= LENS_SHARE:
            med = _circular_median(out, 4)
            good &= np.abs(out - med) <= 0.5 * LENS_RING * width
            return _Eye("sun", centre + out[good, None] * dirs[good], None, width, float(dark))
    # a rim: a thin non-skin band beyond the lid with skin on both sides; of several on a ray (lashes, the rim,
    # a brow), the one nearest its neighbours' (the circular median over RIM_SMOOTH rays either side)
    cands = []
    wmin, wmax = (max(int(round(v * width / step)), 1) for v in RIM_WIDTH)
    for k in range(N_RAYS):
        start = int(np.searchsorted(radii, r_eye[k] + RIM_GAP * width))
        row = _close(dk[k, start:] & inside[k, start:], skin_run)
        end = int(inside[k, start:].sum())
        found = []
        for s, e in _runs(row):
            if s < skin_run or not (wmin <= e - s <= wmax) or e + skin_run > end:
                continue
            if (~row[s - skin_run : s]).all() and (~row[e : e + skin_run]).all():
                found.append((radii[start + s], radii[start + e]))
        cands.append(found)
    r_in = np.array([c[0][0] if c else np.nan for c in cands])
    r_out = np.array([c[0][1] if c else np.nan for c in cands])
    for _ in range(3):
        med = _circular_median(r_out, RIM_SMOOTH)
        for k, c in enumerate(cands):
            if c and np.isfinite(med[k]):
                r_in[k], r_out[k] = min(c, key=lambda v: abs(v[1] - med[k]))
    hit = np.isfinite(r_out)
    if hit.mean() >= RIM_SHARE and hit[below].mean() >= RIM_BELOW:
        # a smooth outline: rays off the circular median of their neighbours by more than a rim width are dropped
        med = _circular_median(r_out, RIM_SMOOTH)
        keep = hit & (np.abs(r_out - med) <= RIM_OFF * width)
        if keep.mean() >= RIM_KEEP:
            # the rays without a rim take their neighbours' (circular interpolation): a closed ring
            ang = angles[keep]
            per = np.concatenate([ang - 2 * np.pi, ang, ang + 2 * np.pi])
            ro = np.interp(angles, per, np.tile(r_out[keep], 3))
            ri = np.interp(angles, per, np.tile(r_in[keep], 3))
            return _Eye("clear", centre + ro[:, None] * dirs, centre + ri[:, None] * dirs, width)
    return _Eye(None, np.zeros((0, 2)), None, width)


def _lens_holes(image, skin, centre, width, mid, seeds) -> tuple[tuple[int, int], np.ndarray]:
    """The reflections in a dark lens: ((x0, y0), (h, w) bool) over the box of the rays' reach, the holes of the
    lens's dark body (the dark pixels, 8-connected, joined to ``seeds`` (n, 2), its ring's dark samples, within
    RAY_REACH eye widths of ``centre`` and on its side of the midline ``mid``): the regions it encloses (not
    joined to the reach's edge, 4-connected) of HOLE_MAX eye widths squared at most. A lens mirrors what faces it,
    skin-hued at times (feat multi_face's right lens: a reddish face or wall 0.13 and 0.30 eye widths squared at
    the lens's outer end); the rays stopped there, and the lens's outer third and its frame moved with the cheek."""
    from emoshift.render.fill import connected_to

    h, w = image.shape[:2]
    r = RAY_REACH * width
    x0, y0 = int(max(np.floor(centre[0] - r), 0)), int(max(np.floor(centre[1] - r), 0))
    x1, y1 = int(min(np.ceil(centre[0] + r) + 1, w)), int(min(np.ceil(centre[1] + r) + 1, h))
    yy, xx = np.mgrid[y0:y1, x0:x1] + 0.5
    (mp, md) = mid
    nrm = np.array([-md[1], md[0]])
    side = np.sign(float((centre - mp) @ nrm))
    win = (np.hypot(xx - centre[0], yy - centre[1]) <= r) & (((xx - mp[0]) * nrm[0] + (yy - mp[1]) * nrm[1]) * side > 0)
    dark = non_skin(image[y0:y1, x0:x1], skin, hue=False) & win
    seed = np.zeros(dark.shape, bool)
    si, sj = np.floor(seeds[:, 1]).astype(int) - y0, np.floor(seeds[:, 0]).astype(int) - x0
    ok = (si >= 0) & (si < y1 - y0) & (sj >= 0) & (sj < x1 - x0)
    seed[si[ok], sj[ok]] = True
    body = connected_to(dark, seed, eight=True)
    rest = win & ~body
    edge = np.zeros(win.shape, bool)  # the reach's edge: window pixels beside one outside it (or the box's edge)
    edge[[0, -1], :], edge[:, [0, -1]] = True, True
    pad = np.pad(win, 1)
    edge |= ~(pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:])
    holes = rest & ~connected_to(rest, edge & win)
    cap = HOLE_MAX * width * width
    todo = holes.copy()
    while todo.any():  # each hole, by size
        i, j = np.unravel_index(int(np.argmax(todo)), todo.shape)
        one = np.zeros(todo.shape, bool)
        one[i, j] = True
        part = connected_to(todo, one)
        todo &= ~part
        if part.sum() > cap:
            holes &= ~part
    return (x0, y0), holes


def _circular_median(values: np.ndarray, half: int) -> np.ndarray:
    """(n,) the median of each value's circular neighbourhood of 2 half + 1 (NaN ignored)."""
    n = len(values)
    idx = (np.arange(n)[:, None] + np.arange(-half, half + 1)[None, :]) % n
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.nanmedian(values[idx], axis=1)


def _close(row: np.ndarray, gap: int) -> np.ndarray:
    """A 1-D bool array with its False gaps shorter than ``gap`` between True runs filled."""
    out = row.copy()
    runs = _runs(row)
    for (_, e), (s, _) in zip(runs[:-1], runs[1:]):
        if s - e < gap:
            out[e:s] = True
    return out


def _hull(points: np.ndarray) -> np.ndarray:
    """(k, 2) convex hull of (n, 2) points (monotone chain), counter-clockwise."""
    pts = sorted(map(tuple, np.asarray(points, np.float64)))
    if len(pts) < 3:
        return np.asarray(pts)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.asarray(lower[:-1] + upper[:-1])


def _poly_mask(poly: np.ndarray, origin, shape) -> np.ndarray:
    from skimage.draw import polygon

    out = np.zeros(shape, bool)
    rr, cc = polygon(poly[:, 1] - origin[1] - 0.5, poly[:, 0] - origin[0] - 0.5, shape)
    out[rr, cc] = True
    return out


def _ring_mask(outer: np.ndarray, inner: np.ndarray, origin, shape) -> np.ndarray:
    """The band between a rim's outer and inner outlines (each ray's segment, drawn as quads between
    neighbouring rays)."""
    out = np.zeros(shape, bool)
    n = len(outer)
    for k in range(n):
        j = (k + 1) % n
        quad = np.stack([inner[k], outer[k], outer[j], inner[j]])
        out |= _poly_mask(quad, origin, shape)
    return out


#: MediaPipe points whose 5 x 5 pixels give the skin's colour (the median): the nose and the cheeks beside it
#: (below any lens: the face's median skin takes in the lenses of large sunglasses, and dev06's darkened).
SKIN_POINTS = (1, 4, 5, 195, 205, 425, 50, 280, 36, 266)


def skin_colour(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(3,) float32 the median colour of the 5 x 5 pixels at SKIN_POINTS."""
    h, w = image.shape[:2]
    pix = []
    for x, y in np.asarray(landmarks, np.float64)[list(SKIN_POINTS)]:
        i, j = int(np.clip(y, 2, h - 3)), int(np.clip(x, 2, w - 3))
        pix.append(image[i - 2 : i + 3, j - 2 : j + 3].reshape(-1, 3))
    return np.median(np.concatenate(pix), 0).astype(np.float32)


def detect_glasses(image: np.ndarray, landmarks: np.ndarray | None, skin: np.ndarray | None = None) -> Glasses | None:
    """The photo's glasses (module docstring), or None. ``image``: (H, W, 3) uint8; ``landmarks``: (478, 2)
    detected MediaPipe points (None: no glasses found); ``skin``: (3,) the face skin's colour (default:
    :func:`skin_colour`)."""
    from emoshift.render.filters import binary_dilation

    if landmarks is None:
        return None
    lm = np.asarray(landmarks, np.float64)
    if skin is None:
        skin = skin_colour(image, lm)
    contours = [lm[list(c)] for c in EYE_CONTOURS]
    centres = [c.mean(0) for c in contours]
    widths = [float(np.linalg.norm(c[0] - c[8])) for c in contours]
    if min(widths) < 4.0:
        return None
    # the midline: through the nose bridge (168) and the nose tip (4)
    a, b = lm[168], lm[4]
    md = (b - a) / max(np.linalg.norm(b - a), 1e-6)
    step = max(0.5, min(widths) / 120)
    eyes = [_scan_eye(image, skin, c, ctr, w, (a, md), step) for c, ctr, w in zip(contours, centres, widths)]
    kinds = {e.kind for e in eyes}
    if None in kinds:
        return None
    if kinds == {"sun"} and np.mean([e.dark for e in eyes]) < LENS_DARK:
        return None
    kind = "sun" if kinds == {"sun"} else "clear"
    h, w = image.shape[:2]
    allpts = np.concatenate([e.outer for e in eyes])
    pad = 0.3 * max(widths)
    x0, y0 = int(max(np.floor(allpts[:, 0].min() - pad), 0)), int(max(np.floor(allpts[:, 1].min() - pad), 0))
    x1, y1 = int(min(np.ceil(allpts[:, 0].max() + pad), w)), int(min(np.ceil(allpts[:, 1].max() + pad), h))
    shape = (y1 - y0, x1 - x0)
    mask = np.zeros(shape, bool)
    lenses = []
    for e in eyes:
        if e.kind == "sun" or kind == "sun":
            hull = _hull(e.outer)
            mask |= _poly_mask(hull, (x0, y0), shape)
            lenses.append(hull.astype(np.float32))
        else:
            mask |= _ring_mask(e.outer, e.inner, (x0, y0), shape)
            lenses.append(e.outer.astype(np.float32))
    mask |= _bridge(image, skin, eyes, (x0, y0), shape, mask)
    # grown into the frame's parts beside it (non-skin joined to it, GROW eye widths at most: a rim's edge
    # outside a dark lens, the top of a frame), then by the margin
    patch = image[y0:y1, x0:x1]
    part = non_skin(patch, skin) if kind == "sun" else non_skin(patch, skin, hue=False)
    for _ in range(max(int(round(GROW * float(np.mean(widths)))), 1)):
        mask = mask | (binary_dilation(mask) & part)
    mask |= _top_bar(image, eyes, (x0, y0), shape, mask)  # after the growth: not into a bright forehead beside it
    margin = max(int(round(MARGIN * float(np.mean(widths)))), 1)
    mask = binary_dilation(mask, np.ones((3, 3), bool), iterations=margin)
    # then into the rim's antialiased edge past the margin, and a lens edge's highlight or tint (dev08's rims):
    # pixels darker than EDGE_DARK of the skin's luma, or off the skin around (the pull-push of the skin beyond
    # EDGE_PX + 3 px) by EDGE_OFF levels in a channel or EDGE_TINT in blue less red. Left outside, they moved with
    # the skin: a dark or light arc inside the lens where the cheek rose
    from emoshift.render.fill import fill_holes

    luma = np.asarray(LUMA, np.float32)
    pf = patch.astype(np.float32)
    around = ~binary_dilation(mask, np.ones((3, 3), bool), iterations=EDGE_PX + 3)
    dev = pf - fill_holes(pf, around.astype(np.float32))
    off = (np.abs(dev).max(-1) > EDGE_OFF) | (np.abs(dev[..., 2] - dev[..., 0]) > EDGE_TINT)
    edge = off | (pf @ luma < EDGE_DARK * float(np.asarray(skin, np.float32) @ luma))
    for _ in range(EDGE_PX):
        mask = mask | (binary_dilation(mask) & edge)
    alpha = _feather(mask)
    return Glasses((x0, y0), mask, alpha, kind, tuple(lenses), tuple(float(v) for v in skin))


def _between_lenses(eyes) -> tuple[float, float, float, float] | None:
    """(xa, xb, top, mid) image px: the lenses' inner ends (the left lens's rightmost, the right lens's leftmost
    outline x), the lenses' top at those ends (the outline's, its points joined by 1 px steps: the rays from the eye
    towards the bridge reach no skin before the midline, and where the head rolls, the outline's points either side
    of that gap lie 0.15 eye widths or more from the end) and a third of their height below it; None when they
    overlap."""
    le, re = sorted(eyes[:2], key=lambda e: e.outer[:, 0].mean())  # the image-left lens's eye first
    left, right = le.outer, re.outer
    xa, xb = float(left[:, 0].max()), float(right[:, 0].min())
    if xb <= xa:
        return None
    ends = [pts[np.abs(pts[:, 0] - x) <= 0.15 * e.width] for pts, x, e in ((_joined(left), xa, le), (_joined(right), xb, re))]
    top = min(float(p[:, 1].min()) for p in ends)
    return xa, xb, top, top + float(np.mean([np.ptp(left[:, 1]), np.ptp(right[:, 1])])) / 3


def _joined(points: np.ndarray) -> np.ndarray:
    """(m, 2) the closed outline through (n, 2) ``points`` in their order, at steps of 1 px at most."""
    nxt = np.roll(points, -1, axis=0)
    out = [points]
    for p, q in zip(points, nxt):
        k = int(np.ceil(np.linalg.norm(q - p)))
        if k > 1:
            t = np.arange(1, k)[:, None] / k
            out.append(p + t * (q - p))
    return np.concatenate(out)


def _spanning(mask: np.ndarray, eight: bool) -> np.ndarray:
    """(h, w) bool: the components of ``mask`` that reach from its first column to its last."""
    from emoshift.render.fill import connected_to

    first, last = np.zeros(mask.shape, bool), np.zeros(mask.shape, bool)
    first[:, 0], last[:, -1] = True, True
    return connected_to(mask, first, eight) & connected_to(mask, last, eight)


def _bridge(image, skin, eyes, origin, shape, mask) -> np.ndarray:
    """The non-skin between the two lenses' inner ends, in their upper half (the bridge over the nose)."""
    (x0, y0) = origin
    out = np.zeros(shape, bool)
    span = _between_lenses(eyes)
    if span is None:
        return out
    xa, xb, top, mid = span
    j0, j1 = int(max(np.floor(xa - x0) - 2, 0)), int(min(np.ceil(xb - x0) + 2, shape[1]))
    i0, i1 = int(max(np.floor(top - y0) - 2, 0)), int(min(np.ceil(mid - y0), shape[0]))
    if j1 <= j0 or i1 <= i0:
        return out
    patch = image[y0 + i0 : y0 + i1, x0 + j0 : x0 + j1]
    ns = non_skin(patch, skin)
    # only the non-skin joined to the lenses (rows crossing from one lens to the other)
    sel = _spanning(ns | mask[i0:i1, j0:j1], eight=False) & ns
    out[i0:i1, j0:j1] = sel
    return out


def _top_bar(image, eyes, origin, shape, mask) -> np.ndarray:
    """A thin bar between the lenses above the bridge (an aviator's top bar; gold on a bright forehead is skin
    coloured: not non-skin): pixels darker by BAR_DARK levels than both the pixels 2-4 px above and below
    them, joined into a line from one lens to the other, between BAR_ABOVE eye widths above the lenses' inner
    tops and a third of their height down; grown by 1 px (its antialiased edge)."""
    from emoshift.render.filters import binary_dilation

    (x0, y0) = origin
    out = np.zeros(shape, bool)
    span = _between_lenses(eyes)
    if span is None:
        return out
    xa, xb, top, mid = span
    width = float(np.mean([e.width for e in eyes]))
    j0, j1 = int(max(np.floor(xa - x0) - 2, 0)), int(min(np.ceil(xb - x0) + 2, shape[1]))
    i0, i1 = int(max(np.floor(top - BAR_ABOVE * width - y0), 4)), int(min(np.ceil(mid - y0), shape[0] - 4))
    if j1 <= j0 or i1 <= i0:
        return out
    luma = image[y0 + i0 - 4 : y0 + i1 + 4, x0 + j0 : x0 + j1].astype(np.float32) @ np.asarray(LUMA, np.float32)
    core = luma[4:-4]
    line = np.zeros(core.shape, bool)
    for k in (2, 3, 4):
        line |= core < np.minimum(luma[4 - k : len(luma) - 4 - k], luma[4 + k : len(luma) - 4 + k]) - BAR_DARK
    sel = _spanning(line | mask[i0:i1, j0:j1], eight=True) & line
    out[i0:i1, j0:j1] = sel
    return binary_dilation(out, np.ones((3, 3), bool)) & ~mask if sel.any() else out


def _feather(mask: np.ndarray) -> np.ndarray:
    """(h, w) float32: 1 on ``mask``, falling linearly to 0 at FEATHER_PX + 1 pixels outside it."""
    from emoshift.render.filters import distance_transform_edt  # scipy's, without importing scipy.ndimage

    d = distance_transform_edt(~mask)
    return np.where(mask, 1.0, np.clip(1.0 - d / (FEATHER_PX + 1.0), 0.0, 1.0)).astype(np.float32)


def fill_glasses(image: np.ndarray, glasses: Glasses) -> np.ndarray:
    """(H, W, 3) uint8: ``image`` with the glasses' mask filled in from around it: what the face's warp samples,
    so skin an expression moves out from under the frame is skin, not a copy of the rim, and looks photographed.
    Two layers: the skin's shading, the pull-push fill (:func:`emoshift.render.fill.fill_holes`) of the skin
    around the mask less its GRAIN_RING px next to it (a rim's antialiased edge, its shadow), smooth; and the
    skin's grain, its detail (less a Gaussian of GRAIN_SIGMA over the skin only) mirrored about the mask's edge,
    folded back every GRAIN_FOLDS px (the grain of the skin's strip beside the mask repeated across it, never
    the brow, eye or nostril further away), taken from pixels not dark and clipped at GRAIN_CLIP robust standard
    deviations of the skin's grain around the mask (a lash, a brow's edge do not come along). The former fill
    mirrored whole colours (the shading beside the frame reflected into pale patches) fading into pull-push
    (smooth), or pull-push alone across a clear rim: a smooth band where the skin moved out from under it."""
    from emoshift.render.fill import fill_holes
    from emoshift.render.filters import binary_dilation, distance_transform_edt, gaussian_filter  # scipy's, GIL-free

    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    out = np.array(image, np.uint8, copy=True)
    patch = out[y0 : y0 + h, x0 : x0 + w]
    mask = glasses.mask
    pf = patch.astype(np.float32)
    skin = np.asarray(glasses.skin, np.float32)  # the skin colour they were found against
    # the skin around the mask: off its GRAIN_RING px edge, skin-coloured (no frame part outside the mask)
    grown = binary_dilation(mask, np.ones((3, 3), bool), iterations=GRAIN_RING)
    src = ~grown & ~non_skin(patch, skin, hue=False)
    smooth = fill_holes(patch, src.astype(np.float32))
    # the grain: the skin's detail (a Gaussian over the skin pixels only: the frame's dark does not leak in)
    wk = gaussian_filter(src.astype(np.float32), GRAIN_SIGMA)
    low = gaussian_filter(pf * src[..., None], GRAIN_SIGMA) / np.maximum(wk, 1e-3)[..., None]
    ok_src = src & (wk > 0.5)
    detail = np.where(ok_src[..., None], pf - low, 0.0).astype(np.float32)
    ring = ok_src & binary_dilation(grown, np.ones((3, 3), bool), iterations=GRAIN_REACH)
    luma = detail @ np.asarray(LUMA, np.float32)
    sd = 1.4826 * float(np.median(np.abs(luma[ring]))) if ring.any() else 0.0
    d, (bi, bj) = distance_transform_edt(grown, return_indices=True)
    ii, jj = np.mgrid[0:h, 0:w]
    with np.errstate(invalid="ignore", divide="ignore"):
        ui, uj = (ii - bi) / np.maximum(d, 1e-6), (jj - bj) / np.maximum(d, 1e-6)
    grain = np.zeros((h, w, 3), np.float32)
    todo = mask.copy()
    for f in GRAIN_FOLDS:  # the first fold whose mirrored pixel is skin
        fold = f - np.abs(np.mod(d, 2 * f) - f)  # 0 .. f and back
        mi = np.clip(np.rint(bi - ui * fold).astype(int), 0, h - 1)
        mj = np.clip(np.rint(bj - uj * fold).astype(int), 0, w - 1)
        take = todo & ok_src[mi, mj]
        grain[take] = detail[mi[take], mj[take]]
        todo &= ~take
    lim = GRAIN_CLIP * max(sd, 0.5)
    gl = grain @ np.asarray(LUMA, np.float32)
    scale = np.clip(lim / np.maximum(np.abs(gl), 1e-6), 0.0, 1.0)[..., None]  # clipped by luma, hue kept
    fill = smooth + grain * scale
    patch[mask] = np.clip(fill[mask] + 0.5, 0, 255).astype(np.uint8)
    return out


def glasses_anchors(src_xy: np.ndarray, glasses: Glasses, front: np.ndarray) -> np.ndarray:
    """(K,) indices of the vertices the glasses' rigid map is fitted on (:func:`rigid_affine`): of the ``front``
    (V,) bool vertices (the front of the face, not the skull behind it), those whose source projection ``src_xy``
    (V, 2) lies under the glasses' mask, or in their box when fewer than 6 do (the box's forehead and nose bent
    the fit)."""
    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    sel = front & (src_xy[:, 0] >= x0) & (src_xy[:, 0] < x0 + w) & (src_xy[:, 1] >= y0) & (src_xy[:, 1] < y0 + h)
    i = np.clip(np.floor(src_xy[:, 1] - y0).astype(int), 0, h - 1)
    j = np.clip(np.floor(src_xy[:, 0] - x0).astype(int), 0, w - 1)
    on = sel & glasses.mask[i, j]
    return np.flatnonzero(on if on.sum() >= 6 else sel)


def rigid_affine(src_xy: np.ndarray, rigid_xy: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """(2, 3) the least-squares affine map from a frame pixel (x, y, 1) to the photo's, fitted on the vertices
    ``anchors`` (:func:`glasses_anchors`): ``src_xy`` (V, 2) their source projection, ``rigid_xy`` (V, 2) their
    projection in the frame's head pose at the photo's expression (the head's rigid motion); the identity with
    fewer than 6."""
    if len(anchors) < 6:
        return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    a = np.concatenate([rigid_xy[anchors].astype(np.float64), np.ones((len(anchors), 1))], 1)
    m, *_ = np.linalg.lstsq(a, src_xy[anchors].astype(np.float64), rcond=None)
    return m.T


def lay_glasses(out: np.ndarray, photo: np.ndarray, glasses: Glasses, affine: np.ndarray | None) -> None:
    """Lay the photo's glasses over a rendered frame ``out`` (H, W, 3) uint8 in place: each frame pixel takes
    the photo at ``affine`` (2, 3) of it (:func:`rigid_affine`; None: the identity, the photo's own pixel) by
    the glasses' alpha there."""
    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    H, W = out.shape[:2]
    if affine is None:
        a = glasses.alpha[..., None]
        box = np.s_[y0 : y0 + h, x0 : x0 + w]
        mix = out[box] * (1.0 - a) + photo[box].astype(np.float32) * a
        out[box] = np.clip(mix + 0.5, 0, 255).astype(np.uint8)
        return
    m = np.asarray(affine, np.float64)
    lin = np.vstack([m, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(lin)
    corners = np.array([[x0, y0, 1], [x0 + w, y0, 1], [x0, y0 + h, 1], [x0 + w, y0 + h, 1]], np.float64) @ inv.T
    fx0, fy0 = (int(max(np.floor(corners[:, k].min()) - 2, 0)) for k in (0, 1))
    fx1, fy1 = int(min(np.ceil(corners[:, 0].max()) + 2, W)), int(min(np.ceil(corners[:, 1].max()) + 2, H))
    if fx1 <= fx0 or fy1 <= fy0:
        return
    yy, xx = np.mgrid[fy0:fy1, fx0:fx1].astype(np.float64) + 0.5
    sx = m[0, 0] * xx + m[0, 1] * yy + m[0, 2]
    sy = m[1, 0] * xx + m[1, 1] * yy + m[1, 2]
    pad = np.zeros((h + 2, w + 2, 1), np.float32)
    pad[1:-1, 1:-1, 0] = glasses.alpha
    a = sample_bilinear(pad, sx - x0 + 1, sy - y0 + 1)
    live = a[..., 0] > 1e-3
    if not live.any():
        return
    colour = sample_bilinear(photo, sx[live], sy[live])
    region = out[fy0:fy1, fx0:fx1]
    cur = region[live].astype(np.float32)
    al = a[live]
    region[live] = np.clip(cur * (1.0 - al) + colour * al + 0.5, 0, 255).astype(np.uint8)
