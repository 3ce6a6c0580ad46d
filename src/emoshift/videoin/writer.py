"""Streaming MP4 output for a video input: H.264 frames at the input's timestamps, the input's audio
copied packet by packet (remuxed, not re-encoded), interleaved by time as the frames arrive."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emoshift.io import UserError
from emoshift.videoin.probe import VideoInfo

#: Audio codecs an MP4 can carry as they are; others are re-encoded to AAC.
MP4_AUDIO = ("aac", "mp3", "alac", "opus", "ac3", "eac3", "flac")


class Mp4Writer:
    """``with Mp4Writer(tmp_path, info) as w: w.write(frame, pts)``: one (H, W, 3) uint8 frame at a time,
    ``pts`` in the input's time base (None: the frame's index at the average rate)."""

    def __init__(self, path: Path, info: VideoInfo) -> None:
        self.path, self.info = Path(path), info
        self.n = 0

    def __enter__(self) -> Mp4Writer:
        import av

        from emoshift.export.video import X264_CRF, X264_PRESET

        info = self.info
        self.out = av.open(str(self.path), "w", format="mp4", options={"movflags": "+faststart"})
        self.video = self.out.add_stream("libx264", rate=info.fps)
        self.video.width, self.video.height = info.out_width, info.out_height
        self.video.pix_fmt = "yuv420p"
        self.video.time_base = self.video.codec_context.time_base = info.time_base
        self.video.options = {"preset": X264_PRESET, "crf": str(X264_CRF)}
        self.src = self.audio = None
        self._packets, self._pending, self._resampler = None, None, None
        if info.audio is not None:
            self.src = av.open(str(info.path))
            a_in = self.src.streams.audio[0]
            if info.audio in MP4_AUDIO:
                self.audio = self.out.add_stream_from_template(a_in)
                self._packets = (p for p in self.src.demux(a_in) if p.dts is not None)
            else:
                self.audio = self.out.add_stream("aac", rate=a_in.codec_context.sample_rate)
                self._resampler = av.AudioResampler(format="fltp", layout=a_in.layout.name, rate=a_in.rate)
                self._packets = self._transcoded(a_in)
        return self

    def _transcoded(self, a_in):
        """Audio the MP4 cannot carry as it is: decoded, resampled and encoded to AAC (packets)."""
        for frame in self.src.decode(a_in):
            for f in self._resampler.resample(frame):
                yield from self.audio.encode(f)
        yield from self.audio.encode(None)

    def _mux_audio_until(self, seconds: float | None) -> None:
        """Mux the input's audio packets up to ``seconds`` (None: all that are left)."""
        if self._packets is None:
            return
        while True:
            p = self._pending if self._pending is not None else next(self._packets, None)
            self._pending = None
            if p is None:
                self._packets = None
                return
            t = float(p.dts * p.time_base) if p.dts is not None and p.time_base else None
            if seconds is not None and t is not None and t > seconds:
                self._pending = p
                return
            p.stream = self.audio
            self.out.mux(p)

    def write(self, frame: np.ndarray, pts: int | None = None) -> None:
        import av

        tb = self.info.time_base
        if pts is None:
            pts = round(self.n / self.info.fps / tb)
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts, vf.time_base = int(pts), tb
        self.out.mux(self.video.encode(vf))
        self.n += 1
        self._mux_audio_until(float(pts * tb))

    def __exit__(self, kind, err, tb) -> None:
        try:
            if kind is None:
                if self.n == 0:
                    raise UserError(f"no frames could be decoded from {self.info.path}")
                self.out.mux(self.video.encode())
                self._mux_audio_until(None)
        finally:
            self.out.close()
            if self.src is not None:
                self.src.close()


def read_audio(path: str | Path) -> tuple[np.ndarray, int] | None:
    """All audio of a file as ((C, N) float32, sample rate), or None without audio (tests, benches)."""
    import av

    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        a = c.streams.audio[0]
        chunks = [f.to_ndarray().astype(np.float32) for f in c.decode(a)]
        rate = a.codec_context.sample_rate
    planar = [x if x.shape[0] <= 8 else x.reshape(-1, x.shape[-1]) for x in chunks]
    return np.concatenate(planar, axis=1), rate


