"""The one pipeline, the paper's Fig. 2: photo -> coefficients -> plan -> trajectory -> frames.

>>> from emoshift import Pipeline
>>> pipe = Pipeline.load(seed=0)                                                    # doctest: +SKIP
>>> result = pipe.animate(photo, "Turn this face from disgust to happiness")        # doctest: +SKIP
>>> result.save("out.mp4"); result.save("out.glb"); result.save("out.csv")         # doctest: +SKIP

``photo`` is a path, a sample name (``"astronaut"``), a PIL image or an array of any dtype
(uint8, uint16, float in [0, 1], grey, RGBA). Options (:class:`~emoshift.options.AnimateOptions`) are
validated once; pass them whole (``options=``) or by name (``seconds=4``).

The stages, in the order :meth:`Pipeline.animate` runs them (each stage is a component handed to the
constructor; :meth:`Pipeline.load` wires the real ones, tests inject fakes):

1. **instruction -> parsed** ``parse(text) -> ParsedInstruction``, once, first: bad text fails before
   any expensive work; the :class:`~emoshift.planning.Instruction` (text + parse) is passed on.
2. **photo -> coefficients** ``fitter.fit(image, face) -> FaceFit``: identity (50,), expression (53,),
   head rotation (3,) axis-angle, translation (3,) cm and the camera, of face ``face`` (largest first).
   The photo is read and limited to ``max_side`` pixels once, here (frames are rendered at that size).
   Without a photo the source is the planner's neutral face on the mean identity, seen frontally.
3. **coefficients + instruction -> plan** (:mod:`emoshift.planning`): one (expression, rotation) per
   named emotion, turned into the anchors ``source -> e0 [-> neutral] -> e1 ...``. The planner's
   neutral face is asked for only when a plan uses it.
4. **plan -> trajectory** ``trajectory(plan, fps=, seconds=, timing=, intensity=, seed=) -> Trajectory``
   ((T,53) expressions, (T,3) rotations, anchor frames): transitions, holds and idle motion.
5. **trajectory -> frames** ``renderer(image, fit).render_batch(expressions, rotations) -> (T,H,W,3)``:
   the photo reenacted (with ``crop="face"``, a square around the face, the same for every frame).
   No photo -> no frames (3D outputs only).

The result (:class:`AnimationResult`) is plain data; :func:`emoshift.export.animation.save_animation`
writes it (``result.save(path)``, or :meth:`Pipeline.save` with the pipeline's writers).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from emoshift.io import UserError
from emoshift.options import AnimateOptions
from emoshift.planning import Instruction, Plan, Planner, PrototypePlanner, load_planner, make_plan, neutral_between
from emoshift.samples import DEFAULT_PHOTO, SAMPLE_PHOTOS, sample_photo  # noqa: F401 (re-exported)

#: Frames are kept in memory (for the video, the sheet and a PNG folder): at most this many bytes, so
#: that a run's peak stays under 3 GB (models, render buffers and writers on top: bench/bench_memory.py).
MAX_FRAME_BYTES = 5 * 2**28
DEFAULT_INSTRUCTION = "Turn this face from disgust to happiness"


# --------------------------------------------------------------------------------------------- components


class FaceFitter(Protocol):
    """Photo -> coefficients: ``fit(image (H, W, 3) uint8, face, name) -> FaceFit`` (``name``: how errors call the photo) (see :mod:`emoshift.fitting`:
    ``identity``, ``expression``, ``rotation``, ``translation``, ``camera``, ``landmarks_detected``,
    ``face_index``, ``faces_found``, ``cut_off``, ``crop_box()``); UserError when there is no such face."""

    def fit(self, image: np.ndarray, face: int | None = None, name: str | None = None) -> Any: ...


class FrameRenderer(Protocol):
    """``render_batch(expressions (T, 53), rotations (T, 3)) -> (T, H, W, 3) uint8``."""

    def render_batch(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray: ...


#: (image, fit) -> a renderer of that photo.
RendererFactory = Callable[[np.ndarray, Any], FrameRenderer]
#: (plan, fps=, seconds=, timing=, intensity=, seed=) -> Trajectory (expression (T,53), rotation (T,3),
#: anchor_frames, labels, fps).
TrajectoryBuilder = Callable[..., Any]


def build_trajectory(plan: Plan, **options: Any) -> Any:
    """Default trajectory stage: :func:`emoshift.trajectory.build_trajectory` through the plan's anchors."""
    from emoshift.trajectory import build_trajectory as build

    return build(plan.anchors(), **options)


class Reenact:
    """Default renderer stage: a :class:`emoshift.render.reenact.Reenactor` of the photo, sharing one
    full head model (skin, eyes, mouth interior) between calls (``model``, None until the first). The last
    photo's reenactor is kept (``last``): the variants of one animation and the .glb texture bake reuse it
    instead of building another for the same photo and fit."""

    def __init__(self) -> None:
        self.model: Any = None
        self.last: tuple[np.ndarray, Any, Any] | None = None

    def __call__(self, image: np.ndarray, fit: Any) -> FrameRenderer:
        from emoshift.render.reenact import Reenactor

        cached = self.cached(image, fit)
        if cached is not None:
            return cached
        r = Reenactor(image, fit, self._model(fit))
        self.last = (image, fit, r)
        return r

    def video_frame(self, image: np.ndarray, fit: Any) -> FrameRenderer:
        """A video's first frame's reenactor (:meth:`Reenactor.of_frame`, speaking): what
        ``self(image, fit).for_frame(image, fit, speech=True)`` returns, without building the photo's one first
        (neither kept as ``last``)."""
        from emoshift.render.reenact import Reenactor

        return Reenactor.of_frame(image, fit, self._model(fit), speech=True)

    def _model(self, fit: Any):
        """The shared full head model for ``fit``'s identity size (loaded on first use or when it changes)."""
        from emoshift.headmodel import HeadModel

        k = len(np.asarray(fit.identity).reshape(-1))
        if self.model is None or self.model.n_identity != k:
            self.model = HeadModel.load(n_identity=k, region="full")
        return self.model

    def cached(self, image: np.ndarray, fit: Any) -> Any:
        """The reenactor last built for this very ``image`` and ``fit`` (the same objects), or None."""
        if self.last is not None and self.last[0] is image and self.last[1] is fit:
            return self.last[2]
        return None


# --------------------------------------------------------------------------------------------- result


@dataclass
class AnimationResult:
    """One animation, as plain data.

    image: (H, W, 3) uint8 photo as fitted and rendered (after the ``max_side`` limit) or None.
    fit: the FaceFit (None without a photo). plan, trajectory: see :mod:`emoshift.planning`.
    frames: (T, h, w, 3) uint8 reenacted photo (the ``crop`` box of it), or None without a photo.
    crop: (x0, y0, x1, y1) of ``image`` the frames show, or None for the whole photo.
    identity: (K,) identity coefficients used for 3D exports (the fit's, or zeros).
    variants: with ``samples=K > 1``, all K results (this one is ``variants[0]``); else ``[self]``.
    timings: seconds per stage.
    """

    image: np.ndarray | None
    fit: Any
    plan: Plan
    trajectory: Any
    frames: np.ndarray | None
    identity: np.ndarray
    options: AnimateOptions
    crop: tuple[int, int, int, int] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    variants: list[AnimationResult] = field(default_factory=list, repr=False)

    @property
    def seed(self) -> int:
        return self.options.seed

    def shown_image(self) -> np.ndarray | None:
        """The photo as the frames show it (the ``crop`` box), or None."""
        if self.image is None or self.crop is None:
            return self.image
        x0, y0, x1, y1 = self.crop
        return self.image[y0:y1, x0:x1]

    def save(self, path: str | Path, force: bool = False) -> Path:
        """Write this result; the kind follows the extension (see :mod:`emoshift.export.animation`)."""
        from emoshift.export.animation import save_animation

        return save_animation(self, path, force=force)

    def summary(self) -> dict:
        """A JSON-able description (for ``--json`` output, the web app and logs)."""
        t, fit = self.trajectory, self.fit
        return {
            **self.plan.to_dict(),
            "seed": self.seed,
            "fps": float(t.fps),
            "frames": int(len(t.expression)),
            "seconds": float(len(t.expression) / t.fps),
            "anchor_frames": [int(i) for i in t.anchor_frames],
            "photo": None if self.image is None else [int(self.image.shape[1]), int(self.image.shape[0])],
            "crop": None if self.crop is None else [int(v) for v in self.crop],
            "face": None if fit is None else {"index": int(fit.face_index), "found": int(fit.faces_found),
                                              "cut_off": bool(fit.cut_off), "edge_note": fit.edge_note},  # fmt: skip
            "landmark_rmse_px": None if fit is None else float(fit.landmark_rmse_px),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


# --------------------------------------------------------------------------------------------- pipeline


class Pipeline:
    """Photo + instruction -> animation; the object the CLI, the web app and Python users call.

    Components (:meth:`load` builds the real ones):
        model: :class:`~emoshift.headmodel.HeadModel` of the 3D exports and the sheet (None: the default
            writers load it on first use, :attr:`model`).
        load_image: ``(str | Path | ndarray) -> (H, W, 3) uint8`` (:func:`emoshift.fitting.load_image`).
        fitter: :class:`FaceFitter`. parse: ``(text) -> ParsedInstruction`` (UserError on bad text).
        planner: :class:`~emoshift.planning.Planner`. trajectory: :data:`TrajectoryBuilder`.
        renderer: :data:`RendererFactory` (default :class:`Reenact`).
        writers: :class:`~emoshift.export.animation.Writers` or alike.
        options: the default :class:`~emoshift.options.AnimateOptions` of :meth:`animate` (or ``seed``).
    """

    def __init__(
        self,
        *,
        model: Any,
        load_image: Callable[[Any], np.ndarray],
        fitter: FaceFitter,
        parse: Callable[[str], Any],
        planner: Planner,
        trajectory: TrajectoryBuilder = build_trajectory,
        renderer: RendererFactory | None = None,
        writers: Any = None,
        options: AnimateOptions | None = None,
        seed: int | None = None,
        render_chunk: int = 16,
    ):
        from emoshift.export.animation import Writers

        self._model = model
        self.load_image = load_image
        self.fitter = fitter
        self.parse_text = parse
        self.planner = planner
        self.trajectory = trajectory
        self.renderer = renderer if renderer is not None else Reenact()
        self.writers = writers if writers is not None else Writers(model, self._full_model, self._renderer_of)
        self.options = (options or AnimateOptions()).replace(**({} if seed is None else {"seed": seed}))
        self.render_chunk = int(render_chunk)

    @property
    def model(self) -> Any:
        """The head model of the 3D exports and the sheet (region "head"), loaded on first use if not given."""
        if self._model is None:
            self._model = self.writers.model
        return self._model

    def _full_model(self) -> Any:
        """The default renderer's full head model (for the .glb texture), or None."""
        return self.renderer.model if isinstance(self.renderer, Reenact) else None

    def _renderer_of(self, image: np.ndarray, fit: Any) -> Any:
        """The default renderer's reenactor of this photo and fit if it built one (for the .glb texture)."""
        return self.renderer.cached(image, fit) if isinstance(self.renderer, Reenact) else None

    @property
    def generator_name(self) -> str:
        return self.planner.name

    @classmethod
    def load(
        cls, seed: int | None = None, generator: str = "auto", checkpoint: str | Path | None = None,
        options: AnimateOptions | None = None, **components: Any,
    ) -> Pipeline:  # fmt: skip
        """The real components, each loaded once.

        Args:
            generator: "auto" (the trained generator if its checkpoint is installed, else the FACS
                prototypes with a warning), "generator" (trained, or fail) or "prototype".
            checkpoint: a trained generator checkpoint (``emoshift train``) to plan with instead of the
                shipped one.
            options, seed: the default :class:`AnimateOptions` of :meth:`animate` (``seed`` overrides its seed).
            components: any constructor component to use instead of the default.
        """
        from emoshift.headmodel import HeadModel

        parts: dict[str, Any] = {}
        if "parse" not in components:
            from emoshift.text.parser import parse_instruction

            parts["parse"] = parse_instruction
        if "load_image" not in components:
            from emoshift.fitting import load_image

            parts["load_image"] = load_image
        model = components.pop("model", None)
        if model is None and not {"fitter", "renderer"} & set(components):
            # the fitter reads only the model's landmark bases, the same for every region: it shares the
            # renderer's full head model, and the head region of the 3D exports is loaded only if one is
            # written (an .mp4 alone builds one head model instead of two: bench/bench_cli.py)
            renderer = parts["renderer"] = Reenact()
            renderer.model = HeadModel.load(n_identity=50, region="full")
            fit_model = renderer.model
        else:
            model = model or HeadModel.load(n_identity=50, region="head")
            fit_model = model
        parts["model"] = model
        if "fitter" not in components:
            from emoshift.fitting import Fitter

            parts["fitter"] = Fitter(model=fit_model)  # one head model shared by every stage
        if "planner" not in components:
            parts["planner"] = load_planner(generator, None if checkpoint is None else str(checkpoint))
        parts.update(components)
        return cls(options=options, seed=seed, **parts)

    # ------------------------------------------------------------------------------------ stages

    def parse(self, instruction: str | Instruction) -> Instruction:
        """Stage 1: the instruction, parsed once (UserError on empty, emotion-less or over-long text)."""
        if isinstance(instruction, Instruction):
            return instruction
        return Instruction(str(instruction), self.parse_text(str(instruction)))

    def read_photo(self, image: Any, max_side: int | None = None) -> np.ndarray:
        """A path, a sample name (:data:`SAMPLE_PHOTOS`, unless such a file exists), a PIL image or an
        array of any dtype -> (H, W, 3) uint8, its long side limited to ``max_side`` (default: the
        pipeline's option); the one place a photo is read and downscaled."""
        return self._read_photo(image, max_side)[0]

    def _read_photo(self, image: Any, max_side: int | None = None) -> tuple[np.ndarray, float]:
        """:meth:`read_photo` and the scale of its ``max_side`` limit (1 if none)."""
        from emoshift.fitting.image import from_pil, limit_size

        if isinstance(image, str) and image in SAMPLE_PHOTOS and not Path(image).exists():
            image = sample_photo(image)
        elif hasattr(image, "getexif") and hasattr(image, "mode"):  # a PIL image
            image = from_pil(image)
        elif not isinstance(image, (str, Path, np.ndarray)):
            raise UserError(f"a photo is a path, a PIL image or an array, got {type(image).__name__}")
        return limit_size(np.asarray(self.load_image(image)), self.options.max_side if max_side is None else max_side)

    def fit(self, image: np.ndarray, face: int | None = None, name: str | None = None) -> Any:
        """Stage 2: photo -> coefficients (FaceFit) of face ``face`` (0 = largest; None = the largest).
        ``name``: how errors call the photo (its file; None: the fitter's words)."""
        return self.fitter.fit(image, face=face, name=name)

    def plan(self, instruction: Instruction, fit: Any = None, options: AnimateOptions | None = None) -> list[Plan]:
        """Stage 3: instruction (+ the fitted source face) -> ``options.samples`` plans."""
        o = options or self.options
        emotions = list(instruction.parsed.emotions)
        wants_neutral = fit is None or (o.neutral and any(neutral_between(emotions)))
        mid = self.planner.neutral(o.seed) if wants_neutral else None
        if fit is None:
            src_e, src_r = np.asarray(mid[0], np.float32), np.asarray(mid[1], np.float32)
        else:
            src_e, src_r = np.asarray(fit.expression, np.float32), np.asarray(fit.rotation, np.float32)
        generated = self.planner.generate(instruction, seed=o.seed, n_samples=o.samples)
        if len(generated) != o.samples:
            raise ValueError(f"planner returned {len(generated)} plans for {o.samples} samples")
        name = self.planner.name
        mid = mid if o.neutral else None
        view = None if fit is None else self._mouth_view(fit)
        return [make_plan(instruction.text, g, src_e, src_r, mid, name, k, view) for k, g in enumerate(generated)]

    def _mouth_view(self, fit: Any) -> Any:
        """The fitted mouth's view (:class:`emoshift.mouth_view.MouthView`) from the renderer's head model (or the
        pipeline's), or None when neither is at hand."""
        from emoshift.mouth_view import MouthView

        model = getattr(self.renderer, "model", None) or self._model  # loaded by now: no second load
        k = len(np.asarray(getattr(fit, "identity", ())).reshape(-1))
        if not hasattr(model, "lmk68_expression") or not 0 < k <= model.lmk68_identity.shape[0]:
            return None
        return MouthView.of_fit(fit, model)

    def make_trajectory(self, plan: Plan, options: AnimateOptions, seed: int) -> Any:
        """Stage 4: plan -> per-frame expressions and rotations."""
        o = options
        return self.trajectory(plan, fps=o.fps, seconds=o.seconds, timing=o.timing, intensity=o.intensity, seed=seed)

    def render(
        self, image: np.ndarray, fit: Any, trajectory: Any, progress: bool = False,
        crop: tuple[int, int, int, int] | None = None,
    ) -> np.ndarray:  # fmt: skip
        """Stage 5: trajectory -> (T, H, W, 3) uint8 frames of the photo reenacted (the ``crop`` box of them)."""
        r = self.renderer(image, fit)
        expr, rot = np.asarray(trajectory.expression), np.asarray(trajectory.rotation)
        n, step = len(expr), max(1, self.render_chunk)
        x0, y0, x1, y1 = crop or (0, 0, image.shape[1], image.shape[0])
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n, desc="render", unit="frame", leave=False)
        frames = None  # filled in place: no second copy of the clip (np.concatenate of chunks doubled the peak)
        for i in range(0, n, step):
            chunk = np.asarray(r.render_batch(expr[i : i + step], rot[i : i + step]), np.uint8)
            if crop is not None:
                chunk = chunk[:, y0:y1, x0:x1]
            if frames is None:
                frames = np.empty((n, *chunk.shape[1:]), np.uint8)
            frames[i : i + len(chunk)] = chunk
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return frames

    def save(self, result: AnimationResult, path: str | Path, force: bool = False, kind: str | None = None) -> Path:
        """Write ``result`` with this pipeline's writers (:func:`~emoshift.export.animation.save_animation`)."""
        from emoshift.export.animation import save_animation

        return save_animation(result, path, force=force, writers=self.writers, kind=kind)

    # ------------------------------------------------------------------------------------ all at once

    def animate(
        self,
        image: Any,
        instruction: str | Instruction,
        options: AnimateOptions | None = None,
        progress: bool = False,
        **changes: Any,
    ) -> AnimationResult:
        """Run every stage. ``image`` None animates the neutral head model (no frames).

        ``options`` (default: the pipeline's) with ``changes`` applied by name (``seconds=4``); with
        ``samples=K > 1`` the planner draws K variants, all in ``result.variants``.
        """
        if _is_video(image):  # video in (issue 17): emoshift.videoin
            raise UserError(f"{image} is a video: use Pipeline.animate_video(video, instruction, out)")
        opts = (options or self.options).replace(**changes)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        ins = self.parse(instruction)  # bad text fails here, before the fit
        timings["parse"] = time.perf_counter() - t0

        photo, fit, crop = None, None, None
        if image is not None:
            t = time.perf_counter()
            from emoshift.fitting.detect import FaceTooSmall

            photo = self.read_photo(image, opts.max_side)
            try:
                fit = self.fit(photo, opts.face, photo_name(image))
            except FaceTooSmall as err:  # the max_side limit made it too small: say so
                scale = self._read_photo(image, opts.max_side)[1]  # read again: only on this error
                raise err.downscaled(scale, opts.max_side, round(max(photo.shape[:2]) / scale)) from None
            timings["fit"] = time.perf_counter() - t
            warn_face_choice(fit)
            crop = fit.crop_box() if opts.crop == "face" else None
        t = time.perf_counter()
        plans = self.plan(ins, fit, opts)
        timings["plan"] = time.perf_counter() - t
        if plans[0].generator == PrototypePlanner.name:
            warnings.warn("plan made from FACS prototypes (no trained generator installed)", stacklevel=2)
        identity = np.zeros(50, np.float32) if fit is None else np.asarray(fit.identity, np.float32)

        results: list[AnimationResult] = []
        for k, plan in enumerate(plans):
            t = time.perf_counter()
            traj = self.make_trajectory(plan, opts, opts.seed + k)
            tk = dict(timings, trajectory=time.perf_counter() - t)
            frames = None
            if photo is not None:
                shown = photo.shape if crop is None else (crop[3] - crop[1], crop[2] - crop[0], 3)
                check_frame_budget(len(traj.expression) * len(plans), shown)  # all K variants are kept
                t = time.perf_counter()
                frames = self.render(photo, fit, traj, progress=progress, crop=crop)
                tk["render"] = time.perf_counter() - t
            results.append(AnimationResult(photo, fit, plan, traj, frames, identity, opts, crop, tk))
        for r in results:
            r.variants = results
        return results[0]

    def animate_video(self, video: str | Path, instruction: str, out: str | Path, force: bool = False,
                      **options: Any) -> Any:  # fmt: skip
        """A person's video with the instruction's emotions over their own face, written to ``out`` (.mp4,
        audio kept; an existing ``out`` only with ``force=True``): :func:`emoshift.videoin.animate_video`
        (video in, issue 17)."""
        from emoshift.videoin import animate_video

        return animate_video(self, video, instruction, out, force=force, **options)


def photo_name(image: Any) -> str | None:
    """How errors call a photo: its path or sample name, a PIL image's file name, else None (the fitter's words)."""
    if isinstance(image, (str, Path)):
        return str(image)
    return getattr(image, "filename", None) or None


def _is_video(source: Any) -> bool:  # video in (issue 17)
    from emoshift.videoin import is_video_path

    return is_video_path(source)


def warn_face_choice(fit: Any) -> None:
    """Warnings (Python words; the CLI says it its own way from ``summary()["face"]``) when several
    faces were found or the face runs off the image."""
    if fit.faces_found > 1:
        which = "the largest" if fit.face_index == 0 else f"number {fit.face_index} by size"
        warnings.warn(f"{fit.faces_found} faces found; animating face {fit.face_index} ({which}); "
                      "face=N picks another (0 = largest)", stacklevel=3)  # fmt: skip
    if fit.cut_off:
        warnings.warn(fit.edge_note, stacklevel=3)


class FrameBudgetError(UserError):
    """Too many frame bytes (:func:`check_frame_budget`): ``need`` says how many ("600 frames of 1000x1000
    need 1.7 GiB (limit 1.25 GiB)"), :data:`REMEDIES` what the caller can change (the web app names its own)."""

    REMEDIES = "shorten seconds, lower fps or max_side, or crop to the face"

    def __init__(self, need: str):
        self.need = need
        super().__init__(f"{need}; {self.REMEDIES}")


def check_frame_budget(n_frames: int, shape: Sequence[int]) -> None:
    """:class:`FrameBudgetError` when ``n_frames`` frames of ``shape`` (H, W, 3) would exceed :data:`MAX_FRAME_BYTES`."""
    size = n_frames * int(np.prod(shape))
    if size > MAX_FRAME_BYTES:
        h, w = shape[:2]
        raise FrameBudgetError(
            f"{n_frames} frames of {w}x{h} need {size / 2**30:.1f} GiB (limit {MAX_FRAME_BYTES / 2**30:g} GiB)"
        )
