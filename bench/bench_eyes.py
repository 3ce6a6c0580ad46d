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

    nice -n 10 .venv/bin/python bench/bench_eyes.py [--photos DIR] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, add_photo_args, list_photos, load_pipeline  # noqa: E402
from common import report  # noqa: E402

FORMER_MIN_LUMA = 0.55  # the former test's share of the skin's luma (median of the opening off the iris)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_photo_args(ap)
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
    rows = []
    for name, src in list_photos(args.photos, args.quick):
        ar.load(src)
        ar.apex("fear", args.seed)  # builds the renderer for this photo
        skin, e = seen["skin"], seen["eyes"]
        contrast = seen.get("contrast", float("nan"))
        rows.append({
            "photo": name[:32],
            "contrast": round(contrast, 1),
            "threshold": round(eyes_mod.SCLERA_IRIS_CONTRAST * skin, 1),
            "ratio": round(contrast / skin, 3),
            "shown": bool(e[0, 3] > 0),
            "shown_former": bool(seen.get("former", 0.0) >= FORMER_MIN_LUMA * skin),
            "catchlight": f"{e[0, 4]:+.2f},{e[0, 5]:+.2f} / {e[1, 4]:+.2f},{e[1, 5]:+.2f}",
        })
    shown = sum(r["shown"] for r in rows)
    former = sum(r["shown_former"] for r in rows)
    report("eyes", rows, {"shown": shown, "shown_former": former, "photos": len(rows),
                          "threshold_share": eyes_mod.SCLERA_IRIS_CONTRAST})
    print(f"eyes painted on {shown} of {len(rows)} faces (the former test: {former})")


if __name__ == "__main__":
    main()
