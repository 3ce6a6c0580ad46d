"""Silhouette artifacts of the apex renders: a detached light edge, halo or smear off the face's outline.

For each photo (default ``../shared/photos``) and emotion, the apex frame (:class:`apex_renders.ApexRenderer`)
is measured beside its own silhouette: the off-head pixels whose nearest head pixel is the face's (the clean
plate's region, not the skull or neck), at 2-8 panel-crop pixels (the 256-px crop of the face's box) from the
frame's rasterized head. Per pixel, its share of the face's colour (a two-colour matte ``<I - B, F - B> /
|F - B|^2`` clipped to [0, 1], F the face's colour next to it: pull-push of the head's pixels 3+ crop px inside,
B the background's: pull-push of the off-head pixels 10-16 crop px out; only where |F - B| >= 24 levels):

* ``ghost``: that share summed over the band, in crop px^2 per 100 crop px of outline (skin off the face:
  the photographed rim left beside the plate's fill, a smear, a halo);
* ``edge``: the mean luma gradient (levels per crop px) over the band over the photo's own (a doubled or
  jagged edge, streaks).

* ``stray``: the dark leftover of the photo's outline beside the moved face: pixels off the frame's face (the
  clean plate's region: its skin and the inner parts), within STRAY_PX crop px of it, where the photo shows
  background inside the fitted face or its rim (the plate's matte > 0, the photo within STRAY_PLAIN levels of the
  plate's fill: the fit's chin reaches past the photographed one), darker (luma) than the photo there by over
  STRAY_DARK levels, in crop px^2 per 100 crop px of outline; ``stray_head`` counts those on the head's skin only
  (the neck or skull the photo hid behind the face: a chin that rises uncovers the neck behind it).

The untouched photo is measured the same way with its source silhouette (``photo`` rows): its own rim past
the fitted outline. ``--emotions`` restricts, ``--out`` names the JSON (bench/results/); ``--old-plate``: the
clean plate of the mesh's face grown 2 px (before the photographed rim was filled too).

    nice -n 10 .venv/bin/python bench/bench_silhouette.py [--photos DIR] [--out silhouette.json]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, list_photos, load_pipeline  # noqa: E402
from common import face_box, report  # noqa: E402

EMOTIONS = ("happiness", "sadness", "anger", "fear", "surprise", "disgust", "contempt")
BAND = (2.0, 8.0)  # crop px off the head
INNER, OUTER = 3.0, (10.0, 16.0)
MIN_CONTRAST = 24.0
STRAY_PX, STRAY_DARK, STRAY_PLAIN = 8.0, 32.0, 12.0


def stray_stats(img, photo, plate, origin, tri_id, face_tri, unit) -> dict:
    """``stray`` and ``stray_head`` (module docstring) of frame ``img`` beside its face ``face_tri`` of ``tri_id``;
    ``plate`` (h, w, >= 3) over the source box at ``origin`` (x, y) (the photo elsewhere)."""
    from scipy import ndimage as ndi

    luma = np.array([0.299, 0.587, 0.114], np.float32)
    face = (tri_id >= 0) & face_tri[np.maximum(tri_id, 0)]
    if not face.any():
        return {"stray": 0.0, "stray_head": 0.0}
    (x0, y0), (h, w) = origin, plate.shape[:2]
    near = ~face & (ndi.distance_transform_edt(~face) <= STRAY_PX * unit)
    plain = np.zeros(face.shape, bool)  # background inside the fitted face or its rim (the plate's matte)
    diff = np.abs(photo[y0 : y0 + h, x0 : x0 + w].astype(np.float32) - plate[..., :3].astype(np.float32)).max(2)
    plain[y0 : y0 + h, x0 : x0 + w] = (diff <= STRAY_PLAIN) & (plate[..., 3] > 0)
    dark = near & plain & (img.astype(np.float32) @ luma < photo.astype(np.float32) @ luma - STRAY_DARK)
    length = float((face & ~ndi.binary_erosion(face)).sum()) / unit / 100.0
    per = unit**2 * max(length, 1e-6)
    return {"stray": float(dark.sum()) / per, "stray_head": float((dark & (tri_id >= 0)).sum()) / per}


def silhouette_stats(img: np.ndarray, tri_id: np.ndarray, face_tri: np.ndarray, unit: float) -> dict:
    """The ghost share and band gradient of ``img`` (H, W, 3) beside the head ``tri_id`` (H, W) (``face_tri``
    (T,) bool: the face's triangles); ``unit``: photo px per crop px."""
    from scipy import ndimage as ndi

    from emoshift.render.fill import fill_holes

    head = tri_id >= 0
    d_out, (ii, jj) = ndi.distance_transform_edt(~head, return_indices=True)
    d_in = ndi.distance_transform_edt(head)
    near_tri = tri_id[ii, jj]
    face_side = (~head) & (near_tri >= 0) & face_tri[np.maximum(near_tri, 0)]
    band = face_side & (d_out >= BAND[0] * unit) & (d_out <= BAND[1] * unit)
    if not band.any():
        return {"ghost": 0.0, "edge": 0.0, "outline": 0.0}
    f = img.astype(np.float32)
    # only the box around the band (fills over the whole photo are slow)
    ys, xs = np.nonzero(band)
    pad = int(OUTER[1] * unit) + 4
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, img.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, img.shape[1])
    sl = (slice(y0, y1), slice(x0, x1))
    inner = head[sl] & (d_in[sl] >= INNER * unit)
    outer = (~head[sl]) & (d_out[sl] >= OUTER[0] * unit) & (d_out[sl] <= OUTER[1] * unit)
    fg = fill_holes(f[sl], inner.astype(np.float32))
    bg = fill_holes(f[sl], outer.astype(np.float32))
    b = band[sl]
    dv = fg[b] - bg[b]
    n2 = (dv * dv).sum(-1)
    a = np.clip(((f[sl][b] - bg[b]) * dv).sum(-1) / np.maximum(n2, 1.0), 0.0, 1.0)
    a = np.where(n2 >= MIN_CONTRAST**2, a, 0.0)
    luma = f[sl] @ np.array([0.299, 0.587, 0.114], np.float32)
    gy, gx = np.gradient(luma)
    grad = np.hypot(gx, gy)[b] * unit
    # outline length: the head's edge pixels on the face's side, in crop px
    edge = head & ~ndi.binary_erosion(head)
    nt = tri_id[edge]
    length = float(face_tri[nt].sum()) / unit
    return {"ghost": float(a.sum()) / unit**2 / max(length / 100.0, 1e-6), "edge": float(grad.mean()),
            "outline": length}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--emotions", default=",".join(EMOTIONS))
    ap.add_argument("--out", default="silhouette.json")
    ap.add_argument("--old-plate", action="store_true", help="the former clean plate (the mesh's face grown 2 px)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.old_plate:
        import emoshift.render.source_parts as sp

        sp.DISOCCLUSION_RIM = 0.0
    from emoshift.render.raster import rasterize_head

    emotions = args.emotions.split(",")
    apexes = ApexRenderer(load_pipeline())
    rows, t0 = [], time.perf_counter()
    for name, src in list_photos(args.photos, samples=False):
        photo = apexes.load(src)
        r = apexes.renderer
        box = face_box(apexes.fit.landmarks_detected, photo.shape)
        unit = (box[2] - box[0]) / 256.0
        face_tri = r._region_triangles("plate")

        def tri_of(expr, rot):
            sc = r.screens(np.asarray(expr, np.float32)[None], np.asarray(rot, np.float32)[None])[0]
            return rasterize_head(sc, r.triangles, r.n_skin, photo.shape[1], photo.shape[0]).tri_id

        src_tri = tri_of(r.source_expression, r.source_rotation)
        base = silhouette_stats(photo, src_tri, face_tri, unit)
        base.update(stray_stats(photo, photo, r.plate, r.src_origin, src_tri, face_tri, unit))
        row = {"photo": name[:5], "emotion": "photo", **{k: round(v, 3) for k, v in base.items()}}
        rows.append(row)
        for emo in emotions:
            a = apexes.apex(emo, args.seed)
            tri = tri_of(a.expression, a.rotation)
            s = silhouette_stats(a.frame, tri, face_tri, unit)
            s.update(stray_stats(a.frame, photo, r.plate, r.src_origin, tri, face_tri, unit))
            s["edge_ratio"] = s["edge"] / max(base["edge"], 1e-6)
            rows.append({"photo": name[:5], "emotion": emo, **{k: round(v, 3) for k, v in s.items()}})
        print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    renders = [x for x in rows if x["emotion"] != "photo"]
    summary = {
        "ghost_mean": float(np.mean([x["ghost"] for x in renders])),
        "ghost_p90": float(np.quantile([x["ghost"] for x in renders], 0.9)),
        "ghost_max": float(np.max([x["ghost"] for x in renders])),
        "ghost_photo_mean": float(np.mean([x["ghost"] for x in rows if x["emotion"] == "photo"])),
        "edge_ratio_mean": float(np.mean([x["edge_ratio"] for x in renders])),
        "edge_ratio_p90": float(np.quantile([x["edge_ratio"] for x in renders], 0.9)),
        "stray_mean": float(np.mean([x["stray"] for x in renders])),
        "stray_max": float(np.max([x["stray"] for x in renders])),
        "stray_head_mean": float(np.mean([x["stray_head"] for x in renders])),
        "stray_head_max": float(np.max([x["stray_head"] for x in renders])),
    }
    print(summary)
    report(Path(args.out).stem, rows, {"summary": summary, "band_crop_px": BAND, "seed": args.seed})


if __name__ == "__main__":
    main()
