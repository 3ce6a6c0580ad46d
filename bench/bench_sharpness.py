"""Sharpness of the reenactment against the photo: how much of the photo's high-frequency energy the
renderer's resampling keeps (issue 11 realism: "oversmoothed skin", "face blurry", "mouth smeared/soft",
"teeth blurry").

For each photo (the development photos + the astronaut) the reconstruction (the source's own expression
and rotation, which should be the photo) and the apex of each emotion (:class:`apex_renders.ApexRenderer`)
are rendered. Two measures of fine detail, each as frame / photo:

- ``lap``: the standard deviation of the luma's 3 x 3 Laplacian (the finest scale, what a bilinear fetch
  between pixel centres halves), and ``band`` (luma Gaussian sigma 0.7 minus sigma 1.6: pores, stubble, lip
  lines, teeth edges).
- per skin region (``forehead``, ``cheeks``: regions of the face that barely move; ``face``: the front of the
  face; ``moved``: skin moved >= 1.5 px) the frame's pixels against the photo's at the same surface points
  (each frame pixel's source pixel, through the frame's rasterized mesh);
- per box (``mouth``: the 20 mouth landmarks' box, 20 % wider each side; ``eyes``: the 12 eye landmarks'
  boxes), the frame's box around the frame's landmarks against the photo's box around the photo's (the
  painted interior of an opened mouth included: what a viewer sees there).

    nice -n 10 .venv/bin/python bench/bench_sharpness.py [--photos DIR] [--tag before] [--save DIR]

``--save DIR`` keeps the frames (npz per photo) to look at; never commit renders of the shared photos.

Results (session 19, seed 0, the 12 development photos + the astronaut; sharpness_before.json / _after.json):

- The reconstruction is the photo (1.000; ``moved`` 0.987 there covers the few pixels the lip residual moves).
- Catmull-Rom sampling (before): the moved face kept 0.90-0.97 of the photo's 3 x 3 Laplacian at the apexes
  (medians per emotion; forehead 0.85-1.03, per photo 0.82 dev03 to 1.03 dev02) and 0.96-1.00 of its band;
  the grain given back hid the loss from the grain measures (bench_skin: 1.02-1.04).
- The clamped cardinal spline (after): face 0.93-1.00 (anger 0.931 -> 0.963, contempt 0.903 -> 0.928,
  disgust 0.925 -> 0.950, fear 0.944 -> 0.977, happiness 0.931 -> 0.965, sadness 0.940 -> 0.971, surprise
  0.966 -> 0.997), forehead 0.87-1.06; per photo dev03 0.82 -> 0.88, dev09 0.87 -> 0.91, astronaut 0.89 ->
  0.92; unclamped it kept 0.94-1.02 but rang at sharp edges (see shaders.SPLINE_POLE). The mouth box (with the
  painted interior, which this does not sample) and the eyes change by 0.01-0.02.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, RECON, ApexRenderer, add_photo_args, list_photos, load_pipeline  # noqa: E402
from bench_skin import vertex_regions  # noqa: E402
from common import print_table, report  # noqa: E402

EMOTIONS = (RECON,) + tuple(e for e in EMOTIONS8 if e != "neutral")
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
MIN_PIXELS = 200


def lap(img: np.ndarray) -> np.ndarray:
    from scipy.ndimage import laplace

    return laplace(img.astype(np.float32) @ LUMA)


def band(img: np.ndarray) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    luma = img.astype(np.float32) @ LUMA
    return gaussian_filter(luma, 0.7) - gaussian_filter(luma, 1.6)


def _box(xy: np.ndarray, pad: float, shape) -> tuple[slice, slice]:
    x0, y0 = xy.min(0)
    x1, y1 = xy.max(0)
    px, py = pad * (x1 - x0), pad * (y1 - y0)
    h, w = shape[:2]
    return (slice(max(int(y0 - py), 1), min(int(y1 + py) + 1, h - 1)),
            slice(max(int(x0 - px), 1), min(int(x1 + px) + 1, w - 1)))


def measure(r, photo, frame, expr, rot, regions) -> dict:
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.render.warp import skin_sources

    screen = r.screens(expr[None], rot[None])[0]
    src = r.source.screen[:, :2]
    s = skin_sources(screen, src, r.triangles, r.n_skin, r.exact_weight, photo.shape[:2])
    front, reg, si, sj = s.front, regions[s.nearest], s.row, s.col
    maps = {"lap": (lap(frame), lap(photo)), "band": (band(frame), band(photo))}
    masks = {"forehead": front & (reg == 1), "cheeks": front & (reg == 2), "face": front,
             "moved": front & (s.moved >= 1.5)}
    out = {}
    for name, m in masks.items():
        n = int(m.sum())
        out[name] = {"n": n}
        if n >= MIN_PIXELS:
            for q, (f, p) in maps.items():
                out[name][q] = float(np.std(f[m]) / max(np.std(p[si[m], sj[m]]), 1e-6))
    lm = np.asarray(MULTIPIE_68)
    for name, idx, pad in (("mouth", lm[48:68], 0.2), ("eyes", lm[36:48], 0.15)):
        out[name] = {}
        if name == "eyes":
            boxes = [(_box(screen[lm[36:42], :2], pad, photo.shape), _box(src[lm[36:42]], pad, photo.shape)),
                     (_box(screen[lm[42:48], :2], pad, photo.shape), _box(src[lm[42:48]], pad, photo.shape))]
        else:
            boxes = [(_box(screen[idx, :2], pad, photo.shape), _box(src[idx], pad, photo.shape))]
        for q, (f, p) in maps.items():
            ef = np.concatenate([f[b].ravel() for b, _ in boxes])
            ep = np.concatenate([p[b].ravel() for _, b in boxes])
            out[name][q] = float(np.std(ef) / max(np.std(ep), 1e-6)) if ep.size >= 50 else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_photo_args(ap)
    ap.add_argument("--tag", default="")
    ap.add_argument("--save", default="", help="folder for the frames (npz per photo; not for committing)")
    ap.add_argument("--no-samples", action="store_true")
    args = ap.parse_args()
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows = []
    t0 = time.time()
    photos = list_photos(args.photos, args.quick, samples=False) + ([] if args.no_samples else [("astronaut", "astronaut")])
    for name, srcp in photos:
        photo = ar.load(srcp)
        r = ar.renderer
        regions = vertex_regions(r.base)
        frames = {"photo": photo}
        for emo in EMOTIONS:
            expr, rot, frame = ar.posed(emo, args.seed)
            frames[emo] = frame
            m = measure(r, photo, frame, expr, rot, regions)
            rows.append({"photo": name, "emotion": emo, **m})
        if args.save:
            Path(args.save).mkdir(parents=True, exist_ok=True)
            np.savez_compressed(Path(args.save) / f"{name}.npz", **frames)
        print(f"{name}: {time.time() - t0:.0f} s", file=sys.stderr)
    keys = [f"{k}_{q}" for k in ("forehead", "cheeks", "face", "moved", "mouth", "eyes") for q in ("lap", "band")]

    def med(sel, key):
        k, q = key.rsplit("_", 1)
        v = [p[k][q] for p in sel if q in p[k] and np.isfinite(p[k][q])]
        return float(np.median(v)) if v else float("nan")

    table = [{"emotion": e, **{k: med([p for p in rows if p["emotion"] == e], k) for k in keys}} for e in EMOTIONS]
    per_photo = [{"photo": n, **{k: med([p for p in rows if p["photo"] == n and p["emotion"] != "recon"], k)
                                 for k in keys}} for n, _ in photos]
    print_table(table)
    print_table(per_photo)
    report("sharpness" + (f"_{args.tag}" if args.tag else ""), table, {"per_photo": per_photo, "renders": rows,
                                                                      "seed": args.seed})


if __name__ == "__main__":
    main()
