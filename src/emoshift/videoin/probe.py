"""Reading an input video: its facts (:class:`VideoInfo`, checked before any work) and its frames.

* Size: the output keeps the input's size unless its long side exceeds ``max_side`` (then it is scaled
  down, both sides even, as H.264 in yuv420p needs).
* Frame rate: every frame keeps its own timestamp (the output reuses the input's time base and
  presentation times), so a variable-frame-rate video is handled: same frames, same timing, and the
  audio stays in sync. :attr:`VideoInfo.variable_rate` says whether the intervals vary.
* Length: at most ``max_seconds`` (default :data:`MAX_SECONDS`) and :data:`MAX_FRAMES` frames; a
  longer video is a one-line :class:`emoshift.io.UserError` before anything is decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from emoshift.fitting.image import VIDEO_SUFFIXES  # noqa: F401 (extensions taken as a video; re-exported)
from emoshift.io import UserError

MAX_SECONDS = 120.0
MAX_FRAMES = 120 * 60
#: Frame intervals spread (max - min over the median) above this counts as a variable frame rate.
VFR_SPREAD = 0.25


@dataclass(frozen=True)
class VideoInfo:
    """path; width, height: the input's; out_width, out_height: the frames as read (``max_side``);
    fps: the average frame rate; frames: the packet count (the decoder's count is what is written);
    seconds; time_base: of the video stream; variable_rate: frame intervals vary; audio: codec name or None."""

    path: Path
    width: int
    height: int
    out_width: int
    out_height: int
    fps: Fraction
    frames: int
    seconds: float
    time_base: Fraction
    variable_rate: bool
    audio: str | None


def is_video_path(source) -> bool:
    """True for a str/Path naming a video by its extension (``emoshift.fitting.image.VIDEO_SUFFIXES``)."""
    return isinstance(source, (str, Path)) and Path(str(source)).suffix.lower() in VIDEO_SUFFIXES


def output_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) of the frames as processed: the input's, or scaled so that the long side is at
    most ``max_side``; both even when scaled (or when the input's are odd)."""
    s = 1.0 if not max_side or max(width, height) <= max_side else max_side / max(width, height)
    if s == 1.0 and width % 2 == 0 and height % 2 == 0:
        return width, height
    return max(2, int(width * s) // 2 * 2), max(2, int(height * s) // 2 * 2)


def _open(path: Path):
    import av

    if not path.is_file():
        raise UserError(f"video not found: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"video file is empty: {path}")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as err:
        why = str(err).splitlines()[0] if str(err) else "corrupt"
        raise UserError(f"not a readable video: {path} ({why})") from None
    if not container.streams.video:
        container.close()
        raise UserError(f"no video stream in {path}")
    return container


def probe(path: str | Path, max_side: int | None = None, max_seconds: float = MAX_SECONDS) -> VideoInfo:
    """The video's facts from its packets (nothing decoded); UserError when it is unreadable or too long."""
    path = Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        pts = [p.pts for p in container.demux(stream) if p.size and p.pts is not None]
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        width, height = stream.codec_context.width, stream.codec_context.height
        tb = stream.time_base or Fraction(1, 90000)
        rate = stream.average_rate or stream.guessed_rate
    if not pts:
        raise UserError(f"no video frames in {path}")
    times = np.sort(np.asarray(pts, np.float64)) * float(tb)
    steps = np.diff(times)
    if rate is None or rate <= 0:
        rate = Fraction(1 / float(np.median(steps))).limit_denominator(1001) if len(steps) else Fraction(30)
    n = len(pts)
    seconds = n / float(rate)
    if seconds > max_seconds or n > MAX_FRAMES:
        raise UserError(
            f"{path.name} is {seconds:.1f} s ({n} frames) long; at most {max_seconds:g} s and {MAX_FRAMES} frames "
            f"can be animated (cut it first, e.g. ffmpeg -i {path.name} -t {max_seconds:g} -c copy short.mp4)"
        )
    vfr = len(steps) > 1 and float(np.ptp(steps)) > VFR_SPREAD * float(np.median(steps))
    ow, oh = output_size(width, height, max_side)
    return VideoInfo(path, width, height, ow, oh, Fraction(rate), n, seconds, Fraction(tb), bool(vfr), audio)


def iter_frames(info: VideoInfo) -> Iterator[tuple[int, np.ndarray, int | None]]:
    """Yield (index, (out_height, out_width, 3) uint8 RGB, pts) for every decoded frame, in order."""
    import av

    with _open(info.path) as container:
        container.streams.video[0].thread_type = "AUTO"
        n = 0
        try:
            for i, frame in enumerate(container.decode(video=0)):
                if (frame.width, frame.height) == (info.out_width, info.out_height):
                    rgb = frame.to_ndarray(format="rgb24")
                else:
                    rgb = frame.to_ndarray(width=info.out_width, height=info.out_height, format="rgb24",
                                           interpolation="AREA")  # fmt: skip
                yield i, rgb, frame.pts
                n += 1
        except av.error.FFmpegError as err:
            if n == 0:
                raise UserError(f"cannot decode video {info.path}: {str(err).splitlines()[0]}") from None
