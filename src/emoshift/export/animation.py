"""Saving an animation (:class:`emoshift.pipeline.AnimationResult`): one function, the kind by extension.

``save_animation(result, path)`` writes ``.mp4 .gif`` or a folder (video frames), ``.glb`` (3D head with
the photo baked in as its texture), ``.csv`` (Live Link Face), ``.json`` (per-frame weights),
``.png .jpg`` (contact sheet); ``kind="meshes"`` writes a folder of per-frame OBJ meshes. The writing
itself is done by a :class:`Writers` object (each method takes (result, path) and returns the path), so
tests and embedders can swap it; the result is plain data and knows nothing of the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emoshift.io import UserError, check_output

if TYPE_CHECKING:
    from emoshift.pipeline import AnimationResult

#: Output extensions :func:`save_animation` knows ("" = a folder of PNG frames).
VIDEO_SUFFIXES = (".mp4", ".gif", "")
SHEET_SUFFIXES = (".png", ".jpg", ".jpeg")
SUFFIXES = (".mp4", ".gif", ".glb", ".csv", ".json", ".png", ".jpg", ".jpeg")
KINDS = ("video", "sheet", "glb", "csv", "json", "meshes")


def output_kind(path: str | Path) -> str:
    """The writer a path asks for: video, sheet, glb, csv or json (UserError for an unknown extension)."""
    suffix = Path(path).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in SHEET_SUFFIXES:
        return "sheet"
    if suffix in SUFFIXES:
        return suffix[1:]
    raise UserError(f"unknown output extension '{suffix}' for {path}; use one of {', '.join(SUFFIXES)}")


def save_animation(
    result: AnimationResult, path: str | Path, force: bool = False, writers: Any = None, kind: str | None = None
) -> Path:
    """Write ``result`` to ``path``; ``kind`` (see :data:`KINDS`) defaults to :func:`output_kind`.

    Raises :class:`UserError` for an unknown extension, an existing output without ``force`` ("pass
    force=True"), or a video/sheet of a result without a photo.
    """
    path = Path(path)
    kind = kind or output_kind(path)
    if kind not in KINDS:
        raise ValueError(f"unknown output kind '{kind}'")
    if path.suffix:
        check_output(path, SUFFIXES, force=force, hint="force=True")
    elif path.exists() and not force:
        raise UserError(f"{path} exists; pass force=True to overwrite it")
    if kind in ("video", "sheet") and result.frames is None:
        raise UserError(f"{path}: videos and sheets need a photo; without one write .glb, .csv or .json")
    return getattr(writers or Writers(), kind)(result, path)


def expression_names() -> list[str]:
    from emoshift.emotions import EXPRESSION_NAMES

    return list(EXPRESSION_NAMES)


class Writers:
    """The default writers (``emoshift.export``).

    Args:
        model: the :class:`~emoshift.headmodel.HeadModel` of the 3D outputs and the sheet (default: the
            head region with 50 identity modes, loaded on first use).
        full_model: returns the full head model (eyes, mouth interior) the photo texture is baked on, or
            None to load one (the pipeline passes its renderer's, so it is loaded once).
        renderer_of: ``(image, fit) ->`` the reenactor already built for that photo and fit, or None; the
            texture is then baked from it (:meth:`TexturedHead.from_renderer`) instead of a new one.
    """

    def __init__(
        self, model: Any = None, full_model: Callable[[], Any] | None = None,
        renderer_of: Callable[[np.ndarray, Any], Any] | None = None,
    ) -> None:  # fmt: skip
        self._model = model
        self._full_model = full_model
        self._renderer_of = renderer_of

    @property
    def model(self) -> Any:
        if self._model is None:
            from emoshift.headmodel import HeadModel

            self._model = HeadModel.load(n_identity=50, region="head")
        return self._model

    def video(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.video import write_video

        return write_video(result.frames, path, fps=result.trajectory.fps)

    def glb(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.gltf import write_glb

        return write_glb(path, self.model, result.identity, result.trajectory, translation=None,
                         texture=self.photo_texture(result))  # fmt: skip

    def csv(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.curves import write_livelink_csv

        return write_livelink_csv(path, result.trajectory, expression_names())

    def json(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.curves import write_weights_json

        return write_weights_json(path, result.trajectory, expression_names())

    def meshes(self, result: AnimationResult, path: Path) -> Path:
        """A folder of per-frame OBJ meshes (with UVs) of the head, head-centred."""
        from emoshift.export.meshes import write_meshes

        return write_meshes(path, self.model, result.identity, result.trajectory)

    def overlay(self, result: AnimationResult, path: Path) -> Path:
        """The fitted mesh drawn over the photo (PNG/JPEG by extension)."""
        from PIL import Image

        from emoshift.fitting.overlay import draw_overlay
        from emoshift.io import atomic_write_with

        pic = draw_overlay(result.image, [result.fit], self.model)
        fmt = "JPEG" if Path(path).suffix.lower() in (".jpg", ".jpeg") else "PNG"
        return atomic_write_with(path, lambda tmp: Image.fromarray(pic).save(tmp, format=fmt))

    def sheet(self, result: AnimationResult, path: Path) -> Path:
        from emoshift.export.sheet import write_sheet
        from emoshift.render.shape import render_shape_images

        model = self.model
        idx = list(result.trajectory.anchor_frames)
        traj = result.trajectory
        k = model.n_identity
        ident = np.zeros((len(idx), k), np.float32)
        ident[:, : min(k, len(result.identity))] = np.asarray(result.identity[:k])
        verts = model(ident, traj.expression[idx], traj.rotation[idx]).vertices
        shapes = render_shape_images(verts, model.triangles, size=256)
        frames = [result.frames[i] for i in idx]
        return write_sheet(path, result.shown_image(), frames, list(shapes), labels=list(traj.labels))

    def photo_texture(self, result: AnimationResult) -> np.ndarray | None:
        """(N, S, S, 3) uint8 UV tiles with the photo baked in (:class:`emoshift.render.textured.TexturedHead`),
        or None without a photo."""
        if result.fit is None or result.image is None:
            return None
        from emoshift.render.textured import TexturedHead

        built = self._renderer_of(result.image, result.fit) if self._renderer_of is not None else None
        if built is not None:
            return TexturedHead.from_renderer(built).texture
        full = self._full_model() if self._full_model is not None else None
        return TexturedHead(result.image, result.fit, full).texture
