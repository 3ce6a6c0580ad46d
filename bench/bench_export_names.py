"""What the ARKit name set and the relative gaze do to real animations (issue 16).

For each photo (the packaged astronaut and Grace Hopper; ``--photos DIR`` adds every JPEG/PNG of a
folder) and three instructions, the photo is fitted and the animation planned and timed (no rendering),
then:

* ``brow_lr`` / ``cheek_lr``: the largest |left - right| weight difference over the clip of ICT's
  browInnerUp and cheekPuff halves, which the .glb/CSV/JSON's single ARKit channels merge (their mean;
  a difference d shows as d/2 of a half's offset on each side);
* ``src_gaze``: the largest signed gaze (eyeLookOut - In, Up - Down, either eye) of the photo's fit,
  which the CSV takes out (it used to be written as a permanent eye roll);
* ``gaze_move``: the largest change of that signed gaze over the clip, and ``eye_deg`` the CSV's
  largest eye yaw/pitch in degrees (30 / 25 degrees per unit weight).

    .venv/bin/python bench/bench_export_names.py [--photos DIR]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import SAMPLES  # noqa: E402
from common import report  # noqa: E402

INSTRUCTIONS = (
    "Turn this face from disgust to happiness",
    "She goes from slightly sad to extremely happy",
    "Show surprise, then fear",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, help="also every .jpg/.png of this folder")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")

    from emoshift.export.arkit import arkit_weights, eye_angles, gaze_axes, relative_gaze
    from emoshift.export.curves import source_frame
    from emoshift.export.animation import expression_names
    from emoshift.pipeline import Pipeline

    pipe, names = Pipeline.load(), expression_names()
    pairs = {k: (names.index(f"{k}_L"), names.index(f"{k}_R")) for k in ("browInnerUp", "cheekPuff")}
    images = {name: name for name in SAMPLES}  # the packaged photos, read by name
    if args.photos:
        for p in sorted(args.photos.iterdir()):
            if p.suffix.lower() in (".jpg", ".jpeg", ".png"):
                images[p.stem] = pipe.read_photo(p)
    rows = []
    for name, img in images.items():
        fit = pipe.fit(pipe.read_photo(img))
        for text in INSTRUCTIONS:
            traj = pipe.make_trajectory(pipe.plan(pipe.parse(text), fit)[0], pipe.options, 0)
            e = np.asarray(traj.expression, np.float64)
            a = arkit_weights(e, names)
            src = source_frame(traj)
            g, g0 = gaze_axes(a), gaze_axes(a[src][None])
            eyes = np.degrees(eye_angles(relative_gaze(a, a[src])))
            rows.append({
                "photo": name, "instruction": text[:24],
                "brow_lr": float(np.abs(e[:, pairs["browInnerUp"][0]] - e[:, pairs["browInnerUp"][1]]).max()),
                "cheek_lr": float(np.abs(e[:, pairs["cheekPuff"][0]] - e[:, pairs["cheekPuff"][1]]).max()),
                "src_gaze": float(np.abs(g0).max()),
                "gaze_move": float(np.abs(g - g0).max()),
                "eye_deg": float(np.abs(eyes).max()),
            })  # fmt: skip
    keys = ("brow_lr", "cheek_lr", "src_gaze", "gaze_move", "eye_deg")
    summary = {k: {"median": float(np.median([r[k] for r in rows])), "max": float(max(r[k] for r in rows))}
               for k in keys}  # fmt: skip
    report("export_names", rows, {"summary": summary, "photos": len(images)})
    for k, v in summary.items():
        print(f"{k:10s} median {v['median']:.3f}  max {v['max']:.3f}")


if __name__ == "__main__":
    main()
