"""Video writers: H.264 MP4 (yuv420p, plays in browsers) through PyAV, GIF through Pillow, PNG folders.

Frames are (T, H, W, 3) uint8 RGB arrays or any iterable of (H, W, 3) uint8 frames (streamed: an
MP4 never holds the whole clip in memory). Every output is written atomically.

GIF timing (:func:`gif_timing`): GIF delays are whole centiseconds and browsers play delays under
2 cs as ~10 cs, so up to 50 fps every frame is kept and each delay is the difference of the frames'
rounded exact timestamps (30 fps: 3, 4, 3, 3, 4, 3 ... cs), the delays summing to the clip's length
``frames / fps`` within 1 cs; above 50 fps frames are dropped evenly to 50 fps (60 fps: every sixth)
with 2 cs delays. Pillow stores identical consecutive frames once with their summed delay (a hold in
the animation), so such a GIF has fewer stored frames but the same timing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from emoshift.export.folders import atomic_folder
from emoshift.io import UserError, atomic_write_with

MAX_FPS = 240.0
#: the highest GIF frame rate: 2 cs delays (browsers slow shorter delays down to ~10 cs)
GIF_MAX_FPS = 50.0
#: x264 settings: "veryfast" encodes 60 frames of 512x512 in ~0.15 s on 2 cores; crf 20 is visually clean
X264_PRESET = "veryfast"
X264_CRF = 20


def check_fps(fps: float) -> float:
    """``fps`` as a float, or a one-line :class:`UserError` when it is not in (0, 240]."""
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        raise UserError(f"fps must be a number, got {fps!r}") from None
    if not (0 < fps <= MAX_FPS):
        raise UserError(f"fps must be in (0, {MAX_FPS:g}], got {fps:g}")
    return fps


def _frames(frames: np.ndarray | Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Validate and yield (H, W, 3) uint8 frames of one size; raises if there are none."""
    it = iter(frames)
    first = next(it, None)
    if first is None:
        raise UserError("no frames to write")
    shape = np.asarray(first).shape
    for i, f in enumerate(itertools.chain([first], it)):
        f = np.asarray(f)
        if f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 3:
            raise ValueError(f"frame {i}: expected (H, W, 3) uint8, got {f.shape} {f.dtype}")
        if f.shape != shape:
            raise ValueError(f"frame {i} has size {f.shape}, the first frame {shape}")
        yield np.ascontiguousarray(f)


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad odd heights/widths by one replicated row/column (yuv420p needs even sizes)."""
    h, w = frame.shape[:2]
    if h % 2 or w % 2:
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return frame


def _write_mp4(frames: Iterator[np.ndarray], tmp: Path, fps: float) -> int:
    import av  # heavy import kept local
    from fractions import Fraction

    rate = Fraction(fps).limit_denominator(1001)
    n = 0
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = None
        for frame in frames:
            frame = _even(frame)
            if stream is None:
                stream = container.add_stream("libx264", rate=rate)
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.options = {"preset": X264_PRESET, "crf": str(X264_CRF)}
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            container.mux(stream.encode(vf))
            n += 1
        container.mux(stream.encode())
    return n


def gif_timing(n: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(M,) indices of the frames a GIF of ``n`` frames at ``fps`` shows and (M,) their delays in
    centiseconds (see the module notes): all frames up to :data:`GIF_MAX_FPS`, else the frame showing
    at each ``k / 50`` s; the delays are differences of rounded timestamps ending at ``n / fps``, none
    under 2 cs."""
    rate = min(float(fps), GIF_MAX_FPS)
    m = max(1, math.floor(n * rate / fps + 1e-9))  # the last kept frame lasts one to two 1/50 s slots
    idx = np.minimum(np.floor(np.arange(m) * (fps / rate) + 1e-9).astype(np.int64), n - 1)
    ends = np.round(np.append(np.arange(1, m) / rate, n / fps) * 100).astype(np.int64)
    return idx, np.maximum(np.diff(ends, prepend=0), 2)


def _write_gif(frames: Iterator[np.ndarray], tmp: Path, fps: float) -> int:
    """One global palette (median cut over up to 8 frames) and no dithering: unchanged pixels keep
    their index, so Pillow stores only each frame's changed rectangle (small, fast files)."""
    from PIL import Image

    arrays = list(frames)
    idx, delays = gif_timing(len(arrays), fps)
    arrays = [arrays[i] for i in idx]
    step = max(1, len(arrays) // 8)
    sample = Image.fromarray(np.concatenate([a[::2, ::2] for a in arrays[::step]], 0))
    palette = sample.quantize(256, method=Image.Quantize.MEDIANCUT)
    images = [Image.fromarray(a).quantize(palette=palette, dither=Image.Dither.NONE) for a in arrays]
    # Pillow takes milliseconds and truncates them to centiseconds: whole centiseconds pass exactly
    durations = [int(d) * 10 for d in delays]
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return len(images)


def _write_pngs(frames: Iterator[np.ndarray], folder: Path) -> int:
    from PIL import Image

    n = 0
    for i, f in enumerate(frames):
        Image.fromarray(f).save(folder / f"frame_{i:05d}.png", compress_level=1)
        n = i + 1
    return n


def write_video(frames: np.ndarray | Iterable[np.ndarray], path: str | Path, fps: float = 30) -> Path:
    """Write frames as an MP4 (H.264, yuv420p), a looping GIF, or a folder of PNGs.

    Args:
        frames: (T, H, W, 3) uint8 RGB, or an iterable of (H, W, 3) uint8 frames.
        path: ``*.mp4``, ``*.gif``, or a path without extension = a folder of ``frame_00000.png`` ...
            (an existing folder is replaced as a whole).
        fps: frames per second, in (0, 240] (a GIF plays at most 50: see the module notes).
    Returns:
        ``path``. Nothing is left at ``path`` (or it keeps its old content) if writing fails.
    Raises:
        UserError: unknown extension, missing/read-only folder, bad fps, no frames.
    """
    path = Path(path)
    fps = check_fps(fps)
    suffix = path.suffix.lower()
    if suffix not in (".mp4", ".gif", ""):
        raise UserError(f"unknown video extension '{suffix}' for {path}; use .mp4, .gif or a folder (no extension)")
    it = _frames(frames)
    first = next(it)  # fail on "no frames" before creating anything
    it = itertools.chain([first], it)
    if suffix == "":
        with atomic_folder(path) as tmp:
            _write_pngs(it, tmp)
        return path
    writer = _write_mp4 if suffix == ".mp4" else _write_gif
    return atomic_write_with(path, lambda tmp: writer(it, tmp, fps))
