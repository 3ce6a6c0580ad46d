"""A synthetic talking clip for tests and benches: the astronaut (public domain) reenacted with a speaking
jaw and a sine tone, optionally with frames that show no face (a flat grey picture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Jaw opening of the synthetic speaker: JAW_MEAN + JAW_AMP * sin(2 pi SYLLABLE_HZ t + phase wobble).
JAW_MEAN, JAW_AMP, SYLLABLE_HZ = 0.22, 0.18, 3.0
TONE_HZ, AUDIO_RATE = 440.0, 44100
#: (y0, x0, side) of the astronaut's head and shoulders in skimage's 512 x 512 picture.
CROP = (0, 90, 320)


def jaw_curve(n: int, fps: float, seed: int = 0) -> np.ndarray:
    """(n,) float32 jawOpen weights of a talking mouth: syllables at ~3 Hz, not quite periodic (``seed``
    shifts the phases)."""
    t = np.arange(n) / fps
    p = np.random.default_rng(seed).uniform(0, 2 * np.pi, 2) if seed else np.zeros(2)
    wobble = 0.8 * np.sin(2 * np.pi * 0.7 * t + p[1])
    return (JAW_MEAN + JAW_AMP * np.sin(2 * np.pi * SYLLABLE_HZ * t + p[0] + wobble)).astype(np.float32)


def talking_frames(
    n: int, fps: float, size: int = 256, no_face: tuple[int, ...] = (), seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """-> ((n, size, size, 3) uint8 frames, (n,) jawOpen per frame): the astronaut (:data:`CROP`) fitted once and
    reenacted with :func:`jaw_curve`; frames listed in ``no_face`` are flat grey (jaw NaN there)."""
    from PIL import Image

    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.fitting import Fitter
    from emoshift.render.reenact import Reenactor
    from emoshift.samples import sample_photo

    y0, x0, side = CROP
    face = sample_photo("astronaut")[y0 : y0 + side, x0 : x0 + side]
    photo = np.asarray(Image.fromarray(face).resize((size, size), Image.Resampling.BOX))
    fit = Fitter().fit(photo)
    jaw = jaw_curve(n, fps, seed)
    expr = np.repeat(np.asarray(fit.expression, np.float32)[None], n, 0)
    expr[:, list(EXPRESSION_NAMES).index("jawOpen")] = jaw
    rot = np.repeat(np.asarray(fit.rotation, np.float32)[None], n, 0)
    frames = Reenactor(photo, fit).render_batch(expr, rot)
    jaw = jaw.astype(np.float64)
    for i in no_face:
        frames[i] = 128
        jaw[i] = np.nan
    return frames, jaw


def write_clip(path: str | Path, frames: np.ndarray, fps: float, audio: bool = True) -> Path:
    """Write (n, H, W, 3) uint8 frames as an H.264 MP4 at ``fps`` with (``audio``) a 440 Hz AAC sine tone
    as long as the video."""
    import av
    from fractions import Fraction

    path = Path(path)
    with av.open(str(path), "w", format="mp4") as c:
        v = c.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        v.height, v.width = frames.shape[1:3]
        v.pix_fmt, v.options = "yuv420p", {"preset": "veryfast", "crf": "18"}
        a = c.add_stream("aac", rate=AUDIO_RATE) if audio else None
        for f in frames:
            c.mux(v.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")))
        c.mux(v.encode())
        if a is not None:
            n = int(round(len(frames) / fps * AUDIO_RATE))
            tone = (0.3 * np.sin(2 * np.pi * TONE_HZ * np.arange(n) / AUDIO_RATE)).astype(np.float32)
            for k in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(tone[None, k : k + 1024], format="fltp", layout="mono")
                af.sample_rate, af.pts = AUDIO_RATE, k
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path
