"""CPU cost per output frame of the video path, per phase (issue 17), on the 512 x 512 synthetic talking clip.

The machine is shared: wall-clock frames per second say little under load, CPU seconds do. Each run is a
whole :func:`emoshift.videoin.animate_video` of the clip (``bench_video.py``'s instruction), after one warm
run (models loaded, kernels compiled). Per phase, CPU milliseconds per output frame of the process's
threads and its forked children (``resource.getrusage``, :func:`emoshift.threads.process_cpu`, measured
at the phase's ends, so a phase includes whatever background thread ran during it):

* ``landmarks``: decoding (its prefetch thread) and the face mesh in tracking mode, plus the occluder
  samples and the first frames' renderers being prebuilt;
* ``fit_clip``: the clip's camera (:func:`~emoshift.fitting.video.clip_camera`), its resting keyframes
  (:func:`~emoshift.videoin.rest.resting_keyframes`) and shared identity;
* ``fit_frames``: the per-frame fits (warm-started, temporal term);
* ``plan``: the generator's anchors, the trajectory, the targets (temporal smoothing of the mix);
* ``render``: the second pass: decoding, each frame's renderer (``for_frame``) and reenactment on two
  worker threads, encoding; split by the threads' own CPU clocks into ``renderer``, ``reenact`` and
  ``decode_encode`` (per frame written);
* ``job``: all of it (including the probe and the occluder pass between the phases).

Median (min, max) over ``--runs`` runs. ``--save FILE.npz``: the last run's fitted expressions, targets,
rotations and output frames (to compare two versions of the code: ``--compare OTHER.npz`` prints the
largest and mean differences of the coefficients and the frames). ``--profile N``: the top N functions
of one run by cumulative CPU time (cProfile, the main thread: the fit pass and the render pass's main
thread; the render workers' time is in ``renderer`` / ``reenact``).

    EMOSHIFT_CACHE=/tmp/cache-x nice -n 5 python bench/bench_video_cpu.py [--frames 48] [--runs 3]

Writes bench/results/video_cpu.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import cache_dir, report  # noqa: E402

INSTRUCTION = "Make her go from calm to furious"
PHASES = ("landmarks", "fit_clip", "fit_frames", "plan", "render")
THREADS = ("renderer", "reenact", "decode_encode")


def clip(frames: int) -> Path:
    from emoshift.videoin.synthetic import talking_frames, write_clip

    path = cache_dir() / f"video_cpu_synthetic_{frames}_512.mp4"
    if not path.is_file():
        write_clip(path, talking_frames(frames, 24.0, 512)[0], 24.0)
    return path


def warmed(frames: int) -> tuple:
    """(pipeline, the synthetic clip of ``frames``, the work folder), after one warm run of the clip (models
    loaded, kernels compiled)."""
    from emoshift.pipeline import Pipeline
    from emoshift.videoin import animate_video

    src = clip(frames)
    work = cache_dir() / "video_cpu"
    work.mkdir(exist_ok=True)
    pipe = Pipeline.load(seed=0)
    animate_video(pipe, src, INSTRUCTION, work / "warm.mp4", seed=0)
    return pipe, src, work


def one(pipe, src: Path, out: Path) -> tuple[dict, object]:
    from emoshift.threads import process_cpu
    from emoshift.videoin import animate_video

    c0, t0 = process_cpu(), time.perf_counter()
    res = animate_video(pipe, src, INSTRUCTION, out, seed=0)
    cpu, wall = process_cpu() - c0, time.perf_counter() - t0
    n, t = res.frames_written, res.timings
    row = {f"{k}": 1000 * t.get(f"proc_cpu_{k}", 0.0) / n for k in PHASES}
    row.update({k: 1000 * t.get(f"cpu_{k}", 0.0) / n for k in THREADS})
    row["job"] = 1000 * cpu / n
    row["wall_ms"] = 1000 * wall / n
    row.update({f"wall_{k}": 1000 * t.get(k, 0.0) / n for k in PHASES if k != "plan"})
    row["wall_fit_pass"] = sum(row[f"wall_{k}"] for k in ("landmarks", "fit_clip", "fit_frames"))
    return row, res


def decode(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def compare(a: dict, b: dict) -> dict:
    """Largest and mean absolute differences of two saved runs' coefficients and frames."""
    out = {}
    for k in ("own", "targets"):
        d = np.abs(np.nan_to_num(a[k]) - np.nan_to_num(b[k]))
        out[f"{k}_max"], out[f"{k}_mean"] = float(d.max()), float(d.mean())
    for k in ("rotation", "translation"):
        d = np.abs(a[k] - b[k])
        out[f"{k}_max"] = float(d.max())
    d = np.abs(a["frames"].astype(np.int16) - b["frames"].astype(np.int16))
    out["frame_px_max"], out["frame_px_mean"] = int(d.max()), float(d.mean())
    out["frame_px_p999"] = float(np.percentile(d, 99.9))
    out["frame_px_share_over_2"] = float((d > 2).mean())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--compare", type=Path, default=None)
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--name", default="video_cpu")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.videoin import animate_video

    pipe, src, work = warmed(args.frames)
    rows, res = [], None
    for r in range(args.runs):
        load = os.getloadavg()[0]
        row, res = one(pipe, src, work / "out.mp4")
        rows.append({"run": r, **row, "load": load})
        print({k: round(v, 1) if isinstance(v, float) else v for k, v in rows[-1].items()}, flush=True)
    cols = [c for c in rows[0] if c not in ("run", "load")]
    med = {"run": "median", **{c: statistics.median(r[c] for r in rows) for c in cols}}
    lo = {"run": "min", **{c: min(r[c] for r in rows) for c in cols}}
    hi = {"run": "max", **{c: max(r[c] for r in rows) for c in cols}}
    extra = {"unit": "CPU ms per output frame (process + forked children); wall_ms is wall time per frame",
             "clip": f"synthetic talking 512x512, {args.frames} frames, 24 fps", "instruction": INSTRUCTION}  # fmt: skip
    if args.save or args.compare:
        fits = [res.fits[i] for i in sorted(res.fits)] if hasattr(res, "fits") else None
        saved = {"own": res.own, "targets": res.targets, "frames": decode(res.path)}
        saved.update(_pose(pipe, src) if fits is None else {})
        if args.save:
            np.savez_compressed(args.save, **saved)
        if args.compare:
            other = dict(np.load(args.compare))
            extra["compare"] = {"against": str(args.compare), **compare(saved, other)}
            print("differences vs", args.compare, extra["compare"])
    report(args.name, rows + [med, lo, hi], extra)
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile(time.process_time)
        prof.enable()
        animate_video(pipe, src, INSTRUCTION, work / "out.mp4", seed=0)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.profile)


def _pose(pipe, src: Path) -> dict:
    """The per-frame fits' rotations and translations (fit_clip again, single-threaded)."""
    from emoshift.videoin.probe import probe
    from emoshift.videoin.run import fit_clip

    _, fits = fit_clip(pipe.fitter, probe(src, pipe.options.max_side), False)
    keys = sorted(fits)
    return {"rotation": np.stack([fits[i].rotation for i in keys]),
            "translation": np.stack([fits[i].translation for i in keys])}  # fmt: skip


if __name__ == "__main__":
    main()
