"""Video fitting: tracking-mode landmarks, one identity shared by all frames, temporal smoothing.

1. Frames are decoded with PyAV (every ``stride``-th) and passed to the face mesh in tracking mode.
2. Identity: a full fit on up to :data:`KEYFRAMES` frames spread over the clip; the shared identity
   is the mean of their identities (the fits are per-frame, the mean is re-used for all frames).
3. Every frame is then fitted with that identity fixed, warm-started from the previous frame and pulled
   towards it by ``FitConfig.temporal_weight`` (``VIDEO_TEMPORAL_WEIGHT`` when unset).
4. Frames without a face are skipped (their index is missing from the result); a video with no face
   in any frame is a :class:`emoshift.io.UserError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from emoshift.fitting.detect import LandmarkDetector
from emoshift.fitting.result import FaceFit
from emoshift.io import UserError

KEYFRAMES = 8
VIDEO_TEMPORAL_WEIGHT = 20.0


def read_frames(path: str | Path, stride: int = 1, max_frames: int | None = None):
    """Yield (frame index, (H, W, 3) uint8 RGB) for every ``stride``-th frame of a video file."""
    import av

    path = Path(path)
    if not path.is_file():
        raise UserError(f"video not found: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"video file is empty: {path}")
    if stride < 1:
        raise UserError(f"stride must be >= 1, got {stride}")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as err:
        raise UserError(f"not a readable video: {path} ({str(err).splitlines()[0] if str(err) else 'corrupt'})") from None
    with container:
        if not container.streams.video:
            raise UserError(f"no video stream in {path}")
        n = 0
        try:
            for i, frame in enumerate(container.decode(video=0)):
                if i % stride:
                    continue
                yield i, frame.to_ndarray(format="rgb24")
                n += 1
                if max_frames is not None and n >= max_frames:
                    break
        except av.error.FFmpegError as err:
            if n == 0:
                raise UserError(f"cannot decode video {path}: {str(err).splitlines()[0]}") from None


def fit_video(fitter, path: str | Path, stride: int = 1, max_frames: int | None = None, progress: bool = True) -> list[FaceFit]:
    """Fit the largest face of every ``stride``-th frame; see the module docstring."""
    from dataclasses import replace

    from tqdm import tqdm

    tracker = LandmarkDetector(max_faces=1, static=False)
    detections: list[tuple[int, np.ndarray]] = []
    size = None
    try:
        frames = read_frames(path, stride, max_frames)
        for i, frame in tqdm(frames, desc="landmarks", unit="frame", disable=not progress, leave=False):
            size = (frame.shape[1], frame.shape[0])
            faces = [f for f in tracker.detect(frame, fallback=False) if f.size >= fitter.min_face_px]
            if faces:
                detections.append((i, faces[0].landmarks))
    finally:
        tracker.close()
    if size is None:
        raise UserError(f"no frames could be read from {path}")
    if not detections:
        raise UserError(f"no face found in any frame of {path}")

    # shared identity from keyframes
    keys = np.unique(np.linspace(0, len(detections) - 1, min(KEYFRAMES, len(detections))).round().astype(int))
    ids = [fitter.fit_landmarks(detections[k][1], size)[1].identity for k in keys]
    identity = torch.stack(ids).mean(0)

    solver = fitter.solver
    if solver.config.temporal_weight <= 0:
        solver = solver.__class__.__new__(solver.__class__)
        solver.__dict__.update(fitter.solver.__dict__)
        solver.config = replace(fitter.solver.config, temporal_weight=VIDEO_TEMPORAL_WEIGHT)
    saved, fitter.solver = fitter.solver, solver
    out: list[FaceFit] = []
    try:
        state = None
        for i, lm in tqdm(detections, desc="fitting", unit="frame", disable=not progress, leave=False):
            if state is None:
                init = fitter.solver.initial_state(
                    torch.as_tensor(lm[:, :2]), *_cam(fitter, size), torch.as_tensor(lm[:, 2])
                )
                init.identity = identity.clone()
                fit, state = fitter.fit_landmarks(lm, size, init=init, fix_identity=True, pose_only_first=True)
            else:
                fit, state = fitter.fit_landmarks(lm, size, init=state, prev=state, fix_identity=True)
            fit.frame = i
            out.append(fit)
    finally:
        fitter.solver = saved
    return out


def _cam(fitter, size):
    cam = fitter.camera(*size)
    return cam.focal, cam.cx, cam.cy
