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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from emoshift.io import UserError, writable_parent

EXTRA_SUFFIX = {"glb": ".glb", "csv": ".csv", "json": ".json", "sheet": ".png", "frames": ""}
MAX_INSTRUCTIONS = 1000

EPILOG = """examples:
  emoshift animate photo.jpg "Turn this face from disgust to happiness" --out out.mp4 --glb --csv
  emoshift animate astronaut "She goes from slightly sad to extremely happy" --seconds 6 --timing linear
  emoshift animate "from anger to surprise" --out head.glb --csv    (no photo: neutral head, 3D only)
  emoshift animate a.jpg b.jpg --instructions lines.txt --out results/ --workers 2
  emoshift animate                                                   (the packaged photo and instruction)
"""


@dataclass
class Job:
    """One (image, instruction) pair and where its outputs go (``outputs``: kind -> path)."""

    image: str | None
    instruction: str
    outputs: dict[str, Path]
    index: int = 0


@dataclass
class JobResult:
    job: Job
    ok: bool
    message: str
    seconds: float
    written: list[str] = field(default_factory=list)
    summary: dict | None = None


# ------------------------------------------------------------------------------------------- planning


def slug(text: str, n: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:n].strip("-") or "x"


def split_positionals(args: argparse.Namespace) -> tuple[list[str | None], list[str]]:
    """-> (images, instructions). Without --instructions the last positional is the instruction."""
    pos = list(args.inputs)
    if args.instructions:
        try:
            lines = Path(args.instructions).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise UserError(f"cannot read instructions file {args.instructions}: {err.__class__.__name__}") from None
        instructions = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        if not instructions:
            raise UserError(f"{args.instructions} has no instructions (one per line)")
        if len(instructions) > MAX_INSTRUCTIONS:
            raise UserError(f"{args.instructions} has {len(instructions)} instructions; at most {MAX_INSTRUCTIONS}")
        images = pos
    elif not pos:
        from emoshift.pipeline import DEFAULT_INSTRUCTION

        images, instructions = ["astronaut"], [DEFAULT_INSTRUCTION]
    else:
        images, instructions = pos[:-1], [pos[-1]]
        if len(pos) == 1 and _looks_like_image(pos[0]):
            raise UserError(f'give an instruction after the image, e.g. emoshift animate {pos[0]} "from sad to happy"')
    from emoshift.fitting.image import check_image_path

    for im in images:
        if not _is_sample(im):
            check_image_path(im)  # missing, a directory, empty, unreadable, too large: before any model loads
    return (images or [None]), instructions


def _is_sample(name: str) -> bool:
    from emoshift.pipeline import SAMPLE_PHOTOS

    return name in SAMPLE_PHOTOS and not Path(name).exists()


def _looks_like_image(text: str) -> bool:
    return Path(text).suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff") or (
        Path(text).is_file()
    )


def plan_jobs(args: argparse.Namespace) -> list[Job]:
    """All jobs with their output paths, every path checked before any work starts."""
    images, instructions = split_positionals(args)
    extras = {k: getattr(args, k) for k in EXTRA_SUFFIX if getattr(args, k) not in (None, "-")}
    pairs = [(im, ins) for im in images for ins in instructions]
    jobs: list[Job] = []
    if len(pairs) == 1:
        image, instruction = pairs[0]
        out = Path(args.out or ("animation.mp4" if image is not None else "animation.glb"))
        outputs = {"out": out}
        for kind, value in extras.items():
            outputs[kind] = out.with_suffix(EXTRA_SUFFIX[kind]) if value == "auto" else Path(value)
            if kind == "frames" and value == "auto":
                outputs[kind] = out.with_name(out.stem + "_frames")
        jobs.append(Job(image, instruction, outputs))
    else:
        folder = Path(args.out or "animations")
        if folder.suffix:
            raise UserError(f"with {len(pairs)} jobs --out is a folder, got {folder}")
        created = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return _plan_batch(args, pairs, folder, extras)
        except BaseException:
            if created and not any(folder.iterdir()):
                folder.rmdir()  # a bad option leaves no empty output folder
            raise
    return _check_jobs(args, jobs)


def _plan_batch(args: argparse.Namespace, pairs: list, folder: Path, extras: dict) -> list[Job]:
    jobs: list[Job] = []
    for i, (image, instruction) in enumerate(pairs):
        stem = f"{Path(image).stem if image else 'head'}_{i:02d}_{slug(instruction, 30)}"
        main = folder / (stem + (".mp4" if image is not None else ".glb"))
        outputs = {"out": main}
        for kind in extras:
            outputs[kind] = folder / (stem + ("_frames" if kind == "frames" else EXTRA_SUFFIX[kind]))
        jobs.append(Job(image, instruction, outputs, i))
    return _check_jobs(args, jobs)


def _check_jobs(args: argparse.Namespace, jobs: list[Job]) -> list[Job]:
    from emoshift.io import check_output
    from emoshift.pipeline import SUFFIXES

    seen: set[Path] = set()
    for job in jobs:
        for kind, path in job.outputs.items():
            if job.image is None and (kind in ("frames", "sheet") or path.suffix.lower() in (".mp4", ".gif", "")):
                raise UserError(f"{path}: videos, frames and sheets need a photo; without one write .glb, .csv or .json")
            for p in variant_paths(path, args.samples):
                if p in seen:
                    raise UserError(f"two outputs would be written to {p}")
                seen.add(p)
                if kind == "frames":
                    check_folder_output(p, args.force)
                else:
                    check_output(p, SUFFIXES, force=args.force)
    return jobs


def check_memory_early(jobs: list[Job], args: argparse.Namespace) -> None:
    """With --seconds the frame count is known before any model loads: refuse a clip over the frame
    budget now (from the image headers), not after the fit."""
    if args.seconds is None:
        return
    import math

    from emoshift.fitting.image import image_size
    from emoshift.pipeline import MAX_SIDE, check_frame_budget
    from emoshift.samples import sample_photo

    n = math.ceil(args.fps * args.seconds) * args.samples
    for image in {j.image for j in jobs if j.image is not None}:
        w, h = sample_photo(image).shape[1::-1] if _is_sample(image) else image_size(image)
        s = min(1.0, MAX_SIDE / max(w, h))
        check_frame_budget(n, (max(1, round(h * s)), max(1, round(w * s)), 3))


def check_folder_output(path: Path, force: bool) -> None:
    """A folder output: its parent exists and is writable; an existing one needs ``force``."""
    writable_parent(path)
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it")


def variant_paths(path: Path, samples: int) -> list[Path]:
    """``out.mp4`` for one sample; ``out-1.mp4 .. out-K.mp4`` for K samples."""
    if samples <= 1:
        return [path]
    return [path.with_name(f"{path.stem}-{k + 1}{path.suffix}") for k in range(samples)]


# ------------------------------------------------------------------------------------------- running

_PIPELINE = None


def _get_pipeline(generator: str, seed: int):
    global _PIPELINE
    if _PIPELINE is None:
        from emoshift.pipeline import Pipeline

        _PIPELINE = Pipeline.load(seed=seed, generator=generator)
    return _PIPELINE


def _init_worker(generator: str, seed: int, threads: int) -> None:
    import warnings

    import torch

    torch.set_num_threads(threads)
    warnings.simplefilter("ignore")
    _get_pipeline(generator, seed)


def run_job(job: Job, opts: dict, isolate: bool = True) -> JobResult:
    """Run one job; user errors (and with ``isolate`` crashes too) become a failed JobResult."""
    import warnings

    from emoshift.cli import user_error_types

    from tqdm import tqdm

    t0 = time.perf_counter()
    n_out = len(job.outputs) * opts["samples"]
    stages = tqdm(total=2 + n_out, desc="loading models", unit="step", leave=False, disable=not opts["progress"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = _get_pipeline(opts["generator"], opts["seed"])
            stages.set_description("fit, plan, render")
            stages.update()
            result = pipe.animate(
                job.image,
                job.instruction,
                seed=opts["seed"],
                fps=opts["fps"],
                seconds=opts["seconds"],
                timing=opts["timing"],
                neutral=opts["neutral"],
                intensity=opts["intensity"],
                samples=opts["samples"],
                progress=opts["progress"],
            )
            stages.update()
        written = write_all(result, job, opts["samples"], stages)
        stages.close()
        s = result.summary()
        msg = f"{' -> '.join(s['anchors'])}; {s['frames']} frames, {s['seconds']:.1f} s; planner: {s['generator']}"
        return JobResult(job, True, msg, time.perf_counter() - t0, written, s)
    except user_error_types() as err:
        stages.close()
        return JobResult(job, False, str(err), time.perf_counter() - t0)
    except Exception as err:  # isolate crashes: report, keep going
        stages.close()
        if not isolate:
            raise
        return JobResult(job, False, f"internal error: {err.__class__.__name__}: {err}", time.perf_counter() - t0)


def write_all(result, job: Job, samples: int, stages) -> list[str]:
    """Write every output of every variant under temporary names, then rename them together: a run
    leaves all of its outputs or none (full disk, a failing writer, Ctrl+C, SIGTERM)."""
    from emoshift.outputs import OutputSet

    with OutputSet() as outs:
        finals = []
        for k, variant in enumerate(result.variants):
            for path in job.outputs.values():
                p = variant_paths(path, samples)[k]
                stages.set_description(f"writing {p.name}")
                outs.write(p, lambda tmp, v=variant: v.save(tmp, force=True))
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


def run(args: argparse.Namespace) -> int:
    from emoshift.checks import check_seed
    from emoshift.pipeline import check_options

    check_seed(args.seed)  # every option is checked before the batch folder is made or a model loads
    check_options(args.fps, args.seconds, args.timing, args.intensity, args.samples)
    jobs = plan_jobs(args)
    check_memory_early(jobs, args)
    opts = dict(
        generator=args.generator,
        seed=args.seed,
        fps=args.fps,
        seconds=args.seconds,
        timing=args.timing,
        neutral=args.neutral,
        intensity=args.intensity,
        samples=args.samples,
        progress=not args.quiet and len(jobs) == 1,
    )
    if len(jobs) == 1:
        from emoshift.text.parser import parse_instruction

        parse_instruction(jobs[0].instruction)  # bad text fails before the models load
        res = run_job(jobs[0], opts, isolate=False)
        if not res.ok:
            raise UserError(res.message)
        if args.json == "-":
            print(json.dumps(result_record(res)))
        elif not args.quiet:
            print(f"wrote {', '.join(res.written)} ({res.message}; {res.seconds:.1f} s)")
        return 0
    results = run_batch(jobs, opts, args.workers, args.quiet)
    if args.json == "-":
        print(json.dumps([result_record(r) for r in results], indent=1))
    else:
        print(summary_table(results))
    return 0 if all(r.ok for r in results) else 1


def result_record(r: JobResult) -> dict:
    """A job's outcome for ``--json -`` (scripts): inputs, ok, error, written files, plan and timings."""
    return {"image": r.job.image, "instruction": r.job.instruction, "ok": r.ok, "error": None if r.ok else r.message,
            "seconds": round(r.seconds, 3), "written": r.written, "summary": r.summary}  # fmt: skip


def run_batch(jobs: list[Job], opts: dict, workers: int | None, quiet: bool) -> list[JobResult]:
    """Run jobs in a process pool (``workers`` processes, each loading the pipeline once)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    from tqdm import tqdm

    cpus = os.cpu_count() or 1
    n = max(1, min(workers or min(2, cpus), len(jobs)))
    results: list[JobResult] = []
    bar = tqdm(total=len(jobs), desc="animate", unit="job", disable=quiet)
    if n == 1:
        for job in jobs:
            results.append(run_job(job, opts))
            bar.update()
    else:
        threads = max(1, cpus // n)
        ctx = get_context("spawn")
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker,
                                 initargs=(opts["generator"], opts["seed"], threads)) as pool:  # fmt: skip
            futures = {pool.submit(run_job, job, opts): job for job in jobs}
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
                       ("frames", "folder of PNG frames")]:  # fmt: skip
        p.add_argument(f"--{kind}", nargs="?", const="auto", metavar="PATH", help=f"also write a {what}; "
                       "alone: beside --out" + ("; '-': print a JSON summary on stdout (scripts)" if kind == "json"
                                                else ""))  # fmt: skip
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument("--seconds", type=float, help="total duration (default: 1 s per transition + holds)")
    p.add_argument("--timing", choices=["natural", "linear"], default="natural",
                   help="natural: holds, eased transitions, blinks; linear: the paper's interpolation")  # fmt: skip
    p.add_argument("--neutral", action=argparse.BooleanOptionalAction, default=True,
                   help="pass through a neutral face between two emotions (default on)")  # fmt: skip
    p.add_argument("--intensity", type=float, default=1.0, help="scale of every expression change, 0..2 (default 1)")
    p.add_argument("--samples", type=int, default=1, metavar="K",
                   help="write K different generated variants (out-1.mp4 ... out-K.mp4)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--generator", choices=["auto", "generator", "prototype"], default="auto",
                   help="the trained generator, FACS prototypes, or auto (trained if installed)")  # fmt: skip
    p.add_argument("--workers", type=int, help="processes for a batch (default min(2, CPUs))")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors (and a batch's table)")
    p.set_defaults(func=run)
