"""Skin texture on real photos: does the warped skin keep the photo's own grain, or look smoothed, painterly,
or oversharpened?

Issue 11 part 6 and the realism target: the blind panels write "skin overly smooth", "painterly",
"smoothed texture", "oversharpened" (dev01, dev09, dev12, dev06) and "neck seam / smeared chin" (dev09).
This bench measures, on the apex renders of the development photos (:mod:`apex_renders`, as ``animate``
gives them) and on the neutral reconstruction (the source expression and rotation, which reproduces the
photo), the fine detail of the frame's front-of-face skin against the photo's at the same surface points
(each frame pixel reads the photo at its source pixel, from the frame's rasterized mesh). Per region of the
face (head-frame position of the surface point: ``forehead`` above the brows, ``cheeks`` between the lower
lids and the mouth beside the nose, ``chin`` below the lower lip; eyes, brows, lips excluded) and per kind
of motion over the whole face (``still``: moved < 0.5 px; ``moved``: >= 1.5 px, not stretched;
``stretched``: the frame magnifies its triangle to >= STRETCH x its source area; ``shrunk``: <= 1/STRETCH):

- ``grain``: robust deviation (1.4826 x MAD) of the luma's residual after a 3 x 3 mean over the frame's
  pixels, over the same of the photo's residual read at their source pixels. 1 = as much fine detail as
  the photo; below: smoothed; above: noisier or sharper than the photo.
- ``band``: the same for a mid band (Gaussian sigma 1 minus sigma 2.5 of the luma): the scale of pores,
  stubble and fine lines, which a "painterly" look loses while edges stay.
- ``peak``: the 99.5th percentile of |3 x 3 residual| over the photo's (halos / oversharpening lift it
  above ``grain``).

``outline``: the largest motion of the face outline (the 68-point jaw line, 0-16) from its source projection, as
a fraction of the face height (brows to chin): how far the warp drags the face's edge over the background
("face warped"). Also ``seam``: over the frame's skin pixels that lie (barycentric >= 1/2) on skin below
the lower lip that the source render hides behind skin at least 1 cm nearer (the neck behind the chin, which a
raised chin uncovers), the mean |vertical luma difference| between the pixels above and below (grey levels; the photo's
chin edge copied into that band is a horizontal seam); ``seam_n`` their number (renders with >= 20 only).

Outputs: the table per emotion (medians over photos) and a per-photo table of the still/moved grain, and
bench/results/skin.json (``--tag`` suffixes the name: skin_before.json).

    nice -n 10 .venv/bin/python bench/bench_skin.py [--photos DIR] [--quick] [--seed 0] [--tag before]

Results (session 10, seed 0, the 12 development photos + 2 samples; skin_before.json / skin_after.json):

- The warp keeps the photo's fine detail where it moves the skin: moved skin 1.02-1.04 x the photo's grain and
  0.97-1.00 x its mid band at every apex (medians over photos), forehead 0.97-1.19 / 0.96-1.11, cheeks
  0.99-1.09 / 0.91-1.04, chin 1.01-1.14 / 1.01-1.24; the neutral reconstruction 1.00. Stretched skin (the
  mouth's surroundings) keeps its grain (0.90-1.07: the magnification grain) but loses a sixth of its mid band
  (0.80-0.90) and its sparse peaks (0.72-0.82); compressed skin has more detail than the photo at the same
  points (1.17-1.45: the texture is compressed, as on real skin). The panels' "overly smooth" (dev01),
  "painterly" (dev09) and "oversharpened" (dev12) were written about the untouched photos too (3/4, 4/4, 1/4
  labellers): those notes describe the photos' own look more than the warp's.
- ``seam`` (the band under a rising chin): dev09 disgust 9.06 -> 4.60 grey levels, contempt 5.23 -> 3.90; over
  the 37 renders it changed, 24 lower and 15 higher (disgust mean 4.41 -> 3.91, median 3.44 -> 3.52; the
  astronaut 6.7-7.7 -> 10.4-10.7 and dev08 contempt 3.85 -> 6.11: where the fitted chin ends above the
  photographed one the band now shows the shadow or hair just below the contour instead of a doubled chin).
- ``outline`` ("face warped"): anger drags the jaw line by 0.135 of the face height (median; dev10 0.18,
  dev09 0.18, dev01 0.16: the shouting jaw drop), sadness 0.09, disgust 0.08, the others 0.05-0.06.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8, RECON, ApexRenderer, add_photo_args, list_photos, load_pipeline  # noqa: E402
from common import print_table, report, residual  # noqa: E402

EMOTIONS = tuple(e for e in EMOTIONS8 if e != "neutral") + (RECON,)
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
STRETCH = 1.25
MIN_PIXELS = 200
REGIONS = ("forehead", "cheeks", "chin")
MOTIONS = ("still", "moved", "stretched", "shrunk")


def mad(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if len(x) else float("nan")


def band(img: np.ndarray) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    luma = img.astype(np.float32) @ LUMA
    return gaussian_filter(luma, 1.0) - gaussian_filter(luma, 2.5)


def vertex_regions(base: np.ndarray) -> np.ndarray:
    """(V,) int8 region of each drawn vertex (0 none, 1 forehead, 2 cheeks, 3 chin) from its head-frame
    position relative to the 68 landmarks of the identity's neutral shape."""
    from emoshift.headmodel.regions import MULTIPIE_68

    lm = base[MULTIPIE_68]
    x, y = base[:, 0], base[:, 1]
    brow_y = lm[17:27, 1].max()
    eye_lo = lm[[40, 41, 46, 47], 1].min()
    outer = np.abs(lm[[36, 45], 0]).max()
    nose = np.abs(lm[[31, 35], 0]).max()
    mouth_hi, mouth_lo = lm[48:60, 1].max(), lm[48:60, 1].min()
    chin = lm[8, 1]
    out = np.zeros(len(base), np.int8)
    out[(y > brow_y + 0.4) & (np.abs(x) < outer)] = 1
    out[(y < eye_lo - 0.6) & (y > mouth_hi - 0.3) & (np.abs(x) > nose + 0.3) & (np.abs(x) < outer + 0.3)
        & ~((np.abs(x) < np.abs(lm[[48, 54], 0]).max() + 0.4) & (y < mouth_hi + 0.3))] = 2
    out[(y < mouth_lo - 0.4) & (y > chin + 0.5) & (np.abs(x) < np.abs(lm[[48, 54], 0]).max())] = 3
    return out


def hidden_vertices(r) -> np.ndarray:
    """(V,) bool: skin vertices below the lower lip's middle that the source render hides behind skin at least
    1 cm nearer (the renderer's own test, recomputed here so that the bench runs on older versions too)."""
    from emoshift.headmodel.regions import MULTIPIE_68

    (x0, y0), (h, w) = r.src_origin, r.src_tri.shape
    ok = np.isfinite(r.src_screen).all(1)
    xy = np.where(ok[:, None], r.src_screen[:, :2], -1.0)
    j, i = np.floor(xy[:, 0] - x0).astype(int), np.floor(xy[:, 1] - y0).astype(int)
    inside = ok & (i >= 0) & (i < h) & (j >= 0) & (j < w)
    ii, jj = np.clip(i, 0, h - 1), np.clip(j, 0, w - 1)
    t = r.src_tri[ii, jj]
    nearer = (t >= 0) & (t < r.n_skin) & (r.src_depth[ii, jj] + 1.0 < r.src_screen[:, 2])
    below = (r.base[:, 1] < r.base[MULTIPIE_68[57], 1]) & (r.vertex_part == 0)
    return inside & nearer & below


def measure(r, photo: np.ndarray, frame: np.ndarray, expr: np.ndarray, rot: np.ndarray, regions: np.ndarray) -> dict:
    from emoshift.render.warp import skin_area_ratio, skin_sources

    screen = r.screens(expr[None], rot[None])[0]
    src = r.source.screen[:, :2]
    s = skin_sources(screen, src, r.triangles, r.n_skin, r.exact_weight, photo.shape[:2])
    skin, tv, d, front, reg, si, sj = s.skin, s.corners, s.moved, s.front, regions[s.nearest], s.row, s.col
    area = skin_area_ratio(src, screen[:, :2], r.triangles, r.n_skin)[s.tri]  # frame area / source area
    rf, rp = residual(frame), residual(photo)
    bf, bp = band(frame), band(photo)
    out = {}
    hidden = hidden_vertices(r)
    uncovered = skin & ((s.bary * hidden[tv]).sum(-1) >= 0.5)
    uncovered[[0, -1]] = False
    luma = frame.astype(np.float32) @ LUMA
    dy = np.zeros_like(luma)
    dy[1:-1] = 0.5 * np.abs(luma[2:] - luma[:-2])
    n_unc = int(uncovered.sum())
    from emoshift.headmodel.regions import MULTIPIE_68

    face_h = float(np.ptp(r.src_screen[MULTIPIE_68[17:27].tolist() + [MULTIPIE_68[8]], 1]))
    jaw = np.asarray(MULTIPIE_68[0:17])
    move = np.linalg.norm(screen[jaw, :2] - r.src_screen[jaw, :2], axis=1)
    out["outline"] = {"outline": float(move.max() / max(face_h, 1.0))}
    out["seam"] = {"n": n_unc, "seam": float(dy[uncovered].mean()) if n_unc >= 20 else float("nan")}
    masks = {name: front & (reg == k + 1) for k, name in enumerate(REGIONS)}
    masks["still"] = front & (d < 0.5)
    masks["moved"] = front & (d >= 1.5) & (area < STRETCH) & (area > 1 / STRETCH)
    masks["stretched"] = front & (area >= STRETCH)
    masks["shrunk"] = front & (area <= 1 / STRETCH)
    masks["face"] = front
    for name, m in masks.items():
        n = int(m.sum())
        if n < MIN_PIXELS:
            out[name] = {"n": n}
            continue
        pf, pp = rf[m], rp[si[m], sj[m]]
        out[name] = {
            "n": n,
            "grain": mad(pf) / max(mad(pp), 0.25),
            "band": float(np.std(bf[m]) / max(np.std(bp[si[m], sj[m]]), 1e-6)),
            "peak": float(np.percentile(np.abs(pf), 99.5) / max(np.percentile(np.abs(pp), 99.5), 1e-6)),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_photo_args(ap)
    ap.add_argument("--tag", default="", help="suffix of the result file (skin_TAG.json)")
    args = ap.parse_args()
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows_photo = []
    t0 = time.time()
    for name, src in list_photos(args.photos, args.quick):
        photo = ar.load(src)
        r = ar.renderer
        regions = vertex_regions(r.base)
        for emo in EMOTIONS:
            expr, rot, frame = ar.posed(emo, args.seed)
            m = measure(r, photo, frame, expr, rot, regions)
            rows_photo.append({"photo": name, "emotion": emo, **m})
        print(f"{name}: {time.time() - t0:.0f} s", file=sys.stderr)
    keys = [f"{k}_{q}" for k in REGIONS + MOTIONS for q in ("grain", "band")] + ["moved_peak", "stretched_peak",
                                                                                 "seam_seam", "outline_outline"]
    table = []
    for emo in EMOTIONS:
        row = {"emotion": emo}
        for key in keys:
            k, q = key.rsplit("_", 1)
            vals = [p[k][q] for p in rows_photo if p["emotion"] == emo and q in p[k] and np.isfinite(p[k][q])]
            row[key] = float(np.median(vals)) if vals else float("nan")
        table.append(row)
    per_photo = []
    for name in dict.fromkeys(p["photo"] for p in rows_photo):
        row = {"photo": name}
        for k in ("still", "moved", "stretched", "face", "seam"):
            for q in (("seam",) if k == "seam" else ("grain", "band", "peak")):
                vals = [p[k][q] for p in rows_photo if p["photo"] == name and p["emotion"] != "recon" and q in p[k]
                        and np.isfinite(p[k][q])]
                row[f"{k}_{q}"] = float(np.median(vals)) if vals else float("nan")
        per_photo.append(row)
    print_table(per_photo)
    report("skin" + (f"_{args.tag}" if args.tag else ""), table, {"per_photo": per_photo, "renders": rows_photo,
                                                                "seed": args.seed, "stretch": STRETCH})


if __name__ == "__main__":
    main()
