"""Image input: read any photo the usual libraries read into an (H, W, 3) uint8 RGB array.

EXIF orientation is applied; grayscale, palette, RGBA (composited on white) and 16-bit images are
converted. Images whose long side exceeds :data:`MAX_SIDE` are not rejected: the fitter detects on a
copy downscaled to :data:`MAX_SIDE` and says so (see :func:`limit_size`). Decoding refuses images
above :data:`MAX_PIXELS` pixels (decompression bombs).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from emoshift.io import UserError

#: Long-side limit (pixels) for detection; larger images are downscaled to it for detection.
MAX_SIDE = 4096
#: Hard limit on decoded pixels (about 16k x 12k); larger files are refused.
MAX_PIXELS = 200_000_000

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")


def to_rgb8(arr: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 1|2|3|4) array of uint8/uint16/float/bool -> (H, W, 3) uint8 RGB.

    Alpha is composited on white; 16-bit is scaled by 1/257; floats are read as 0..1.
    """
    a = np.asarray(arr)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise UserError(f"expected an image array of shape (H, W) or (H, W, 1-4), got {tuple(np.shape(arr))}")
    if a.dtype == np.bool_:
        f = a.astype(np.float32)
    elif a.dtype == np.uint8:
        f = a.astype(np.float32) / 255.0
    elif a.dtype == np.uint16:
        f = a.astype(np.float32) / 65535.0
    elif np.issubdtype(a.dtype, np.integer):
        f = a.astype(np.float32) / max(float(a.max()), 1.0)
    elif np.issubdtype(a.dtype, np.floating):
        f = np.nan_to_num(a.astype(np.float32)).clip(0, 1)
    else:
        raise UserError(f"unsupported image data type {a.dtype}")
    c = f.shape[2]
    if c in (2, 4):  # composite alpha on white
        alpha = f[:, :, -1:]
        f = f[:, :, :-1] * alpha + (1 - alpha)
        c -= 1
    if c == 1:
        f = np.repeat(f, 3, axis=2)
    if a.dtype == np.uint8 and c == 3 and a.shape[2] == 3:
        return np.ascontiguousarray(a)
    return np.ascontiguousarray((f * 255.0 + 0.5).astype(np.uint8))


def load_image(src: str | Path | np.ndarray) -> np.ndarray:
    """Read a photo (path, array, or a sample name of :mod:`emoshift.samples`) as (H, W, 3) uint8 RGB.

    Raises :class:`emoshift.io.UserError` (one line) for a missing, empty, unreadable or non-image
    file, or an image above :data:`MAX_PIXELS` pixels.
    """
    if isinstance(src, np.ndarray):
        return to_rgb8(src)
    from PIL import Image, ImageOps, UnidentifiedImageError

    from emoshift.samples import SAMPLE_PHOTOS, sample_photo

    path = Path(src)
    if isinstance(src, str) and src in SAMPLE_PHOTOS and not path.exists():
        return sample_photo(src)
    if not path.exists():
        raise UserError(f"image not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a folder, not an image")
    if path.stat().st_size == 0:
        raise UserError(f"image file is empty: {path}")
    old_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im = ImageOps.exif_transpose(im)
                arr = _pil_to_array(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(f"image is too large to decode safely (limit {MAX_PIXELS:,} pixels): {path}") from None
    except UnidentifiedImageError:
        hint = " (a video? use Fitter.fit_video / a video suffix)" if path.suffix.lower() in VIDEO_SUFFIXES else ""
        raise UserError(f"not a readable image: {path}{hint}") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise UserError(f"cannot read image {path}: {str(err).splitlines()[0] if str(err) else 'corrupt'}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
    return to_rgb8(arr)


def _pil_to_array(im) -> np.ndarray:
    """PIL image in any mode -> numpy array accepted by :func:`to_rgb8`."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(im, dtype=np.uint16)
    if mode == "I":
        a = np.asarray(im, dtype=np.int64)
        return (a.clip(0, 65535)).astype(np.uint16) if a.max() > 255 else a.clip(0, 255).astype(np.uint8)
    if mode == "F":
        a = np.asarray(im, dtype=np.float32)
        return a / max(float(a.max()), 1.0) if a.max() > 1 else a
    if mode in ("RGB", "RGBA", "L", "LA"):
        return np.asarray(im)
    if mode == "P" and "transparency" in im.info:
        return np.asarray(im.convert("RGBA"))
    if mode == "1":
        return np.asarray(im.convert("L"))
    return np.asarray(im.convert("RGB"))


def limit_size(image: np.ndarray, max_side: int = MAX_SIDE) -> tuple[np.ndarray, float]:
    """Downscale so the long side is at most ``max_side``: (image, scale) with scale <= 1.

    The one downscaler of photos (the pipeline's ``max_side`` and the detector's limit): an area
    (box) filter, which averages every source pixel once and does not ring at edges."""
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image, 1.0
    from PIL import Image

    s = max_side / max(h, w)
    small = Image.fromarray(image).resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BOX)
    return np.asarray(small), s
