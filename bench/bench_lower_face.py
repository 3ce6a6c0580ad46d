"""How much the apex widens the lower face on screen (issue 11, fear's "face stretched", "face warped": dev03, dev09).

Per development photo and emotion, the apex's expression and rotation (the stages of ``animate``, as
:class:`apex_renders.ApexRenderer` plans them, not rendered) and the photo's own expression at the same rotation are
drawn by the photo's reenactor (:meth:`Reenactor.screens`: the drawn vertices on screen). The lower face is the drawn
skin between the nose and the chin beside the mouth (neutral head: -8 < y < -1.5 cm, 3.5 <= |x| < 8 cm, facing
forward, z > 0), on each side of the face's midline; in 256-px panel-crop pixels (the crop of the face's box):

- ``width``: the band's width on screen (its outermost vertex on either side, along the on-screen line from the band's
  right half to its left) at the apex minus at the photo's expression;
- ``out50`` / ``out90``: the median / 90th percentile of the band's vertices' outward motion (away from the midline
  along that axis) from the photo's expression to the apex.

``--before`` draws ICT's mouthStretch (``mesh_tables.STRETCH_SHAPES`` empty: the state before fear26).

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_lower_face.py [--photos DIR] [--emotions fear,surprise]
        [--name lower_face] [--before]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import ApexRenderer, list_photos, load_pipeline  # noqa: E402
from common import face_box, report  # noqa: E402

BAND_Y = (-8.0, -1.5)
BAND_X = (3.5, 8.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--emotions", default="fear,surprise,anger,happiness,sadness,disgust,contempt")
    ap.add_argument("--name", default="lower_face")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--before", action="store_true", help="ICT's mouthStretch drawn (before fear26)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.before:
        from emoshift.render import mesh_tables

        mesh_tables.STRETCH_SHAPES = ()
    from emoshift.render.mesh_tables import model_tables
    from emoshift.render.view import SKIN

    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    rows = []
    for name, src in list_photos(args.photos, samples=False):
        photo = ar.load(src)
        r, fit = ar.renderer, ar.fit
        t = model_tables(r.model)
        n = t.neutral
        band = (t.vertex_part == SKIN) & (n[:, 1] > BAND_Y[0]) & (n[:, 1] < BAND_Y[1]) & (n[:, 2] > 0)
        band &= (np.abs(n[:, 0]) >= BAND_X[0]) & (np.abs(n[:, 0]) < BAND_X[1])
        side = np.sign(n[band, 0])
        box = face_box(fit.landmarks_detected, photo.shape)
        px = 256.0 / (box[2] - box[0])
        src_e = np.asarray(r.source_expression, np.float32)[None]
        opts = pipe.options.replace(seed=args.seed)
        for emo in args.emotions.split(","):
            plan = pipe.plan(pipe.parse(f"Make this face look {_adjective(emo)}."), fit, opts)[0]
            traj = pipe.make_trajectory(plan, opts, opts.seed)
            i = int(traj.anchor_frames[list(plan.labels).index(emo)])
            e = np.asarray(traj.expression[i], np.float32)[None]
            rot = np.asarray(traj.rotation[i], np.float32)[None]
            a, b = r.screens(e, rot)[0][band, :2], r.screens(src_e, rot)[0][band, :2]
            h = (b[side > 0].mean(0) - b[side < 0].mean(0)).astype(np.float64)  # the head's +x side on screen
            h /= np.linalg.norm(h)
            xa, xb = a @ h, b @ h
            width = (xa[side > 0].max() - xa[side < 0].min()) - (xb[side > 0].max() - xb[side < 0].min())
            out = (xa - xb) * side
            rows.append({"photo": name[:5], "emotion": emo, "width": round(float(width * px), 2),
                         "out50": round(float(np.median(out) * px), 2),
                         "out90": round(float(np.percentile(out, 90) * px), 2)})  # fmt: skip
        print(name[:5], "done", flush=True)
    for emo in args.emotions.split(","):
        sel = [x for x in rows if x["emotion"] == emo]
        print(emo, " ".join(f"{k} median {np.median([x[k] for x in sel]):.2f} max {max(x[k] for x in sel):.2f}"
                            for k in ("width", "out50", "out90")))  # fmt: skip
    report(args.name, rows, {"before": args.before, "seed": args.seed})


def _adjective(emotion: str) -> str:
    from apex_renders import ADJECTIVE

    return ADJECTIVE[emotion]


if __name__ == "__main__":
    main()
