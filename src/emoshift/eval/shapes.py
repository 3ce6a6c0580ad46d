"""Shape images of expressions for the judge: head model + :func:`emoshift.render.shape.render_shape_images`.

Every judged expression (ground truth or generated) is rendered the same way: the sample's subject
identity, the 53 expression weights and the head rotation, through the ICT head, as a grey shape
image framed on the face (the paper's DECA shape images, Fig. 6).
"""

from __future__ import annotations

import numpy as np

from emoshift.eval.judge import RENDER_SIZE


class ShapeRenderer:
    """Renders (identity, expression, rotation) batches as (B, S, S) uint8 shape images."""

    def __init__(self, size: int = RENDER_SIZE, n_identity: int = 50, region: str = "head") -> None:
        from emoshift.headmodel import HeadModel

        self.size = size
        # the raw ICT shapes: the judge was trained on them (see emoshift.headmodel.calibration)
        self.model = HeadModel.load(n_identity=n_identity, region=region, calibrated=False)
        self.triangles = self.model.triangles

    def render(
        self, identity: np.ndarray, expression: np.ndarray, rotation: np.ndarray | None = None, batch: int = 256,
        progress: bool = False,
    ) -> np.ndarray:  # fmt: skip
        """identity (B,K), expression (B,53) in [0,1], rotation (B,3) axis-angle rad or None -> (B,S,S) uint8."""
        from tqdm import tqdm

        from emoshift.render.shape import render_shape_images

        n = len(expression)
        out = np.zeros((n, self.size, self.size), np.uint8)
        k = self.model.n_identity
        for i in tqdm(range(0, n, batch), desc="shape images", disable=not progress or n <= batch, leave=False):
            sl = slice(i, min(i + batch, n))
            ident = np.asarray(identity[sl], np.float32)[:, :k]
            expr = np.clip(np.asarray(expression[sl], np.float32), 0.0, 1.0)
            rot = None if rotation is None else np.asarray(rotation[sl], np.float32)
            verts = self.model(ident, expr, rot).vertices
            out[sl] = render_shape_images(verts, self.triangles, size=self.size)
        return out


def slot_table(emotion: np.ndarray, n_slots: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flatten (N, 3) per-slot labels into (sample, slot) pairs of the used slots -> (rows (K,), slots (K,))."""
    emotion = np.asarray(emotion)
    used = emotion >= 0
    if n_slots is not None:
        used &= np.arange(emotion.shape[1])[None] < np.asarray(n_slots)[:, None]
    rows, slots = np.nonzero(used)
    return rows, slots


def render_slots(
    renderer: ShapeRenderer,
    identity: np.ndarray,
    subject: np.ndarray,
    expression: np.ndarray,
    pose: np.ndarray | None,
    rows: np.ndarray,
    slots: np.ndarray,
    progress: bool = False,
) -> np.ndarray:
    """Shape images of the chosen (sample, slot) pairs of (N,3,53) expressions / (N,3,3) poses -> (K,S,S)."""
    ident = np.asarray(identity)[np.asarray(subject)[rows]]
    expr = np.asarray(expression)[rows, slots]
    rot = None if pose is None else np.asarray(pose)[rows, slots]
    return renderer.render(ident, expr, rot, progress=progress)
