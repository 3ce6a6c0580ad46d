"""The mouth's on-screen curve at the apexes of photos looking steeply down, with and without the planner's view
compensation (:mod:`emoshift.mouth_view`, issue 11: dev05 / dev11 read as happiness or neutral at every emotion).

Per photo: the compensation's ramp (:func:`emoshift.mouth_view.view_ramp`) and MediaPipe's curve of the photo. Per
photo and emotion (the apex of ``animate`` rendered alone, :class:`apex_renders.ApexRenderer`):

* ``mesh`` / ``front``: the drawn apex mesh's mouth curve on screen at the apex rotation / face-on (the 68-point
  corners 48, 54 above the inner lips' middle 62, 66 along the head's on-screen up axis, over the mouth's
  width; > 0 curves up like a smile), from the renderer's own vertices (``screens``);
* ``mp``: the same curve of MediaPipe's points (corners 61, 291, inner lips' middles 13, 14) found on the
  rendered apex frame (the fitter's detector), along the apex rotation's up axis; ``mp_photo`` the photo's own;
* ``far`` / ``near`` (``far_front`` / ``near_front``): each corner's own height above the inner lips' middle (the
  corner further from / nearer to the camera), at the apex rotation (face-on); ``left``: the summed excess of the
  corners over the generated anchor's face-on heights at the apex, over the same excess of the anchor as generated
  (before the planner's view steps: 1 = nothing taken off, 0 = all);
* ``gap``: MediaPipe's inner lips' gap (13-14) over its mouth width (61-291) on the rendered apex (an open mouth
  seen from above shows its upper teeth: the laugh of a face looking down);
* ``open`` / ``open_front``: the drawn apex mesh's inner lips' gap on screen (62 above 66 along the head's up axis,
  over the mouth's width, :meth:`emoshift.mouth_view.MouthView.opening`) at the apex rotation / face-on: seen from
  above the jaw's drop is foreshortened;
* ``mp_up``: MediaPipe's corners (61, 291, mean) above its upper inner lip's middle (13) along the apex rotation's up
  axis, over its mouth width: a grin's corners sit at or above the upper lip's middle, a dropped or stretched
  mouth's below it;
* ``frown`` / ``stretch`` / ``chin`` / ``jaw``: the apex's mouthFrown / mouthStretch (mean of both sides),
  mouthShrugLower (AU17), jawOpen;
* ``lift5``..: the mesh curve with the head lifted towards the camera by that many degrees (``--lift``).

    python bench/bench_view_mouth.py [--photos dev05,dev11,dev01,dev02,dev03] [--name view_mouth] [--no-view | --before]
        [--crops DIR] [--seeds 0] [--no-open] [--no-below]

``--no-view`` plans without the compensation (the behaviour before session 20); ``--before`` with session 20's
compensation only (no closed-mouth variant from above, :meth:`emoshift.mouth_view.MouthView.shut_from_above`, and
no chin raise, :data:`emoshift.mouth_view.CHIN_RAISE`, the smirk on the near half,
:data:`emoshift.planning.FAR_SIDE_FROM_ABOVE`: session 22's state before its change).
``--no-open``: without fear's and surprise's wider-open variants from above (the state before branch ``fear22``).
``--no-below``: without the corners raised back on a face seen from below
(:meth:`emoshift.mouth_view.MouthView.raise_from_below`, the state before branch ``below22``). Per photo also its
``pitch_up`` (:func:`emoshift.mouth_view.pitch_up`, degrees looking up) and ``below_ramp``
(:func:`emoshift.mouth_view.below_ramp`).
``--crops DIR`` writes the 256-pixel face crops (panel_make's) of the untouched photo and the 7 apexes, named
PHOTO_EMOTION_sSEED.png (never commit them).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

EMOTIONS = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
PHOTOS = "dev05,dev11,dev01,dev02,dev03"


def _curve(s, up, corners, middle) -> float:
    c, m = s[list(corners), :2].mean(0), s[list(middle), :2].mean(0)
    return float((c - m) @ up) / float(np.linalg.norm(s[corners[0], :2] - s[corners[1], :2]))


def _up(rotation) -> np.ndarray:
    from emoshift.rotations import axis_angle_to_matrix

    m = axis_angle_to_matrix(np.asarray(rotation, np.float64).reshape(1, 3))[0]
    u = np.array([m[0, 1], -m[1, 1]])
    return u / np.linalg.norm(u)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--photos", default=PHOTOS, help="comma-separated photo prefixes")
    ap.add_argument("--name", default="view_mouth")
    ap.add_argument("--no-view", action="store_true", help="plan without the view compensation (before)")
    ap.add_argument("--before", action="store_true", help="session 20's compensation only (no variant, no chin)")
    ap.add_argument("--no-open", action="store_true", help="no fear / surprise variant from above (before fear22)")
    ap.add_argument("--no-below", action="store_true", help="no corners raised back from below (before below22)")
    ap.add_argument("--crops", default=None, help="folder for the 256-px face crops")
    ap.add_argument("--seeds", default="0", help="comma-separated animation seeds")
    ap.add_argument("--lift", action="store_true", help="also the mesh curve with the head lifted 5/10/15 degrees")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.no_view:
        from emoshift.pipeline import Pipeline

        Pipeline._mouth_view = lambda self, fit: None
    if args.before:
        import emoshift.mouth_view as mv

        mv.MouthView.shut_from_above = lambda self, targets, labels, rotations, source_rotation: targets
        mv.CHIN_RAISE_EMOTIONS = ()
        import emoshift.planning as planning

        planning.FAR_SIDE_FROM_ABOVE = False
    if args.no_open:
        import emoshift.mouth_view as mv

        for emo in ("fear", "surprise"):
            mv.VIEW_VARIANTS.pop(emo, None)
    if args.no_below:
        import emoshift.mouth_view as mv

        mv.MouthView.raise_from_below = lambda self, targets, labels, rotations, source_rotation: targets
    from apex_renders import ADJECTIVE, ApexRenderer, list_photos, load_pipeline
    from common import crop, face_box, report

    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.io import UserError
    from emoshift.mouth_view import below_ramp, pitch_up, view_ramp
    from emoshift.planning import toward_camera
    from emoshift.rotations import axis_angle_to_matrix, compose, euler_to_axis_angle, matrix_to_euler

    c68 = (int(MULTIPIE_68[48]), int(MULTIPIE_68[54]))
    m68 = (int(MULTIPIE_68[62]), int(MULTIPIE_68[66]))
    names = list(EXPRESSION_NAMES)
    frown = [names.index("mouthFrown_L"), names.index("mouthFrown_R")]
    stretch = [names.index("mouthStretch_L"), names.index("mouthStretch_R")]
    chin, jaw = names.index("mouthShrugLower"), names.index("jawOpen")
    crops = Path(args.crops) if args.crops else None
    if crops:
        crops.mkdir(parents=True, exist_ok=True)
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    detect = pipe.fitter.fitter.detect
    rows, photos = [], []
    zero, face_up = np.zeros((1, 3), np.float32), np.array([0.0, -1.0])
    for name, src in list_photos(None, samples=False):
        pref = name[:5]
        if not any(name.startswith(p) for p in args.photos.split(",")):
            continue
        photo = ar.load(src)
        fit, r = ar.fit, ar.renderer
        box = face_box(fit.landmarks_detected, photo.shape)
        det = fit.landmarks_detected.astype(np.float64)
        view = pipe._mouth_view(fit)
        from emoshift import planning

        far_side = planning.FAR_SIDE_FROM_ABOVE and view is not None and view.from_above(fit.rotation)
        far = 0 if matrix_to_euler(axis_angle_to_matrix(np.float64(fit.rotation).reshape(1, 3)))[0, 1] < 0 else 1
        photos.append({"photo": pref, "ramp": view_ramp(fit.rotation), "far_corner": (48, 54)[far],
                       "pitch_up": pitch_up(fit.rotation), "below_ramp": below_ramp(fit.rotation),
                       "mp_photo": _curve(det, _up(fit.rotation), (61, 291), (13, 14))})  # fmt: skip
        if crops:
            from PIL import Image

            Image.fromarray(crop(photo, box, 256)).save(crops / f"{pref}_untouched.png")
        for seed in [int(s) for s in args.seeds.split(",")]:
            for emo in EMOTIONS:
                ins = pipe.parse(f"Make this face look {ADJECTIVE[emo]}.")
                plan = pipe.plan(ins, fit, pipe.options.replace(seed=seed))[0]
                k = list(plan.labels).index(emo)
                gen = plan.generated_expressions[k - 1], plan.generated_rotations[k - 1]
                gen_e = toward_camera(*gen, fit.rotation, far_side)[0]
                gen_r = plan.rotations[k]  # the generated anchor on the camera's side, before the view steps
                a = ar.apex(emo, seed)
                e, rot = a.expression, a.rotation
                s = r.screens(e[None], rot[None])[0]
                try:
                    faces = detect(a.frame)
                except UserError:  # MediaPipe finds no face in the render
                    faces = []
                lm = faces[0].landmarks.astype(np.float64) if faces else None
                mp = _curve(lm, _up(rot), (61, 291), (13, 14)) if faces else None
                gap = mp_up = None
                if faces:
                    wd = float(np.linalg.norm(lm[61, :2] - lm[291, :2]))
                    gap = float(np.linalg.norm(lm[13, :2] - lm[14, :2]) / wd)
                    mp_up = float((lm[[61, 291], :2].mean(0) - lm[13, :2]) @ _up(rot) / wd)
                row = {"photo": pref, "seed": seed, "emotion": emo, "mesh": _curve(s, _up(rot), c68, m68),
                       "front": _curve(r.screens(e[None], zero)[0], face_up, c68, m68), "mp": mp}  # fmt: skip
                if view is not None:
                    c, f = view.corners(e, rot)[0], view.front(e)[0]
                    fg = view.front(gen_e)[0]
                    g = view.corners(gen_e, gen_r)[0] - fg
                    row.update(far=float(c[far]), near=float(c[1 - far]), far_front=float(f[far]),
                               near_front=float(f[1 - far]),
                               left=float(np.maximum(c - fg, 0).sum() / max(np.maximum(g, 0).sum(), 1e-6)))  # fmt: skip
                if view is not None:
                    row.update(open=float(view.opening(e, rot)[0]), open_front=float(view.opening(e, zero)[0]))
                row.update(gap=gap, mp_up=mp_up, frown=float(e[frown].mean()), stretch=float(e[stretch].mean()),
                           chin=float(e[chin]), jaw=float(e[jaw]))  # fmt: skip
                if args.lift:
                    for d in (5, 10, 15):
                        rel = euler_to_axis_angle(np.float32([[-d, 0, 0]]))
                        rr = compose(rot, rel).reshape(1, 3).astype(np.float32)
                        row[f"lift{d}"] = _curve(r.screens(e[None], rr)[0], _up(rr), c68, m68)
                rows.append(row)
                if crops:
                    from PIL import Image

                    Image.fromarray(crop(a.frame, box, 256)).save(crops / f"{pref}_{emo}_s{seed}.png")
                    if pref in ("dev01", "dev02", "dev03"):
                        np.save(crops / f"{pref}_{emo}_s{seed}.npy", a.frame)
        print(pref, "done", flush=True)
    report(args.name, rows, {"photos": photos, "view": not args.no_view, "before": args.before,
                             "open_from_above": not args.no_open, "raise_from_below": not args.no_below})  # fmt: skip


if __name__ == "__main__":
    main()
