"""Small stand-ins for the pipeline's components (fitter, parser, planner, trajectory, renderer, writers).

Each records its calls and produces values that encode their inputs, so tests can check that the
pipeline passes the right data from stage to stage.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from emoshift.io import UserError
from emoshift.pipeline import Pipeline

EMOS = ("neutral", "happiness", "disgust", "anger", "fear", "surprise", "contempt", "sadness")
WORDS = {"happy": "happiness", "happiness": "happiness", "disgust": "disgust", "sad": "sadness", "angry": "anger",
         "neutral": "neutral", "surprise": "surprise", "fear": "fear"}  # fmt: skip


def fake_parse(text: str):
    if not text or not text.strip():
        raise UserError("the instruction is empty")
    found = [WORDS[w] for w in text.lower().replace(",", " ").split() if w in WORDS]
    if not found:
        raise UserError("no emotion found in the instruction; use words like happy, sad")
    return SimpleNamespace(emotions=found, intensities=[1.0] * len(found), text=text)


class FakeFitter:
    """Fits any image: expression encodes the mean pixel value, head turned by ``yaw`` radians.

    ``faces`` faces are "found"; face i's landmarks are the box ``boxes[i]`` (x0, y0, x1, y1) corners
    (default: the middle half of the image), so face choice, edge checks and crops can be tested."""

    # 0.15 rad (8.6 degrees) is under planning.NEAR_SIDE_YAW_DEG: the fake planner's one-hot expressions
    # are one-sided, and a more turned head would mirror them onto its nearer half
    def __init__(self, yaw: float = 0.15, fail: bool = False, boxes=None):
        self.calls: list[tuple[int, int]] = []
        self.faces: list = []
        self.yaw = yaw
        self.fail = fail
        self.boxes = boxes

    def fit(self, image, face=None, name=None):
        from emoshift.fitting.image import edge_warning
        from emoshift.fitting.result import face_crop_box

        self.calls.append(image.shape[:2])
        self.faces.append(face)
        h, w = image.shape[:2]
        boxes = self.boxes or [(w / 4, h / 4, 3 * w / 4, 3 * h / 4)]
        idx = 0 if face is None else face
        if self.fail or image.mean() < 1:
            raise UserError("no face found in the photo")
        if idx >= len(boxes):
            raise UserError(f"face {idx} asked for, but {len(boxes)} faces found")
        x0, y0, x1, y1 = boxes[idx]
        lmk = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], np.float32)
        e = np.zeros(53, np.float32)
        e[0] = image.mean() / 255.0
        return SimpleNamespace(
            identity=np.full(50, 0.1, np.float32),
            expression=e,
            rotation=np.array([0.0, self.yaw, 0.0], np.float32),
            translation=np.array([0.0, 0.0, -60.0], np.float32),
            landmark_rmse_px=1.5,
            image_size=(w, h),
            landmarks_detected=lmk,
            face_index=idx,
            faces_found=len(boxes),
            edge_note=edge_warning(lmk, w, h),
            cut_off=edge_warning(lmk, w, h) is not None,
            crop_box=lambda scale=2.0: face_crop_box(lmk, (w, h), scale),
        )


class FakePlanner:
    """Emotion i -> expression with weight 1 on blendshape i+1; pitch 0.1 rad * sample index."""

    name = "fake"

    def __init__(self, parse=fake_parse):
        self.parse = parse
        self.calls = []
        self.neutral_calls = 0

    def generate(self, instruction, seed=0, n_samples=1):
        self.calls.append((instruction.text, seed, n_samples))
        parsed = instruction.parsed
        out = []
        for k in range(n_samples):
            e = np.zeros((len(parsed.emotions), 53), np.float32)
            for i, emo in enumerate(parsed.emotions):
                e[i, EMOS.index(emo) + 1] = 1.0
                e[i, 40] = (seed % 7) / 10.0
            r = np.zeros((len(parsed.emotions), 3), np.float32)
            r[:, 0] = 0.1 * k
            out.append(SimpleNamespace(parsed=parsed, expressions=e, rotations=r))
        return out

    def neutral(self, seed=0):
        self.neutral_calls += 1
        e = np.zeros(53, np.float32)
        e[50] = 0.25  # a mark to recognise the neutral anchor
        return e, np.zeros(3, np.float32)


def fake_trajectory(plan, fps=30, seconds=None, timing="natural", intensity=1.0, seed=0):
    """Linear segments of 4 frames between anchors (scaled by intensity around the source)."""
    n = len(plan.labels)
    steps = 4
    idx = np.linspace(0, n - 1, (n - 1) * steps + 1)
    lo = np.floor(idx).astype(int).clip(0, n - 2)
    a = (idx - lo)[:, None]
    expr = plan.expressions[lo] * (1 - a) + plan.expressions[lo + 1] * a
    expr = plan.expressions[0] + intensity * (expr - plan.expressions[0])
    rot = plan.rotations[lo] * (1 - a) + plan.rotations[lo + 1] * a
    return SimpleNamespace(
        expression=expr.astype(np.float32),
        rotation=rot.astype(np.float32),
        times=np.arange(len(expr)) / fps,
        anchor_frames=[i * steps for i in range(n)],
        labels=list(plan.labels),
        fps=fps,
    )


class FakeRenderer:
    """Frame t = the photo plus 100 * expression weights 1..3 in the three channels."""

    instances = 0

    def __init__(self, image, fit):
        FakeRenderer.instances += 1
        self.image = image.astype(np.int32)

    def render_batch(self, expressions, rotations):
        add = (100 * np.asarray(expressions)[:, 1:4]).astype(np.int32)
        return (self.image[None] + add[:, None, None, :]).clip(0, 255).astype(np.uint8)


class FakeWriters:
    """Writes a small text file naming what was asked, and records (kind, path)."""

    def __init__(self):
        self.calls: list[tuple[str, Path]] = []

    def _write(self, kind, result, path):
        self.calls.append((kind, Path(path)))
        Path(path).write_text(f"{kind} {len(result.trajectory.expression)}")
        return Path(path)

    def video(self, result, path):
        return self._write("video", result, path)

    def glb(self, result, path):
        return self._write("glb", result, path)

    def csv(self, result, path):
        return self._write("csv", result, path)

    def json(self, result, path):
        return self._write("json", result, path)

    def sheet(self, result, path):
        return self._write("sheet", result, path)

    def overlay(self, result, path):
        return self._write("overlay", result, path)

    def meshes(self, result, path):
        return self._write("meshes", result, path)


def fake_load_image(src):
    if isinstance(src, (str, Path)):
        from PIL import Image

        return np.asarray(Image.open(src).convert("RGB"))
    return np.asarray(src, np.uint8)


def fake_pipeline(**overrides) -> Pipeline:
    from emoshift.options import AnimateOptions

    if "max_side" in overrides:
        overrides["options"] = AnimateOptions(max_side=overrides.pop("max_side"))
    parts = dict(
        model=None,
        load_image=fake_load_image,
        fitter=FakeFitter(),
        parse=fake_parse,
        planner=FakePlanner(),
        trajectory=fake_trajectory,
        renderer=FakeRenderer,
        writers=FakeWriters(),
        render_chunk=3,
    )
    parts.update(overrides)
    return Pipeline(**parts)


def photo(h: int = 24, w: int = 32, value: int = 100) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)
