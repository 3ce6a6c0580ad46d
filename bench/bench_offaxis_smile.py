"""Do the smiling photos the viewer sees without eyes lose their smile at non-happy targets? (issue 11,
"the target is absolute": dev05, dev06, dev11 against the frontal smilers dev03, dev04, dev12)

Per photo: the fit's off-axis angle (:func:`emoshift.fitting.terms.off_axis_deg`), the lip residual's view
fade (:func:`emoshift.render.residual.view_fade`), the fitted mouthSmile L/R. Per photo and emotion (the apex of
``animate``, :class:`apex_renders.ApexRenderer`), the mouth corners' height above the lip centre (the middle
of the outer lips' top and bottom points) along the head's image up axis (cm, by the lips' pixels per cm):

* ``mesh_drop``: how far the target lowers the fitted mesh's corners from the source (source minus apex, cm;
  > 0: the target asks for less smile), per corner (``near``: the one turned towards the camera).
* ``mp_drop``: the same measured by MediaPipe on the photo and on the apex render (points 61/291 the corners,
  0/17 the lip centre): what the render delivers, as the detector sees it. MediaPipe is biased off-axis, but
  the same way on the photo and its render (same pose up to the trajectory's head motion).
* ``kept``: ``mesh_drop - mp_drop`` (cm): the smile the render keeps that the target removed (0: none).
* ``view_lift``: the apex mesh's corner height at the apex pose minus the same mesh's seen from the front (cm):
  how much higher than the lip centre the view alone shows the target's corners (a face pitched down shows
  its mouth corners, which lie behind the lip centre, higher: it looks like a smile whatever the mouth does).
* ``sag``: how far the lip centre lies below the line between the apex mesh's corners, over the mouth's width,
  in the image (> 0: the mouth curves up like a smile), and ``sag_front`` the same mesh seen from the front
  (the view's share is ``sag - sag_front``).
* ``cheek_drop``: how far the target lowers the mesh's cheeks (the vertices ``cheekSquint`` moves 3 mm or
  more, per side) from the source, along the head's image up axis (cm); ``mp_cheek_drop`` the same for
  MediaPipe's cheek points (:data:`MP_CHEEKS`) on the photo and the apex render, relative to the nose tip
  (point 1). The smile's cheek raise (AU6) the fit gives the photo (``fitting.lids.smile_cheeks``) is what a
  target without it takes away; ``--no-cheeks`` runs without it (the fit before).

    python bench/bench_offaxis_smile.py [--photos dev05,dev06,dev11,dev03,dev04,dev12] [--name offaxis_smile]
        [--no-cheeks]

Writes bench/results/<name>.json (gitignored renders are never written).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

EMOTIONS = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")
PHOTOS = "dev05,dev06,dev11,dev03,dev04,dev12"
MP_CORNERS, MP_CENTRE = (61, 291), (0, 17)  # MediaPipe: the subject's right / left corner; top / bottom of the lips
#: MediaPipe points on the cheeks below the eyes (the subject's right, then left side) and the nose tip.
MP_CHEEKS = ((50, 101, 118, 123, 205), (280, 330, 347, 352, 425))
MP_NOSE_TIP = 1


def _up(rotation: np.ndarray) -> np.ndarray:
    """Unit image direction (x right, y down) of the head's +Y axis at (3,) axis-angle ``rotation``."""
    from emoshift.rotations import axis_angle_to_matrix

    m = axis_angle_to_matrix(np.asarray(rotation, np.float64).reshape(1, 3))[0]
    u = np.array([m[0, 1], -m[1, 1]])
    return u / max(np.linalg.norm(u), 1e-9)


def heights(points: np.ndarray, up: np.ndarray, px_per_cm: float) -> np.ndarray:
    """(2,) cm the two corners ``points[:2]`` lie above the middle of ``points[2:4]`` (the lips' top and bottom)
    along the image direction ``up``."""
    centre = 0.5 * (points[2] + points[3])
    return (points[:2] - centre) @ up / px_per_cm


def sag(points: np.ndarray) -> float:
    """The lip centre's distance below the line between the two corners ``points[:2]`` (image, y down),
    over their distance; the centre is the middle of ``points[2:4]`` (> 0: the mouth curves up)."""
    c0, c1 = points[0], points[1]
    w = max(float(np.linalg.norm(c1 - c0)), 1e-9)
    n = np.array([-(c1 - c0)[1], (c1 - c0)[0]]) / w
    n = -n if n[1] < 0 else n
    return float((0.5 * (points[2] + points[3]) - 0.5 * (c0 + c1)) @ n / w)


def cheek_heights(points: np.ndarray, groups, ref: np.ndarray, up: np.ndarray, px_per_cm: float) -> np.ndarray:
    """(2,) cm each group of ``points`` (indices per side) lies above ``ref`` along ``up``."""
    return np.array([(points[list(g)].mean(0) - ref) @ up / px_per_cm for g in groups])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=PHOTOS, help="comma-separated prefixes of the shared dev photos")
    ap.add_argument("--name", default="offaxis_smile", help="results file name (bench/results/NAME.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--residual-whole", action="store_true", help="the lip residual kept whole off-axis (no view fade)")
    ap.add_argument("--no-cheeks", action="store_true", help="the fit without the smile's cheek raise (before)")
    args = ap.parse_args()
    if args.no_cheeks:
        import emoshift.fitting.lids as lids

        lids.CHEEK_RAISE = 0.0
    warnings.simplefilter("ignore")
    if args.residual_whole:
        import emoshift.render.residual as rr

        rr.VIEW_FADE_DEG = (1e3, 1e3 + 1)  # never fades
    from apex_renders import ApexRenderer, list_photos, load_pipeline
    from common import report

    from emoshift.fitting.terms import turn_deg
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.render.residual import view_fade
    from emoshift.rotations import axis_angle_to_matrix

    mesh_pts = [int(MULTIPIE_68[i]) for i in (48, 54, 51, 57)]  # corners (subject's right, left), lip top, bottom
    pipe = load_pipeline()
    ar = ApexRenderer(pipe)
    detector = pipe.fitter.fitter.detector
    rows, photos = [], []
    for pref in args.photos.split(","):
        name, src = next(x for x in list_photos(None, samples=False) if x[0].startswith(pref))
        photo = ar.load(src)
        fit, r = ar.fit, ar.renderer
        names = list(fit.expression_names)
        local = np.searchsorted(r.vertex_ids, mesh_pts)
        rot0 = np.asarray(fit.rotation, np.float64)
        m0 = axis_angle_to_matrix(rot0.reshape(1, 3))[0]
        near = 1 if turn_deg(m0) > 0 else 0  # the camera towards +X (the subject's left): corner 1 faces it
        px_cm = float(r._lip_px_per_cm)
        basis = r.expression_basis.reshape(len(names), -1, 3)
        cheeks = [np.flatnonzero(np.linalg.norm(basis[names.index("cheekSquint_" + s)], axis=1) > 0.3) for s in "RL"]
        src_mesh = heights(r.src_screen[local, :2], _up(rot0), px_cm)
        lm0 = np.asarray(fit.landmarks_detected)
        src_mp = heights(lm0[list(MP_CORNERS + MP_CENTRE)], _up(rot0), px_cm)
        src_ck = cheek_heights(r.src_screen[:, :2], cheeks, np.zeros(2), _up(rot0), px_cm)
        src_mp_ck = cheek_heights(lm0, MP_CHEEKS, lm0[MP_NOSE_TIP], _up(rot0), px_cm)
        deg = float(np.degrees(np.arccos(np.clip(m0[2, 2], -1, 1))))
        info = {"photo": pref, "off_axis_deg": deg, "view_fade": view_fade(rot0),
                "smile_L": float(fit.expression[names.index("mouthSmile_L")]),
                "smile_R": float(fit.expression[names.index("mouthSmile_R")]), "near": "RL"[near]}  # fmt: skip
        photos.append(info)
        for emo in EMOTIONS:
            a = ar.apex(emo, args.seed)
            scr = r.screens(a.expression[None], a.rotation[None])[0]
            tgt_mesh = heights(scr[local, :2], _up(a.rotation), px_cm)
            shaped = r.base[local] + (a.expression @ r.expression_basis).reshape(-1, 3)[local]
            front = heights(shaped[:, :2] * np.array([1.0, -1.0]), np.array([0.0, -1.0]), 1.0)  # cm, y up -> image
            faces = detector.detect(a.frame)
            if faces:
                lm = faces[0].landmarks[:, :2]
                mp = heights(lm[list(MP_CORNERS + MP_CENTRE)], _up(a.rotation), px_cm)
                mp_ck = cheek_heights(lm, MP_CHEEKS, lm[MP_NOSE_TIP], _up(a.rotation), px_cm)
            else:
                mp = mp_ck = np.full(2, np.nan)
            # the mesh's cheeks moved by the expression alone (the source pose: the apex's head motion left out)
            scr0 = r.screens(a.expression[None], rot0[None].astype(np.float32))[0]
            tgt_ck = cheek_heights(scr0[:, :2], cheeks, np.zeros(2), _up(rot0), px_cm)
            mesh_drop, mp_drop = src_mesh - tgt_mesh, src_mp - mp
            row = {"photo": pref, "emotion": emo}
            row["sag"] = sag(scr[local, :2])
            row["sag_front"] = sag(shaped[:, :2] * np.array([1.0, -1.0]))
            for side, k in (("near", near), ("far", 1 - near)):
                row[f"cheek_drop_{side}"] = float(src_ck[k] - tgt_ck[k])
                row[f"mp_cheek_drop_{side}"] = float(src_mp_ck[k] - mp_ck[k])
                row[f"mesh_drop_{side}"] = float(mesh_drop[k])
                row[f"mp_drop_{side}"] = float(mp_drop[k])
                row[f"kept_{side}"] = float(mesh_drop[k] - mp_drop[k])
                row[f"view_lift_{side}"] = float(tgt_mesh[k] - front[k])
            rows.append(row)
        print(f"{pref}: done", flush=True)

    def med(sel, key):
        v = np.array([r[key] for r in rows if r["photo"] in sel and r["emotion"] != "happiness"], float)
        return float(np.nanmedian(v)) if np.isfinite(v).any() else float("nan")

    groups = {"eyeless": ("dev05", "dev06", "dev11"), "frontal": ("dev03", "dev04", "dev12")}
    summary = {f"{g}_{k}": med(sel, k) for g, sel in groups.items()
               for k in ("mesh_drop_near", "mp_drop_near", "kept_near", "kept_far", "view_lift_near", "view_lift_far",
                         "sag", "sag_front", "cheek_drop_near", "cheek_drop_far", "mp_cheek_drop_near",
                         "mp_cheek_drop_far")}  # fmt: skip
    for p in (x["photo"] for x in photos):
        summary[f"{p}_kept_near"] = med((p,), "kept_near")
        summary[f"{p}_mesh_drop_near"] = med((p,), "mesh_drop_near")
        summary[f"{p}_view_lift_near"] = med((p,), "view_lift_near")
        summary[f"{p}_sag"] = med((p,), "sag")
        summary[f"{p}_cheek_drop_near"] = med((p,), "cheek_drop_near")
        summary[f"{p}_mp_cheek_drop_near"] = med((p,), "mp_cheek_drop_near")
    happy = [r for r in rows if r["emotion"] == "happiness"]
    summary["happiness_cheek_drop_near"] = float(np.median([r["cheek_drop_near"] for r in happy]))
    from common import print_table

    print_table(photos)
    report(args.name, rows, {"photos": photos, "summary": summary})
    for k, v in summary.items():
        print(f"{k:28s} {v:+.3f}")


if __name__ == "__main__":
    main()
