"""``emoshift animate VIDEO "INSTRUCTION"``: the video branch of the animate command (and its batch; the
video pipeline itself is :mod:`emoshift.videoin`).

``cmd_animate`` hands a job whose image is a video (:func:`emoshift.videoin.is_video_path`) to
:func:`run_video_job`; :func:`add_video_options` adds the video-only options to its parser and
:func:`video_settings` reads them (``RunSettings.video``). ``--max-side``, ``--seed``, ``--timing``,
``--neutral`` and ``--intensity`` are the command's own options.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class VideoSettings:
    """max_seconds: longest accepted video; pose: add the emotion's head-pose offset; force: overwrite."""

    max_seconds: float
    pose: bool = False
    force: bool = False


def add_video_options(p: argparse.ArgumentParser) -> None:
    """``--max-video-seconds`` and ``--video-pose``."""
    from emoshift.videoin.probe import MAX_SECONDS

    g = p.add_argument_group("video input (IMAGE is a .mp4/.mov/.mkv/.webm/.avi; --max-side applies to its frames)")
    g.add_argument("--max-video-seconds", type=float, default=MAX_SECONDS, metavar="S",
                   help=f"refuse longer videos (default {MAX_SECONDS:g})")  # fmt: skip
    g.add_argument("--video-pose", action="store_true",
                   help="add the emotion's head nod/tilt to the person's own head motion (default: own pose only)")


def video_settings(args: argparse.Namespace) -> VideoSettings:
    from emoshift.videoin.probe import check_max_seconds

    seconds = check_max_seconds(args.max_video_seconds, "--max-video-seconds")
    return VideoSettings(seconds, bool(args.video_pose), bool(getattr(args, "force", False)))


def check_video_job(job) -> None:
    """One-line UserErrors for outputs a video job cannot write (before any work)."""
    from emoshift.io import UserError

    extra = sorted(k for k in job.outputs if k != "out")
    if extra:
        raise UserError(f"a video input writes one .mp4 (with its audio; no 3D or curve outputs); "
                        f"drop --{' --'.join(extra)}")  # fmt: skip
    if job.outputs["out"].suffix.lower() != ".mp4":
        raise UserError(f"a video input is written as .mp4 (with its audio), got {job.outputs['out'].name}")


def size_said(info) -> str:
    """The output's size in words, with why it differs from the input's (``max_side``, even sides, upright)."""
    said = f"{info.out_width}x{info.out_height}"
    why = []
    if (info.out_width, info.out_height) != (info.width, info.height):
        scaled = max(info.out_width, info.out_height) < max(info.width, info.height) - 1
        why.append(f"from {info.width}x{info.height}: "
                   + ("scaled to --max-side" if scaled else "even sides for H.264"))  # fmt: skip
    if info.rotation:
        why.append(f"written upright from a {info.height}x{info.width} file shown rotated")
    return said + (f" ({'; '.join(why)})" if why else "")


def run_video_job(job, settings, get_pipeline, isolate: bool = True):
    """Run one video job -> ``animate_jobs.JobResult`` (user errors, and with ``isolate`` crashes, become
    a failed result). ``settings``: ``cmd_animate.RunSettings`` (its ``video`` a :class:`VideoSettings`)."""
    import warnings

    from emoshift.cli.animate_jobs import JobResult
    from emoshift.io import user_error_types
    from emoshift.videoin.probe import MAX_SECONDS, probe
    from emoshift.videoin.run import animate_video, check_video_options

    t0 = time.perf_counter()
    video = getattr(settings, "video", None) or VideoSettings(MAX_SECONDS)
    try:
        check_video_job(job)
        check_video_options(settings.options)
        probe(job.image, settings.options.max_side, video.max_seconds)  # before the models load
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = get_pipeline(settings)
            res = animate_video(pipe, job.image, job.parsed or job.instruction, job.outputs["out"], settings.options,
                                max_seconds=video.max_seconds, pose=video.pose, force=video.force,
                                progress=settings.progress)  # fmt: skip
        s = res.summary()
        msg = (f"{' -> '.join(s['anchors'])}; {s['frames']} frames at {s['fps']:g} fps, {size_said(res.info)}, "
               f"{s['frames_reenacted']} reenacted, {s['frames_without_face']} without a face (copied); "
               f"audio: {s['audio'] or 'none'}; planner: {s['generator']}")  # fmt: skip
        return JobResult(job, True, msg, time.perf_counter() - t0, [str(res.path)], s)
    except user_error_types() as err:
        return JobResult(job, False, str(err), time.perf_counter() - t0)
    except Exception as err:
        if not isolate:
            raise
        return JobResult(job, False, f"internal error: {err.__class__.__name__}: {err}", time.perf_counter() - t0)
