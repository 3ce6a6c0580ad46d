"""What a job request must pass at submit, before it takes a queue slot: the pipeline's own checks, run early.

* :func:`read_upload`: an uploaded photo is written to the work folder just long enough for the pipeline's
  reader (:func:`emoshift.fitting.image.load_image`) to check its header (a readable image format, the
  pixel limits) and decode it (a truncated file fails here), then limited to ``max_side`` by the pipeline's
  own downscaler: the array is what the job animates, so the photo is decoded once. A refusal is 400 (not
  an image, unreadable) or 413 (too many pixels), said of "the uploaded photo".
* :func:`check_frames`: the clip's frames (their exact count: the trajectory stage run on a dry plan of
  the instruction) against the pipeline's frame memory budget (:func:`emoshift.pipeline.check_frame_budget`);
  refused with 400 and the remedies the page offers (:func:`frames_refusal`, also used for the budget
  error a job with ``crop=face`` can only meet after its fit).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from emoshift.io import UserError
from emoshift.options import AnimateOptions


class UserFacingError(Exception):
    """A request problem shown to the user (HTTP status + one line)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


#: The image reader's messages about a file (:mod:`emoshift.fitting.image`; ``{path}`` is the file) ->
#: (HTTP status, the same said of an upload). Any other message has the path replaced (400).
READER_MESSAGES = (
    (r"image is too large (.*); downscale it first: {path}", 413,
     r"the uploaded photo is too large \1; downscale it first"),
    (r"not a readable image: {path}.*", 400, "the uploaded file is not a readable image"),
    (r"cannot read image {path}: (.*)", 400, r"cannot read the uploaded photo: \1"),
)  # fmt: skip
#: What the page offers against a clip over the frame budget (the last one only without crop=face).
FRAME_REMEDIES = ("shorten the duration", "lower the frame rate", "choose crop to the face")


def upload_refusal(message: str, path: Path) -> tuple[int, str]:
    """(HTTP status, message) for the reader's ``message`` about the upload written to ``path``."""
    for pattern, status, said in READER_MESSAGES:
        found = re.fullmatch(pattern.format(path=re.escape(str(path))), message)
        if found:
            return status, found.expand(said)
    return 400, message.replace(str(path), "the uploaded photo")


def read_upload(data: bytes, folder: Path, max_side: int) -> np.ndarray:
    """The uploaded image ``data`` as the pipeline reads a photo: (H, W, 3) uint8, long side at most
    ``max_side``. :class:`UserFacingError` (400 / 413) when it is no image, unreadable or too large."""
    from emoshift.fitting.image import limit_size, load_image

    tmp = Path(folder) / f"upload-{uuid.uuid4().hex}"
    try:
        tmp.write_bytes(data)
        photo = load_image(tmp)  # the header first (format, pixel limits), then the bounded decode
    except UserError as err:
        raise UserFacingError(*upload_refusal(str(err), tmp)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return limit_size(photo, max_side)[0]


def planned_frames(instruction: Any, opts: AnimateOptions) -> int:
    """Frames the pipeline will render for ``instruction`` (a parsed :class:`~emoshift.planning.Instruction`):
    the trajectory stage on a plan with the real one's anchors (source, each emotion, the neutral faces
    ``opts.neutral`` puts between them) but zero expressions, times ``opts.samples`` variants."""
    from emoshift.pipeline import build_trajectory
    from emoshift.planning import make_plan

    m = len(instruction.parsed.emotions)
    dry = SimpleNamespace(parsed=instruction.parsed, expressions=np.zeros((m, 53), np.float32),
                          rotations=np.zeros((m, 3), np.float32))  # fmt: skip
    zero = (np.zeros(53, np.float32), np.zeros(3, np.float32))
    plan = make_plan(instruction.text, dry, *zero, zero if opts.neutral else None, "dry run")
    traj = build_trajectory(plan, fps=opts.fps, seconds=opts.seconds, timing=opts.timing,
                            intensity=opts.intensity, seed=opts.seed)  # fmt: skip
    return len(traj.times) * opts.samples


def frames_refusal(err: Any, crop: str) -> str:
    """The frame-budget message (a :class:`emoshift.pipeline.FrameBudgetError`) with the page's remedies
    instead of the CLI's (no crop once it is chosen)."""
    *first, last = FRAME_REMEDIES[:2] if crop == "face" else FRAME_REMEDIES
    return f"{err.need}; {', '.join(first)}{',' if len(first) > 1 else ''} or {last}"


def check_frames(instruction: Any, opts: AnimateOptions, shape: tuple[int, ...]) -> None:
    """400 now when the clip's frames of ``shape`` (the photo as read) would exceed the pipeline's budget.
    With ``crop=face`` the frames are the face's box, known after the fit: the job checks them then."""
    from emoshift.pipeline import FrameBudgetError, check_frame_budget

    if opts.crop == "face":
        return
    try:
        check_frame_budget(planned_frames(instruction, opts), shape)
    except FrameBudgetError as err:
        raise UserFacingError(400, frames_refusal(err, opts.crop)) from None
