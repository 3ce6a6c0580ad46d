"""Reading an input video: its facts (:class:`VideoInfo`, checked before any work) and its frames.

* Size: the output keeps the input's size unless its long side exceeds ``max_side`` (then it is scaled
  down, both sides even, as H.264 in yuv420p needs).
* Frame rate: every frame keeps its own timestamp (the output reuses the input's time base and
  presentation times), so a variable-frame-rate video is handled: same frames, same timing, and the
  audio stays in sync. :attr:`VideoInfo.variable_rate` says whether the intervals vary.
* Length: at most ``max_seconds`` (default :data:`MAX_SECONDS`) and :data:`MAX_FRAMES` frames, at
  least :data:`MIN_FRAMES`; a longer (or a one-frame) video is a one-line :class:`emoshift.io.UserError`
  before anything is decoded.
* Rotation: a phone video stored sideways with a display rotation (the container's display matrix,
  PyAV's ``VideoFrame.rotation``) is turned upright as it is decoded, so it is fitted, rendered and
  written upright (the output carries no rotation and plays the same way round as the input).
  ``width``/``height`` are the upright (displayed) size. A display matrix's mirroring is not applied.
* Damage: every packet is decoded on its own (:func:`decoded`), so a damaged packet costs its own frames,
  not the rest of the clip; :class:`DecodeStats` counts them, and a file that ends before the frames its
  header lists (a cut-off download) is told by :attr:`VideoInfo.declared` (:func:`damage_note`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from emoshift.fitting.image import VIDEO_SUFFIXES  # noqa: F401 (extensions taken as a video; re-exported)
from emoshift.io import UserError

MAX_SECONDS = 120.0
MAX_FRAMES = 120 * 60
#: Fewest frames of a video: one frame cannot show a change (animate it as a photo).
MIN_FRAMES = 2
#: Frame intervals spread (max - min over the median) above this counts as a variable frame rate.
VFR_SPREAD = 0.25


@dataclass(frozen=True)
class VideoInfo:
    """path; width, height: the input's, upright (as a player shows it); out_width, out_height: the frames
    as read (``max_side``, upright); fps: the average frame rate; frames: the packet count (the decoder's
    count is what is written); seconds; time_base: of the video stream; variable_rate: frame intervals
    vary; audio: codec name ("aac", "mp3") or None; rotation: the display rotation the frames are turned
    by to stand upright (degrees counter-clockwise, a multiple of 90; 0 for most videos); declared: the
    frames the header lists (0 when it lists none): more than ``frames`` when the file was cut off."""

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
    rotation: int = 0
    declared: int = 0

    @property
    def stored_size(self) -> tuple[int, int]:
        """(width, height) of the frames as read in the stored orientation (before they are turned upright)."""
        return (self.out_height, self.out_width) if self.rotation % 180 else (self.out_width, self.out_height)


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


def check_video_path(path: Path) -> None:
    """One-line UserErrors for a path that cannot be a video file: missing, a directory, empty."""
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a video")
    if not path.is_file():
        raise UserError(f"video not found: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"video file is empty: {path}")


def check_max_seconds(value: float, name: str = "max_seconds") -> float:
    """``value`` as a float if it is a finite number > 0, else a one-line UserError naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not math.isfinite(v) or v <= 0:
        raise UserError(f"{name} must be a finite number of seconds > 0, got {value:g}" if isinstance(value, float)
                        else f"{name} must be a finite number of seconds > 0, got {value!r}")  # fmt: skip
    return v


def open_video(path: Path):
    """The PyAV container of the video file ``path`` (close it, e.g. ``with open_video(p) as c``); a one-line
    UserError when it is no file, unreadable or has no video stream."""
    import av

    check_video_path(path)
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
    """The video's facts from its packets (only its first frame is decoded, for its display rotation);
    UserError when it is unreadable, too long or a single frame. A file cut off mid-packet is read as far
    as it goes (:attr:`VideoInfo.declared` tells how many frames it should have had)."""
    import av

    path = Path(path)
    max_seconds = check_max_seconds(max_seconds)
    with open_video(path) as container:
        stream = container.streams.video[0]
        pts, rotation = [], None
        try:
            for p in container.demux(stream):
                if p.size and p.pts is not None:
                    pts.append(p.pts)
                if rotation is None and p.size:
                    rotation = _rotation(p)
        except av.error.FFmpegError:
            pass  # the file ends in a damaged place: its frames so far (damage_note says so)
        audio = _codec_name(container.streams.audio[0]) if container.streams.audio else None
        width, height = stream.codec_context.width, stream.codec_context.height
        tb = stream.time_base or Fraction(1, 90000)
        rate = stream.average_rate or stream.guessed_rate
        declared = int(stream.frames or 0)
    if not pts:
        raise UserError(f"no video frames in {path}")
    rotation = rotation or 0
    if rotation % 180:
        width, height = height, width
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
    if n < MIN_FRAMES:
        raise UserError(f"{path.name} has {n} frame; a video needs at least {MIN_FRAMES} to show a change "
                        "(animate the frame as a photo)")  # fmt: skip
    vfr = len(steps) > 1 and float(np.ptp(steps)) > VFR_SPREAD * float(np.median(steps))
    ow, oh = output_size(width, height, max_side)
    return VideoInfo(path, width, height, ow, oh, Fraction(rate), n, seconds, Fraction(tb), bool(vfr), audio,
                     rotation, declared)  # fmt: skip


def _rotation(packet) -> int | None:
    """The display rotation of the frames ``packet`` decodes to (a multiple of 90 degrees
    counter-clockwise, PyAV's ``VideoFrame.rotation``), None when it gives no frame yet."""
    import av

    try:
        frames = packet.decode()
    except av.error.FFmpegError:
        return None
    return round(float(frames[0].rotation or 0) / 90) % 4 * 90 if frames else None


def _codec_name(stream) -> str:
    """The codec's name ("mp3"), not its decoder's ("mp3float")."""
    codec = stream.codec_context.codec
    return getattr(codec, "canonical_name", None) or codec.name


@dataclass
class DecodeStats:
    """What :func:`decoded` met: frames decoded, packets the decoder refused (``damaged``), and whether the
    file ended in a damaged place (``cut``); ``sampled``: the frames a reader passed on (its caller's count)."""

    frames: int = 0
    sampled: int = 0
    damaged: int = 0
    cut: bool = False
    errors: list[str] = field(default_factory=list)

    def require_frames(self, path: Path) -> None:
        """A one-line UserError when no frame of ``path`` could be decoded (after reading it)."""
        if self.frames == 0:
            raise UserError(f"cannot decode video {path}" + (f": {self.errors[0]}" if self.errors else ""))


def decoded(container, stats: DecodeStats | None = None):
    """Every frame of ``container``'s first video stream, decoding packet by packet: a packet the decoder
    refuses (damaged data) is counted in ``stats`` and skipped, and the frames after it still come (a
    damaged packet used to end the clip there); a file that ends in a damaged place ends the frames."""
    import av

    stats = DecodeStats() if stats is None else stats
    stream = container.streams.video[0]
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError:
            stats.cut = True
            break
        try:
            frames = packet.decode()
        except av.error.FFmpegError as err:
            stats.damaged += 1
            stats.errors.append(str(err).splitlines()[0] if str(err) else "damaged")
            continue
        for frame in frames:
            stats.frames += 1
            yield frame
    try:  # the frames the decoder still holds (nothing after the demuxer's own flush)
        for frame in stream.codec_context.decode(None):
            stats.frames += 1
            yield frame
    except av.error.FFmpegError:
        pass


def damage_note(info: VideoInfo, stats: DecodeStats) -> str | None:
    """One line on frames the file lacks (cut off) or that could not be decoded; None when there are none."""
    got, n = stats.frames, info.frames
    cut = info.declared > n or stats.cut
    lost = max(n - got, 0)
    if not cut and not lost and not stats.damaged:
        return None
    skipped = f" ({stats.damaged} damaged packet{'s' * (stats.damaged != 1)} skipped)" if stats.damaged else ""
    if cut:
        listed = f" of the {info.declared} frames its header lists" if info.declared > n else " frames"
        said = f"{info.path.name} ends early (cut off): {n}{listed} are in the file"
        said += f", and {lost} of those could not be decoded{skipped}" if lost or skipped else ""
    else:
        said = f"{info.path.name} is damaged: {lost} of its {n} frames could not be decoded{skipped}"
    gaps = ", at their own times (a gap shows the frame before)" if lost else ""
    return f"{said}; animated the {got} frames that could be read{gaps}"


def iter_frames(info: VideoInfo, stats: DecodeStats | None = None) -> Iterator[tuple[int, np.ndarray, int | None]]:
    """Yield (index, (out_height, out_width, 3) uint8 RGB upright, pts) for every decoded frame, in order
    (damaged packets skipped and counted in ``stats``: :func:`decoded`)."""
    stats = DecodeStats() if stats is None else stats
    with open_video(info.path) as container:
        container.streams.video[0].thread_type = "AUTO"
        size = info.stored_size
        for i, frame in enumerate(decoded(container, stats)):
            yield i, to_rgb(frame, size, info.rotation), frame.pts
    stats.require_frames(info.path)


def to_rgb(frame, size: tuple[int, int] | None = None, rotation: int = 0) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a decoded frame, scaled to ``size`` (width, height, stored orientation; None:
    as it is) and turned by ``rotation`` (degrees counter-clockwise, a multiple of 90) to stand upright."""
    if size is None or (frame.width, frame.height) == tuple(size):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        rgb = frame.to_ndarray(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
    k = round(rotation / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb
