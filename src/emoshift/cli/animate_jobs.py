"""``emoshift animate``'s jobs: which (image, instruction) pairs run and where each writes, every path and
the memory a clip needs checked before any model loads."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emoshift.io import UserError, writable_parent
from emoshift.options import AnimateOptions

EXTRA_SUFFIX = {"glb": ".glb", "csv": ".csv", "json": ".json", "sheet": ".png", "frames": "", "meshes": ""}
#: Extra outputs written into a folder (no extension), with the writer that fills it.
FOLDER_KINDS = {"frames": "video", "meshes": "meshes"}
MAX_INSTRUCTIONS = 1000


@dataclass
class Job:
    """One (image, instruction) pair and where its outputs go (``outputs``: kind -> path).
    ``parsed``: the instruction already parsed (a single job is checked before the models load)."""

    image: str | None
    instruction: str
    outputs: dict[str, Path]
    index: int = 0
    parsed: Any = None


@dataclass
class JobResult:
    """How a job ended: ``ok``, a one-line ``message``, its ``seconds``, the paths ``written`` and the
    animation's ``summary``."""

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
        if not _is_sample(im) and not _is_video(im):  # video in (issue 17): probed by emoshift.videoin
            check_image_path(im)  # missing, a directory, empty, unreadable, too large: before any model loads
    return (images or [None]), instructions


def _is_video(name: str) -> bool:  # video in (issue 17)
    from emoshift.videoin import is_video_path

    return is_video_path(name)


def _is_sample(name: str) -> bool:
    from emoshift.samples import SAMPLE_PHOTOS

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
            if kind in FOLDER_KINDS and value == "auto":
                outputs[kind] = out.with_name(f"{out.stem}_{kind}")
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
            outputs[kind] = folder / (stem + (f"_{kind}" if kind in FOLDER_KINDS else EXTRA_SUFFIX[kind]))
        jobs.append(Job(image, instruction, outputs, i))
    return _check_jobs(args, jobs)


def output_suffixes(kind: str) -> tuple[str, ...]:
    """The extensions an output option takes: ``--out`` any of :mod:`emoshift.export.animation`'s, an
    extra output (``--glb``, ``--csv``, ``--json``, ``--sheet``) only its own kind's."""
    from emoshift.export.animation import SHEET_SUFFIXES, SUFFIXES

    return SUFFIXES if kind == "out" else SHEET_SUFFIXES if kind == "sheet" else (EXTRA_SUFFIX[kind],)


def _check_jobs(args: argparse.Namespace, jobs: list[Job]) -> list[Job]:
    from emoshift.io import check_output

    seen: set[Path] = set()
    for job in jobs:
        for kind, path in job.outputs.items():
            if job.image is None and (kind in ("frames", "sheet") or path.suffix.lower() in (".mp4", ".gif", "")):
                raise UserError(f"{path}: videos, frames and sheets need a photo; without one write .glb, .csv or .json")
            for p in variant_paths(path, args.samples):
                if p in seen:
                    raise UserError(f"two outputs would be written to {p}")
                seen.add(p)
                if kind in FOLDER_KINDS:
                    check_folder_output(p, args.force)
                else:
                    check_output(p, output_suffixes(kind), force=args.force, option=f"--{kind}")
    return jobs


def check_memory_early(jobs: list[Job], options: AnimateOptions) -> None:
    """With --seconds the frame count is known before any model loads: refuse a clip over the frame
    budget now (from the image headers), not after the fit."""
    if options.seconds is None:
        return
    import math

    from emoshift.fitting.image import image_size
    from emoshift.pipeline import check_frame_budget
    from emoshift.samples import sample_photo

    n = math.ceil(options.fps * options.seconds) * options.samples
    for image in {j.image for j in jobs if j.image is not None and not _is_video(j.image)}:  # video: issue 17
        w, h = sample_photo(image).shape[1::-1] if _is_sample(image) else image_size(image)
        s = min(1.0, options.max_side / max(w, h))
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
