"""Glasses kept rigid (:mod:`emoshift.render.glasses`): detection on every photo, and how far the apex renders
of the photos with glasses bend them, with the rigid glasses (``after``) and without (``before``:
``Reenactor.keep_glasses = False``, the former renderer).

Per photo: whether glasses are found, their kind, and the mask's area (pixels; on a photo without glasses any
area is a false positive), and ``loose_px`` (:func:`loose_dark`): the photo's dark pixels joined to the mask but outside
it (frame parts the mask left out move with the skin: feat multi_face's right lens, whose skin-hued reflection stopped
the lens's outline, left its outer end and frame out). Per apex of a photo with glasses (7 emotions): ``rim_err`` the mean |luma| between
the frame and the photo's glasses moved by the head's rigid motion only (the renderer's own map,
:func:`~emoshift.render.glasses.rigid_affine`), over the glasses' mask where its alpha is 1 (0: the glasses
stand exactly where the head carries them; bent glasses, or skin drawn over them, differ), and ``dark_iou``
the IoU of the dark pixels (luma below NON_SKIN_DARK of the skin's: lenses, rims) of the frame and of the
rigidly moved photo, over the glasses' box grown by 10 px (1: the lens and rim outlines as the rigid ones).
The ``after`` rim_err is 0 by construction where the alpha is 1; dark_iou also counts the skin around them.
The fill the ``after`` frame shows where the skin moved out from under the glasses (:func:`strip_stats`: the frame
against one whose face samples the glasses' mask painted green): ``strip_px``, ``strip_dluma`` (its mean luma less
the skin's beside it) and ``strip_grain`` (its grain over the skin's beside it: 1 the skin's own, 0 smooth); the same strip below the
lenses (:func:`lower_strip`: where the cheek moved under a rigid lens): ``low_px``, ``low_dluma``, ``low_dcol``
(|mean RGB| against the skin beside it) and ``low_dcheek`` (against the photo's cheek just below the lenses).

    nice -n 10 .venv/bin/python bench/bench_glasses.py [--photos DIR] [--out bench/results/glasses.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, list_photos, load_pipeline  # noqa: E402

EMOTIONS = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")


def measure(frame, photo, glasses, affine, skin):
    from emoshift.render.glasses import NON_SKIN_DARK, lay_glasses
    from emoshift.render.teeth import LUMA

    target = frame.copy()
    lay_glasses(target, photo, glasses, affine)
    alpha = np.zeros(frame.shape[:2], np.float32)
    probe = np.zeros_like(frame)
    white = np.full_like(photo, 255)
    lay_glasses(probe, white, glasses, affine)
    alpha = probe[..., 0] / 255.0
    luma = np.asarray(LUMA, np.float32)
    lf, lt = frame.astype(np.float32) @ luma, target.astype(np.float32) @ luma
    full = alpha >= 0.999
    rim_err = float(np.abs(lf - lt)[full].mean()) if full.any() else float("nan")
    ys, xs = np.nonzero(alpha > 0)
    y0, y1, x0, x1 = max(ys.min() - 10, 0), ys.max() + 11, max(xs.min() - 10, 0), xs.max() + 11
    thr = NON_SKIN_DARK * float(np.asarray(skin, np.float32) @ luma)
    a, b = lf[y0:y1, x0:x1] < thr, lt[y0:y1, x0:x1] < thr
    iou = float((a & b).sum() / max((a | b).sum(), 1))
    return rim_err, iou


def loose_dark(photo, glasses, skin):
    """The photo's dark pixels (luma below NON_SKIN_DARK of the skin's), 8-connected to the glasses' mask within its box
    grown by 10 px, more than 2 px outside the mask: their count."""
    from emoshift.render.fill import connected_to
    from emoshift.render.filters import binary_dilation
    from emoshift.render.glasses import non_skin

    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    H, W = photo.shape[:2]
    bx0, by0, bx1, by1 = max(x0 - 10, 0), max(y0 - 10, 0), min(x0 + w + 10, W), min(y0 + h + 10, H)
    m = np.zeros((by1 - by0, bx1 - bx0), bool)
    m[y0 - by0 : y0 - by0 + h, x0 - bx0 : x0 - bx0 + w] = glasses.mask
    dark = non_skin(photo[by0:by1, bx0:bx1], np.asarray(skin, np.float32), hue=False)
    joined = connected_to(dark | m, m, eight=True)
    return int((joined & ~binary_dilation(m, np.ones((3, 3), bool), 2)).sum())


def flag_frames(renderer, expressions, rotations, flag=(0, 255, 0)):
    """(T, H, W, 3) frames of ``renderer`` (a Reenactor with glasses) whose face samples the photo with the glasses'
    mask painted ``flag`` instead of filled: where they differ from its frames, the frame shows the fill."""
    from emoshift.render.reenact import photo_coefficients

    g = renderer.glasses
    saved = renderer.source
    img = np.array(saved.image, copy=True)
    (x0, y0), (h, w) = g.origin, g.mask.shape
    img[y0 : y0 + h, x0 : x0 + w][g.mask] = flag
    coef, origin = photo_coefficients(img, renderer.src_origin, renderer.src_tri.shape)
    renderer.source = saved._replace(image=img, coef=coef, coef_origin=origin)
    try:
        return renderer.render_batch(expressions, rotations)
    finally:
        renderer.source = saved


def strip_stats(frame, flagged, covered):
    """The fill the frame shows (``strip``: off the flagged frame's by > 40 levels, off the glasses' layer ``covered``
    (H, W) bool and 2 px from it and from the strip's own edge) against the skin beside it (``ring``: 2-8 px from
    the strip, neither fill nor glasses): (strip px, dluma = mean luma strip - ring, grain = the strip's robust
    std of the luma's detail (less a Gaussian of 1.5 px) over the ring's; 1: the skin's own grain, 0: smooth)."""
    from emoshift.render.filters import binary_dilation, gaussian_filter
    from emoshift.render.teeth import LUMA

    luma = np.asarray(LUMA, np.float32)
    lf = frame.astype(np.float32) @ luma
    fill = np.abs(frame.astype(np.int16) - flagged.astype(np.int16)).max(-1) > 40
    near = binary_dilation(covered | ~fill, np.ones((3, 3), bool), 2)
    strip = fill & ~near
    grown = binary_dilation(fill | covered, np.ones((3, 3), bool), 2)
    ring = binary_dilation(strip, np.ones((3, 3), bool), 8) & ~grown
    if strip.sum() < 30 or ring.sum() < 30:
        return int(strip.sum()), float("nan"), float("nan")
    det = lf - gaussian_filter(lf, 1.5)

    def rstd(v):
        return 1.4826 * float(np.median(np.abs(v - np.median(v))))

    return int(strip.sum()), float(lf[strip].mean() - lf[ring].mean()), rstd(det[strip]) / max(rstd(det[ring]), 1e-3)


def lower_strip(frame, flagged, covered, photo, glasses):
    """The fill the frame shows below the laid glasses (the uncovered strip under a lens where the cheek moved:
    the pixels of :func:`strip_stats`'s strip below the middle row of the glasses' layer ``covered``) against the
    skin beside it (``ring``, as there) and against the photo's cheek just below the lenses (4-14 px below the
    glasses' mask, skin-coloured, not dark): (px, dluma = mean luma strip - ring, dcol = |mean RGB strip - ring|,
    dcheek = |mean RGB strip - cheek|)."""
    from emoshift.render.filters import binary_dilation
    from emoshift.render.glasses import non_skin
    from emoshift.render.teeth import LUMA

    luma = np.asarray(LUMA, np.float32)
    fill = np.abs(frame.astype(np.int16) - flagged.astype(np.int16)).max(-1) > 40
    near = binary_dilation(covered | ~fill, np.ones((3, 3), bool), 2)
    ys = np.flatnonzero(covered.any(1))
    mid = (ys.min() + ys.max()) // 2
    strip = fill & ~near
    strip[: mid + 1] = False
    grown = binary_dilation(fill | covered, np.ones((3, 3), bool), 2)
    ring = binary_dilation(strip, np.ones((3, 3), bool), 8) & ~grown
    (x0, y0), (h, w) = glasses.origin, glasses.mask.shape
    m = np.zeros(photo.shape[:2], bool)
    m[y0 : y0 + h, x0 : x0 + w] = glasses.mask
    below = np.zeros_like(m)
    for k in range(4, 15):
        below[k:] |= m[:-k]
    cheek = below & ~binary_dilation(m, np.ones((3, 3), bool), 3) & ~non_skin(photo, np.asarray(glasses.skin), hue=False)
    cheek[: y0 + h // 2] = False
    if strip.sum() < 30 or ring.sum() < 30:
        return int(strip.sum()), float("nan"), float("nan"), float("nan")
    f = frame.astype(np.float32)
    ms, mr, mc = f[strip].mean(0), f[ring].mean(0), photo[cheek].astype(np.float32).mean(0)
    return (int(strip.sum()), float((ms - mr) @ luma), float(np.linalg.norm(ms - mr)), float(np.linalg.norm(ms - mc)))


def main() -> None:
    from emoshift.render.glasses import lay_glasses, skin_colour
    from emoshift.render.reenact import Reenactor

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "glasses.json"))
    ap.add_argument("--only", nargs="*", default=None, help="only the photos whose names start with these")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    apexes = ApexRenderer(load_pipeline())
    res = {"photos": {}, "apex": []}
    print(f"{'photo':28s} {'glasses':8s} {'mask px':>8s} {'loose px':>8s}")
    for name, src in list_photos(args.photos, samples=True):
        if args.only and not any(name.startswith(o) for o in args.only):
            continue
        photo = apexes.load(src)
        g = apexes.renderer.glasses
        res["photos"][name] = {"kind": None if g is None else g.kind, "mask_px": 0 if g is None else int(g.mask.sum()),
                               "loose_px": 0 if g is None else loose_dark(photo, g, g.skin)}
        print(f"{name[:28]:28s} {str(res['photos'][name]['kind']):8s} {res['photos'][name]['mask_px']:8d}"
              f" {res['photos'][name]['loose_px']:8d}")
        if g is None:
            continue
        after = apexes.renderer
        before = Reenactor.__new__(Reenactor)
        Reenactor.keep_glasses = False
        try:
            before = Reenactor(photo, apexes.fit, after.model)
        finally:
            Reenactor.keep_glasses = True
        skin = skin_colour(photo, np.asarray(apexes.fit.landmarks_detected))
        apx = [apexes.apex(emotion, args.seed) for emotion in EMOTIONS]
        flagged = flag_frames(after, np.stack([a.expression for a in apx]), np.stack([a.rotation for a in apx]))
        for k, emotion in enumerate(EMOTIONS):
            a = apx[k]
            f_before = before.render(a.expression, a.rotation)
            affine = after._glasses_map(a.rotation)
            row = {"photo": name, "emotion": emotion}
            for tag, fr in (("before", f_before), ("after", a.frame)):
                row[f"rim_err_{tag}"], row[f"dark_iou_{tag}"] = measure(fr, photo, g, affine, skin)
            probe = np.zeros_like(photo)
            lay_glasses(probe, np.full_like(photo, 255), g, affine)
            strip = strip_stats(a.frame, flagged[k], probe[..., 0] > 0)
            row["strip_px"], row["strip_dluma"], row["strip_grain"] = strip
            low = lower_strip(a.frame, flagged[k], probe[..., 0] > 0, photo, g)
            row["low_px"], row["low_dluma"], row["low_dcol"], row["low_dcheek"] = low
            res["apex"].append(row)
    print(f"\n{'photo':10s} {'emotion':10s} {'rim_err before':>15s} {'after':>7s} {'dark_iou before':>16s} {'after':>7s}"
          f" {'strip px':>9s} {'dluma':>6s} {'grain':>6s} {'low px':>7s} {'dluma':>6s} {'dcol':>6s} {'dcheek':>6s}")
    for r in res["apex"]:
        print(f"{r['photo'][:10]:10s} {r['emotion']:10s} {r['rim_err_before']:15.2f} {r['rim_err_after']:7.2f} "
              f"{r['dark_iou_before']:16.3f} {r['dark_iou_after']:7.3f} {r['strip_px']:9d} {r['strip_dluma']:6.1f} "
              f"{r['strip_grain']:6.2f} {r['low_px']:7d} {r['low_dluma']:6.1f} {r['low_dcol']:6.1f} {r['low_dcheek']:6.1f}")
    for p in sorted({r["photo"] for r in res["apex"]}):
        rows = [r for r in res["apex"] if r["photo"] == p]
        res.setdefault("summary", {})[p] = {k: float(np.mean([r[k] for r in rows])) for k in
                                            ("rim_err_before", "rim_err_after", "dark_iou_before", "dark_iou_after",
                                                             "low_dluma", "low_dcol", "low_dcheek")}
        print(p[:10], "mean", {k: round(v, 3) for k, v in res["summary"][p].items()})
    Path(args.out).write_text(json.dumps(res, indent=1))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
