"""The photo fitter: detection + landmarks (MediaPipe) and the ICT landmark fit (:mod:`.solver`)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from emoshift.camera import DEFAULT_FOCAL_FACTOR, Camera
from emoshift.fitting.detect import MIN_FACE_PX, DetectedFace, LandmarkDetector
from emoshift.fitting.image import load_image, wide_image_hint
from emoshift.fitting.lids import with_smile_squint
from emoshift.fitting.result import FaceFit
from emoshift.fitting.solver import FitConfig, FitState, LandmarkSolver
from emoshift.io import UserError
from emoshift.threads import single_thread

#: Range and grid of the per-photo focal-length search, in units of the image's long side (~74 to ~9
#: degrees across it: selfies to telephoto portraits), see :func:`estimate_focal_factor`.
FOCAL_RANGE = (0.7, 6.0)
FOCAL_GRID = 5
#: LM iterations of each warm-started fit of the search (the last one runs to convergence).
WARM_ITERATIONS = 4


def estimate_focal_factor(
    solver: LandmarkSolver, obs: torch.Tensor, size: tuple[int, int], depth_obs: torch.Tensor | None = None
) -> tuple[float, FitState]:
    """The focal factor (focal / long side) in :data:`FOCAL_RANGE` whose fit has the lowest energy, and
    that fit's state.

    Perspective makes near features (nose) larger than far ones (cheeks, contour) by an amount that
    depends on the camera distance, so a fixed focal length biases the fitted shape: on skimage's
    astronaut (a cropped portrait) the energy falls ~29% from factor 1.0 to ~3, and the wrong perspective
    had been absorbed by identity and eye blendshapes. Fits on a geometric grid of :data:`FOCAL_GRID`
    factors (the first from scratch at the default factor, the others warm-started outwards for
    :data:`WARM_ITERATIONS`), a parabola in log factor through the best one and its neighbours, and a
    converged fit there.

    obs: (L, 2) pixels; depth_obs: (L,) MediaPipe z px or None; size: (width, height).
    """
    w, h = size
    long_side, cx, cy = float(max(w, h)), w / 2.0, h / 2.0
    states: dict[float, FitState] = {}

    def fit_at(log_f: float, iterations: int | None) -> tuple[float, FitState]:
        """Warm-started from the nearest fit so far, its translation scaled with the focal length (the
        face keeps its image size)."""
        f = float(np.exp(log_f)) * long_side
        if states:
            near = min(states, key=lambda g: abs(g - log_f))
            init = states[near].copy()
            init.translation = init.translation * float(np.exp(log_f - near))
            s = solver.fit(obs, f, cx, cy, depth_obs=depth_obs, init=init, iterations=iterations)
        else:
            s = solver.fit(obs, f, cx, cy, depth_obs=depth_obs)
        return solver.energy(s, obs, f, cx, cy, depth_obs), s

    grid = np.linspace(np.log(FOCAL_RANGE[0]), np.log(FOCAL_RANGE[1]), FOCAL_GRID)
    costs = np.zeros(len(grid))
    start = int(np.argmin(np.abs(grid - np.log(DEFAULT_FOCAL_FACTOR))))
    for k in sorted(range(len(grid)), key=lambda k: abs(k - start)):  # outwards from the default factor
        costs[k], states[float(grid[k])] = fit_at(float(grid[k]), None if not states else WARM_ITERATIONS)
    i = int(np.clip(np.argmin(costs), 1, len(grid) - 2))
    c0, c1, c2 = costs[i - 1 : i + 2]
    curv = c0 - 2 * c1 + c2
    step = grid[1] - grid[0]
    best = grid[i] + (0.5 * step * (c0 - c2) / curv if curv > 0 else 0.0)
    best = float(np.clip(best, grid[0], grid[-1]))
    cost, state = fit_at(best, None)
    j = int(np.argmin(costs))
    if costs[j] < cost:  # the parabola can miss on a flat or kinked curve: converge at the best grid point
        best = float(grid[j])
        cost, state = fit_at(best, None)
    return float(np.exp(best)), state


class Fitter:
    """Loads MediaPipe and the head model once; fits photos, faces and videos.

    Args:
        n_identity: identity modes fitted (default 50, the HeadModel default).
        config: solver weights/iterations (:class:`emoshift.fitting.solver.FitConfig`).
        max_faces: most faces detected per photo.
        min_face_px: smallest accepted face (long side of its landmark box, pixels).
        focal_factor: camera focal length = focal_factor * max(width, height) (see :mod:`emoshift.camera`);
            None (default): estimated per photo (:func:`estimate_focal_factor`), once per video.
    """

    def __init__(
        self,
        n_identity: int = 50,
        config: FitConfig | None = None,
        max_faces: int = 8,
        min_face_px: int = MIN_FACE_PX,
        focal_factor: float | None = None,
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

    def camera(self, width: int, height: int, focal_factor: float | None = None) -> Camera:
        """The camera for an image (``focal_factor`` or the fitter's; the default factor if both are None)."""
        ff = focal_factor if focal_factor is not None else self.focal_factor
        return Camera.default(width, height, DEFAULT_FOCAL_FACTOR if ff is None else ff)

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
        raise UserError(f"no face found in {name}{wide_image_hint(image.shape)}")

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
        """Fit detected landmarks (478, 2) or (478, 3) (x, y, MediaPipe z) pixels; returns (fit, solver state).

        The focal length is the fitter's ``focal_factor``, else estimated (:func:`estimate_focal_factor`;
        only for a fresh fit of 478 points: without ``init``, ``prev`` or extra solver options).
        """
        t0 = time.perf_counter()
        w, h = image_size
        lm = torch.as_tensor(np.asarray(landmarks, dtype=np.float64))
        depth = lm[:, 2] if (use_depth and lm.shape[1] > 2) else None
        search = self.focal_factor is None and init is None and prev is None and not fix_identity and not solve_kw
        with single_thread():
            if search and len(lm) >= 468:
                obs = lm[:, :2].to(self.solver.dtype)
                dep = None if depth is None else depth.to(self.solver.dtype)
                ff, state = estimate_focal_factor(self.solver, obs, (w, h), dep)
                cam = self.camera(w, h, ff)
            else:
                cam = self.camera(w, h)
                state = self.solver.fit(
                    lm[:, :2], cam.focal, cam.cx, cam.cy, depth_obs=depth, init=init, prev=prev,
                    fix_identity=fix_identity, **solve_kw,
                )
        fitted = self.solver.project(self.solver.points(state), cam.focal, cam.cx, cam.cy).numpy()
        det = lm[:, :2].numpy()
        rmse = float(np.sqrt(((fitted - det) ** 2).sum(1).mean()))
        ms = (time.perf_counter() - t0) * 1000
        fit = FaceFit(
            identity=state.identity.numpy().astype(np.float32),
            expression=with_smile_squint(state.expression.numpy(), self.model.expression_names, det),
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

        ``fit.faces_found`` counts the faces detected: by the face mesh for the default (small or distant
        faces only the full-range detector finds are not counted), also by the full-range detector when
        ``face`` is given and not 0.

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
        fit.faces_found = len(faces)
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
            fit.faces_found = len(faces)
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
