"""Eyes under lowered lids (issue 11 part 4): how much eyeball fear and surprise show on photos whose lids hide
the eyes (a face looking down past the camera: dev05, dev11), against open-eyed and sunglasses photos.

Per photo and emotion (fear, surprise, anger's glare; seed 0 apexes, :class:`apex_renders.ApexRenderer`):
``eyeball_px`` the frame's eyeball pixels (the head model's eyeball and iris between its lids), ``painted_px``
those painted rather than sampled from the photo (the shader's photo weight below 0.5, bench_eyes._trust; where
the photo shows no eyes the renderer kept the photo, lid skin, everywhere: 0), ``painted_share`` their share,
``open_ratio`` / ``photo_ratio`` the opening's height over the eye's width (the eyeball's tallest column, frame
pixels, over the eye's corner-to-corner width; the photo's: its detected eye contour, the larger eye),
``lowered`` whether the renderer treats the eyes as lowered lids, ``frame_md5`` the frame's hash (open-eyed
photos must not change), ``above`` / ``below`` the eyeball shown above / below the painted (or photo's) iris
circle at its centre column (iris radii, source coordinates, as bench_eyes; the stare of fear and surprise shows
white above the iris).

The prior checked on open eyes (``prior_*``, every photo that shows its eyes): the colours
:func:`emoshift.render.eyes.lowered_eyes` would paint, against the photo's own measured sclera (its own rows of
``colours``, per eye) and iris (the median of its iris pixels): ``prior_sclera`` / ``prior_iris`` their luma
ratio, prior over photo (1: the prior matches the photo), ``skin_over_white`` the face skin's luma over the
photo's white (:data:`emoshift.render.eyes.PRIOR_LIGHT_SKIN`), ``real_sclera_peri`` (per eye) the median luma of
the photo's own eye white (its opening off the iris, 1.15 iris radii out) over the median luma of the skin around
that eye (:func:`emoshift.render.eyes.eye_surround`), ``real_white_flat`` that white's median over its 90th
percentile (the shade of lids, lashes and corners over it), ``real_lid_margin`` the median of the white within
0.25 iris radii of the upper lid over that 90th percentile, ``real_grain_ratio`` the luma residual's robust deviation
(after a 3 x 3 mean) in the opening over the skin's around it.

On the renders (lowered lids) the same: ``sclera_peri`` the painted white (eyeball pixels 1.15 iris radii off the
painted iris's ellipse) over the photo's skin around that eye, ``white_flat``, ``lid_margin`` as on the real eyes,
``grain_ratio`` the eyeball's residual deviation over
the frame's skin's around the eye (the photo's grain: 1).

    nice -n 10 .venv/bin/python bench/bench_lowered_eyes.py [--photos DIR] [--only dev05 dev11 ...] [--out F]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, list_photos, load_pipeline  # noqa: E402
from bench_eyes import _ball, _trust  # noqa: E402

EMOTIONS = ("fear", "surprise", "anger")


def photo_ratio(landmarks) -> float:
    from emoshift.render.eyes import EYE_CONTOURS, LOWER_LID, UPPER_LID, lid_line

    lm = np.asarray(landmarks, np.float64)
    out = []
    for k in range(2):
        c = lm[list(EYE_CONTOURS[k])]
        xs = np.linspace(c[:, 0].min(), c[:, 0].max(), 21)[3:18]
        height = float((lid_line(c, LOWER_LID, xs) - lid_line(c, UPPER_LID, xs)).max())
        out.append(height / float(np.linalg.norm(c[0] - c[8])))
    return max(out)


def _residual(luma, mask) -> float:
    """Robust deviation (1.4826 MAD) of ``luma``'s residual after a 3 x 3 mean over ``mask`` eroded a pixel."""
    from scipy import ndimage

    inner = ndimage.binary_erosion(mask)
    if inner.sum() < 12:
        return float("nan")
    res = (luma - ndimage.uniform_filter(luma, 3))[inner]
    return 1.4826 * float(np.median(np.abs(res - np.median(res))))


def _surround(ar, k):
    """(median luma of the photo's skin around eye k, its box, its mask) (eyes.eye_surround, the face pixels)."""
    from emoshift.render.eyes import EYE_CONTOURS, LUMA, eye_surround

    lm = np.asarray(ar.fit.landmarks_detected, np.float64)
    y = ar.photo.astype(np.float32) @ LUMA
    ring, box, mask = eye_surround(y, lm[list(EYE_CONTOURS[k])], (0, 0), np.ones(y.shape, bool))
    return float(np.median(ring)), box, mask


def realism(ar, ball, sp, frame) -> dict:
    """sclera_peri, grain_ratio of the painted eyeball (module doc)."""
    from emoshift.render.eyes import IRIS_SQUASH_ROW, LUMA

    rd = ar.renderer
    if not getattr(rd.eyes, "lowered", False):
        return {}
    y = frame.astype(np.float32) @ LUMA
    out = {}
    for k in range(2):
        ex, ey, r = (float(v) for v in rd.eyes.eyes[k, :3])
        q = float(rd.eyes.colours[IRIS_SQUASH_ROW, k]) if rd.eyes.colours.shape[0] > IRIS_SQUASH_ROW else 1.0
        near = np.hypot(sp[..., 0] - rd.eyes.eyes[1 - k, 0], sp[..., 1] - rd.eyes.eyes[1 - k, 1])
        mine = ball & (np.hypot(sp[..., 0] - ex, sp[..., 1] - ey) < near)
        white = mine & (np.hypot(sp[..., 0] - ex, (sp[..., 1] - ey) / q) > 1.15 * r)
        peri, box, mask = _surround(ar, k)
        if white.sum() >= 6:
            out[f"sclera_peri_{k}"] = round(float(np.median(y[white])) / max(peri, 1.0), 2)
            top = float(np.quantile(y[white], 0.9))
            out[f"white_flat_{k}"] = round(float(np.median(y[white])) / max(top, 1.0), 2)
            # the white's first rows under the upper lid (within 0.25 iris radii of the eyeball's top per column)
            first = np.argmax(mine, axis=0)
            rr = np.arange(mine.shape[0])[:, None]
            margin = white & (rr - first[None] <= max(0.25 * r, 1.0))
            if margin.sum() >= 3:
                out[f"lid_margin_{k}"] = round(float(np.median(y[margin])) / max(top, 1.0), 2)
        rows, cols = np.nonzero(mine)
        if len(rows) and box is not None:
            pad = 12
            a0, a1, b0, b1 = max(rows.min() - pad, 0), rows.max() + pad, max(cols.min() - pad, 0), cols.max() + pad
            sub = y[a0:a1, b0:b1]
            skin = ~ndimage_dilate(ball[a0:a1, b0:b1], 3) & (rd_part_skin(ar, a0, a1, b0, b1))
            g_eye, g_skin = _residual(sub, mine[a0:a1, b0:b1]), _residual(sub, skin)
            out[f"grain_ratio_{k}"] = round(g_eye / max(g_skin, 1e-3), 2)
    return out


def ndimage_dilate(mask, n):
    from scipy import ndimage

    return ndimage.binary_dilation(mask, iterations=n)


def rd_part_skin(ar, a0, a1, b0, b1):
    """The frame's face skin pixels in that box (the rendered mesh's SKIN part)."""
    return ar._skin_mask[a0:a1, b0:b1]


def measure(ar, emotion: str, seed: int = 0) -> dict:
    from emoshift.render.eyes import EYE_CONTOURS

    rd = ar.renderer
    apex = ar.apex(emotion, seed)
    ball, sp = _ball(ar, apex)
    from emoshift.render.view import SKIN

    rd_ = ar.renderer
    frags = rd_._raster_full(rd_.screens(apex.expression[None], apex.rotation[None])[0], rd_.width, rd_.height)
    ar._skin_mask = (frags.tri_id >= 0) & (rd_.mesh.part[np.maximum(frags.tri_id, 0)] == SKIN)
    try:
        real = realism(ar, ball, sp, apex.frame)
    except ImportError:  # the former renderer (no eye_surround)
        real = {}
    painted = ball & (_trust(ar, apex.expression, sp) < 0.5) if rd.eyes.eyes[0, 3] > 0 else np.zeros_like(ball)
    lm = np.asarray(ar.fit.landmarks_detected, np.float64)
    ratios = []
    for k in range(2):
        c = lm[list(EYE_CONTOURS[k])]
        width = float(np.linalg.norm(c[0] - c[8]))
        x0, y0 = (c.min(0) - width).astype(int)
        x1, y1 = (c.max(0) + width).astype(int)
        box = ball[max(y0, 0) : y1, max(x0, 0) : x1]
        ratios.append(float(box.sum(0).max()) / width if box.any() else 0.0)
    n = int(ball.sum())
    geo = {}
    for k in range(2):
        ex, ey, r = (float(v) for v in rd.eyes.eyes[k, :3])
        col = ball & (np.abs(sp[..., 0] - ex) < 0.2 * r) & (np.abs(sp[..., 1] - ey) < 4 * r)
        if col.any() and r > 0:
            geo[f"above_{k}"] = round(float((ey - r - sp[..., 1][col].min()) / r), 2)
            geo[f"below_{k}"] = round(float((sp[..., 1][col].max() - ey - r) / r), 2)
    n = int(ball.sum())
    return {**geo, **real, "emotion": emotion, "eyeball_px": n, "painted_px": int(painted.sum()),
            "painted_share": round(int(painted.sum()) / n, 3) if n else 0.0, "open_ratio": round(max(ratios), 3),
            "frame_md5": hashlib.md5(apex.frame.tobytes()).hexdigest()[:12]}


def prior_check(ar) -> dict:
    """The prior colours on this photo against its own eyes (module doc; {} where the photo shows none)."""
    try:
        from emoshift.render.eyes import LUMA, lowered_eyes
    except ImportError:  # the former renderer (bench run on an older checkout)
        return {}

    rd = ar.renderer
    if rd.eyes.eyes[0, 3] <= 0 or rd.eyes.lowered:
        return {}
    (x0, y0), (h, w) = rd.src_origin, rd.src_tri.shape
    box = rd.image[y0 : y0 + h, x0 : x0 + w]
    skin = rd._face_skin()
    low = lowered_eyes(rd.eyes, box, rd.src_origin, ar.fit.landmarks_detected, skin, None, rd.src_tri >= 0)
    c, p = rd.eyes.colours, low.colours
    white = float(np.quantile(box.astype(np.float32) @ LUMA, 0.99))
    return {"prior_sclera": [round(float(p[2 + k] @ LUMA) / max(float(c[2 + k] @ LUMA), 1.0), 2) for k in range(2)],
            "prior_iris": round(float(p[1] @ LUMA) / max(float(c[1] @ LUMA), 1.0), 2),
            "skin_over_white": round(float(skin @ LUMA) / white, 3), **real_eyes(ar)}


def real_eyes(ar) -> dict:
    """real_sclera_peri, real_grain_ratio per eye of a photo that shows its eyes (module doc)."""
    from emoshift.render.eyes import EYE_CONTOURS, IRISES, LUMA, polygon_coverage

    try:
        from emoshift.render.eyes import eye_surround  # noqa: F401
    except ImportError:  # the former renderer
        return {}

    lm = np.asarray(ar.fit.landmarks_detected, np.float64)
    y = ar.photo.astype(np.float32) @ LUMA
    h, w = y.shape
    out = {"real_sclera_peri": [], "real_grain_ratio": [], "real_white_flat": [], "real_lid_margin": []}
    for k in range(2):
        c = lm[list(EYE_CONTOURS[k])]
        centre, ring = lm[IRISES[k][0]], lm[list(IRISES[k][1:])]
        r = float(np.mean(np.linalg.norm(ring - centre, axis=1)))
        x0, y0 = (int(v) for v in np.floor(c.min(0)) - 2)
        x1, y1 = (int(v) for v in np.ceil(c.max(0)) + 3)
        inside = polygon_coverage(c, (x0, y0), (y1 - y0, x1 - x0)) > 0.99
        yy, xx = np.mgrid[y0:y1, x0:x1] + 0.5
        white = inside & (np.hypot(xx - centre[0], yy - centre[1]) > 1.15 * r)
        peri, box, mask = _surround(ar, k)
        if white.sum() >= 6:
            wy = y[y0:y1, x0:x1][white]
            out["real_sclera_peri"].append(round(float(np.median(wy)) / max(peri, 1.0), 2))
            top = float(np.quantile(wy, 0.9))
            out["real_white_flat"].append(round(float(np.median(wy)) / max(top, 1.0), 2))
            first = np.argmax(inside, axis=0)
            rr = np.arange(inside.shape[0])[:, None]
            margin = white & (rr - first[None] <= max(0.25 * r, 1.0))
            if margin.sum() >= 3:
                out["real_lid_margin"].append(round(float(np.median(y[y0:y1, x0:x1][margin])) / max(top, 1.0), 2))
        if box is not None:
            g_skin = _residual(y[box], mask)
            out["real_grain_ratio"].append(round(_residual(y[y0:y1, x0:x1], inside) / max(g_skin, 1e-3), 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--only", nargs="*", default=None, help="photo name prefixes")
    ap.add_argument("--out", default=None, help="JSON file for the rows")
    ap.add_argument("--prior-only", action="store_true", help="only the prior's check on the open-eyed photos")
    args = ap.parse_args()
    ar = ApexRenderer(load_pipeline())
    rows = []
    for name, src in list_photos(args.photos):
        if args.only and not any(name.startswith(p) for p in args.only):
            continue
        ar.load(src)
        base = {"photo": name[:12], **prior_check(ar), "lowered": bool(getattr(ar.renderer.eyes, "lowered", False)),
                "shown": bool(ar.renderer.eyes.eyes[0, 3] > 0),
                "photo_ratio": round(photo_ratio(ar.fit.landmarks_detected), 3)}
        for emotion in EMOTIONS if not args.prior_only else ():
            row = {**base, **measure(ar, emotion)}
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.prior_only:
            rows.append(base)
            print(json.dumps(base), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
