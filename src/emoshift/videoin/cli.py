"""``emoshift animate VIDEO "INSTRUCTION"``: the video branch of the animate command (and its batch).

``cmd_animate`` hands a job whose image is a video (:func:`emoshift.videoin.is_video_path`) to
:func:`run_video_job`; :func:`add_video_options` adds the video-only options to its parser.
"""

from __future__ import annotations

import argparse
import time


def add_video_options(p: argparse.ArgumentParser) -> None:
    """``--max-side`` (frames scaled so that the long side is at most this; default the pipeline's 1024),
    ``--max-video-seconds`` and ``--video-pose``."""
    from emoshift.videoin.probe import MAX_SECONDS

    g = p.add_argument_group("video input (IMAGE is a .mp4/.mov/.mkv/.webm/.avi)")
    g.add_argument("--max-side", type=int, metavar="PX",
                   help="scale frames so that the long side is at most PX (default 1024)")  # fmt: skip
    g.add_argument("--max-video-seconds", type=float, default=MAX_SECONDS, metavar="S",
                   help=f"refuse longer videos (default {MAX_SECONDS:g})")  # fmt: skip
    g.add_argument("--video-pose", action="store_true",
                   help="add the emotion's head nod/tilt to the person's own head motion (default: own pose only)")


def check_video_job(job, opts: dict) -> None:
    """One-line UserErrors for what a video job cannot do (before any work)."""
    from emoshift.io import UserError

    extra = sorted(k for k in job.outputs if k != "out")
    if extra:
        raise UserError(f"a video input writes one .mp4 (with its audio); drop --{' --'.join(extra)}")
    if job.outputs["out"].suffix.lower() != ".mp4":
        raise UserError(f"a video input is written as .mp4 (with its audio), got {job.outputs['out'].name}")
    if opts.get("seconds") is not None:
        raise UserError("--seconds is for photos; a video keeps its own length (cut it first to shorten it)")
    if opts.get("samples", 1) != 1:
        raise UserError("--samples is for photos; a video input is animated once")
    max_side = opts.get("max_side")
    if max_side is not None and not 64 <= max_side <= 4096:
        raise UserError(f"max-side must lie in [64, 4096], got {max_side}")


def run_video_job(job, opts: dict, get_pipeline, isolate: bool = True):
    """Run one video job -> ``cmd_animate.JobResult`` (user errors, and with ``isolate`` crashes, become
    a failed result)."""
    import warnings

    from emoshift.cli import user_error_types
    from emoshift.cli.cmd_animate import JobResult
    from emoshift.videoin.probe import MAX_SECONDS, probe
    from emoshift.videoin.run import animate_video

    t0 = time.perf_counter()
    try:
        check_video_job(job, opts)
        probe(job.image, opts.get("max_side"), opts.get("max_video_seconds") or MAX_SECONDS)  # before loading models
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = get_pipeline(opts["generator"], opts["seed"])
            res = animate_video(
                pipe, job.image, job.instruction, job.outputs["out"], seed=opts["seed"], timing=opts["timing"],
                neutral=opts["neutral"], intensity=opts["intensity"], max_side=opts.get("max_side"),
                max_seconds=opts.get("max_video_seconds") or MAX_SECONDS, pose=bool(opts.get("video_pose")),
                progress=opts["progress"],
            )  # fmt: skip
        s = res.summary()
        msg = (f"{' -> '.join(s['anchors'])}; {s['frames']} frames at {s['fps']:g} fps, {s['frames_reenacted']} "
               f"reenacted, {s['frames_without_face']} without a face (copied); audio: {s['audio'] or 'none'}; "
               f"planner: {s['generator']}")  # fmt: skip
        return JobResult(job, True, msg, time.perf_counter() - t0, [str(res.path)], s)
    except user_error_types() as err:
        return JobResult(job, False, str(err), time.perf_counter() - t0)
    except Exception as err:
        if not isolate:
            raise
        return JobResult(job, False, f"internal error: {err.__class__.__name__}: {err}", time.perf_counter() - t0)
