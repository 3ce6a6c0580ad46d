"""``emoshift animate``: photo(s) + instruction(s) -> video, 3D head (.glb), curves (.csv/.json), sheet.

One job: ``emoshift animate IMAGE "INSTRUCTION" --out out.mp4 [--glb] [--csv] [--json] [--sheet] [--frames]``
(``--json -`` prints a JSON summary on stdout instead of writing weights, for scripts);
the extra outputs take a path, or alone are written beside ``--out`` (``out.glb``, ``out.csv``, ...).
No image: the neutral head model is animated and only 3D outputs are written (default ``animation.glb``).

A batch: several images and/or ``--instructions FILE`` (one instruction per line, ``#`` comments):
every (image, instruction) pair becomes one job, run in a pool of ``--workers`` processes (each loads
the models once); ``--out`` is then a folder and each job writes ``<image>_<NN>_<emotions>.mp4`` (plus
the extra outputs asked for). A failing job is reported in the summary table and the others go on; the
exit code is 1 if any failed.

``IMAGE`` may also name a packaged sample photo: ``astronaut`` (the default) or ``grace_hopper``.

Faces: ``--face N`` animates the N-th face by size (0 = the largest, the default); when a photo has
several, the one used and the count are reported ("2 faces found; animated face 0 (the largest)").
``--max-side`` limits the photo's long side (default 1024, up to 4096: the original resolution of most
photos); ``--crop face`` writes a square around the face (videos, frames and sheets) instead of the
whole photo. The animation options are one :class:`emoshift.options.AnimateOptions`, validated once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emoshift.options import CROPS, DEFAULT_MAX_SIDE, TIMINGS, AnimateOptions, describe_range

from emoshift.cli.animate_jobs import FOLDER_KINDS, Job, JobResult, _is_video, check_memory_early, plan_jobs, variant_paths
from emoshift.io import UserError


EPILOG = """examples:
  emoshift animate photo.jpg "Turn this face from disgust to happiness" --out out.mp4 --glb --csv
  emoshift animate astronaut "She goes from slightly sad to extremely happy" --seconds 6 --timing linear
  emoshift animate "from anger to surprise" --out head.glb --csv    (no photo: neutral head, 3D only)
  emoshift animate a.jpg b.jpg --instructions lines.txt --out results/ --workers 2
  emoshift animate talk.mp4 "Make her go from calm to furious" --out angry.mp4   (a video: speech, pose, audio kept)
  emoshift animate                                                   (the packaged photo and instruction)
"""


@dataclass(frozen=True)
class RunSettings:
    """What one ``animate`` run shares between its jobs (and sends to each worker process)."""

    options: AnimateOptions
    generator: str = "auto"
    checkpoint: str | None = None
    progress: bool = False
    video: Any = None  # video in (issue 17): emoshift.cli.video_jobs.VideoSettings


# ------------------------------------------------------------------------------------------- running

_PIPELINE = None


def _get_pipeline(settings: RunSettings):
    global _PIPELINE
    if _PIPELINE is None:
        from emoshift.pipeline import Pipeline

        _PIPELINE = Pipeline.load(generator=settings.generator, checkpoint=settings.checkpoint,
                                  options=settings.options)  # fmt: skip
    return _PIPELINE


def _init_worker(settings: RunSettings, threads: int) -> None:
    import warnings

    from emoshift.threads import limit_threads

    limit_threads(threads)
    warnings.simplefilter("ignore")
    _get_pipeline(settings)


def face_notes(summary: dict) -> list[str]:
    """The CLI's words for the face choice: which of several faces was used, a face cut off at the edge."""
    face = summary.get("face")
    if not face:
        return []
    notes = []
    if face["found"] > 1:
        which = "the largest" if face["index"] == 0 else f"number {face['index']} by size, 0 = largest"
        notes.append(f"{face['found']} faces found; animated face {face['index']} ({which}); --face N picks another")
    if face["cut_off"]:
        notes.append(face["edge_note"])
    return notes


class _NoBar:
    """What ``run_job`` calls on its bar of stages, doing nothing (``--quiet``)."""

    def set_description(self, desc: str) -> None:
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _stage_bar(total: int, progress: bool):
    """The bar of a job's stages: tqdm's, or without ``progress`` a silent stand-in (a quiet run does not
    import tqdm: 20-40 ms, with importlib.metadata and multiprocessing)."""
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="loading models", unit="step", leave=False)


def run_job(job: Job, settings: RunSettings, isolate: bool = True) -> JobResult:
    """Run one job; user errors (and with ``isolate`` crashes too) become a failed JobResult."""
    import warnings

    from emoshift.io import user_error_types

    if job.image is not None and _is_video(job.image):  # video in (issue 17): emoshift.videoin
        from emoshift.cli.video_jobs import run_video_job

        return run_video_job(job, settings, _get_pipeline, isolate)
    t0 = time.perf_counter()
    opts = settings.options
    n_out = len(job.outputs) * opts.samples
    stages = _stage_bar(2 + n_out, settings.progress)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = _get_pipeline(settings)
            stages.set_description("fit, plan, render")
            stages.update()
            result = pipe.animate(job.image, job.parsed or job.instruction, opts, progress=settings.progress)
            stages.update()
        written = write_all(pipe, result, job, opts.samples, stages)
        stages.close()
        s = result.summary()
        msg = f"{' -> '.join(s['anchors'])}; {s['frames']} frames, {s['seconds']:.1f} s; planner: {s['generator']}"
        return JobResult(job, True, msg, time.perf_counter() - t0, written, s)
    except user_error_types() as err:
        stages.close()
        text = err.cli_text() if hasattr(err, "cli_text") else str(err)  # an option named the CLI's way
        return JobResult(job, False, text, time.perf_counter() - t0)
    except Exception as err:  # isolate crashes: report, keep going
        stages.close()
        if not isolate:
            raise
        return JobResult(job, False, f"internal error: {err.__class__.__name__}: {err}", time.perf_counter() - t0)


def write_all(pipe, result, job: Job, samples: int, stages) -> list[str]:
    """Write every output of every variant under temporary names, then rename them together: a run
    leaves all of its outputs or none (full disk, a failing writer, Ctrl+C, SIGTERM)."""
    from emoshift.outputs import OutputSet

    with OutputSet() as outs:
        finals = []
        for k, variant in enumerate(result.variants):
            for kind, path in job.outputs.items():
                p = variant_paths(path, samples)[k]
                stages.set_description(f"writing {p.name}")
                outs.write(p, lambda tmp, v=variant, f=FOLDER_KINDS.get(kind): pipe.save(v, tmp, force=True, kind=f))
                stages.update()
                finals.append(str(p))
        outs.commit()
    return finals


def summary_table(results: list[JobResult]) -> str:
    """A plain-text table: job, image, instruction, status, seconds, main output."""
    rows = [("#", "image", "instruction", "status", "s", "output / error")]
    from emoshift.checks import terminal_safe

    for r in results:
        ins = terminal_safe(r.job.instruction)  # escape sequences in a text file must not reach the terminal
        ins = ins if len(ins) <= 36 else ins[:33] + "..."
        rows.append(
            (
                str(r.job.index),
                terminal_safe(Path(r.job.image).name) if r.job.image else "(none)",
                ins,
                "ok" if r.ok else "FAILED",
                f"{r.seconds:.1f}",
                terminal_safe((r.written[0] if r.written else "") if r.ok else r.message),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5] for row in rows]
    lines.insert(1, "-" * min(120, len(lines[0]) + 10))
    ok = sum(r.ok for r in results)
    lines.append(f"{ok} of {len(results)} jobs succeeded")
    return "\n".join(lines)


def options_from_args(args: argparse.Namespace) -> AnimateOptions:
    """The command line's animation options, validated (UserError names the option)."""
    try:
        return AnimateOptions(fps=args.fps, seconds=args.seconds, timing=args.timing, neutral=args.neutral,
                              intensity=args.intensity, samples=args.samples, seed=args.seed, face=args.face,
                              max_side=args.max_side, crop=args.crop)  # fmt: skip
    except UserError as err:
        raise UserError(f"--{str(err).replace('_', '-')}") from None


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)  # cheap checks first: options, paths, the instruction
    jobs = plan_jobs(args)
    check_memory_early(jobs, options)
    from emoshift.cli import show_progress

    if args.model:  # missing, empty or not a checkpoint: said before the models load
        from emoshift.models.generator import check_checkpoint

        check_checkpoint(args.model)
    from emoshift.cli.video_jobs import video_settings  # video in (issue 17)

    settings = RunSettings(options, args.generator, args.model, progress=show_progress(args.quiet) and len(jobs) == 1,
                           video=video_settings(args))  # fmt: skip
    if len(jobs) == 1:
        job = jobs[0]
        if job.image is not None and not _is_video(job.image):  # the render path readied beside the fit
            from emoshift.cli import preload

            preload.start()
        from emoshift.planning import Instruction
        from emoshift.text.parser import parse_instruction

        job.parsed = Instruction(job.instruction, parse_instruction(job.instruction))  # before the models load
        res = run_job(job, settings, isolate=False)
        if not res.ok:
            raise UserError(res.message)
        if args.json == "-":
            print(json.dumps(result_record(res)))
        elif not args.quiet:
            print(f"wrote {', '.join(res.written)} ({res.message}; {res.seconds:.1f} s)")
        if not args.quiet:
            notes = [job.parsed.parsed.note, *face_notes(res.summary or {}), *(res.summary or {}).get("notes", [])]
            for note in filter(None, notes):
                print(f"emoshift: note: {note}", file=sys.stderr)
        return 0
    results = run_batch(jobs, settings, args.workers, args.quiet)
    if args.json == "-":
        print(json.dumps([result_record(r) for r in results], indent=1))
    else:
        print(summary_table(results))
    return 0 if all(r.ok for r in results) else 1


def result_record(r: JobResult) -> dict:
    """A job's outcome for ``--json -`` (scripts): inputs, ok, error, written files, plan and timings."""
    return {"image": r.job.image, "instruction": r.job.instruction, "ok": r.ok, "error": None if r.ok else r.message,
            "seconds": round(r.seconds, 3), "written": r.written, "summary": r.summary}  # fmt: skip


def run_batch(jobs: list[Job], settings: RunSettings, workers: int | None, quiet: bool) -> list[JobResult]:
    """Run jobs in a process pool (``workers`` processes, each loading the pipeline once)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    from tqdm import tqdm

    cpus = os.cpu_count() or 1
    n = max(1, min(workers or min(2, cpus), len(jobs)))
    results: list[JobResult] = []
    from emoshift.cli import show_progress

    bar = tqdm(total=len(jobs), desc="animate", unit="job", disable=not show_progress(quiet))
    if n == 1:
        for job in jobs:
            results.append(run_job(job, settings))
            bar.update()
    else:
        threads = max(1, cpus // n)
        ctx = get_context("spawn")
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                 initargs=(settings, threads)) as pool:  # fmt: skip
            futures = {pool.submit(run_job, job, settings): job for job in jobs}
            try:
                for fut in as_completed(futures):
                    try:
                        results.append(fut.result())
                    except Exception as err:  # a worker died (e.g. out of memory)
                        results.append(JobResult(futures[fut], False, f"worker failed: {err.__class__.__name__}", 0.0))
                    bar.update()
            except KeyboardInterrupt:  # Ctrl+C / SIGTERM: stop the workers, remove what they had staged
                from emoshift.outputs import remove_staged

                for proc in list(getattr(pool, "_processes", {}).values()):
                    proc.terminate()
                pool.shutdown(wait=True, cancel_futures=True)
                for folder in {p.parent for job in jobs for p in job.outputs.values()}:
                    remove_staged(folder)
                raise
    bar.close()
    return sorted(results, key=lambda r: r.job.index)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "animate",
        help="animate a face photo through the expressions an instruction names",
        description="Fit the head model to a photo, plan the expressions an instruction names, and write the "
        "animation (video, .glb, curves, contact sheet). Several images or --instructions run as a batch.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="IMAGE... INSTRUCTION",
                   help="photo(s) (or 'astronaut', 'grace_hopper'), then the instruction in quotes")  # fmt: skip
    p.add_argument("--instructions", metavar="FILE", help="a text file with one instruction per line (batch)")
    p.add_argument("--out", help="video (.mp4/.gif), or .glb/.csv/.json; a folder for a batch "
                   "(default animation.mp4, or animation.glb without a photo)")  # fmt: skip
    for kind, what in [("glb", "3D head with morph-target animation (.glb)"), ("csv", "Live Link Face CSV"),
                       ("json", "per-frame blendshape weights (.json)"), ("sheet", "contact sheet (.png/.jpg)"),
                       ("frames", "folder of PNG frames"), ("meshes", "folder of per-frame OBJ meshes")]:  # fmt: skip
        p.add_argument(f"--{kind}", nargs="?", const="auto", metavar="PATH", help=f"also write a {what}; "
                       "alone: beside --out" + ("; '-': print a JSON summary on stdout (scripts)" if kind == "json"
                                                else ""))  # fmt: skip
    d = AnimateOptions()
    p.add_argument("--fps", type=float, default=d.fps, help=f"frames per second, {describe_range('fps')} (default 30)")
    p.add_argument("--seconds", type=float,
                   help=f"total duration, {describe_range('seconds')} (default: 1 s per transition + holds)")  # fmt: skip
    p.add_argument("--timing", choices=TIMINGS, default=d.timing,
                   help="natural: holds, eased transitions, blinks; linear: the paper's interpolation")  # fmt: skip
    p.add_argument("--neutral", action=argparse.BooleanOptionalAction, default=True,
                   help="pass through a neutral face between two emotions (default on)")  # fmt: skip
    p.add_argument("--intensity", type=float, default=d.intensity,
                   help=f"scale of every planned expression's weights, {describe_range('intensity')} (default 1; "
                        "0 = a neutral face, not the photo's own expression)")  # fmt: skip
    p.add_argument("--samples", type=int, default=d.samples, metavar="K",
                   help=f"write K different generated variants (out-1.mp4 ... out-K.mp4), {describe_range('samples')}")  # fmt: skip
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed, {describe_range('seed')} (default 0)")
    p.add_argument("--face", type=int, metavar="N",
                   help="which face to animate, by size: 0 = the largest (default), 1 = the next ...")  # fmt: skip
    p.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE, metavar="PX",
                   help=f"limit the photo's long side to PX pixels, {describe_range('max_side')} (default {DEFAULT_MAX_SIDE}); "
                   "frames are rendered at that size")  # fmt: skip
    p.add_argument("--crop", choices=CROPS, default=d.crop,
                   help="face: a square around the face (videos, frames, sheets); none: the whole photo (default)")  # fmt: skip
    p.add_argument("--generator", choices=["auto", "generator", "prototype"], default="auto",
                   help="the trained generator, FACS prototypes, or auto (trained if installed)")  # fmt: skip
    p.add_argument("--model", metavar="CHECKPOINT",
                   help="a trained generator checkpoint (emoshift train) instead of the shipped one")  # fmt: skip
    p.add_argument("--workers", type=int, help="processes for a batch (default min(2, CPUs))")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors (and a batch's table)")
    from emoshift.cli.video_jobs import add_video_options  # video in (issue 17)

    add_video_options(p)
    p.set_defaults(func=run)
