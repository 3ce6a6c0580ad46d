"""Where a video frame's render-pass CPU goes (issue 17): thread CPU per reenacted frame of the steps of each
frame's renderer (``Reenactor.for_frame``: its source view, ``_set_source``, and the analyses in it) and of its
rendering (``render_batch``: the frame kernel ``render_frame_into`` and the Python around it).

Each run is a whole :func:`emoshift.videoin.animate_video` of the 512 x 512 synthetic talking clip
(``bench_video_cpu.py``'s, instruction and seed), after one warm run; the named methods of
:class:`~emoshift.render.reenact.Reenactor` (and the functions :mod:`emoshift.render.reenact` calls by name)
are wrapped by a timer of the calling thread's CPU clock (``time.thread_time``: the two render workers'
own time, whatever the load). Times are cumulative: a step includes the steps it calls (``_set_source``
holds ``photo_eyes``, ``_raster_full``, ...; ``render_batch`` holds ``render_frame_into`` and ``_lift_for``);
``calls`` is per reenacted frame. The per-pixel passes inside the frame kernel are one Numba call and are not
split here. Median over ``--runs``.

    EMOSHIFT_CACHE=/tmp/cache-x nice -n 5 python bench/bench_video_steps.py [--frames 48] [--runs 2]

Writes bench/results/video_steps.json (``--name``).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_video_cpu import INSTRUCTION, warmed  # noqa: E402
from common import report  # noqa: E402

#: Reenactor methods timed (those of its SourceParts base included).
METHODS = (
    "for_frame", "_set_source", "_raster_full", "_photo_masks", "_eye_masks", "_face_skin", "_part_colours",
    "_closed_mouth", "_clean_plate", "_vertex_albedo", "_mouth_residual", "_inner_lips", "_grain", "_mouth_blur",
    "_black_level", "_wrinkle_field", "_shaped", "_project", "render_batch", "_lift_for", "_shading_ratio",
    "_vertex_colours", "_light_mouth", "_source_for",
)
#: Functions emoshift.render.reenact calls by their names there.
FUNCTIONS = ("photo_eyes", "fold_lift", "render_frame_into", "flatten_weights")


def timed(owner, name: str, cpu: dict, calls: dict) -> None:
    """Replace ``owner.name`` by a wrapper adding its thread CPU seconds to ``cpu[name]``."""
    fn = getattr(owner, name)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            cpu[name] += time.thread_time() - t0
            calls[name] += 1

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--name", default="video_steps")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.render import reenact
    from emoshift.videoin import animate_video

    pipe, src, work = warmed(args.frames)
    cpu: dict = defaultdict(float)
    calls: dict = defaultdict(int)
    for name in METHODS:
        timed(reenact.Reenactor, name, cpu, calls)
    for name in FUNCTIONS:
        timed(reenact, name, cpu, calls)
    per_run = []
    for _ in range(args.runs):
        cpu.clear()
        calls.clear()
        load = os.getloadavg()[0]
        res = animate_video(pipe, src, INSTRUCTION, work / "out.mp4", seed=0)
        n = max(int(res.rendered.sum()), 1)
        per_run.append(({k: 1000 * v / n for k, v in cpu.items()}, {k: v / n for k, v in calls.items()}, load,
                        {k: 1000 * res.timings.get(f"cpu_{k}", 0.0) / n for k in ("renderer", "reenact")}))  # fmt: skip
    names = sorted(per_run[0][0], key=lambda k: -per_run[0][0][k])
    rows = [{"step": k, "cpu_ms": statistics.median(r[0].get(k, 0.0) for r in per_run),
             "calls": per_run[0][1].get(k, 0.0)} for k in names]  # fmt: skip
    extra = {"unit": "thread CPU ms per reenacted frame (cumulative: a step includes the steps it calls)",
             "clip": f"synthetic talking 512x512, {args.frames} frames, 24 fps", "instruction": INSTRUCTION,
             "loads": [r[2] for r in per_run],
             "workers_cpu_ms": {k: statistics.median(r[3][k] for r in per_run) for k in ("renderer", "reenact")}}  # fmt: skip
    report(args.name, rows, extra)
    print("load", [round(r[2], 1) for r in per_run], "workers' CPU ms per reenacted frame", extra["workers_cpu_ms"])


if __name__ == "__main__":
    main()
