"""The line where closed lips meet (their contact shadow) in the photos and in the renders of closed-mouth emotions.

Real closed lips always show a thin dark line where they meet. Per image the ``dip`` is measured at the mouth's
middle: the luma, averaged over 3 columns at the middle of the inner lips (the photo's detected MediaPipe inner-lip
middles 13 and 14; a frame's: the mesh's MULTIPIE_68 62 and 66 as the frame poses them), is searched for its minimum
within SEARCH x the mouth's width (at least 3 px) of the point half way between the inner lips' middles; the dip is
1 - that minimum over the mean luma of the rows 3-5 px above and below it (the lips); ``dark`` the same over the
darker side's mean (a step from a dark upper lip to a lighter lower one is no line: 0). ``width`` is the dip's full
width at half depth (px). A frame is measured with the contact line (:data:`emoshift.render.reenact.CONTACT_DEPTH`)
and without it (``--before``: CONTACT_DEPTH 0, main's renderer), at the same apex.

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_contact_line.py [--name contact_line] [--save /tmp/line22]
        (3x zooms of the mouths: photo, then each emotion before and after; never commit dev-photo renders)
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from apex_renders import ApexRenderer, add_photo_args, list_photos, load_pipeline

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
SEARCH = 0.03
EMOTIONS = ("sadness", "contempt", "disgust")


def dip_at(image: np.ndarray, up: np.ndarray, lo: np.ndarray, mouth_w: float) -> dict:
    """The line's dip at the point half way between ``up`` and ``lo`` (x, y) (see the module docstring)."""
    luma = np.asarray(image, np.float32) @ LUMA
    h, w = luma.shape
    x, y = 0.5 * (up + lo)
    xi = int(round(x))
    prof = luma[:, max(xi - 1, 0) : xi + 2].mean(1)
    s = max(3, int(round(SEARCH * mouth_w)) + int(abs(up[1] - lo[1]) / 2))
    r0, r1 = max(int(round(y)) - s, 5), min(int(round(y)) + s + 1, h - 5)
    if r1 <= r0:
        return {"dip": float("nan"), "dark": float("nan"), "width": float("nan")}
    i = r0 + int(np.argmin(prof[r0:r1]))
    above, below = float(np.mean(prof[i - 5 : i - 2])), float(np.mean(prof[i + 3 : i + 6]))
    lips = 0.5 * (above + below)
    dip = 1.0 - float(prof[i]) / max(lips, 1.0)
    dark = 1.0 - float(prof[i]) / max(min(above, below), 1.0)  # a step from a dark to a light lip: 0
    half = prof[i] + 0.5 * (lips - prof[i])
    a = i
    while a > i - 8 and prof[a - 1] < half:
        a -= 1
    b = i
    while b < i + 8 and prof[b + 1] < half:
        b += 1
    return {"dip": round(dip, 3), "dark": round(dark, 3), "width": int(b - a + 1)}


def zoom_box(lm: np.ndarray, shape) -> tuple[int, int, int, int]:
    from emoshift.headmodel.mp_indices import OUTER_LIPS

    o = lm[list(OUTER_LIPS)]
    cx, cy = o.mean(0)
    half = 0.75 * float(np.ptp(o[:, 0]))
    x0, y0 = int(max(cx - half, 0)), int(max(cy - 0.5 * half, 0))
    x1, y1 = int(min(cx + half, shape[1])), int(min(cy + 0.5 * half, shape[0]))
    return x0, y0, x1, y1


def main() -> None:
    import emoshift.render.reenact as reenact
    from emoshift.headmodel.regions import MULTIPIE_68

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_photo_args(ap)
    ap.add_argument("--emotions", nargs="*", default=list(EMOTIONS))
    ap.add_argument("--only", nargs="*", default=None, help="photo name prefixes")
    ap.add_argument("--name", default="contact_line")
    ap.add_argument("--save", default=None, help="folder for the 3x mouth zooms (never commit dev-photo renders)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    depth = reenact.CONTACT_DEPTH
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows, t0 = [], time.time()
    photos = [p for p in list_photos(args.photos, args.quick, samples=False)]
    if args.only:
        photos = [p for p in photos if any(p[0].startswith(o) for o in args.only)]
    for name, src in photos:
        photo = ar.load(src)
        r = ar.renderer
        lm = r._landmarks(getattr(ar.fit, "landmarks_detected", None))
        if lm is None:
            continue
        mouth_w = float(np.hypot(*(lm[291] - lm[61])))
        own = dip_at(photo, lm[13], lm[14], mouth_w)
        gap_photo = float(lm[14][1] - lm[13][1]) / mouth_w
        print(f"{name[:28]:28s} photo   dip {own['dip']:.3f} dark {own['dark']:.3f} width {own['width']} gap/width {gap_photo:.3f} "
              f"contact {r.contact_line}", flush=True)
        rows.append({"photo": name, "emotion": "photo", "after": own, "gap_over_width": round(gap_photo, 3),
                     "contact": r.contact_line})
        box = zoom_box(lm, photo.shape)
        tiles = [photo[box[1] : box[3], box[0] : box[2]]]
        for emo in args.emotions:
            res = {}
            for key, d in (("before", 0.0), ("after", depth)):
                reenact.CONTACT_DEPTH = d
                expr, rot, frame = ar.posed(emo, args.seed)
                screen = r.screens(expr[None], rot[None])[0]
                up, lo = screen[MULTIPIE_68[62], :2], screen[MULTIPIE_68[66], :2]
                fw = float(np.hypot(*(screen[MULTIPIE_68[54], :2] - screen[MULTIPIE_68[48], :2])))
                res[key] = dip_at(frame, up, lo, fw)
                res["gap_px"] = round(float(lo[1] - up[1]), 2)
                if args.save:  # the photo's box, centred on the frame's mouth
                    c = screen[MULTIPIE_68[48:60], :2].mean(0)
                    bw, bh = box[2] - box[0], box[3] - box[1]
                    fx0 = int(np.clip(round(c[0] - bw / 2), 0, frame.shape[1] - bw))
                    fy0 = int(np.clip(round(c[1] - bh / 2), 0, frame.shape[0] - bh))
                    tiles.append(np.asarray(frame)[fy0 : fy0 + bh, fx0 : fx0 + bw])
            reenact.CONTACT_DEPTH = depth
            rows.append({"photo": name, "emotion": emo, **res})
            print(f"{name[:28]:28s} {emo:9s} dip {res['before']['dip']:.3f} -> {res['after']['dip']:.3f}  dark {res['before']['dark']:.3f} -> {res['after']['dark']:.3f}  width "
                  f"{res['before']['width']} -> {res['after']['width']}  gap {res['gap_px']:+.1f} px", flush=True)
        if args.save:
            from PIL import Image

            out = Path(args.save)
            out.mkdir(parents=True, exist_ok=True)
            crops = tiles
            hh = 3 * crops[0].shape[0]
            ims = [Image.fromarray(np.ascontiguousarray(c)).resize((3 * c.shape[1], hh), Image.LANCZOS) for c in crops]
            # row 1: photo, then each emotion before; row 2: photo, then each emotion after
            sheet = Image.new("RGB", (ims[0].width * (1 + len(args.emotions)), 2 * hh))
            sheet.paste(ims[0], (0, 0))
            sheet.paste(ims[0], (0, hh))
            for k in range(len(args.emotions)):
                sheet.paste(ims[1 + 2 * k], ((k + 1) * ims[0].width, 0))
                sheet.paste(ims[2 + 2 * k], ((k + 1) * ims[0].width, hh))
            sheet.save(out / f"{name[:5]}.png")
    summary = {}
    for emo in args.emotions:
        sel = [x for x in rows if x["emotion"] == emo]
        summary[emo] = {k: round(float(np.nanmedian([x[k]["dip"] for x in sel])), 3) for k in ("before", "after")}
        summary[emo].update({k + "_dark": round(float(np.nanmedian([x[k]["dark"] for x in sel])), 3) for k in ("before", "after")})
        summary[emo].update({k + "_min": round(float(np.nanmin([x[k]["dip"] for x in sel])), 3) for k in ("before", "after")})
    own = [x["after"]["dip"] for x in rows if x["emotion"] == "photo"]
    summary["photo"] = {"median": round(float(np.nanmedian(own)), 3),
                        "median_dark": round(float(np.nanmedian([x["after"]["dark"] for x in rows if x["emotion"] == "photo"])), 3)}
    print("\nemotion    median dip before -> after (min before -> after)")
    for emo in args.emotions:
        s = summary[emo]
        print(f"{emo:10s} {s['before']:.3f} -> {s['after']:.3f}   ({s['before_min']:.3f} -> {s['after_min']:.3f})   dark "
              f"{s['before_dark']:.3f} -> {s['after_dark']:.3f}")
    out = Path(__file__).resolve().parent / "results" / f"{args.name}.json"
    out.write_text(json.dumps({"seed": args.seed, "contact_depth": depth, "search": SEARCH, "rows": rows,
                               "summary": summary, "seconds": round(time.time() - t0, 1)}, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
