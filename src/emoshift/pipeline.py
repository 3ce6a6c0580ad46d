"""The one pipeline: photo -> coefficients -> plan -> trajectory -> frames.

>>> from emoshift.pipeline import Pipeline
>>> pipe = Pipeline.load(seed=0)                                                    # doctest: +SKIP
>>> result = pipe.animate(photo, "Turn this face from disgust to happiness")        # doctest: +SKIP
>>> result.save("out.mp4"); result.save("out.glb"); result.save("out.csv")         # doctest: +SKIP

The stages, in the order :meth:`Pipeline.animate` runs them (each stage is a named component handed to
the constructor, as in diffusers; :meth:`Pipeline.load` wires the real ones, tests inject fakes):

1. **instruction -> parsed** ``parse(text) -> ParsedInstruction``: checked first, so bad text fails before
   any expensive work.
2. **photo -> coefficients** ``fitter.fit(image) -> FaceFit``: identity (50,), expression (53,), head
   rotation (3,) axis-angle, translation (3,) cm and the camera. The photo is first limited to
   ``max_side`` pixels (the frames are rendered at the photo's size). Without a photo the source is the
   planner's neutral face on the mean identity, seen frontally.
3. **coefficients + instruction -> plan** ``planner.generate(text, seed, n_samples) -> [GeneratedPlan]``
   gives one (expression (53,), rotation (3,)) per named emotion; :func:`make_plan` turns them into the
   anchors ``source -> e0 [-> neutral] -> e1 ...`` (the paper's Fig. 1: disgust to happiness via neutral).
   Generated head rotations are relative to a frontal head (how the data was built), so each is
   composed with the photo's own head rotation (``R_anchor = R_source @ R_generated``): the head keeps
   facing where it faced in the photo and adds the emotion's nod or tilt.
4. **plan -> trajectory** ``trajectory(plan, fps=, seconds=, timing=, intensity=, seed=) -> Trajectory``
   ((T,53) expressions, (T,3) rotations, anchor frames): transitions, holds and idle motion.
5. **trajectory -> frames** ``renderer(image, fit).render_batch(expressions, rotations) -> (T,H,W,3)``:
   the photo reenacted. No photo -> no frames (3D outputs only).

Writing (``AnimationResult.save``) goes through ``writers`` (``emoshift.export`` by default), chosen by
the extension: ``.mp4 .gif`` or a folder (video), ``.glb``, ``.csv`` (Live Link Face), ``.json``
(per-frame weights), ``.png .jpg`` (contact sheet).

Which planner made a plan is recorded in ``plan.generator``: the trained generator (``"generator:i2fet"``) or
the FACS prototypes (``"prototype"``, the fallback while no trained checkpoint is installed; a warning
says so when it is used).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emoshift.io import UserError
from emoshift.samples import DEFAULT_PHOTO, SAMPLE_PHOTOS, sample_photo  # noqa: F401 (re-exported)

#: Default long-side limit (pixels) of the photo that is fitted and reenacted.
MAX_SIDE = 1024
#: Frames are kept in memory (for the video, the sheet and a PNG folder): at most this many bytes, so
#: that a run's peak stays under 3 GB (models, render buffers and writers on top: bench/bench_memory.py).
MAX_FRAME_BYTES = 5 * 2**28
TIMINGS = ("natural", "linear")
MAX_SAMPLES = 8
#: Output extensions :meth:`AnimationResult.save` knows ("" = a folder of PNG frames).
VIDEO_SUFFIXES = (".mp4", ".gif", "")
SUFFIXES = (".mp4", ".gif", ".glb", ".csv", ".json", ".png", ".jpg", ".jpeg")

DEFAULT_INSTRUCTION = "Turn this face from disgust to happiness"


# --------------------------------------------------------------------------------------------- data


@dataclass
class Plan:
    """What to animate: the anchors the trajectory passes through.

    instruction: the user's text. parsed: its :class:`~emoshift.text.parser.ParsedInstruction`.
    generated_expressions (m, 53), generated_rotations (m, 3): the planner's raw output, one per emotion
    (rotations relative to a frontal head).
    expressions (n, 53), rotations (n, 3) absolute head rotation (axis-angle, camera frame), labels (n,):
    the anchors, starting with the source face ("source").
    generator: which planner made it ("generator:i2fet" etc. = a trained model, "prototype" = FACS prototypes).
    """

    instruction: str
    parsed: Any
    generated_expressions: np.ndarray
    generated_rotations: np.ndarray
    expressions: np.ndarray
    rotations: np.ndarray
    labels: list[str]
    generator: str
    variant: int = 0

    def anchors(self) -> list:
        """The anchors as :class:`emoshift.trajectory.Anchor` objects."""
        from emoshift.trajectory import Anchor

        return [Anchor(e, r, lab) for e, r, lab in zip(self.expressions, self.rotations, self.labels, strict=True)]

    def to_dict(self) -> dict:
        return {
            "instruction": self.instruction,
            "emotions": list(self.parsed.emotions),
            "intensities": [float(x) for x in self.parsed.intensities],
            "anchors": list(self.labels),
            "generator": self.generator,
            "variant": self.variant,
        }


@dataclass
class AnimationResult:
    """One animation: the fit (None without a photo), the plan, the trajectory and the frames.

    image: (H, W, 3) uint8 photo as fitted and rendered (after the ``max_side`` limit) or None.
    frames: (T, H, W, 3) uint8 reenacted photo, or None without a photo.
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
    seed: int
    timings: dict[str, float] = field(default_factory=dict)
    variants: list[AnimationResult] = field(default_factory=list, repr=False)
    pipeline: Pipeline | None = field(default=None, repr=False)

    @property
    def translation(self) -> np.ndarray | None:
        return None if self.fit is None else np.asarray(self.fit.translation, np.float32)

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write this result; the kind follows the extension (see :data:`SUFFIXES`; none = PNG folder)."""
        from emoshift.io import check_output

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix:
            check_output(path, SUFFIXES, force=force)
        elif path.exists() and not force:
            raise UserError(f"{path} exists; pass --force to overwrite it")
        if suffix in VIDEO_SUFFIXES or suffix in (".png", ".jpg", ".jpeg"):
            if self.frames is None:
                raise UserError(f"{path}: videos and sheets need a photo; without one write .glb, .csv or .json")
        writers = self.pipeline.writers if self.pipeline is not None else Writers()
        if suffix in VIDEO_SUFFIXES:
            return writers.video(self, path)
        if suffix in (".png", ".jpg", ".jpeg"):
            return writers.sheet(self, path)
        return getattr(writers, suffix[1:])(self, path)

    def summary(self) -> dict:
        """A JSON-able description (for ``--json`` output, the web app and logs)."""
        t = self.trajectory
        return {
            **self.plan.to_dict(),
            "seed": self.seed,
            "fps": float(t.fps),
            "frames": int(len(t.expression)),
            "seconds": float(len(t.expression) / t.fps),
            "anchor_frames": [int(i) for i in t.anchor_frames],
            "photo": None if self.image is None else [int(self.image.shape[1]), int(self.image.shape[0])],
            "landmark_rmse_px": None if self.fit is None else float(self.fit.landmark_rmse_px),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass
class _Generated:
    """Same fields as :class:`emoshift.models.GeneratedPlan` (for the prototype planner)."""

    parsed: Any
    expressions: np.ndarray
    rotations: np.ndarray


# --------------------------------------------------------------------------------------------- planning


def euler_deg_to_axis_angle(pyr: np.ndarray) -> np.ndarray:
    """(..., 3) pitch, yaw, roll degrees -> (..., 3) axis-angle radians (headmodel.ops conventions)."""
    import torch

    from emoshift.headmodel.ops import euler_to_matrix, matrix_to_axis_angle

    t = torch.as_tensor(np.asarray(pyr, np.float32)).reshape(-1, 3)
    return matrix_to_axis_angle(euler_to_matrix(t)).numpy().reshape(np.shape(pyr)).astype(np.float32)


def compose_rotations(source: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """``R_source @ R_relative`` for (3,) source and (m, 3) relative axis-angles -> (m, 3)."""
    import torch

    from emoshift.headmodel.ops import axis_angle_to_matrix, matrix_to_axis_angle

    rs = axis_angle_to_matrix(torch.as_tensor(np.asarray(source, np.float32)).reshape(1, 3))
    rr = axis_angle_to_matrix(torch.as_tensor(np.asarray(relative, np.float32)).reshape(-1, 3))
    return matrix_to_axis_angle(rs @ rr).numpy().astype(np.float32)


class PrototypePlanner:
    """A planner without a trained model: each named emotion's FACS prototype and pose prior.

    The variant of each prototype and the head pose (drawn from the emotion's pose prior) come from
    ``seed`` and the sample index, so samples differ and a seed reproduces them.
    """

    name = "prototype"

    def __init__(self, parse: Callable[[str], Any] | None = None):
        if parse is None:
            from emoshift.text.parser import parse_instruction as parse
        self.parse = parse

    def generate(self, text: str, seed: int = 0, n_samples: int = 1) -> list[_Generated]:
        from emoshift.emotions import n_variants, pose_prior, prototype

        parsed = self.parse(text)
        out = []
        for k in range(n_samples):
            rng = np.random.default_rng([seed, k])
            exprs, pyrs = [], []
            for emo, inten in zip(parsed.emotions, parsed.intensities, strict=True):
                variant = 0 if k == 0 else int(rng.integers(n_variants(emo)))
                exprs.append(prototype(emo, variant, inten))
                mean, std = pose_prior(emo)
                pyrs.append(mean + (std * rng.standard_normal(3) if k > 0 else 0.0))
            out.append(_Generated(parsed, np.stack(exprs), euler_deg_to_axis_angle(np.stack(pyrs))))
        return out

    def neutral(self, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        from emoshift.emotions import prototype

        return prototype("neutral"), np.zeros(3, np.float32)


def planner_name(planner: Any) -> str:
    """"prototype", or "generator:<model>" (e.g. generator:i2fet) for a trained generator."""
    name = getattr(planner, "name", None)
    if name:
        return str(name)
    kind = getattr(getattr(getattr(planner, "model", None), "cfg", None), "model", None)
    return f"generator:{kind}" if kind else "generator"


def gaze_channels() -> np.ndarray:
    """Indices of the eight eyeLook* blendshapes. Gaze is where the person looks, not an emotion: the
    generator's gaze (zero but for cues such as sadness's downcast eyes) is added to the photo's."""
    return np.array([i for i, n in enumerate(expression_names()) if n.startswith("eyeLook")])


def with_source_gaze(targets: np.ndarray, source_expression: np.ndarray) -> np.ndarray:
    """(m, 53) target expressions with the photo's gaze added to their own (:func:`gaze_channels`), clipped
    to [0, 1]: what the animation shows at each anchor (the generated gaze is relative to the photo's)."""
    out = np.array(targets, np.float32).reshape(-1, 53)
    gaze = gaze_channels()
    out[:, gaze] += np.asarray(source_expression, np.float32).reshape(53)[gaze]
    return out.clip(0.0, 1.0)


def make_plan(
    instruction: str,
    generated: Any,
    source_expression: np.ndarray,
    source_rotation: np.ndarray,
    neutral: tuple[np.ndarray, np.ndarray] | None,
    generator: str,
    variant: int = 0,
) -> Plan:
    """Anchors from a generated plan: source, then each emotion, a neutral face between two emotions.

    Args:
        generated: has ``parsed`` (emotions, intensities), ``expressions`` (m, 53), ``rotations`` (m, 3)
            (relative to a frontal head).
        source_expression (53,), source_rotation (3,): the photo's fitted face (absolute rotation); its
            gaze carries into every anchor (:func:`gaze_channels`).
        neutral: (expression (53,), rotation (3,) relative) inserted between consecutive non-neutral
            emotions, or None for direct transitions (``--no-neutral``).
    """
    emotions = list(generated.parsed.emotions)
    gen_e = np.asarray(generated.expressions, np.float32).reshape(-1, 53)
    gen_r = np.asarray(generated.rotations, np.float32).reshape(-1, 3)
    if len(gen_e) != len(emotions) or len(gen_r) != len(emotions):
        raise ValueError(f"planner gave {len(gen_e)} expressions for {len(emotions)} emotions")
    exprs, rels, labels = [], [], []
    for i, emo in enumerate(emotions):
        if neutral is not None and i > 0 and emo != "neutral" and emotions[i - 1] != "neutral":
            exprs.append(np.asarray(neutral[0], np.float32))
            rels.append(np.asarray(neutral[1], np.float32))
            labels.append("neutral")
        exprs.append(gen_e[i])
        rels.append(gen_r[i])
        labels.append(emo)
    src_e = np.asarray(source_expression, np.float32).reshape(53)
    src_r = np.asarray(source_rotation, np.float32).reshape(3)
    targets = with_source_gaze(np.stack(exprs), src_e)  # generated gaze is relative to the photo's
    return Plan(
        instruction=instruction,
        parsed=generated.parsed,
        generated_expressions=gen_e,
        generated_rotations=gen_r,
        expressions=np.concatenate([src_e[None].clip(0.0, 1.0), targets]),
        rotations=np.concatenate([src_r[None], compose_rotations(src_r, np.stack(rels))]),
        labels=["source", *labels],
        generator=generator,
        variant=variant,
    )


# --------------------------------------------------------------------------------------------- defaults


def build_trajectory(plan: Plan, **options) -> Any:
    """Default trajectory stage: :func:`emoshift.trajectory.build_trajectory` through the plan's anchors."""
    from emoshift.trajectory import build_trajectory as build

    return build(plan.anchors(), **options)


class Reenact:
    """Default renderer stage: a :class:`emoshift.render.reenact.Reenactor` of the photo, sharing one
    full head model (skin, eyes, mouth interior) between calls."""

    def __init__(self) -> None:
        self.model = None

    def __call__(self, image: np.ndarray, fit: Any) -> Any:
        from emoshift.headmodel import HeadModel
        from emoshift.render.reenact import Reenactor

        k = len(np.asarray(fit.identity).reshape(-1))
        if self.model is None or self.model.n_identity != k:
            self.model = HeadModel.load(n_identity=k, region="full")
        return Reenactor(image, fit, self.model)


class Writers:
    """Default writers (``emoshift.export``); each method takes (result, path) and returns the path."""

    def video(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.video import write_video

        return write_video(result.frames, path, fps=result.trajectory.fps)

    def glb(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.gltf import write_glb

        model = result.pipeline.model if result.pipeline is not None else default_model()
        return write_glb(path, model, result.identity, result.trajectory, translation=None, texture=photo_texture(result))

    def csv(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.curves import write_livelink_csv

        return write_livelink_csv(path, result.trajectory, expression_names())

    def json(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.curves import write_weights_json

        return write_weights_json(path, result.trajectory, expression_names())

    def overlay(self, result: AnimationResult, path: Path) -> Path:
        """The fitted mesh drawn over the photo (PNG/JPEG by extension)."""
        from PIL import Image

        from emoshift.fitting.overlay import draw_overlay
        from emoshift.io import atomic_write_with

        model = result.pipeline.model if result.pipeline is not None else default_model()
        pic = draw_overlay(result.image, [result.fit], model)
        fmt = "JPEG" if Path(path).suffix.lower() in (".jpg", ".jpeg") else "PNG"
        return atomic_write_with(path, lambda tmp: Image.fromarray(pic).save(tmp, format=fmt))

    def sheet(self, result: AnimationResult, path: Path) -> Path:
        import torch

        from emoshift.export.sheet import write_sheet
        from emoshift.render.shape import render_shape_images

        model = result.pipeline.model if result.pipeline is not None else default_model()
        idx = list(result.trajectory.anchor_frames)
        traj = result.trajectory
        k = model.n_identity if hasattr(model, "n_identity") else len(result.identity)
        ident = torch.zeros(len(idx), k)
        ident[:, : min(k, len(result.identity))] = torch.as_tensor(result.identity[:k])
        with torch.no_grad():
            verts = model(ident, torch.as_tensor(traj.expression[idx]), torch.as_tensor(traj.rotation[idx])).vertices
        shapes = render_shape_images(verts, model.triangles.numpy(), size=256)
        frames = [result.frames[i] for i in idx]
        return write_sheet(path, result.image, frames, list(shapes), labels=list(traj.labels))


def photo_texture(result: AnimationResult) -> np.ndarray | None:
    """(N, S, S, 3) uint8 UV tiles with the photo baked in (:class:`emoshift.render.textured.TexturedHead`),
    or None without a photo. Reuses the renderer stage's full head model when it has one."""
    if result.fit is None or result.image is None:
        return None
    from emoshift.render.textured import TexturedHead

    full = getattr(getattr(result.pipeline, "renderer", None), "model", None)
    return TexturedHead(result.image, result.fit, full).texture


def default_model():
    from emoshift.headmodel import HeadModel

    return HeadModel.load(n_identity=50, region="head")


def expression_names() -> list[str]:
    from emoshift.emotions import EXPRESSION_NAMES

    return list(EXPRESSION_NAMES)


def limit_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (H, W, 3) uint8 so that its long side is at most ``max_side`` (area filter)."""
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    from PIL import Image

    s = max_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


# --------------------------------------------------------------------------------------------- pipeline


class Pipeline:
    """Photo + instruction -> animation; the object the CLI, the web app and Python users call.

    Components (all required; :meth:`load` builds the defaults):
        model: :class:`~emoshift.headmodel.HeadModel` used by the 3D exports and the sheet.
        load_image: ``(str | Path | ndarray) -> (H, W, 3) uint8``.
        fitter: ``.fit(image) -> FaceFit``.
        parse: ``(text) -> ParsedInstruction`` (raises UserError on bad text).
        planner: ``.generate(text, seed, n_samples) -> [GeneratedPlan]``, ``.neutral(seed) -> (e, r)``.
        trajectory: ``(plan, fps=, seconds=, timing=, intensity=, seed=) -> Trajectory``.
        renderer: ``(image, fit) -> object with .render_batch((T,53), (T,3)) -> (T,H,W,3)``.
        writers: see :class:`Writers`.
    """

    def __init__(
        self,
        *,
        model: Any,
        load_image: Callable[[Any], np.ndarray],
        fitter: Any,
        parse: Callable[[str], Any],
        planner: Any,
        trajectory: Callable[..., Any] = build_trajectory,
        renderer: Callable[[np.ndarray, Any], Any] | None = None,
        writers: Any = None,
        seed: int = 0,
        max_side: int = MAX_SIDE,
        render_chunk: int = 16,
    ):
        self.model = model
        self.load_image = load_image
        self.fitter = fitter
        self.parse = parse
        self.planner = planner
        self.trajectory = trajectory
        self.renderer = renderer if renderer is not None else Reenact()
        self.writers = writers if writers is not None else Writers()
        self.seed = int(seed)
        self.max_side = int(max_side)
        self.render_chunk = int(render_chunk)

    @property
    def generator_name(self) -> str:
        return planner_name(self.planner)

    @classmethod
    def load(cls, seed: int = 0, generator: str = "auto", max_side: int = MAX_SIDE, **components) -> Pipeline:
        """The real components, each loaded once.

        Args:
            generator: "auto" (the trained generator if its checkpoint is installed, else the FACS
                prototypes with a warning), "generator" (trained, or fail) or "prototype".
            components: any constructor component to use instead of the default.
        """
        from emoshift.text.parser import parse_instruction

        parts: dict[str, Any] = {"parse": parse_instruction}
        if "load_image" not in components:
            from emoshift.fitting import load_image

            parts["load_image"] = load_image
        parts["model"] = components.pop("model", None) or default_model()
        if "fitter" not in components:
            from emoshift.fitting import Fitter

            parts["fitter"] = Fitter(model=parts["model"])  # one head model shared by every stage
        if "planner" not in components:
            parts["planner"] = load_planner(generator)
        parts.update(components)
        return cls(seed=seed, max_side=max_side, **parts)

    # ------------------------------------------------------------------------------------ stages

    def read_photo(self, image: Any) -> np.ndarray:
        """Stage 0: a path, an array or a sample name (:data:`SAMPLE_PHOTOS`, unless such a file exists)
        -> (H, W, 3) uint8 limited to ``max_side``."""
        if isinstance(image, str) and image in SAMPLE_PHOTOS and not Path(image).exists():
            image = sample_photo(image)
        return limit_side(np.asarray(self.load_image(image)), self.max_side)

    def fit(self, image: np.ndarray) -> Any:
        """Stage 1: photo -> coefficients (FaceFit)."""
        return self.fitter.fit(image)

    def plan(
        self,
        instruction: str,
        fit: Any = None,
        seed: int = 0,
        neutral: bool = True,
        samples: int = 1,
    ) -> list[Plan]:
        """Stage 2: instruction (+ the fitted source face) -> ``samples`` plans."""
        n_expr, n_rot = self.planner.neutral(seed)
        if fit is None:
            src_e, src_r = np.asarray(n_expr, np.float32), np.asarray(n_rot, np.float32)
        else:
            src_e, src_r = np.asarray(fit.expression, np.float32), np.asarray(fit.rotation, np.float32)
        generated = self.planner.generate(instruction, seed=seed, n_samples=samples)
        if len(generated) != samples:
            raise ValueError(f"planner returned {len(generated)} plans for {samples} samples")
        name = self.generator_name
        mid = (n_expr, n_rot) if neutral else None
        return [make_plan(instruction, g, src_e, src_r, mid, name, k) for k, g in enumerate(generated)]

    def make_trajectory(self, plan: Plan, fps: float, seconds: float | None, timing: str, intensity: float, seed: int):
        """Stage 3: plan -> per-frame expressions and rotations."""
        return self.trajectory(plan, fps=fps, seconds=seconds, timing=timing, intensity=intensity, seed=seed)

    def render(self, image: np.ndarray, fit: Any, trajectory: Any, progress: bool = False) -> np.ndarray:
        """Stage 4: trajectory -> (T, H, W, 3) uint8 frames of the photo reenacted."""
        r = self.renderer(image, fit)
        expr, rot = np.asarray(trajectory.expression), np.asarray(trajectory.rotation)
        n, step = len(expr), max(1, self.render_chunk)
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n, desc="render", unit="frame", leave=False)
        else:
            bar = None
        frames = None  # filled in place: no second copy of the clip (np.concatenate of chunks doubled the peak)
        for i in range(0, n, step):
            chunk = np.asarray(r.render_batch(expr[i : i + step], rot[i : i + step]), np.uint8)
            if frames is None:
                frames = np.empty((n, *chunk.shape[1:]), np.uint8)
            frames[i : i + len(chunk)] = chunk
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return frames

    # ------------------------------------------------------------------------------------ all at once

    def animate(
        self,
        image: Any,
        instruction: str,
        seed: int | None = None,
        fps: float = 30,
        seconds: float | None = None,
        timing: str = "natural",
        neutral: bool = True,
        intensity: float = 1.0,
        samples: int = 1,
        progress: bool = False,
    ) -> AnimationResult:
        """Run every stage. ``image`` None animates the neutral head model (no frames).

        With ``samples=K > 1`` the planner draws K variants; all are in ``result.variants``.
        """
        seed = self.seed if seed is None else int(seed)
        check_options(fps, seconds, timing, intensity, samples)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        self.parse(instruction)  # bad text fails here, before the fit
        timings["parse"] = time.perf_counter() - t0

        photo, fit = None, None
        if image is not None:
            t = time.perf_counter()
            photo = self.read_photo(image)
            fit = self.fit(photo)
            timings["fit"] = time.perf_counter() - t
        t = time.perf_counter()
        plans = self.plan(instruction, fit, seed=seed, neutral=neutral, samples=samples)
        timings["plan"] = time.perf_counter() - t
        if plans[0].generator == PrototypePlanner.name:
            warnings.warn("plan made from FACS prototypes (no trained generator installed)", stacklevel=2)
        identity = np.zeros(50, np.float32) if fit is None else np.asarray(fit.identity, np.float32)

        results: list[AnimationResult] = []
        for k, plan in enumerate(plans):
            t = time.perf_counter()
            traj = self.make_trajectory(plan, fps, seconds, timing, intensity, seed + k)
            tk = dict(timings, trajectory=time.perf_counter() - t)
            frames = None
            if photo is not None:
                check_frame_budget(len(traj.expression) * len(plans), photo.shape)  # all K variants are kept
                t = time.perf_counter()
                frames = self.render(photo, fit, traj, progress=progress)
                tk["render"] = time.perf_counter() - t
            results.append(AnimationResult(photo, fit, plan, traj, frames, identity, seed, tk, pipeline=self))
        for r in results:
            r.variants = results
        return results[0]


def check_frame_budget(n_frames: int, shape: tuple[int, ...]) -> None:
    """UserError when ``n_frames`` frames of ``shape`` (H, W, 3) would exceed :data:`MAX_FRAME_BYTES`."""
    size = n_frames * int(np.prod(shape))
    if size > MAX_FRAME_BYTES:
        h, w = shape[:2]
        raise UserError(
            f"{n_frames} frames of {w}x{h} need {size / 2**30:.1f} GiB (limit {MAX_FRAME_BYTES / 2**30:g} GiB); "
            "shorten --seconds or lower --fps"
        )


def check_options(fps: float, seconds: float | None, timing: str, intensity: float, samples: int) -> None:
    """One-line UserErrors for out-of-range animation options."""
    if not 1 <= fps <= 120:
        raise UserError(f"fps must lie in [1, 120], got {fps:g}")
    if seconds is not None and not 0.5 <= seconds <= 120:
        raise UserError(f"seconds must lie in [0.5, 120], got {seconds:g}")
    if timing not in TIMINGS:
        raise UserError(f"timing must be one of {', '.join(TIMINGS)}, got '{timing}'")
    if not 0 <= intensity <= 2:
        raise UserError(f"intensity must lie in [0, 2], got {intensity:g}")
    if not 1 <= samples <= MAX_SAMPLES:
        raise UserError(f"samples must lie in [1, {MAX_SAMPLES}], got {samples}")


def load_planner(generator: str = "auto") -> Any:
    """The planner: the trained generator, or (``"auto"`` without a checkpoint / ``"prototype"``) prototypes."""
    if generator not in ("auto", "generator", "prototype"):
        raise UserError(f"generator must be auto, generator or prototype, got '{generator}'")
    if generator == "prototype":
        return PrototypePlanner()
    try:
        from emoshift.models.generator import Generator

        gen = Generator.load_default()
    except (ImportError, OSError, UserError) as err:
        if generator == "generator":
            raise UserError(f"the trained generator is not available ({err})") from None
        warnings.warn(f"trained generator not available ({err}); planning from FACS prototypes", stacklevel=2)
        return PrototypePlanner()
    getattr(gen, "text_encoder", None)  # load the (lazy) text encoder now, not on the first instruction
    return gen
