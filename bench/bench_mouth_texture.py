"""Mouth-region texture on real photos: does the rendered mouth keep the photo's fine grain, or look smeared?

Issue 11 parts 5-6: the blind panels' realism notes name the mouth region in almost every render ("mouth
looks pasted", "smeared / smudged / blurry", "painterly skin"). This bench measures, on the apex renders of
the development photos (:mod:`apex_renders`, as ``animate`` gives them), the fine grain of the pixels the
mouth code changes against what the photo has there. Grain = the robust deviation (1.4826 x MAD) of the
luma's residual after a 3 x 3 mean, over a region's pixels whose 3 x 3 neighbourhood lies in the region.
Per render (the frame's mesh is rasterized to tell its pixels apart):

- ``stretched``: skin within the mouth's box (its lips' box grown by 0.35 of its width) whose triangle the
  frame magnifies (frame area >= STRETCH x source area) and that moved by > 1.5 px: its grain over the
  photo's grain at the same source points (each frame pixel reads the photo's residual at its source
  pixel). 1 = as grainy as the photo; below, smeared by the stretch.
- ``moved``: the same for the mouth's moved skin that is not stretched (< 1.2 x): the reference the
  stretched skin should match.
- ``shut`` (photos whose mouth is open, emotions that close it): frame pixels that sample the photo's open
  mouth painted shut (the reenactor's ``closed_mouth`` where it differs from the photo) over the frame's
  lip pixels next to them (within 4 px, sampling the photo's own lips); 1 = the shut lips as grainy as the
  real lips beside them. ``streak``: the same pixels' ratio of horizontal to vertical neighbour-difference
  energy over that of the lips beside them (a painted-shut mouth filled by copying rows column by column
  showed vertical streaks: > 1).
- ``side`` (renders whose open mouth shows at least MIN_PIXELS of both): the median luma of the side teeth
  the frame shows (premolars and molars, rank >= 3 from the middle of their arch) over that of its front
  teeth (the central and lateral incisors); ``corner``: the median luma of the teeth in the outer fifth
  of the mouth's width at each end over those in its middle fifth. The light through the lips
  (:func:`emoshift.render.teeth.aperture_light`) puts the side teeth behind the cheeks and the lip corners
  into the cavity's shadow; with a fixed darkening by depth they were a grey wall through a turned
  head's open mouth and bright "fangs" at its corners.

- ``crossed`` (renders whose lips moved, photos with detected lips): the share of the frame's upper-lip
  pixels (the skin sampling the photo inside its outer-lip contour above the line where its lips meet,
  plus those of the model's upper lip that sample below it) that sample the photo's other lip. The model's
  inner lips, which the photo never shows, sampled the lip across that line, stretched: an opened upper
  lip carried the photo's lip line and a smeared band of its lower lip (a doubled, thick lip ring).
  ``inner``: the median luma of the upper lip's pixels within its inner third (towards the opening) over
  that of its outer two thirds (the wet inner lip in the mouth's shadow: darker than the vermilion).

- ``edge`` (renders whose lips moved, photos with detected lips): the sharpness of the lips' outer edge (the
  lip-skin boundary) kept: the median Sobel gradient of the frame's luma over its moved skin pixels that
  sample within EDGE_PX of the photo's outer-lip contour, over the photo's own median there (its pixels
  within EDGE_PX of that contour). 1 = as crisp as the photo's lip edge; a lip stretched m-fold across its
  edge spreads the photo's edge over m times the pixels (about 1/m). ``line``: the same over the photo's
  inner-lip contour (the line where its lips meet) sampled by the frame's moved lip pixels (the photo's dark
  lip line stretched into a thick, uniformly dark band: "lips painted").
- ``lip_grain``: grain kept (as ``stretched``) over the frame's moved skin pixels that sample inside the
  photo's outer-lip contour (the vermilion's own texture). ``lip_mag``: their median magnification (frame
  over source area of their triangle). ``lip_luma``: the median luma of those pixels over the photo's lips'
  median (a mix of which lip parts show: per pixel, the lips keep the photo's luma at their source points
  within 1-5 % on dev01, dev03, dev05, dev07, dev12; below 1 here is more of the darker upper lip and lip
  line showing).
- ``teeth_chroma`` (photos whose open mouth shows teeth, renders showing at least MIN_PIXELS of the upper
  front teeth lit by at least half the light through the lips): the chroma (max - min over luma) of the
  median colour of those teeth pixels over that of the photo's teeth (the brighter half of its pixels inside
  its detected inner-lip contour); ``teeth_hue``: the distance between the two colours over their lumas
  (RGB / luma; 0 = the photo's teeth's hue). Teeth desaturated to grey-white in a warm-lit photo read as
  pasted in. ``teeth_luma``: their median luma over the photo's teeth's; ``teeth_dark``: the share of them
  darker than a third of the photo's teeth's luma (the photo's dark cavity warped onto the model's teeth:
  black teeth).
- ``teeth_band`` (renders showing at least MIN_PIXELS of the upper front teeth, incisors and canines): the share of
  those pixels, per column of the opening's middle three fifths the run of them from the top (its first and last 2
  rows left out), darker than BAND x the lesser of the brightest pixel above and the brightest below them in the run:
  a dark band across the teeth (the photo's upper lip's shadow on its own teeth, warped below the painted crowns a
  raised or lowered lip bares: "teeth smeared"), not the frame's lip shadow at their top nor their incisal edge.
  Session 23 (source_parts.TEETH_UNDER_LIP; mouth_texture_mouth23_before.json / _after.json): 0 on every photo without
  teeth of its own (medians per emotion 0); dev04 anger 0.017 -> 0.000, dev12 anger 0.023 -> 0.018 (disgust 0.287 ->
  0.259), dev06 anger / fear / surprise 0.036 / 0.030 / 0.056 -> 0.034 / 0.028 / 0.053 (dev06's photo teeth are darker
  than the painted ones below them: not its lip's shadow), dev11 happiness 0.005 -> 0; dev03's and dev12's disgust
  (0.34, 0.26-0.29) are the dark separations of a 7-10 row slit of teeth, not a band.
- ``cavity`` (renders showing at least MIN_PIXELS of the socket and gums/tongue): their median luma over the
  face skin's; ``cavity_p90``: their 90th percentile over it (a lit tongue, a shaded cavity, not one flat
  dark). ``photo_cavity``, ``photo_cavity_p90``: the same over the photo's own open mouth (photos whose
  inner lips are more than 20 pixels apart: its pixels inside the inner-lip contour darker than half its
  90th percentile, i.e. not teeth), the reference an open mouth in that photo's light has.

- ``tongue_luma`` (renders showing at least MIN_PIXELS of soft tissue between the lips: socket and gums/tongue pixels
  at least 2 pixels from teeth and skin, not the model's front gums): their 90th percentile luma over the lips' median
  (the frame's skin pixels 2-6 pixels from the interior); ``tongue_sat``: the chroma over luma of the median colour of
  their brightest quarter over the lips' (NaN for grey lips, chroma under 0.1 of luma); ``tongue_blur``: the blur of
  their edges along the columns (the tongue's top against the cavity): per column of the middle half of the opening,
  at its steepest one-pixel luma step between two such pixels (at least STEP_MIN levels over the 9 rows around it,
  all soft tissue), that step over the rise in those rows read as the Gaussian blur s of a step (1 / (2 sqrt(2)
  erfinv(ratio))), the median over the columns (at least 5), over the photo's own blur around the lips
  (``photo_blur``, :func:`emoshift.render.teeth.photo_blur`, the painted mouth's focus). Session 23 (tongue23): the tongue
  behind a shout's bared lower teeth was a lip-red band with a pixel-sharp, stair-stepped top (``tongue_sat`` above
  1: redder than the lips, ``tongue_blur`` under 1). mouth_texture_tongue23_before.json / _after.json (anger, fear,
  surprise; medians per emotion): tongue_sat anger 0.760 -> 0.649, fear 0.802 -> 0.629, surprise 0.859 -> 0.643 (dev01
  anger 1.53 -> 0.67, fear 1.63 -> 0.64; dev02 anger 1.24 -> 0.62; dev03 anger 1.33 -> 0.71, fear 1.30 -> 0.66; dev12
  anger 1.09 -> 0.70); tongue_luma anger 0.709 -> 0.622, fear 0.758 -> 0.618; tongue_blur anger 0.62 -> 1.22 (dev01
  0.61 -> 0.93, dev04 0.49 -> 0.91, dev07 0.38 -> 1.05, dev09 0.51 -> 1.03, dev10 0.63 -> 1.29; fear 2.06 -> 1.41:
  its thin soft tissue's steepest steps are shading ramps); the teeth's measures unchanged.
- ``oneway`` (skin within the mouth's box that moved by > 1.5 px and that the frame stretches one way: the
  larger singular value of its triangle's frame-from-source map over the smaller, or the larger alone, at
  least ONEWAY; the mouth corners pulled out at contempt and fear, lips rolled by a dropping jaw): ``ow_hf``,
  the texture energy there (RMS of the luma less its Gaussian of HF_SIGMA, pixels whose 5 x 5 neighbourhood
  is in the region) over the photo's at the same source points; ``ow_coh``, the coherence of that texture's
  structure tensor ((l1 - l2) / (l1 + l2) of the HF layer's gradient products after a Gaussian of
  COH_SIGMA; 0 isotropic, 1 all lines one way), median over the region, less the photo's at the same points:
  the streaks the stretch draws the photo's texture into (> 0). ``ow_px``: the region's pixel count.

Outputs: the table per emotion (medians over photos), per photo rows in bench/results/mouth_texture.json.

    nice -n 10 .venv/bin/python bench/bench_mouth_texture.py [--photos DIR] [--quick] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, ApexRenderer, add_photo_args, instruction, list_photos, load_pipeline  # noqa: E402
from common import report, residual  # noqa: E402

EMOTIONS = tuple(e for e in EMOTIONS8 if e != "neutral")
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
STRETCH = 1.4
MIN_PIXELS = 40
EDGE_PX = 1.0
ONEWAY = 2.0
HF_SIGMA = 2.0
COH_SIGMA = 2.0
BAND = 0.8
STEP_MIN = 15.0


def grain(res: np.ndarray, mask: np.ndarray) -> float:
    """1.4826 x MAD of ``res`` over the pixels of ``mask`` whose 3 x 3 neighbourhood is in it (NaN if few)."""
    from scipy.ndimage import binary_erosion

    inner = binary_erosion(mask, iterations=1)
    if inner.sum() < MIN_PIXELS:
        return float("nan")
    v = res[inner]
    return 1.4826 * float(np.median(np.abs(v - np.median(v))))


def streakiness(luma: np.ndarray, mask: np.ndarray) -> float:
    """Energy of horizontal over vertical neighbour differences within ``mask`` (both pixels inside)."""
    dx = np.diff(luma, axis=1)[mask[:, 1:] & mask[:, :-1]]
    dy = np.diff(luma, axis=0)[mask[1:] & mask[:-1]]
    if len(dx) < MIN_PIXELS or len(dy) < MIN_PIXELS:
        return float("nan")
    return float(np.mean(dx**2) / max(np.mean(dy**2), 1e-6))


def _stretch(scr: np.ndarray, src: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(n, 2) per triangle: the singular values (larger, smaller) of its frame-from-source map (0 if degenerate)."""
    f, q = scr[tris, :2], src[tris, :2]
    fe = np.stack([f[:, 1] - f[:, 0], f[:, 2] - f[:, 0]], 2)
    se = np.stack([q[:, 1] - q[:, 0], q[:, 2] - q[:, 0]], 2)
    ok = np.abs(np.linalg.det(se)) > 1e-6
    m = np.zeros_like(fe)
    m[ok] = fe[ok] @ np.linalg.inv(se[ok])
    return np.linalg.svd(m, compute_uv=False)


def texture_layers(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h, w) float32 each: the luma less its Gaussian of HF_SIGMA, and that layer's coherence (``oneway``)."""
    from scipy.ndimage import gaussian_filter

    luma = img.astype(np.float32) @ LUMA
    hf = luma - gaussian_filter(luma, HF_SIGMA)
    gy, gx = np.gradient(hf)
    jxx, jyy, jxy = (gaussian_filter(a, COH_SIGMA) for a in (gx * gx, gy * gy, gx * gy))
    tr = jxx + jyy
    coh = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / np.maximum(tr, 1e-6)
    return hf, coh


def oneway(frame: np.ndarray, photo: np.ndarray, qx: np.ndarray, qy: np.ndarray, mask: np.ndarray) -> dict:
    """``ow_hf``, ``ow_coh``, ``ow_px`` over ``mask`` (module docstring); the photo read at source pixels qx, qy."""
    from scipy.ndimage import binary_erosion

    inner = binary_erosion(mask, iterations=2)
    if inner.sum() < MIN_PIXELS:
        return {"ow_hf": float("nan"), "ow_coh": float("nan"), "ow_px": int(inner.sum())}
    hf_f, coh_f = texture_layers(frame)
    hf_p, coh_p = texture_layers(photo)
    a = np.sqrt(np.mean(hf_f[inner] ** 2))
    b = np.sqrt(np.mean(hf_p[qy, qx][inner] ** 2))
    return {"ow_hf": float(a / b) if b > 0 else float("nan"),
            "ow_coh": float(np.median(coh_f[inner]) - np.median(coh_p[qy, qx][inner])), "ow_px": int(inner.sum())}


def _areas(p: np.ndarray) -> np.ndarray:
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    return 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def teeth_light(r, frame: np.ndarray, part: np.ndarray, tri: np.ndarray) -> dict:
    """``side`` and ``corner`` of one frame (the module docstring; NaN where too few teeth show)."""
    from emoshift.render.teeth import tooth_coordinates
    from emoshift.render.view import TEETH

    rank = r.__dict__.get("_bench_rank")
    if rank is None:
        rank = r._bench_rank = tooth_coordinates(r.base, r.vertex_part == TEETH, r.triangles)[:, 3]
    teeth = part == TEETH
    luma = frame.astype(np.float32) @ LUMA
    pix_rank = rank[r.triangles[tri, 0]]
    out = {"side": float("nan"), "corner": float("nan")}
    side, front = teeth & (pix_rank >= 3), teeth & (pix_rank >= 0) & (pix_rank <= 1)
    if side.sum() >= MIN_PIXELS and front.sum() >= MIN_PIXELS:
        out["side"] = float(np.median(luma[side]) / max(np.median(luma[front]), 1.0))
    inner = (part >= 1) & (part <= TEETH)
    cols = np.flatnonzero(inner.any(0))
    if len(cols) >= 10:
        x = (np.arange(part.shape[1]) - cols[0]) / max(cols[-1] - cols[0], 1)
        ends = teeth & ((x < 0.2) | (x > 0.8))[None]
        middle = teeth & ((x > 0.4) & (x < 0.6))[None]
        if ends.sum() >= MIN_PIXELS and middle.sum() >= MIN_PIXELS:
            out["corner"] = float(np.median(luma[ends]) / max(np.median(luma[middle]), 1.0))
    return out


def teeth_band(r, frame: np.ndarray, part: np.ndarray, tri: np.ndarray) -> dict:
    """``teeth_band`` of one frame (the module docstring; NaN where too few upper front teeth show)."""
    from emoshift.render.teeth import tooth_coordinates
    from emoshift.render.view import TEETH

    coords = r.__dict__.get("_bench_coords")
    if coords is None:
        coords = r._bench_coords = tooth_coordinates(r.base, r.vertex_part == TEETH, r.triangles)
    v = r.triangles[tri, 0]
    upper = (part == TEETH) & (coords[v, 2] < 0.5) & (coords[v, 3] >= 0) & (coords[v, 3] <= 2)
    inner = (part >= 1) & (part <= TEETH)
    cols = np.flatnonzero(inner.any(0))
    if upper.sum() < MIN_PIXELS or len(cols) < 10:
        return {"teeth_band": float("nan")}
    luma = frame.astype(np.float32) @ LUMA
    lo, hi = cols[0] + 0.2 * (cols[-1] - cols[0]), cols[-1] - 0.2 * (cols[-1] - cols[0])
    n = dark = 0
    for x in np.flatnonzero(upper.any(0)):
        if not lo <= x <= hi:
            continue
        rows = np.flatnonzero(upper[:, x])
        run = rows[: int(np.argmax(np.diff(rows) > 1)) + 1] if (np.diff(rows) > 1).any() else rows
        if len(run) < 7:
            continue
        lum = luma[run, x]
        above = np.maximum.accumulate(lum)[1:-3]  # the brightest above rows 2 .. len - 3 (strictly)
        below = np.maximum.accumulate(lum[::-1])[::-1][3:-1]  # ... and below them
        mid = lum[2:-2]
        n += len(mid)
        dark += int((mid < BAND * np.minimum(above, below)).sum())
    return {"teeth_band": dark / n if n >= MIN_PIXELS else float("nan")}


def lip_crossing(r, frame: np.ndarray, part: np.ndarray, tri: np.ndarray, q: np.ndarray, moved: np.ndarray) -> dict:
    """``crossed`` and ``inner`` of one frame (the module docstring; NaN without landmarks or upper lip)."""
    from matplotlib.path import Path as MPath

    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.render.view import SKIN

    out = {"crossed": float("nan"), "inner": float("nan")}
    lm = getattr(r.fit, "landmarks_detected", None)
    if lm is None or not moved.any():
        return out
    lm = np.asarray(lm, np.float64)
    inner, outer = lm[list(INNER_LIPS)], lm[list(OUTER_LIPS)]
    left, right = inner[0], inner[10]
    u = (right - left) / max(float(np.linalg.norm(right - left)), 1e-6)
    n = np.array([-u[1], u[0]])

    def profile(pts):
        a, b = (pts - left) @ u, (pts - left) @ n
        k = np.argsort(a)
        return a[k], b[k]

    cu, cl = profile(inner[:11]), profile(np.concatenate([inner[10:], inner[:1]]))
    qa, qb = (q - left) @ u, (q - left) @ n
    seam = 0.5 * (np.interp(qa, *cu) + np.interp(qa, *cl))
    in_lips = MPath(outer).contains_points(q.reshape(-1, 2)).reshape(part.shape)
    jaw = r.expression_basis[r.model.expression_names.index("jawOpen")].reshape(-1, 3)[:, 1]
    upper_v = ~(jaw < 0.5 * jaw[MULTIPIE_68[66]])
    upper_px = upper_v[r.triangles[tri]].all(-1) & (part == SKIN) & moved
    lip_px = upper_px & in_lips
    if lip_px.sum() < MIN_PIXELS:
        return out
    out["crossed"] = float((qb[lip_px] > seam[lip_px]).mean())
    # the upper lip's rows per column: the inner third towards the opening vs the outer two thirds
    luma = frame.astype(np.float32) @ LUMA
    ys, xs = np.nonzero(lip_px)
    inner_v, outer_v = [], []
    for x in np.unique(xs):
        col = np.sort(ys[xs == x])
        if len(col) < 6:
            continue
        cut = col[0] + 2 * (col[-1] - col[0]) // 3
        inner_v += list(luma[col[col > cut], x])
        outer_v += list(luma[col[col <= cut], x])
    if len(inner_v) >= MIN_PIXELS and len(outer_v) >= MIN_PIXELS:
        out["inner"] = float(np.median(inner_v) / max(np.median(outer_v), 1.0))
    return out


def _polyline_distance(pts: np.ndarray, line: np.ndarray, closed: bool = True) -> np.ndarray:
    """(N,) distance of (N, 2) points to the polyline (k, 2) (closed: the last point joins the first)."""
    a, b = (line, np.roll(line, -1, 0)) if closed else (line[:-1], line[1:])
    d = np.full(len(pts), np.inf)
    for p0, p1 in zip(a, b):
        v = p1 - p0
        t = np.clip(((pts - p0) @ v) / max(float(v @ v), 1e-9), 0, 1)
        d = np.minimum(d, np.hypot(*(pts - p0 - t[:, None] * v).T))
    return d


def lip_edges(r, frame: np.ndarray, photo: np.ndarray, part: np.ndarray, q: np.ndarray, moved: np.ndarray,
              mag: np.ndarray, rf: np.ndarray, rp: np.ndarray) -> dict:
    """``edge``, ``line``, ``lip_grain``, ``lip_mag`` and ``lip_luma`` of one frame (the module docstring)."""
    from matplotlib.path import Path as MPath
    from scipy.ndimage import sobel

    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS
    from emoshift.render.view import SKIN

    out = dict.fromkeys(("edge", "line", "lip_grain", "lip_mag", "lip_luma"), float("nan"))
    lm = getattr(r.fit, "landmarks_detected", None)
    if lm is None or not moved.any():
        return out
    lm = np.asarray(lm, np.float64)
    outer, inner = lm[list(OUTER_LIPS)], lm[list(INNER_LIPS)]
    (x0, y0), (x1, y1) = outer.min(0) - 6, outer.max(0) + 6
    h, w = part.shape
    x0, y0, x1, y1 = max(int(x0), 0), max(int(y0), 0), min(int(x1) + 1, w), min(int(y1) + 1, h)

    def grad(img):
        luma = img[y0:y1, x0:x1].astype(np.float32) @ LUMA
        return np.hypot(sobel(luma, 0), sobel(luma, 1)) / 8.0

    gf, gp = grad(frame), grad(photo)
    sk = ((part == SKIN) & moved)[y0:y1, x0:x1]
    qq = q[y0:y1, x0:x1].reshape(-1, 2)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    centres = np.stack([xx.ravel() + 0.5, yy.ravel() + 0.5], 1)
    sel = np.flatnonzero(sk.ravel())
    gfl, gpl = gf.ravel(), gp.ravel()
    for key, line in (("edge", outer), ("line", inner)):
        df = _polyline_distance(qq[sel], line)
        mine = sel[df <= EDGE_PX]
        ref = np.flatnonzero(_polyline_distance(centres, line) <= EDGE_PX)
        if len(mine) >= MIN_PIXELS // 2 and len(ref) >= MIN_PIXELS // 2:
            out[key] = float(np.median(gfl[mine]) / max(np.median(gpl[ref]), 1e-3))
    inside = np.zeros(part.shape, bool)
    inside[y0:y1, x0:x1] = MPath(outer).contains_points(qq).reshape(y1 - y0, x1 - x0) & sk
    inside &= ~MPath(inner).contains_points(q.reshape(-1, 2)).reshape(part.shape)
    if inside.sum() >= MIN_PIXELS:
        a, b = grain(rf, inside), grain(rp, inside)
        out["lip_grain"] = a / b if b > 0 else float("nan")
        out["lip_mag"] = float(np.median(mag[inside]))
        photo_lips = MPath(outer).contains_points(centres).reshape(y1 - y0, x1 - x0)
        photo_lips &= ~MPath(inner).contains_points(centres).reshape(y1 - y0, x1 - x0)
        pl = photo[y0:y1, x0:x1].astype(np.float32) @ LUMA
        if photo_lips.sum() >= MIN_PIXELS:
            out["lip_luma"] = float(np.median(frame[inside].astype(np.float32) @ LUMA) / max(np.median(pl[photo_lips]), 1.0))
    return out


def teeth_colour(r, frame: np.ndarray, photo: np.ndarray, part: np.ndarray, tri: np.ndarray, expression: np.ndarray) -> dict:
    """``teeth_chroma`` and ``teeth_hue`` of one frame (the module docstring; NaN where too few teeth show)."""
    from matplotlib.path import Path as MPath

    from emoshift.headmodel.mp_indices import INNER_LIPS
    from emoshift.render.source_parts import _INNER_LIP_RING
    from emoshift.render.teeth import aperture_light
    from emoshift.render.view import TEETH

    out = dict.fromkeys(("teeth_chroma", "teeth_hue", "teeth_luma", "teeth_dark", "cavity", "cavity_p90",
            "photo_cavity", "photo_cavity_p90"), float("nan"))
    lm = getattr(r.fit, "landmarks_detected", None)
    if lm is None or r.__dict__.get("_photo_teeth_vertices") is None:
        return out
    key = (photo.shape, hash(photo[::17, ::17].tobytes()))
    if r.__dict__.get("_bench_teeth_key") != key:
        poly = np.asarray(lm, np.float64)[list(INNER_LIPS)]
        (x0, y0), (x1, y1) = np.floor(poly.min(0)).astype(int), np.ceil(poly.max(0)).astype(int) + 1
        yy, xx = np.mgrid[y0:y1, x0:x1]
        ins = MPath(poly).contains_points(np.c_[xx.ravel() + 0.5, yy.ravel() + 0.5])
        pix = photo[y0:y1, x0:x1].reshape(-1, 3)[ins].astype(np.float32)
        pix = pix[pix @ LUMA >= np.median(pix @ LUMA)] if len(pix) else pix
        r._bench_teeth_key, r._bench_teeth = key, (np.median(pix, 0) if len(pix) >= MIN_PIXELS else None)
    ref = r._bench_teeth
    if ref is None:
        return out
    rank = r.__dict__.get("_bench_rank")
    if rank is None:
        from emoshift.render.teeth import tooth_coordinates

        rank = r._bench_rank = tooth_coordinates(r.base, r.vertex_part == TEETH, r.triangles)[:, 3]
    shaped = r._shaped(expression[None])
    verts = np.flatnonzero((r.vertex_part == TEETH) & ~r._jaw_lower & (rank >= 0) & (rank <= 1))
    front = np.array([shaped[0, r._teeth_vertices, 2].max()])
    light = np.zeros(len(r.base), np.float32)
    light[verts] = aperture_light(shaped[:, verts], shaped[:, _INNER_LIP_RING], front)[0]
    px = (part == TEETH) & (light[r.triangles[tri]].min(-1) >= 0.5)
    if px.sum() < MIN_PIXELS:
        return out
    mine = np.median(frame[px].astype(np.float32), 0)

    def chroma(c):
        return float(c.max() - c.min()) / max(float(c @ LUMA), 1.0)

    out["teeth_chroma"] = chroma(mine) / max(chroma(ref), 1e-3) if chroma(ref) > 0.05 else float("nan")
    out["teeth_hue"] = float(np.linalg.norm(mine / max(float(mine @ LUMA), 1.0) - ref / max(float(ref @ LUMA), 1.0)))
    luma = frame[px].astype(np.float32) @ LUMA
    out["teeth_luma"] = float(np.median(luma) / max(float(ref @ LUMA), 1.0))
    out["teeth_dark"] = float((luma < float(ref @ LUMA) / 3).mean())
    return out


def cavity(r, frame: np.ndarray, photo: np.ndarray, part: np.ndarray) -> dict:
    """``cavity``, ``cavity_p90``, ``photo_cavity`` and ``photo_cavity_p90`` of one frame (the module docstring)."""
    from matplotlib.path import Path as MPath

    from emoshift.headmodel.mp_indices import INNER_LIPS
    from emoshift.render.view import GUMS, SOCKET

    out = dict.fromkeys(("cavity", "cavity_p90", "photo_cavity", "photo_cavity_p90"), float("nan"))
    skin = float(r._face_skin() @ LUMA)
    inside = (part == SOCKET) | (part == GUMS)
    if inside.sum() >= MIN_PIXELS:
        luma = frame[inside].astype(np.float32) @ LUMA
        out["cavity"], out["cavity_p90"] = float(np.median(luma)) / skin, float(np.percentile(luma, 90)) / skin
    lm = getattr(r.fit, "landmarks_detected", None)
    if lm is not None:
        poly = np.asarray(lm, np.float64)[list(INNER_LIPS)]
        if np.linalg.norm(poly[5] - poly[15]) > 20:
            (x0, y0), (x1, y1) = np.floor(poly.min(0)).astype(int), np.ceil(poly.max(0)).astype(int) + 1
            yy, xx = np.mgrid[y0:y1, x0:x1]
            ins = MPath(poly).contains_points(np.c_[xx.ravel() + 0.5, yy.ravel() + 0.5])
            luma = (photo[y0:y1, x0:x1].reshape(-1, 3)[ins].astype(np.float32)) @ LUMA
            cav = luma[luma < 0.5 * np.percentile(luma, 90)] if len(luma) else luma
            if len(cav) >= MIN_PIXELS:
                out["photo_cavity"] = float(np.median(cav)) / skin
                out["photo_cavity_p90"] = float(np.percentile(cav, 90)) / skin
    return out


def tongue(r, frame: np.ndarray, part: np.ndarray, tri: np.ndarray) -> dict:
    """``tongue_luma``, ``tongue_sat``, ``tongue_blur`` and ``photo_blur`` of one frame (the module docstring)."""
    from scipy.ndimage import binary_dilation, binary_erosion

    from emoshift.render.view import GUMS, SKIN, SOCKET, TEETH

    out = dict.fromkeys(("tongue_luma", "tongue_sat", "tongue_blur", "photo_blur"), float("nan"))
    front = r.__dict__.get("_bench_front")
    if front is None:
        parts = r._albedo_parts()
        front = r._bench_front = np.zeros(len(r.base), bool)
        front[parts[GUMS][parts["front_gums"]]] = True
    inner = (part >= SOCKET) & (part <= TEETH)
    soft = ((part == SOCKET) | (part == GUMS)) & ~front[r.triangles[tri]].any(-1)
    soft &= ~binary_dilation((part == TEETH) | (part == SKIN) | (part < 0), iterations=2)
    ring = (part == SKIN) & binary_dilation(inner, iterations=6) & ~binary_dilation(inner, iterations=2)
    if soft.sum() < MIN_PIXELS or ring.sum() < MIN_PIXELS:
        return out
    f = frame.astype(np.float32)
    lips = np.median(f[ring], 0)
    luma = f[soft] @ LUMA
    out["tongue_luma"] = float(np.percentile(luma, 90) / max(float(lips @ LUMA), 1.0))

    def sat(c):
        return float(c.max() - c.min()) / max(float(c @ LUMA), 1.0)

    lit = np.median(f[soft][luma >= np.percentile(luma, 75)], 0)
    out["tongue_sat"] = sat(lit) / sat(lips) if sat(lips) >= 0.1 else float("nan")
    from scipy.special import erfinv

    lum = f @ LUMA
    tissue = binary_erosion((part == SOCKET) | (part == GUMS), iterations=1)
    cols = np.flatnonzero(inner.any(0))
    blur = []
    for j in cols[np.abs(cols - cols.mean()) < 0.25 * (cols.max() - cols.min())]:
        rows = np.flatnonzero(tissue[:, j])
        ok = rows[(rows >= 4) & (rows < part.shape[0] - 5)]
        ok = ok[[tissue[i - 4 : i + 5, j].all() for i in ok]]
        if not len(ok):
            continue
        steps = np.abs(lum[ok + 1, j] - lum[ok, j])
        i = ok[int(np.argmax(steps))]
        prof = lum[i - 4 : i + 5, j]
        rise = float(prof.max() - prof.min())
        if rise >= STEP_MIN:
            blur.append(1.0 / (2.0 * np.sqrt(2.0) * erfinv(min(float(steps.max()) / rise, 0.999))))
    ref = r._mouth_blur()
    out["photo_blur"] = ref
    if len(blur) >= 5 and ref > 0:
        out["tongue_blur"] = float(np.median(blur)) / ref
    return out


def measure(r, photo: np.ndarray, expression: np.ndarray, rotation: np.ndarray) -> dict:
    """The bench's numbers for one frame of reenactor ``r`` (see the module docstring)."""
    from scipy.ndimage import binary_dilation

    from emoshift.render.view import SKIN, SOCKET, TEETH

    frame = r.render(expression, rotation)
    src = r.source.screen
    scr = r.screens(expression[None], rotation[None])[0]
    if hasattr(r, "_source_for"):  # the frame's source view (its inner lips unfolded as the lips move)
        from emoshift.render.reenact import MOUTH_KEEP_PX

        keep = float(r._keep(expression[None], r._lip_basis, MOUTH_KEEP_PX)[0])
        try:  # the lips' edges remapped for this frame (mouth10), when the reenactor does that
            src = r._source_for(keep, float(r._frame_shapes(expression[None])[2][0]), scr).screen
        except TypeError:
            src = r._source_for(keep).screen
    frags = r._raster_full(scr, r.width, r.height)
    tri = np.where(frags.mask, frags.tri_id, 0)
    part = np.where(frags.mask, r.tri_part[tri], -1)
    verts = r.triangles[tri]
    q = (src[verts, :2] * frags.bary[..., None]).sum(2)  # each pixel's source point
    yy, xx = np.mgrid[0 : r.height, 0 : r.width]
    moved = np.hypot(q[..., 0] - xx - 0.5, q[..., 1] - yy - 0.5) > 1.5
    mag = (_areas(scr[r.triangles, :2]) / np.maximum(_areas(src[r.triangles, :2]), 1e-6))[tri]
    inner = (part >= SOCKET) & (part <= TEETH)
    lips = scr[r._lips, :2]
    (lx0, ly0), (lx1, ly1) = lips.min(0), lips.max(0)
    g = 0.35 * (lx1 - lx0)
    near = (xx > lx0 - g) & (xx < lx1 + g) & (yy > ly0 - g) & (yy < ly1 + g)
    skin = (part == SKIN) & near & ~binary_dilation(inner, iterations=2)
    qx = np.clip(np.floor(q[..., 0]).astype(int), 0, r.width - 1)
    qy = np.clip(np.floor(q[..., 1]).astype(int), 0, r.height - 1)
    rf, rp = residual(frame), residual(photo)[qy, qx]

    def kept(mask):
        a, b = grain(rf, mask), grain(rp, mask)
        return a / b if b > 0 else float("nan")

    sv = _stretch(scr, src, r.triangles)[tri]
    ratio = np.maximum(sv[..., 0] / np.maximum(sv[..., 1], 1e-6), sv[..., 0])
    out = {"stretched": kept(skin & moved & (mag >= STRETCH)), "moved": kept(skin & moved & (mag < 1.2)),
           **oneway(frame, photo, qx, qy, skin & moved & (ratio >= ONEWAY) & (sv[..., 1] > 0)),
           "shut": float("nan"), "streak": float("nan"), **teeth_light(r, frame, part, tri), **teeth_band(r, frame, part, tri),
           **lip_crossing(r, frame, part, tri, q, moved), **lip_edges(r, frame, photo, part, q, moved, mag, rf, rp),
           **teeth_colour(r, frame, photo, part, tri, expression), **cavity(r, frame, photo, part),
           **tongue(r, frame, part, tri)}  # fmt: skip
    x0, y0, x1, y1 = (int(v) for v in r.mouth_box)
    if x1 > x0 + 1 and r.closed_mouth.shape[:2] == (y1 - y0, x1 - x0):
        hole = np.zeros((r.height, r.width), bool)
        hole[y0:y1, x0:x1] = np.abs(r.closed_mouth.astype(np.int16) - photo[y0:y1, x0:x1]).max(2) > 0
        from skimage.draw import polygon

        from emoshift.headmodel.mp_indices import OUTER_LIPS

        lm = np.asarray(r.fit.landmarks_detected, np.float64)[list(OUTER_LIPS)]
        photo_lips = np.zeros_like(hole)
        rr, cc = polygon(lm[:, 1], lm[:, 0], hole.shape)
        photo_lips[rr, cc] = True
        photo_lips &= ~binary_dilation(hole, iterations=2)
        shut = (part == SKIN) & moved & hole[qy, qx]
        real = (part == SKIN) & photo_lips[qy, qx] & binary_dilation(shut, iterations=4) & ~shut
        a, b = grain(rf, shut), grain(rf, real)
        out["shut"] = a / b if b > 0 else float("nan")
        luma = frame.astype(np.float32) @ LUMA
        out["streak"] = streakiness(luma, shut) / streakiness(luma, real)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_photo_args(ap, "every third photo")
    ap.add_argument("--name", default="mouth_texture", help="results file name (bench/results/NAME.json)")
    ap.add_argument("--emotions", nargs="+", default=EMOTIONS, choices=EMOTIONS, help="these emotions only")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    apexes = ApexRenderer(load_pipeline())
    per_photo, t0 = [], time.perf_counter()
    for name, src in list_photos(args.photos, args.quick, samples=True):
        photo = apexes.load(src)
        r = apexes.renderer
        opts = apexes.pipe.options.replace(seed=args.seed)
        for emo in args.emotions:
            plan = apexes.pipe.plan(apexes.pipe.parse(instruction(emo)), apexes.fit, opts)[0]
            traj = apexes.pipe.make_trajectory(plan, opts, opts.seed)
            i = int(traj.anchor_frames[list(plan.labels).index(emo)])
            e = np.asarray(traj.expression[i], np.float32)
            rot = np.asarray(traj.rotation[i], np.float32)
            per_photo.append({"photo": name, "emotion": emo, **measure(r, photo, e, rot)})
        print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    rows = []
    keys = ("stretched", "moved", "shut", "streak", "side", "corner", "crossed", "inner", "edge", "line", "lip_grain",
            "lip_mag", "lip_luma", "teeth_chroma", "teeth_hue", "teeth_luma", "teeth_dark", "teeth_band", "cavity", "cavity_p90",
            "photo_cavity", "photo_cavity_p90", "ow_hf", "ow_coh", "ow_px", "tongue_luma", "tongue_sat", "tongue_blur",
            "photo_blur")
    for emo in (*args.emotions, "all"):
        sel = [p for p in per_photo if emo in ("all", p["emotion"])]
        row = {"emotion": emo}
        for k in keys:
            v = np.array([p[k] for p in sel], float)
            v = v[np.isfinite(v)]
            row[k] = float(np.median(v)) if len(v) else float("nan")
            if k == "stretched":
                row["stretched_p10"] = float(np.percentile(v, 10)) if len(v) else float("nan")
        row["n_shut"] = int(sum(np.isfinite(p["shut"]) for p in sel))
        rows.append(row)
    note = ("grain kept (frame / photo at the same points; shut: / the lips beside); side, corner: teeth luma, "
            "side teeth / front teeth, the mouth's outer fifths / its middle fifth; crossed: share of the upper lip's "
            "moved pixels sampling the photo's lower lip; inner: luma of the upper lip's inner third / its outer two thirds; "
            "edge, line: lip-skin edge / lip line gradient, frame / photo; lip_grain: grain kept on the lips; lip_mag: their "
            "magnification; lip_luma: their median luma / the photo's lips'; teeth_chroma: the lit upper front teeth's "
            "chroma / the photo's teeth's; teeth_hue: distance of their colours over luma; "
            "teeth_luma: their luma / the photo's teeth's; teeth_dark: share of them under a third of it; "
            "teeth_band: share of the upper front teeth darker than 0.8 x the brightest above and below them in their column; "
            "cavity(_p90): the socket and gums/tongue's median (90th percentile) luma / the face skin's; photo_cavity(_p90): "
            "the same of the photo's own open mouth; ow_hf, ow_coh: skin stretched one way (ratio >= 2), its texture "
            "energy / the photo's at the same points, its texture's coherence less the photo's (streaks > 0); tongue_luma: "
            "the soft tissue between the lips' 90th percentile luma / the lips'; tongue_sat: its brightest quarter's chroma "
            "over luma / the lips'; tongue_blur: its edges' blur / the photo's (photo_blur)")
    report(args.name, rows, {"seed": args.seed, "stretch": STRETCH, "per_render": per_photo, "note": note})


if __name__ == "__main__":
    main()
