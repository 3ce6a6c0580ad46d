"""Anger's brow cues vs disgust's at the apex on the development photos (session 21: anger read as disgust on
frontal photos).

FACS separates the two in the upper face (Ekman, Friesen & Hager, *FACS Manual*, 2002): AU4 (anger's brow
lowerer) lowers the brows and draws them together, its mark the vertical furrows between the brows; AU9
(disgust's nose wrinkler) wrinkles the skin across the root and sides of the nose, horizontal lines there.
Per photo and emotion, at the apex (:class:`apex_renders.ApexRenderer`, seed 0 as the panel uses), on the
head-frame shapes the renderer draws (the photo's own expression = the source) and on the wrinkle field the
shader draws (:class:`emoshift.render.wrinkles.WrinkleField`):

- ``glab_amp``, ``glab_vert``: the folds between the inner brows (the glabella, from the brows' line up
  1.2 cm): mean amplitude (0-1) and orientation, the amplitude-weighted mean of cos 2t (+1: all vertical
  lines, -1: all horizontal);
- ``root_amp``, ``root_vert``: the same at the nose root (the nasion, between the eyes' level and 0.3 cm
  below the brows' line, within 0.7 cm of the midline);
- ``brow_in``: the inner brow heads' distance (landmarks 21-22) change over the photo's, over the
  outer-eye-corner distance IOD (negative: drawn together); ``brow_dn``: their height change over IOD
  (negative: lowered), relative to the inner eye corners;
- ``eye``: the lids' opening change over IOD (negative: narrowed);
- ``AU4``, ``AU9``: the apex's browDown and noseSneer weights (mean of both sides).

    nice -n 10 .venv/bin/python bench/bench_anger_brows.py [--photos DIR] [--name anger_brows]
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


def fold_stats(tensor: np.ndarray, sel: np.ndarray) -> tuple[float, float]:
    """Mean amplitude and amplitude-weighted mean cos 2t (+1 vertical lines, -1 horizontal) over ``sel``."""
    t = tensor[: len(sel)][sel]
    amp = np.hypot(t[:, 0], t[:, 1])
    return float(amp.mean()), float(t[:, 0].sum() / max(amp.sum(), 1e-9))


def geometry(src: np.ndarray, dst: np.ndarray) -> dict:
    """Brow and lid changes of ``dst`` against ``src`` (V, 3), over the outer-eye-corner distance."""
    from emoshift.headmodel.regions import MULTIPIE_68

    a, b = src[MULTIPIE_68], dst[MULTIPIE_68]
    iod = float(np.linalg.norm(a[45] - a[36]))
    gap = lambda p: abs(p[22, 0] - p[21, 0])  # noqa: E731
    height = lambda p: (p[[21, 22], 1] - p[[39, 42], 1]).mean()  # noqa: E731
    lids = lambda p: np.mean([p[u, 1] - p[d, 1] for u, d in ((37, 41), (38, 40), (43, 47), (44, 46))])  # noqa: E731
    return {"brow_in": (gap(b) - gap(a)) / iod, "brow_dn": (height(b) - height(a)) / iod,
            "eye": (lids(b) - lids(a)) / iod}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="anger_brows")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.emotions import EXPRESSION_NAMES

    col = {n: i for i, n in enumerate(EXPRESSION_NAMES)}
    apexes = ApexRenderer(load_pipeline())
    rows = []
    for name, src in list_photos(args.photos, samples=False):
        apexes.load(src)
        r = apexes.renderer
        glab, root = regions(r.base)
        source = r._shaped(np.asarray(r.source_expression, np.float32)[None])[0]
        for emo in EMOTIONS:
            e = apexes.apex(emo, args.seed).expression
            shape = r._shaped(e[None])[0]
            tensor = r.wrinkles.tensors(shape)
            ga, gv = fold_stats(tensor, glab)
            ra, rv = fold_stats(tensor, root)
            both = lambda s: float(0.5 * (e[col[s + "_L"]] + e[col[s + "_R"]]))  # noqa: E731
            rows.append({"photo": name[:5], "emotion": emo, "glab_amp": ga, "glab_vert": gv, "root_amp": ra,
                         "root_vert": rv, **geometry(source, shape), "AU4": both("browDown"),
                         "AU9": both("noseSneer")})  # fmt: skip
    summary = []
    for emo in EMOTIONS:
        sel = [r for r in rows if r["emotion"] == emo]
        summary.append({"photo": "median", "emotion": emo,
                        **{k: float(np.median([r[k] for r in sel])) for k in rows[0] if k not in ("photo", "emotion")}})  # fmt: skip
    report(args.name, rows + summary, {"seed": args.seed})


if __name__ == "__main__":
    main()
