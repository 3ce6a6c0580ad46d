"""The photo fitter: detection + landmarks (MediaPipe) and the ICT landmark fit (:mod:`.solver`)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from emoshift.camera import DEFAULT_FOCAL_FACTOR, Camera
from emoshift.fitting.detect import MIN_FACE_PX, DetectedFace, LandmarkDetector
from emoshift.fitting.image import load_image
from emoshift.fitting.result import FaceFit
from emoshift.fitting.solver import FitConfig, FitState, LandmarkSolver
from emoshift.io import UserError


@contextmanager
def single_thread():
    """Run torch on one thread: the solver's tensors are tiny, and torch's thread pool fights
    MediaPipe's for the cores (measured: 20 ms on one thread vs 600+ ms on two after a detection)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


class Fitter:
    """Loads MediaPipe and the head model once; fits photos, faces and videos.

    Args:
        n_identity: identity modes fitted (default 50, the HeadModel default).
        config: solver weights/iterations (:class:`emoshift.fitting.solver.FitConfig`).
        max_faces: most faces detected per photo.
        min_face_px: smallest accepted face (long side of its landmark box, pixels).
        focal_factor: camera focal length = focal_factor * max(width, height) (see :mod:`emoshift.camera`).
    """

    def __init__(
        self,
        n_identity: int = 50,
        config: FitConfig | None = None,
        max_faces: int = 8,
        min_face_px: int = MIN_FACE_PX,
        focal_factor: float = DEFAULT_FOCAL_FACTOR,
        model=None,
    ) -> None:
        from emoshift.headmodel import HeadModel

        self.model = model if model is not None else HeadModel.load(n_identity=n_identity)
        self.solver = LandmarkSolver.from_model(self.model, config)
        self.min_face_px = min_face_px
        self.focal_factor = focal_factor
        self.max_faces = max_faces
        self._detector: LandmarkDetector | None = None

    @property
    def detector(self) -> LandmarkDetector:
        if self._detector is None:
            self._detector = LandmarkDetector(max_faces=self.max_faces, static=True)
        return self._detector

    def camera(self, width: int, height: int) -> Camera:
        return Camera.default(width, height, self.focal_factor)

    # ------------------------------------------------------------------------------- detection
    def detect(self, image: np.ndarray, name: str = "the image", thorough: bool = False) -> list[DetectedFace]:
        """Faces large enough to fit, largest first; UserError if none (no face / too small).

        thorough: also search with the full-range detector for smaller faces the face mesh missed.
        """
        faces = self.detector.detect(image, thorough=thorough)
        big = [f for f in faces if f.size >= self.min_face_px]
        if big:
            return big
        sizes = [f.size for f in faces] or [max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in self.detector.face_boxes(image)]
        if sizes:
            raise UserError(
                f"face too small in {name}: {max(sizes):.0f} px across, the minimum is {self.min_face_px} px "
                "(use a larger or closer photo)"
            )
        raise UserError(f"no face found in {name}")

    # ------------------------------------------------------------------------------------ fitting
    def fit_landmarks(
        self,
        landmarks: np.ndarray,
        image_size: tuple[int, int],
        init: FitState | None = None,
        prev: FitState | None = None,
        fix_identity: bool = False,
        use_depth: bool = True,
        **solve_kw,
    ) -> tuple[FaceFit, FitState]:
        """Fit detected landmarks (478, 2) or (478, 3) (x, y, MediaPipe z) pixels; returns (fit, solver state)."""
        t0 = time.perf_counter()
        w, h = image_size
        cam = self.camera(w, h)
        lm = torch.as_tensor(np.asarray(landmarks, dtype=np.float64))
        depth = lm[:, 2] if (use_depth and lm.shape[1] > 2) else None
        with single_thread():
            state = self.solver.fit(
                lm[:, :2], cam.focal, cam.cx, cam.cy, depth_obs=depth, init=init, prev=prev, fix_identity=fix_identity,
                **solve_kw,
            )
        fitted = self.solver.project(self.solver.points(state), cam.focal, cam.cx, cam.cy).numpy()
        det = lm[:, :2].numpy()
        rmse = float(np.sqrt(((fitted - det) ** 2).sum(1).mean()))
        ms = (time.perf_counter() - t0) * 1000
        fit = FaceFit(
            identity=state.identity.numpy().astype(np.float32),
            expression=state.expression.numpy().astype(np.float32),
            rotation=state.axis_angle.numpy().astype(np.float32),
            translation=state.translation.numpy().astype(np.float32),
            camera=cam,
            image_size=(int(w), int(h)),
            landmarks_detected=det.astype(np.float32),
            landmarks_fitted=fitted.astype(np.float32),
            landmark_rmse_px=rmse,
            time_ms=ms,
            time_fit_ms=ms,
            landmarks_depth=None if lm.shape[1] < 3 else lm[:, 2].numpy().astype(np.float32),
            expression_names=list(self.model.expression_names),
        )
        return fit, state

    def fit(self, image: str | Path | np.ndarray, face: int | None = None, name: str | None = None) -> FaceFit:
        """Fit one face of a photo: the largest by default, else the ``face``-th largest (0-based).

        name: how error messages call the image (default: its path, or "the image").
        """
        name = name or (str(image) if not isinstance(image, np.ndarray) else "the image")
        img = load_image(image)
        _ = self.detector  # created (MediaPipe graph set-up) outside the timing
        t0 = time.perf_counter()
        idx = 0 if face is None else int(face)
        faces = self.detect(img, name, thorough=idx > 0)
        t_det = (time.perf_counter() - t0) * 1000
        if not 0 <= idx < len(faces):
            raise UserError(
                f"face {idx} asked for, but {len(faces)} face{'s' if len(faces) != 1 else ''} found in {name} "
                f"(valid: 0..{len(faces) - 1}, largest first)"
            )
        fit, _ = self.fit_landmarks(faces[idx].landmarks, (img.shape[1], img.shape[0]))
        fit.face_index = idx
        fit.time_detect_ms = t_det
        fit.time_ms = t_det + fit.time_fit_ms
        return fit

    def fit_all(self, image: str | Path | np.ndarray, name: str | None = None) -> list[FaceFit]:
        """Fit every face large enough, largest first."""
        name = name or (str(image) if not isinstance(image, np.ndarray) else "the image")
        img = load_image(image)
        self.detector.prepare()  # MediaPipe graph set-up outside the timing
        t0 = time.perf_counter()
        faces = self.detect(img, name, thorough=True)
        t_det = (time.perf_counter() - t0) * 1000
        out = []
        for i, f in enumerate(faces):
            fit, _ = self.fit_landmarks(f.landmarks, (img.shape[1], img.shape[0]))
            fit.face_index = i
            fit.time_detect_ms = t_det / len(faces)
            fit.time_ms = fit.time_detect_ms + fit.time_fit_ms
            out.append(fit)
        return out

    def fit_video(
        self, path: str | Path, stride: int = 1, max_frames: int | None = None, progress: bool = True
    ) -> list[FaceFit]:
        """Fit the largest face in every ``stride``-th frame (see :func:`emoshift.fitting.video.fit_video`)."""
        from emoshift.fitting.video import fit_video

        return fit_video(self, path, stride=stride, max_frames=max_frames, progress=progress)

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None
