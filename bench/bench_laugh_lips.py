"""A laughing photo's lips at non-smiling targets (issue 11 part 3, "the target is absolute"): how much the frame
stretches the photographed lips across their thickness, and where its mouth corners and upper lip stand.

Per development photo and emotion (sadness, anger, contempt, disgust by default), at the apex (:mod:`apex_renders`,
the pipeline's own plan):

- ``upper_L`` / ``upper_R``, ``lower_L`` / ``lower_R``: the lip's thickness in the frame as drawn
  (:meth:`Reenactor.screens`) over the photo's, on screen, between the photo's outer and inner lip contour points
  across from each vermilion vertex (:class:`~emoshift.render.source_parts.LipEdges`), median over the vermilion
  vertices of that lip on the subject's left (``_L``, head-frame x > 0) or right half, leaving out EDGE_CORNER of
  the mouth's width at each corner (1: the photo's lip kept; a laughing photo's thin lips stretched at a closed
  target: more);
- ``corner_L`` / ``corner_R``: the mouth corner's height on screen above the outer lips' middle (MediaPipe 61 / 291
  against 0 / 17 of the fitted head at the apex's expression and pose, along the head's up axis as the frame
  shows it), over the mouth's width (< 0: turned down);
- ``raise_L`` / ``raise_R``: the upper lip's outer contour (MediaPipe 37 / 267) above the line through the
  corners, over the mouth's width, minus the photo's fit's (> 0: raised further than the photo's);
- ``slit``: the line between the frame's lips, the median dip (:func:`emoshift.render.contact.line_dips`: 1 - its
  darkest luma over the darker lip's) over the middle three fifths of the mouth's inner-lip middle line (real closed
  mouths 0.19-0.26, bench/contact_real.py; a slit showing the dark inside: 0.5 and more);
- ``roll``: mouthRollUpper / mouthRollLower of the source and the apex; ``far``: the side turned away.

``--before`` plans without :func:`emoshift.planning.with_source_lip_roll` and closes nearly closed lips to ICT's rest
gap within jawOpen + 0.03 (``reenact.CLOSE_TO_CM``, ``CLOSE_OVER_JAW`` as before session 22). The fit is the same.

    PYTHONPATH=src nice -n 10 .venv/bin/python bench/bench_laugh_lips.py [--before] [--save DIR] [--name NAME]
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from apex_renders import ApexRenderer, list_photos, load_pipeline

EMOTIONS = ("sadness", "anger", "contempt", "disgust")
EDGE_CORNER = 0.15


def _proj(points: np.ndarray, cam) -> np.ndarray:
    z = -points[..., 2]
    return np.stack([cam.cx + cam.focal * points[..., 0] / z, cam.cy - cam.focal * points[..., 1] / z], -1)


def _axes(rotation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The head's x axis on screen and the up direction perpendicular to it (image y points down)."""
    from emoshift.rotations import axis_angle_to_matrix

    r = axis_angle_to_matrix(np.asarray(rotation, np.float64).reshape(1, 3))[0]
    ax = np.array([r[0, 0], -r[1, 0]])
    ax /= np.linalg.norm(ax)
    up = np.array([ax[1], -ax[0]])
    return ax, (-up if up[1] > 0 else up)


def mouth_shape(model, fit, expression: np.ndarray, rotation: np.ndarray) -> dict:
    """Corner heights and the upper lip's height above the corners' line per side (mouth widths, on screen)."""
    p = model.landmarks(fit.identity[None], np.asarray(expression, np.float32)[None],
                        np.asarray(rotation, np.float32)[None], fit.translation[None])[0]  # fmt: skip
    q = _proj(p, fit.camera)
    ax, up = _axes(rotation)
    c_r, c_l = q[61], q[291]
    w = abs(float((c_l - c_r) @ ax))
    mid = 0.5 * (q[0] + q[17])

    def above_line(i: int) -> float:
        t = float(((q[i] - c_r) @ ax) / max(float((c_l - c_r) @ ax), 1e-6))
        return float((q[i] - (c_r + t * (c_l - c_r))) @ up) / w

    return {"corner_R": float((c_r - mid) @ up) / w, "corner_L": float((c_l - mid) @ up) / w,
            "upper_R": above_line(37), "upper_L": above_line(267)}  # fmt: skip


def lip_stretch(r, expression: np.ndarray, rotation: np.ndarray) -> dict:
    """Per lip and side, the median on-screen thickness of the frame's lip over the photo's (see the module)."""
    from emoshift.render.source_parts import contour_points

    edges = r._edges()
    if edges is None:
        return {}
    screen = r.screens(np.asarray(expression, np.float32)[None], np.asarray(rotation, np.float32)[None])[0]
    so, si = contour_points(r.source.screen[:, :2], edges)
    fo, fi = contour_points(screen[:, :2], edges)
    t_s = np.linalg.norm(si - so, axis=1)
    t_f = np.linalg.norm(fi - fo, axis=1)
    lower = r._jaw_lower[edges.idx]
    x = r.base[edges.idx, 0]
    along = so[:, 0]
    lo, hi = along.min(), along.max()
    keep = (along > lo + EDGE_CORNER * (hi - lo)) & (along < hi - EDGE_CORNER * (hi - lo)) & (t_s > 2.0)
    out = {}
    for lip, sel_lip in (("upper", ~lower), ("lower", lower)):
        for side, sel_side in (("L", x > 0), ("R", x <= 0)):
            sel = keep & sel_lip & sel_side
            out[f"{lip}_{side}"] = float(np.median(t_f[sel] / t_s[sel])) if sel.any() else float("nan")
    return out


def slit_dip(r, frame: np.ndarray, expression: np.ndarray, rotation: np.ndarray) -> float:
    """The median dip of the line between the frame's inner lips over the middle three fifths (see the module)."""
    from emoshift.render import reenact
    from emoshift.render.contact import _catmull_rom, _directions, line_dips
    from emoshift.render.teeth import LUMA

    screen = r.screens(np.asarray(expression, np.float32)[None], np.asarray(rotation, np.float32)[None])[0]
    up = screen[reenact._CONTACT_UPPER, :2].astype(np.float64)
    lo = screen[reenact._CONTACT_LOWER, :2].astype(np.float64)
    n = max(int(np.hypot(*(up[-1] - up[0]))), 10)
    mid = 0.5 * (_catmull_rom(up, n) + _catmull_rom(lo, n))
    _, normal = _directions(mid)
    d = line_dips(np.asarray(frame, np.float32) @ LUMA, mid, normal)
    return float(np.median(d[n // 5 : 4 * n // 5]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--emotions", default=",".join(EMOTIONS))
    ap.add_argument("--before", action="store_true", help="plan without planning.with_source_lip_roll")
    ap.add_argument("--save", default=str(Path(__file__).resolve().parent / "results"))
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    import emoshift.planning as planning
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.headmodel import HeadModel
    from emoshift.rotations import axis_angle_to_matrix
    from emoshift.fitting.terms import turn_deg

    from emoshift.render import reenact

    if args.before:
        planning.with_source_lip_roll = lambda targets, source: np.asarray(targets, np.float32)
        reenact.CLOSE_OVER_JAW = 0.03
    names = list(EXPRESSION_NAMES)
    roll = [names.index("mouthRollUpper"), names.index("mouthRollLower")]
    smile = [names.index("mouthSmile_L"), names.index("mouthSmile_R")]
    model = HeadModel.load(n_identity=50)
    apexes = ApexRenderer(load_pipeline())
    rows = []
    for name, src in list_photos(args.photos, samples=False):
        apexes.load(src)
        r, fit = apexes.renderer, apexes.fit
        if args.before:
            reenact.CLOSE_TO_CM = r._rest_gap
        s_e = np.asarray(r.source_expression, np.float32)
        s_shape = mouth_shape(model, fit, s_e, fit.rotation)
        turn = turn_deg(axis_angle_to_matrix(np.asarray(fit.rotation, np.float64).reshape(1, 3))[0])
        far = "R" if turn > 0 else "L"
        for emo in args.emotions.split(","):
            a = apexes.apex(emo, args.seed)
            row = {"photo": name, "emotion": emo, "smile": float(s_e[smile].mean()), "far": far,
                   "roll_source": [round(float(v), 3) for v in s_e[roll]],
                   "roll_apex": [round(float(v), 3) for v in a.expression[roll]]}  # fmt: skip
            row.update(lip_stretch(r, a.expression, a.rotation))
            row["slit"] = slit_dip(r, a.frame, a.expression, a.rotation)
            shape = mouth_shape(model, fit, a.expression, a.rotation)
            row.update({k: shape[k] for k in ("corner_L", "corner_R")})
            row.update({f"raise_{s}": shape[f"upper_{s}"] - s_shape[f"upper_{s}"] for s in "LR"})
            rows.append(row)
            print(f"{name[:5]} {emo[:8]:8s} smile {row['smile']:.2f} roll {row['roll_source']} -> {row['roll_apex']}"
                  f" | upper L {row.get('upper_L', np.nan):.2f} R {row.get('upper_R', np.nan):.2f}"
                  f" lower L {row.get('lower_L', np.nan):.2f} R {row.get('lower_R', np.nan):.2f} (far {far})"
                  f" | corner L {row['corner_L']:+.3f} R {row['corner_R']:+.3f}"
                  f" | raise L {row['raise_L']:+.3f} R {row['raise_R']:+.3f} | slit {row['slit']:.2f}", flush=True)  # fmt: skip
    name = args.name or ("laugh_lips_before" if args.before else "laugh_lips")
    out = Path(args.save) / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seed": args.seed, "before": args.before, "rows": rows}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
