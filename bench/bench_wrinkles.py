"""Cost of the expression wrinkles (:mod:`emoshift.render.wrinkles`) on top of the photo reenactment.

Input: skimage's astronaut photo (512x512) fitted by :class:`emoshift.fitting.Fitter`, re-rendered at the
apexes of six emotions (variant 0, intensity 1). Target: the wrinkles (strain field + shading of one
frame) cost well under 5 ms per 512x512 frame. Reported per frame: the whole reenactment (wrinkles included), the strain
field (``WrinkleField.tensors``, including the frame shapes), the shading (the shader
:func:`emoshift.render.wrinkle_shader.shade_folds` over the frame's fragments, which the frame kernel
rasterizes once for all its shaders: the rasterization is not counted), and the number of pixels the folds
darken by more than 2 % (shading a flat grey frame).

    .venv/bin/python bench/bench_wrinkles.py [--repeat 20]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, timeit  # noqa: E402

EMOTIONS = ("anger", "disgust", "fear", "surprise", "happiness", "sadness")
TARGET_MS = 5.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from skimage import data

    from emoshift.emotions import prototype
    from emoshift.fitting import Fitter
    from emoshift.render.raster import raster_box
    from emoshift.render.reenact import Reenactor
    from emoshift.render.wrinkle_shader import shade_folds
    from emoshift.render.wrinkles import WrinkleField

    photo = data.astronaut()
    fit = Fitter().fit(photo)
    r = Reenactor(photo, fit)
    setup = timeit(
        lambda: WrinkleField.from_shapes(r._shaped(r.source_expression[None])[0], r.triangles[: r.n_skin], r.base),
        repeat=5, warmup=1,
    )  # fmt: skip
    field = r.wrinkles  # what every rendered frame uses
    rows = []
    for emotion in EMOTIONS:
        e = prototype(emotion, 0, 1.0)[None]
        rot = np.asarray(fit.rotation, np.float32)[None]
        frame = np.full((r.height, r.width, 3), 128, np.uint8)  # flat grey: count what the folds darken
        screen = r.screens(e, rot)[0]
        tensor = field.tensors(r._shaped(e))[0]
        out = frame.copy()
        _, tri_id, bary, _ = raster_box(screen, r.triangles, r.n_skin, 0, 0, r.width, r.height)  # the frame's
        folds = field.view(tensor, r.camera)

        def shade():
            out[:] = frame
            shade_folds(folds, screen, r.triangles, r.n_skin, tri_id, bary, 0, 0, out)

        t_render = timeit(lambda: r.render_batch(e, rot), repeat=args.repeat)
        t_field = timeit(lambda: field.tensors(r._shaped(e)), repeat=args.repeat)
        t_shade = timeit(shade, repeat=args.repeat)
        darker = int((out.astype(np.float32).mean(2) < 0.98 * frame.astype(np.float32).mean(2)).sum())
        total = t_field["median_ms"] + t_shade["median_ms"]
        rows.append({
            "emotion": emotion, "reenact_ms": t_render["median_ms"], "field_ms": t_field["median_ms"],
            "shade_ms": t_shade["median_ms"], "wrinkles_ms": total, "pixels_darkened": darker,
            "meets_target": total < TARGET_MS,
        })  # fmt: skip
    report("wrinkles", rows, {"target_ms": TARGET_MS, "setup_ms": setup["median_ms"], "image": [512, 512]})


if __name__ == "__main__":
    main()
