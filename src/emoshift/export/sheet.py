"""A side-by-side sheet: the source photo, the frame at each anchor, and the shape render under it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from emoshift.io import UserError, atomic_write

PAD = 8
LABEL_H = 18


def _rgb(img: np.ndarray, height: int) -> np.ndarray:
    """(H, W) or (H, W, 3|4) uint8 → (height, W', 3) uint8, aspect kept."""
    from PIL import Image

    a = np.asarray(img)
    if a.dtype != np.uint8:
        raise ValueError(f"sheet images must be uint8, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, 2)
    a = a[..., :3]
    w = max(1, round(a.shape[1] * height / a.shape[0]))
    return np.asarray(Image.fromarray(np.ascontiguousarray(a)).resize((w, height), Image.BILINEAR))


def compose_sheet(
    source: np.ndarray | None,
    anchor_frames: list[np.ndarray],
    shape_images: list[np.ndarray] | None = None,
    labels: list[str] | None = None,
    height: int = 256,
) -> np.ndarray:
    """Lay out the sheet as an image.

    Row 1: ``source | anchor_frames...``; row 2 (when ``shape_images`` are given): the shape renders,
    under their anchors when there are as many, else after a blank under the source. ``labels``
    caption the anchor columns ("source" captions the first).

    Returns:
        (H, W, 3) uint8 on a white background.
    """
    from PIL import Image, ImageDraw

    if source is None and not anchor_frames:
        raise UserError("nothing to put on the sheet")
    row1 = ([_rgb(source, height)] if source is not None else []) + [_rgb(f, height) for f in anchor_frames]
    caps = (["source"] if source is not None else []) + list(labels or [""] * len(anchor_frames))
    row2: list[np.ndarray | None] = []
    if shape_images:
        shapes = [_rgb(s, height) for s in shape_images]
        if len(shapes) == len(anchor_frames):
            row2 = ([None] if source is not None else []) + shapes
        else:
            row2 = [None] + shapes
    ncol = max(len(row1), len(row2))
    colw = [0] * ncol
    for row in (row1, row2):
        for i, im in enumerate(row):
            if im is not None:
                colw[i] = max(colw[i], im.shape[1])
    nrow = 2 if row2 else 1
    width = sum(colw) + PAD * (ncol + 1)
    total_h = nrow * (height + LABEL_H) + PAD * (nrow + 1)
    canvas = Image.new("RGB", (width, total_h), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate((row1, row2)[:nrow]):
        y = PAD + r * (height + LABEL_H + PAD)
        x = PAD
        for i in range(ncol):
            im = row[i] if i < len(row) else None
            if im is not None:
                canvas.paste(Image.fromarray(im), (x + (colw[i] - im.shape[1]) // 2, y + LABEL_H))
            if r == 0 and i < len(caps) and caps[i]:
                draw.text((x + 2, y + 2), caps[i], fill=(0, 0, 0))
            x += colw[i] + PAD
    return np.asarray(canvas)


def write_sheet(
    path: str | Path,
    source: np.ndarray | None,
    anchor_frames: list[np.ndarray],
    shape_images: list[np.ndarray] | None = None,
    labels: list[str] | None = None,
    height: int = 256,
) -> Path:
    """Compose (see :func:`compose_sheet`) and write the sheet as ``.png`` or ``.jpg`` atomically."""
    from PIL import Image

    path = Path(path)
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"unknown sheet extension '{path.suffix or '(none)'}' for {path}; use .png or .jpg")
    sheet = compose_sheet(source, anchor_frames, shape_images, labels, height)
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return atomic_write(path, buf.getvalue())
