"""The raised upper lip's visible band over the photo's lip (issue 11, anger's "mouth pasted / oversized"): a
shout (anger) or disgust raises the upper lip off the teeth (AU10), the head model everts it, and the frame's
upper lip at the middle (its vermilion and the inner side turned to the camera) can stand much thicker than the
photographed lip.

Per development photo and emotion (anger, disgust by default), at the apex (:mod:`apex_renders`): over the upper
lip's vermilion vertices within MIDDLE of the mouth's width of its middle (:class:`LipEdges`), the frame's rows of
skin from the photo's outer-lip contour point (as the frame moves it) down to the first pixel of the mouth's
inside (socket, gums, teeth), over the photo's lip thickness there (its outer to its inner contour, pixels):
``band``, the median over those columns; ``rise``: the upper inner lip's raise (cm, :data:`UPPER_LIP_RAISED_CM`).

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_raised_lip.py [--save DIR] [--name NAME]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from apex_renders import ApexRenderer, list_photos, load_pipeline

MIDDLE = 0.12


def band_ratio(r, expression: np.ndarray, rotation: np.ndarray) -> tuple[float, float, int]:
    """(median band / photo's thickness, the upper lip's raise cm, columns measured) of reenactor ``r``."""
    from emoshift.render.reenact import _LIP_MIDDLES
    from emoshift.render.source_parts import contour_points
    from emoshift.render.view import SKIN, SOCKET, TEETH

    e = np.asarray(expression, np.float32)[None]
    screen = r.screens(e, np.asarray(rotation, np.float32)[None])[0]
    shaped = r._frame_shapes(e)[0][0]
    rise = float(shaped[_LIP_MIDDLES[0], 1] - r.base[_LIP_MIDDLES[0], 1])
    edges = r._edges()
    if edges is None:
        return float("nan"), rise, 0
    src_out, src_in = contour_points(r.source.screen[:, :2], edges)
    out, _ = contour_points(screen[:, :2], edges)
    lower = r._jaw_lower[edges.idx]
    x_all = src_out[:, 0]
    lo_x, hi_x = np.percentile(x_all, [0, 100])
    mid, width = 0.5 * (lo_x + hi_x), hi_x - lo_x
    sel = np.flatnonzero(~lower & (np.abs(x_all - mid) < MIDDLE * width))
    frags = r._raster_full(screen, r.width, r.height)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    got = []
    for i in sel:
        x, y = int(round(float(out[i, 0]))), int(round(float(out[i, 1])))
        col = part[:, x]
        inside = np.flatnonzero((col >= SOCKET) & (col <= TEETH) & (np.arange(len(col)) > y))
        if not len(inside):
            continue
        t_s = float(edges.a_s[i] + edges.c_s[i])
        got.append((inside.min() - y) / max(t_s, 1e-3))
    return (float(np.median(got)) if got else float("nan")), rise, len(got)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emotions", default="anger,disgust")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="folder to save the apex frames into (PNG; never commit them)")
    ap.add_argument("--name", default=None, help="write bench/results/NAME.json")
    ap.add_argument("--only", default=None, help="comma-separated photo name prefixes (default all)")
    ap.add_argument("--set", action="append", default=[], help="MODULE.NAME=VALUE: a render constant to try")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import importlib

    for item in args.set:
        key, value = item.split("=", 1)
        mod, attr = key.rsplit(".", 1)
        setattr(importlib.import_module(f"emoshift.render.{mod}"), attr, eval(value))
    pipe = load_pipeline()
    apexes = ApexRenderer(pipe)
    rows = []
    for name, src in list_photos(None, samples=False):
        if args.only and not any(name.startswith(p) for p in args.only.split(",")):
            continue
        apexes.load(src)
        r = apexes.renderer
        for emo in args.emotions.split(","):
            a = apexes.apex(emo, args.seed)
            ratio, rise, n = band_ratio(r, a.expression, a.rotation)
            rows.append({"image": name[:5], "emotion": emo, "band": ratio, "rise_cm": rise, "columns": n})
            print(f"{name[:5]} {emo:8s} band {ratio:.2f} rise {rise:.2f} cm ({n} columns)", flush=True)
            if args.save:
                from PIL import Image

                Path(args.save).mkdir(parents=True, exist_ok=True)
                Image.fromarray(a.frame).save(Path(args.save) / f"{name[:5]}_{emo}.png")
    for emo in args.emotions.split(","):
        v = [x["band"] for x in rows if x["emotion"] == emo and np.isfinite(x["band"])]
        print(f"{emo}: median {np.median(v):.2f}, range {min(v):.2f}-{max(v):.2f} ({len(v)} photos)")
    if args.name:
        out = Path(__file__).resolve().parent / "results" / f"{args.name}.json"
        out.write_text(json.dumps({"rows": rows, "note": __doc__.split("\n\n")[1]}, indent=1))


if __name__ == "__main__":
    main()
