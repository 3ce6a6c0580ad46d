"""Frames before vs after a refactor: save the sample animations' frames from one checkout, compare another's.

The sample animations (both sample photos, the trained generator and the FACS prototypes, 2 variants, a
linear and a natural timing, an intensity other than 1): frames, per-frame expressions and rotations and
the photo as rendered. Run the saving step on the old code, then the comparison on the new::

    cd /work/main && PYTHONPATH=$PWD/src .venv/bin/python bench/bench_frames_identity.py --save /tmp/before.npz
    cd /work/wt-x && PYTHONPATH=$PWD/src /work/main/.venv/bin/python bench/bench_frames_identity.py --compare /tmp/before.npz

The comparison prints one row per array (identical, or the largest difference and how many values differ)
and writes bench/results/frames_identity.json. The .npz holds ~450 M values (about 280 MB compressed): keep
it outside the repository.
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

from emoshift.pipeline import DEFAULT_INSTRUCTION, Pipeline  # noqa: E402

#: (key, generator, photo, instruction, options)
CASES = (
    ("astronaut", "auto", "astronaut", DEFAULT_INSTRUCTION, {}),
    ("hopper", "auto", "grace_hopper", "She goes from slightly sad to extremely happy",
     {"seconds": 2.0, "timing": "linear", "neutral": False}),
    ("astronaut_samples", "auto", "astronaut", "Show surprise, then fear", {"samples": 2, "seed": 3, "intensity": 1.3}),
    ("prototype", "prototype", "astronaut", DEFAULT_INSTRUCTION, {"seconds": 2.0}),
)  # fmt: skip


def animations() -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    pipes: dict[str, Pipeline] = {}
    for key, generator, photo, text, options in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = pipes.setdefault(generator, Pipeline.load(seed=0, generator=generator))
            result = pipe.animate(photo, text, **options)
        arrays[f"{key}_image"] = result.image
        for k, v in enumerate(result.variants):
            arrays[f"{key}_{k}_frames"] = v.frames
            arrays[f"{key}_{k}_expression"] = v.trajectory.expression
            arrays[f"{key}_{k}_rotation"] = v.trajectory.rotation
    return arrays


def main() -> None:
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path, help="write this checkout's arrays to an .npz")
    g.add_argument("--compare", type=Path, help="compare this checkout's arrays with a saved .npz")
    args = ap.parse_args()
    arrays = animations()
    if args.save:
        np.savez_compressed(args.save, **arrays)
        print(f"wrote {args.save}: {len(arrays)} arrays, {sum(a.size for a in arrays.values()):,} values")
        return
    before = np.load(args.compare)
    rows = []
    for key in sorted(set(before.files) | set(arrays)):
        if key not in before.files or key not in arrays:
            rows.append({"array": key, "shape": "-", "identical": False, "max_abs_diff": None, "values_differing": None})
            continue
        a, b = before[key], arrays[key]
        same_shape = a.shape == b.shape
        diff = np.abs(a.astype(np.float64) - b) if same_shape else None
        rows.append({
            "array": key,
            "shape": "x".join(map(str, b.shape)),
            "identical": bool(same_shape and np.array_equal(a, b)),
            "max_abs_diff": None if diff is None else float(diff.max()),
            "values_differing": None if diff is None else int((diff > 0).sum()),
        })  # fmt: skip
    report("frames_identity", rows, {"all_identical": all(r["identical"] for r in rows)})


if __name__ == "__main__":
    main()
