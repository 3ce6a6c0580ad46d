"""Image input: read any photo the usual libraries read into an (H, W, 3) uint8 RGB array.

EXIF orientation is applied; grayscale, palette, RGBA (composited on white) and 16-bit images are
converted. Memory is bounded for any accepted file (issue 15):

* the pixel count is read from the header before anything is decoded: JPEGs up to :data:`MAX_PIXELS`
  pixels are decoded straight to a reduced size (libjpeg's DCT scaling, ``Image.draft``); other
  formats must be fully decoded by Pillow, so they are refused above :data:`MAX_DECODE_PIXELS`;
* a decoded image whose long side exceeds ``max_side`` (default :data:`MAX_SIDE`) is reduced by an
  integer box filter (``Image.reduce``) and a final Lanczos step before any conversion, and the
  conversion to RGB runs on blocks of rows, so no full-size float copy is ever made.

Peak memory is therefore about ``4 * MAX_DECODE_PIXELS`` bytes (RGBA) twice over: 0.8 GB.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from emoshift.io import UserError

#: Long-side limit (pixels): larger photos are decoded at a reduced size (and detected at this size).
MAX_SIDE = 4096
#: Hard limit on a JPEG's header pixel count (about 15k x 11.5k, just under Pillow's own bomb guard);
#: JPEGs decode at a reduced scale, so this bounds time, not memory.
MAX_PIXELS = 178_000_000
#: Formats decoded at full size (PNG, WebP, TIFF, ...): at most this many pixels (10000 x 10000).
MAX_DECODE_PIXELS = 100_000_000
#: Rows converted at once by :func:`to_rgb8` (bounds its float temporaries).
ROW_BLOCK = 256

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")
_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
              7: "TRANSVERSE", 8: "ROTATE_90"}  # fmt: skip


def _rows_to_unit(a: np.ndarray) -> np.ndarray:
    """(h, W, C) block of any supported dtype -> float32 in 0..1."""
    if a.dtype == np.bool_:
        return a.astype(np.float32)
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if a.dtype == np.uint16:
        return a.astype(np.float32) / 65535.0
    if np.issubdtype(a.dtype, np.floating):
        return np.nan_to_num(a.astype(np.float32)).clip(0, 1)
    raise UserError(f"unsupported image data type {a.dtype}")


def _block_to_rgb8(f: np.ndarray) -> np.ndarray:
    """(h, W, 1-4) float 0..1 -> (h, W, 3) uint8; alpha composited on white, gray repeated."""
    c = f.shape[2]
    if c in (2, 4):
        alpha = f[:, :, -1:]
        f = f[:, :, :-1] * alpha + (1 - alpha)
    if f.shape[2] == 1:
        f = np.repeat(f, 3, axis=2)
    return (f * 255.0 + 0.5).astype(np.uint8)


def to_rgb8(arr: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 1|2|3|4) array of uint8/uint16/int/float/bool -> (H, W, 3) uint8 RGB.

    Alpha is composited on white; 16-bit is scaled by 1/257; floats must hold 0..1; other integers
    by their maximum. Converted in blocks of :data:`ROW_BLOCK` rows (float temporaries stay small).
    """
    a = np.asarray(arr)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise UserError(f"expected an image array of shape (H, W) or (H, W, 1-4), got {tuple(np.shape(arr))}")
    if a.dtype == np.uint8 and a.shape[2] == 3:
        return np.ascontiguousarray(a)
    if np.issubdtype(a.dtype, np.integer) and a.dtype not in (np.uint8, np.uint16):
        top = max(float(a.max()), 1.0)
        a = a.clip(0, None)
        conv = lambda blk: _block_to_rgb8(blk.astype(np.float32) / top)  # noqa: E731
    elif a.dtype.kind in "buf":
        if a.dtype.kind == "f":
            _check_unit_range(a)
        conv = lambda blk: _block_to_rgb8(_rows_to_unit(blk))  # noqa: E731
    else:
        raise UserError(f"unsupported image data type {a.dtype}")
    out = np.empty((a.shape[0], a.shape[1], 3), np.uint8)
    for r in range(0, a.shape[0], ROW_BLOCK):
        out[r : r + ROW_BLOCK] = conv(a[r : r + ROW_BLOCK])
    return out


#: How far a float image may stray outside [0, 1] (resampling overshoot) before it is refused, not clipped.
FLOAT_SLACK = 0.05


def _check_unit_range(a: np.ndarray) -> None:
    """A float image holds 0..1: values well outside (a 0..255 array) are a :class:`UserError`, not an image
    clipped to white (whose face then goes unfound). NaNs are ignored (read as 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    if hi > 1 + FLOAT_SLACK or lo < -FLOAT_SLACK:
        hint = "; divide by 255 (or pass uint8)" if hi <= 255.5 and lo >= -FLOAT_SLACK else ""
        raise UserError(f"a float image array must hold values in [0, 1], got {lo:g}..{hi:g}{hint}")


def check_image_path(src: str | Path) -> Path:
    """A cheap check before any model loads: the path exists, is a file, is not empty, and its header
    is a readable image within the pixel limits. Returns the path; :class:`UserError` otherwise."""
    path = Path(src)
    if not path.exists():
        raise UserError(f"image not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not an image")
    if path.stat().st_size == 0:
        raise UserError(f"image file is empty: {path}")
    with _open(path) as im:
        _check_pixels(im, path)
    return path


def image_size(src: str | Path) -> tuple[int, int]:
    """(width, height) as displayed (EXIF rotation applied), read from the header only."""
    path = check_image_path(src)
    with _open(path) as im:
        w, h = im.size
        return (h, w) if im.getexif().get(0x0112, 1) in (5, 6, 7, 8) else (w, h)


def _open(path: Path):
    """``Image.open`` (header only) with one-line errors."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except Image.DecompressionBombError as err:  # Pillow's own guard (above ~179 Mpx) fires on open
        import re

        n = re.search(r"\((\d+) pixels\)", str(err))
        size = f"{int(n.group(1)) / 1e6:.0f} Mpx" if n else "too many pixels"
        raise UserError(
            f"image is too large to decode safely: {size} (the limit is {MAX_DECODE_PIXELS / 1e6:.0f} Mpx, "
            f"{MAX_PIXELS / 1e6:.0f} Mpx for JPEG); downscale it first: {path}"
        ) from None
    except UnidentifiedImageError:
        hint = " (a video? use Fitter.fit_video / a video suffix)" if path.suffix.lower() in VIDEO_SUFFIXES else ""
        raise UserError(f"not a readable image: {path}{hint}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a directory, not an image") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise UserError(f"cannot read image {path}: {_first_line(err)}") from None


def _first_line(err: BaseException) -> str:
    return str(err).splitlines()[0] if str(err) else "corrupt"


def _check_pixels(im, path: Path) -> None:
    """Refuse from the header: JPEG above :data:`MAX_PIXELS`, other formats above :data:`MAX_DECODE_PIXELS`."""
    w, h = im.size
    limit = MAX_PIXELS if im.format == "JPEG" else MAX_DECODE_PIXELS
    if w * h > limit:
        raise UserError(
            f"image is too large to decode safely: {w}x{h} = {w * h / 1e6:.0f} Mpx, the limit for "
            f"{im.format or 'this format'} is {limit / 1e6:.0f} Mpx; downscale it first: {path}"
        )


def load_image(src: str | Path | np.ndarray, max_side: int | None = MAX_SIDE) -> np.ndarray:
    """Read a photo (path, array, or a sample name of :mod:`emoshift.samples`) as (H, W, 3) uint8 RGB.

    A file whose long side exceeds ``max_side`` is decoded at a reduced size (JPEG DCT scaling or an
    integer box reduce, then a Lanczos step to a long side of exactly ``max_side``; None: full size). Arrays are converted, not resized.
    Raises :class:`emoshift.io.UserError` (one line) for a missing, empty, unreadable or non-image
    file, a directory, or an image above the pixel limits (see the module docstring).
    """
    if isinstance(src, np.ndarray):
        return to_rgb8(src)
    from emoshift.samples import SAMPLE_PHOTOS, sample_photo

    path = Path(src)
    if isinstance(src, str) and src in SAMPLE_PHOTOS and not path.exists():
        return sample_photo(src)
    check_image_path(path)
    try:
        with _open(path) as im:
            _check_pixels(im, path)
            return to_rgb8(_pil_to_array(_decode_bounded(im, max_side)))
    except MemoryError:
        raise UserError(f"not enough memory to decode {path}") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise UserError(f"cannot read image {path}: {_first_line(err)}") from None


def _decode_bounded(im, max_side: int | None):
    """Decode a PIL image (header read) to at most ``max_side`` on the long side, EXIF-oriented."""
    from PIL import Image

    orientation = im.getexif().get(0x0112, 1)
    w, h = im.size
    if max_side and max(w, h) > max_side and im.format == "JPEG":
        want = max(1, math.ceil(w * max_side / max(w, h))), max(1, math.ceil(h * max_side / max(w, h)))
        im.draft(im.mode if im.mode in ("RGB", "L") else "RGB", want)  # DCT scaling: >= want, up to 1/8
    im.load()
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode.startswith("I;16"):
        im = im.convert("I")
    elif mode not in ("RGB", "RGBA", "L", "LA", "I", "F"):
        im = im.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX, PA, La, RGBa, ...
    if max_side and max(im.size) > max_side:
        factor = max(im.size) // max_side
        if factor >= 2:  # integer box reduce first (cheap, no full-size copy in another mode)
            im = im.reduce(factor)
        if max(im.size) > max_side:  # then the remaining (< 2x) step to exactly max_side
            s = max_side / max(im.size)
            im = im.resize((max(1, round(im.size[0] * s)), max(1, round(im.size[1] * s))), Image.Resampling.LANCZOS)
    if orientation in _TRANSPOSE:
        im = im.transpose(getattr(Image.Transpose, _TRANSPOSE[orientation]))
    return im


def from_pil(image) -> np.ndarray:
    """A PIL image in memory (any mode; EXIF orientation applied) -> an array :func:`load_image` and
    :func:`to_rgb8` read (the in-memory twin of reading a file)."""
    from PIL import ImageOps

    return _pil_to_array(ImageOps.exif_transpose(image))


def _pil_to_array(im) -> np.ndarray:
    """PIL image in mode RGB, RGBA, L, LA, I, I;16 or F -> numpy array accepted by :func:`to_rgb8`."""
    mode = im.mode
    if mode == "I" or mode.startswith("I;16"):
        a = np.asarray(im, dtype=np.int64)
        return a.clip(0, 65535).astype(np.uint16) if a.max() > 255 else a.clip(0, 255).astype(np.uint8)
    if mode == "F":
        a = np.asarray(im, dtype=np.float32)
        return a / max(float(a.max()), 1.0) if a.max() > 1 else a
    if mode in ("RGB", "RGBA", "L", "LA"):
        return np.asarray(im)
    return np.asarray(im.convert("RGB"))


def wide_image_hint(shape: tuple[int, ...]) -> str:
    """A hint for "no face found" in a very wide or very tall image (the detector sees it downscaled)."""
    h, w = shape[:2]
    if max(w, h) >= 3 * min(w, h):
        return f" (a face is small in a very {'wide' if w > h else 'tall'} image; crop the photo around the face)"
    return ""


#: Share of a face's landmarks outside the photo above which :func:`edge_warning` speaks up.
EDGE_FRACTION = 0.02


def edge_warning(landmarks: np.ndarray, width: int, height: int) -> str | None:
    """A one-line warning when a face is cut off by the image border, else None.

    landmarks: (N, 2+) detected landmark pixels (x, y); a landmark outside [0, width] x [0, height]
    was guessed by the detector. More than :data:`EDGE_FRACTION` of them -> the fit is unreliable.
    """
    xy = np.asarray(landmarks, dtype=np.float64)[:, :2]
    if len(xy) == 0:
        return None
    outside = (xy[:, 0] < 0) | (xy[:, 0] > width) | (xy[:, 1] < 0) | (xy[:, 1] > height)
    share = float(outside.mean())
    if share <= EDGE_FRACTION:
        return None
    sides = [name for name, hit in (("left", xy[:, 0] < 0), ("right", xy[:, 0] > width), ("top", xy[:, 1] < 0),
                                     ("bottom", xy[:, 1] > height)) if hit.any()]  # fmt: skip
    return (f"the face is cut off at the {'/'.join(sides)} edge of the photo ({100 * share:.0f}% of its landmarks "
            "lie outside it); the fit there is guessed -- use a photo that shows the whole face")


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
