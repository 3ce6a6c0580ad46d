"""Teeth that survive a mouth painted shut: a photo that shows teeth (smiling, laughing) at an emotion whose
lips are closed or nearly closed (sadness, contempt, disgust at seed 0) must close its lips over them.

Per photo and emotion, at the apex (:mod:`apex_renders`):

- ``photo_teeth``: tooth-bright pixels in the photo (inside the detected outer-lip contour: brighter than
  TOOTH_LUMA x the lower lip's median luma and TOOTH_SKIN x the surrounding skin's, saturation at most TOOTH_GREY
  x the lip's or 0.12: :func:`tooth_bright`);
- ``frame``: tooth-bright pixels of the frame (same colour test against the photo's lips) inside the frame's
  mouth: the outer-lip polygon of the mesh's 12 outer lip points (MULTIPIE_68 48-59) as the frame poses them,
  grown by GROW_PX; ``frame_skin`` those of them on skin fragments (the warped photo: its own teeth carried
  along), ``frame_inside`` those on the mouth's inside (the mesh's opening: painted or photo teeth);
- ``gap_cm``: the frame's inner-lip gap (as the frame draws it, :meth:`Reenactor._frame_shapes`); ``open_px``: the frame's visible mouth
  inside (socket, gums, teeth fragments inside the mouth polygon).

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_shut_teeth.py [--name NAME] [--emotions ...]
        [--save DIR]  (2.5x zooms of the mouths, photo + emotions per row)
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from apex_renders import ApexRenderer, add_photo_args, list_photos, load_pipeline

TOOTH_LUMA = 1.2
TOOTH_GREY = 0.7
TOOTH_SKIN = 1.1
GROW_PX = 2
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
CLOSED = ("sadness", "contempt", "disgust")
OPEN = ("anger", "fear", "surprise", "happiness")


def _poly_mask(poly: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    from skimage.draw import polygon

    m = np.zeros(shape, bool)
    rr, cc = polygon(poly[:, 1], poly[:, 0], shape)
    m[rr, cc] = True
    return m


def _grow(m: np.ndarray, px: int) -> np.ndarray:
    from scipy.ndimage import binary_dilation

    return binary_dilation(m, iterations=px) if px > 0 else m


def _sat(px: np.ndarray) -> np.ndarray:
    return (px.max(-1) - px.min(-1)) / np.maximum(px.max(-1), 1.0)


def lip_reference(image: np.ndarray, outer: np.ndarray, inner: np.ndarray) -> tuple[float, float, float]:
    """(median luma, median saturation) of the photo's lower vermilion (inside ``outer`` less ``inner`` grown
    1 px, below the inner contour's middle: a smile looking down shows its teeth up to the outer contour), and the
    median luma of the skin around the mouth (within a fifth of the mouth's width outside ``outer``)."""
    h, w = image.shape[:2]
    lips = _poly_mask(outer, (h, w))
    ring = lips & ~_grow(_poly_mask(inner, (h, w)), 1)
    rows = np.arange(h)[:, None] > float(np.mean(inner[:, 1]))
    if (ring & rows).sum() >= 20:
        ring &= rows
    px = image[ring].astype(np.float32)
    skin = _grow(lips, max(3, int(0.2 * float(np.ptp(outer[:, 0]))))) & ~_grow(lips, 2)
    return float(np.median(px @ LUMA)), float(np.median(_sat(px))), float(np.median(image[skin].astype(np.float32) @ LUMA))


def tooth_bright(image: np.ndarray, ref: tuple[float, float, float]) -> np.ndarray:
    """(h, w) bool: bright, low-saturation pixels against the lips' and skin's reference (:func:`lip_reference`):
    brighter than TOOTH_LUMA x the lips and TOOTH_SKIN x the skin, no more saturated than TOOTH_GREY x the lips
    (or 0.12)."""
    f = image.astype(np.float32)
    luma = f @ LUMA
    return (luma > max(TOOTH_LUMA * ref[0], TOOTH_SKIN * ref[2])) & (_sat(f) <= max(TOOTH_GREY * ref[1], 0.12))


def measure(r, photo: np.ndarray, landmarks: np.ndarray, expr: np.ndarray, rot: np.ndarray,
            frame: np.ndarray) -> dict:
    """The counts of the module docstring for one frame of reenactor ``r``."""
    from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.render.view import SKIN, SOCKET, TEETH

    h, w = photo.shape[:2]
    outer, inner = landmarks[list(OUTER_LIPS)], landmarks[list(INNER_LIPS)]
    ref = lip_reference(photo, outer, inner)
    in_photo = _poly_mask(outer, (h, w))
    photo_n = int((tooth_bright(photo, ref) & in_photo).sum())
    e, ro = np.asarray(expr, np.float32)[None], np.asarray(rot, np.float32)[None]
    screen = r.screens(e, ro)[0]
    mouth = _grow(_poly_mask(screen[MULTIPIE_68[48:60], :2].astype(np.float64), (h, w)), GROW_PX)
    frags = r._raster_full(screen, w, h)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    bright = tooth_bright(frame, ref) & mouth & (part >= 0)  # the head (not a background seen past it)
    inside = (part >= SOCKET) & (part <= TEETH)
    return {
        "photo_teeth": photo_n,
        "frame": int(bright.sum()),
        "frame_skin": int((bright & (part == SKIN)).sum()),
        "frame_inside": int((bright & inside).sum()),
        "gap_cm": float(r._frame_shapes(e)[2][0]),
        "open_px": int((inside & mouth).sum()),
        "mouth_px": int(mouth.sum()),
        "lip_luma": round(ref[0], 1), "skin_luma": round(ref[2], 1),
    }


def zoom_box(landmarks: np.ndarray, shape, scale: float = 2.5) -> tuple[int, int, int, int]:
    from emoshift.headmodel.mp_indices import OUTER_LIPS

    o = landmarks[list(OUTER_LIPS)]
    cx, cy = o.mean(0)
    half = max(float(np.ptp(o[:, 0])), float(np.ptp(o[:, 1])) * 1.6) * 0.9
    x0, y0 = int(max(cx - half, 0)), int(max(cy - half * 0.8, 0))
    x1, y1 = int(min(cx + half, shape[1])), int(min(cy + half * 0.8, shape[0]))
    return x0, y0, x1, y1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_photo_args(ap)
    ap.add_argument("--emotions", nargs="*", default=list(CLOSED + OPEN))
    ap.add_argument("--only", nargs="*", default=None, help="photo name prefixes (e.g. dev05 dev06)")
    ap.add_argument("--name", default="shut_teeth")
    ap.add_argument("--baseline", action="store_true",
                    help="the renderer before shut22: no shut frames (SHUT_GAP_CM), no closed lips (CLOSE_GAP_CM), no teeth growth "
                         "(OPENING_TEETH_FRACTION)")
    ap.add_argument("--save", default=None, help="folder for the mouth zoom rows (never commit dev-photo renders)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.baseline:
        import emoshift.render.reenact as reenact
        import emoshift.render.source_parts as source_parts

        reenact.SHUT_GAP_CM = (-2.0, -1.0)  # _shut: 0 at any gap
        reenact.CLOSE_GAP_CM = (-2.0, -1.0)  # _closed_lips: none
        source_parts.OPENING_TEETH_FRACTION = 0.0
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows, t0 = [], time.time()
    photos = list_photos(args.photos, args.quick)
    if args.only:
        photos = [p for p in photos if any(p[0].startswith(o) for o in args.only)]
    for name, src in photos:
        photo = ar.load(src)
        r = ar.renderer
        lm = r._landmarks(getattr(ar.fit, "landmarks_detected", None))
        if lm is None:
            continue
        tiles = []
        box = zoom_box(lm, photo.shape)
        if args.save:
            tiles.append(photo[box[1] : box[3], box[0] : box[2]])
        for emo in args.emotions:
            expr, rot, frame = ar.posed(emo, args.seed)
            m = measure(r, photo, lm, expr, rot, np.asarray(frame))
            rows.append({"photo": name, "emotion": emo, **m})
            print(f"{name[:28]:28s} {emo:9s} photo {m['photo_teeth']:5d} frame {m['frame']:5d} (skin {m['frame_skin']:5d} "
                  f"inside {m['frame_inside']:5d}) gap {m['gap_cm']:+.3f} cm open {m['open_px']:5d} px", flush=True)
            if args.save:
                tiles.append(np.asarray(frame)[box[1] : box[3], box[0] : box[2]])
        if args.save:
            from PIL import Image

            hh = 200
            ims = [Image.fromarray(t).resize((int(t.shape[1] * hh / t.shape[0]), hh), Image.LANCZOS) for t in tiles]
            sheet = Image.new("RGB", (sum(i.width for i in ims), hh))
            x = 0
            for im in ims:
                sheet.paste(im, (x, 0))
                x += im.width
            Path(args.save).mkdir(parents=True, exist_ok=True)
            sheet.save(Path(args.save) / f"{name[:5]}.png")
    summary = {}
    for emo in args.emotions:
        sel = [x for x in rows if x["emotion"] == emo]
        toothy = [x for x in sel if x["photo_teeth"] >= 30]
        summary[emo] = {"frame_total": int(sum(x["frame"] for x in sel)),
                        "frame_skin": int(sum(x["frame_skin"] for x in sel)),
                        "frame_inside": int(sum(x["frame_inside"] for x in sel)),
                        "toothy_photos": len(toothy),
                        "toothy_frame": int(sum(x["frame"] for x in toothy)),
                        "toothy_open_px": int(sum(x["open_px"] for x in toothy)),
                        "toothy_frame_over_photo": round(sum(x["frame"] for x in toothy) / max(1, sum(x["photo_teeth"] for x in toothy)), 3)}
    print("\nemotion    frame tooth px (all photos: skin, inside)   toothy photos: frame/photo")
    for emo, s in summary.items():
        print(f"{emo:10s} {s['frame_total']:8d} ({s['frame_skin']:6d}, {s['frame_inside']:6d})   {s['toothy_photos']:3d}  "
              f"{s['toothy_frame_over_photo']:.3f}")
    out = Path(__file__).resolve().parent / "results" / f"{args.name}.json"
    out.write_text(json.dumps({"seed": args.seed, "baseline": args.baseline, "tooth_luma": TOOTH_LUMA, "tooth_grey": TOOTH_GREY,
                               "grow_px": GROW_PX, "rows": rows, "summary": summary,
                               "seconds": round(time.time() - t0, 1)}, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
