"""How much the apex widens the lower face on screen (issue 11, fear's "face stretched", "face warped": dev03, dev09).

Per development photo and emotion, the apex's expression and rotation (the stages of ``animate``, as
:class:`apex_renders.ApexRenderer` plans them, not rendered) and the photo's own expression at the same rotation are
drawn by the photo's reenactor (:meth:`Reenactor.screens`: the drawn vertices on screen). The lower face is the drawn
skin between the nose and the chin beside the mouth (neutral head: -8 < y < -1.5 cm, 3.5 <= |x| < 8 cm, facing
forward, z > 0), on each side of the face's midline; in 256-px panel-crop pixels (the crop of the face's box):

- ``width``: the band's width on screen (its outermost vertex on either side, along the on-screen line from the band's
  right half to its left) at the apex minus at the photo's expression;
- ``out50`` / ``out90``: the median / 90th percentile of the band's vertices' outward motion (away from the midline
  along that axis) from the photo's expression to the apex;
- ``droop``: the mouth corners (68-point 48, 54, mean) below the upper inner lip's middle (62) along the head's
  on-screen down axis (from the eye corners' middle, 36 / 45, to the upper lip's, 51), apex minus the photo's
  expression ("mouth warped": fear's stretched mouth bent down into a grimace, session 27).

``--before`` draws ICT's mouthStretch (``mesh_tables.STRETCH_SHAPES`` empty: the state before fear26); ``--main`` draws
its downward pull at every weight (``mesh_tables.STRETCH_DOWN_DROP`` None: the state before session 27); ``--main
--down-kept 0`` draws none of it at any weight (``mesh_tables.STRETCH_DOWN_KEPT``: session 27's first try, a69801e).
``stretch``: the apex's mouthStretch (both sides' mean).

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_lower_face.py [--photos DIR] [--emotions fear,surprise]
        [--name lower_face] [--before] [--main] [--down-kept K]
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
    ap.add_argument("--main", action="store_true", help="no STRETCH_DOWN_DROP (before session 27)")
    ap.add_argument("--down-kept", type=float, default=None, help="STRETCH_DOWN_KEPT (0: a69801e with --main)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.render import mesh_tables

    if args.before:
        mesh_tables.STRETCH_SHAPES = ()
    if args.main:
        mesh_tables.STRETCH_DOWN_DROP = None
    if args.down_kept is not None:
        mesh_tables.STRETCH_DOWN_KEPT = args.down_kept
    from emoshift.headmodel.regions import MULTIPIE_68
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
        vid = list(t.vertex_ids)
        lm = {k: vid.index(MULTIPIE_68[k]) for k in (36, 45, 48, 51, 54, 62)}
        stretch = [list(r.model.expression_names).index(k) for k in ("mouthStretch_L", "mouthStretch_R")]
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
            s, s0 = r.screens(e, rot)[0][:, :2], r.screens(src_e, rot)[0][:, :2]
            a, b = s[band], s0[band]
            h = (b[side > 0].mean(0) - b[side < 0].mean(0)).astype(np.float64)  # the head's +x side on screen
            h /= np.linalg.norm(h)
            xa, xb = a @ h, b @ h
            width = (xa[side > 0].max() - xa[side < 0].min()) - (xb[side > 0].max() - xb[side < 0].min())
            out = (xa - xb) * side
            rows.append({"photo": name[:5], "emotion": emo, "width": round(float(width * px), 2),
                         "out50": round(float(np.median(out) * px), 2),
                         "out90": round(float(np.percentile(out, 90) * px), 2),
                         "droop": round(float((_droop(s, lm) - _droop(s0, lm)) * px), 2),
                         "stretch": round(float(e[0, stretch].mean()), 3)})  # fmt: skip
        print(name[:5], "done", flush=True)
    for emo in args.emotions.split(","):
        sel = [x for x in rows if x["emotion"] == emo]
        print(emo, " ".join(f"{k} median {np.median([x[k] for x in sel]):.2f} max {max(x[k] for x in sel):.2f}"
                            for k in ("width", "out50", "out90", "droop", "stretch")))  # fmt: skip
    report(args.name, rows, {"before": args.before, "down_kept": mesh_tables.STRETCH_DOWN_KEPT,
                             "down_drop": mesh_tables.STRETCH_DOWN_DROP, "seed": args.seed})  # fmt: skip


def _droop(s: np.ndarray, lm: dict) -> float:
    """(V, 2) screen points -> the corners below the upper inner lip's middle along the head's down axis (px)."""
    down = s[lm[51]] - (s[lm[36]] + s[lm[45]]) / 2
    down /= np.linalg.norm(down)
    return float(((s[lm[48]] + s[lm[54]]) / 2 - s[lm[62]]) @ down)


def _adjective(emotion: str) -> str:
    from apex_renders import ADJECTIVE

    return ADJECTIVE[emotion]


if __name__ == "__main__":
    main()
