"""Apex renders of emotions through the public API, as a user gets them; shared by bench_legibility and the
blind-panel kit (panel_make).

For a photo and an emotion: ``Pipeline.load().animate(photo, "Make this face look {adjective}.", seed)``;
the apex frame is the trajectory's anchor frame of that emotion (``trajectory.anchor_frames`` at the index
of the emotion in ``plan.labels``), and its expression is ``trajectory.expression`` at that frame. The face
crop is a square around the source fit's detected landmarks (the same box for the photo and all its
renders), so crops of one photo line up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EMOTIONS8 = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
"""Columns of the contact sheet (neutral last)."""
ADJECTIVE = {
    "anger": "angry",
    "contempt": "contemptuous",
    "disgust": "disgusted",
    "fear": "afraid",
    "happiness": "happy",
    "sadness": "sad",
    "surprise": "surprised",
    "neutral": "neutral",
}
PHOTOS_DIR = Path(__file__).resolve().parents[2] / "shared" / "photos"
"""The shared development photos beside the checkout (never copied into the repository)."""
SAMPLES = ("astronaut", "grace_hopper")


def instruction(emotion: str) -> str:
    return f"Make this face look {ADJECTIVE[emotion]}."


def list_photos(folder: str | Path | None, quick: bool = False, samples: bool = True) -> list[tuple[str, str]]:
    """(name, source) pairs: the JPEG/PNG files of ``folder`` (sorted; with ``quick`` every third one)
    and, with ``samples``, the two sample photos by name (the API resolves them)."""
    folder = Path(folder) if folder else PHOTOS_DIR
    if not folder.is_dir():
        raise SystemExit(f"photo folder not found: {folder} (pass --photos DIR)")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if quick:
        files = files[::3]
    out = [(p.stem, str(p)) for p in files]
    return out + [(s, s) for s in SAMPLES] if samples else out


class FitOnce:
    """Wraps a fitter so that each distinct photo is fitted once (animate fits on every call)."""

    def __init__(self, fitter) -> None:
        self.fitter, self.cache = fitter, {}
        self.min_face_px = getattr(fitter, "min_face_px", None)

    def fit(self, image: np.ndarray):
        key = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape)
        if key not in self.cache:
            self.cache[key] = self.fitter.fit(image)
        return self.cache[key]


def load_pipeline(generator: str = "auto"):
    """``Pipeline.load`` with the fit of each photo cached (identical results, fewer fits)."""
    from emoshift.pipeline import Pipeline

    pipe = Pipeline.load(generator=generator)
    pipe.fitter = FitOnce(pipe.fitter)
    return pipe


@dataclass
class Apex:
    """One apex render: the full frame, the (53,) expression at that frame, the anchor frame index."""

    emotion: str
    frame: np.ndarray
    expression: np.ndarray
    index: int
    generator: str


def render_apex(pipe, photo: np.ndarray, emotion: str, seed: int) -> Apex:
    """The apex frame of ``emotion`` animated from ``photo`` by the public API."""
    res = pipe.animate(photo, instruction(emotion), seed=seed)
    k = list(res.plan.labels).index(emotion)
    i = int(res.trajectory.anchor_frames[k])
    return Apex(emotion, res.frames[i], np.asarray(res.trajectory.expression[i], np.float32), i, res.plan.generator)
