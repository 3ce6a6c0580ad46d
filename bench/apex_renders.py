"""Apex renders of emotions through the public API, as a user gets them; shared by bench_legibility and the
blind-panel kit (panel_make).

For a photo and an emotion: ``Pipeline.load().animate(photo, "Make this face look {adjective}.", seed)``;
the apex frame is the trajectory's anchor frame of that emotion (``trajectory.anchor_frames`` at the index
of the emotion in ``plan.labels``), and its expression is ``trajectory.expression`` at that frame
(:func:`render_apex`).

:class:`ApexRenderer` gives the same frame for a fraction of the cost (the benches run on 2 shared cores):
it runs the stages ``animate`` runs (parse, read_photo, fit, plan, make_trajectory with ``animate``'s own
defaults: the pipeline's AnimateOptions) and renders only the anchor frame with the pipeline's renderer, built
once per photo (the reenactor renders each frame independently of the rest of its batch). Its
:meth:`ApexRenderer.check` compares one emotion's frame with the full ``animate``'s, pixel for pixel; the
benches run it and record the result.
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
#: The emotion name of the reconstruction in the benches' loops (:meth:`ApexRenderer.posed`).
RECON = "recon"


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

    def fit(self, image: np.ndarray, face: int | None = None):
        key = hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest() + str(image.shape) + str(face)
        if key not in self.cache:
            self.cache[key] = self.fitter.fit(image, face=face)
        return self.cache[key]


def add_photo_args(ap, quick_help: str = "every third photo of the folder plus the two samples") -> None:
    """The photo-set options of the apex benches: --photos, --quick, --seed (read by :func:`list_photos`)."""
    ap.add_argument("--photos", default=None, help="folder of photos (default ../shared/photos beside the checkout)")
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--seed", type=int, default=0)


def load_pipeline(generator: str = "auto"):
    """``Pipeline.load`` with the fit of each photo cached (identical results, fewer fits)."""
    from emoshift.pipeline import Pipeline

    pipe = Pipeline.load(generator=generator)
    pipe.fitter = FitOnce(pipe.fitter)
    return pipe


@dataclass
class Apex:
    """One apex render: the full frame, the (53,) expression and (3,) head rotation (axis-angle) at that
    frame, the anchor frame index."""

    emotion: str
    frame: np.ndarray
    expression: np.ndarray
    index: int
    generator: str
    rotation: np.ndarray


def render_apex(pipe, photo: np.ndarray, emotion: str, seed: int) -> Apex:
    """The apex frame of ``emotion`` animated from ``photo`` by the public API."""
    res = pipe.animate(photo, instruction(emotion), seed=seed)
    k = list(res.plan.labels).index(emotion)
    i = int(res.trajectory.anchor_frames[k])
    return Apex(emotion, res.frames[i], np.asarray(res.trajectory.expression[i], np.float32), i, res.plan.generator,
                np.asarray(res.trajectory.rotation[i], np.float32))


#: Grey levels by which the apex rendered alone may differ from the same frame in a full ``animate``
#: (the renderer's per-batch passes round a few pixels differently; 1 level is invisible).
APEX_TOLERANCE = 2


class ApexRenderer:
    """Apex frames of one photo at a time, the stages of ``Pipeline.animate`` with only the anchor rendered."""

    def __init__(self, pipe) -> None:
        self.pipe = pipe
        self.photo = self.fit = self.renderer = None

    def load(self, src) -> np.ndarray:
        """Read and fit a photo (path, sample name or array); returns it as animate renders it."""
        self.photo = self.pipe.read_photo(src)
        self.fit = self.pipe.fit(self.photo)
        self.renderer = self.pipe.renderer(self.photo, self.fit)
        return self.photo

    def apex(self, emotion: str, seed: int) -> Apex:
        opts = self.pipe.options.replace(seed=seed)  # animate's own defaults (AnimateOptions)
        ins = self.pipe.parse(instruction(emotion))
        plan = self.pipe.plan(ins, self.fit, opts)[0]
        traj = self.pipe.make_trajectory(plan, opts, opts.seed)
        i = int(traj.anchor_frames[list(plan.labels).index(emotion)])
        expr, rot = np.asarray(traj.expression), np.asarray(traj.rotation)
        frame = np.asarray(self.renderer.render_batch(expr[i : i + 1], rot[i : i + 1]), np.uint8)[0]
        return Apex(emotion, frame, expr[i].astype(np.float32), i, plan.generator, rot[i].astype(np.float32))

    def posed(self, emotion: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (53,) float32 expression, (3,) float32 rotation and frame of ``emotion``'s apex (:meth:`apex`), or
        with :data:`RECON` the reconstruction: the loaded photo's own expression and rotation (the photo)."""
        if emotion == RECON:
            expr, rot = self.renderer.source_expression, self.renderer.source_rotation
            frame = self.renderer.render(expr, rot)
        else:
            a = self.apex(emotion, seed)
            expr, rot, frame = a.expression, a.rotation, a.frame
        return np.asarray(expr, np.float32), np.asarray(rot, np.float32), frame

    def check(self, emotion: str, seed: int) -> dict:
        """The apex of ``emotion`` here vs in the full ``animate`` of the loaded photo (after other renders)."""
        mine, full = self.apex(emotion, seed), render_apex(self.pipe, self.photo, emotion, seed)
        diff = np.abs(mine.frame.astype(np.int16) - full.frame.astype(np.int16))
        return {"emotion": emotion, "same_anchor_frame": mine.index == full.index,
                "max_abs_pixel_diff": int(diff.max()),
                "identical": bool(mine.index == full.index and diff.max() <= APEX_TOLERANCE)}  # fmt: skip
