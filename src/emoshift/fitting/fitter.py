"""The photo fitter: detection + landmarks (MediaPipe) and the ICT landmark fit (:mod:`.solver`)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from emoshift.camera import DEFAULT_FOCAL_FACTOR, Camera
from emoshift.fitting.detect import (
    MIN_FACE_PX,
    UPSIDE_DOWN_MARGIN,
    UPSIDE_DOWN_SCORE,
    DetectedFace,
    FaceTooSmall,
    LandmarkDetector,
)
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
    solver: LandmarkSolver, obs: np.ndarray, size: tuple[int, int], depth_obs: np.ndarray | None = None
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
    fit_at = _FocalFits(solver, obs, size, depth_obs)
    grid = np.linspace(np.log(FOCAL_RANGE[0]), np.log(FOCAL_RANGE[1]), FOCAL_GRID)
    costs = np.zeros(len(grid))
    start = int(np.argmin(np.abs(grid - np.log(DEFAULT_FOCAL_FACTOR))))
    for k in sorted(range(len(grid)), key=lambda k: abs(k - start)):  # outwards from the default factor
        costs[k] = fit_at(float(grid[k]), None if not fit_at.states else WARM_ITERATIONS)[0]
    i = int(np.clip(np.argmin(costs), 1, len(grid) - 2))
    best = _vertex(grid[i - 1 : i + 2], costs[i - 1 : i + 2], grid[1] - grid[0])
    best = float(np.clip(best, grid[0], grid[-1]))
    cost, state = fit_at(best, None, keep=False)
    j = int(np.argmin(costs))
    if costs[j] < cost:  # the parabola can miss on a flat or kinked curve: converge at the best grid point
        best = float(grid[j])
        cost, state = fit_at(best, None, keep=False)
    return float(np.exp(best)), state


def local_focal_factor(
    solver: LandmarkSolver, obs: np.ndarray, size: tuple[int, int], depth_obs: np.ndarray | None,
    factor: float, init: FitState,
) -> tuple[float, FitState]:  # fmt: skip
    """:func:`estimate_focal_factor` near a known answer: for a frame of a clip whose neighbouring frame's
    search gave ``factor`` and ``init`` (a start at that factor's camera, e.g.
    :func:`emoshift.fitting.video.warm_start`). A converged fit from ``init`` at ``factor``, fits
    :data:`LOCAL_STEP` apart in log factor on both sides (warm-started from the nearest for
    :data:`WARM_ITERATIONS`), more outwards while the lowest energy is at an end (within
    :data:`FOCAL_RANGE`), and the parabola's vertex through the lowest and its neighbours (no fit there;
    at a bound of the range, through the lowest and its two inner neighbours).
    Returns (that factor, the nearest fit's state with its translation scaled to that factor's camera: a
    start for the next frame's search): ~a third of the full search's CPU.
    """
    lo, hi = np.log(FOCAL_RANGE[0]), np.log(FOCAL_RANGE[1])
    c = float(np.clip(np.log(factor), lo, hi))
    fit_at = _FocalFits(solver, obs, size, depth_obs)
    costs = {0: fit_at(c, None, init)[0]}
    for k in (-1, 1):
        if lo - 1e-9 <= c + k * LOCAL_STEP <= hi + 1e-9:
            costs[k] = fit_at(c + k * LOCAL_STEP, WARM_ITERATIONS)[0]
    while True:  # walk outwards while the lowest is at an end
        ks = sorted(costs)
        k = min(ks, key=lambda k: costs[k])
        out = k - 1 if k == ks[0] else k + 1 if k == ks[-1] else None
        if out is None or not lo - 1e-9 <= c + out * LOCAL_STEP <= hi + 1e-9:
            break
        costs[out] = fit_at(c + out * LOCAL_STEP, WARM_ITERATIONS)[0]
    if len(ks) < 3:  # the lowest on a bound of the range, its one neighbour higher
        best = c + k * LOCAL_STEP
    else:  # the parabola through the lowest and its neighbours (its two inner ones at a bound of the range)
        m = int(np.clip(ks.index(k), 1, len(ks) - 2))
        pts = c + np.array(ks[m - 1 : m + 2], float) * LOCAL_STEP
        best = _vertex(pts, np.array([costs[j] for j in ks[m - 1 : m + 2]]), LOCAL_STEP)
        best = float(np.clip(best, max(lo, pts[0] - LOCAL_STEP), min(hi, pts[2] + LOCAL_STEP)))
    return float(np.exp(best)), fit_at.start(best)


#: Spacing (log focal factor) of :func:`local_focal_factor`'s fits: half the full search's grid step.
LOCAL_STEP = 0.5 * float(np.log(FOCAL_RANGE[1] / FOCAL_RANGE[0])) / (FOCAL_GRID - 1)


def _vertex(x: np.ndarray, c: np.ndarray, step: float) -> float:
    """Vertex of the parabola through (x, c) at three points ``step`` apart (the middle one if it is not convex)."""
    curv = c[0] - 2 * c[1] + c[2]
    return x[1] + (0.5 * step * (c[0] - c[2]) / curv if curv > 0 else 0.0)


class _FocalFits:
    """Fits of one face at several focal factors (:func:`estimate_focal_factor`), each warm-started from the
    nearest fitted so far, its translation scaled with the focal length (the face keeps its image size);
    the first from scratch unless given a start. ``states``: {log factor: state} of the fits kept."""

    def __init__(self, solver: LandmarkSolver, obs: np.ndarray, size: tuple[int, int], depth_obs) -> None:
        w, h = size
        self.solver, self.obs, self.depth_obs = solver, obs, depth_obs
        self.long_side, self.cx, self.cy = float(max(w, h)), w / 2.0, h / 2.0
        self.states: dict[float, FitState] = {}

    def __call__(
        self, log_f: float, iterations: int | None, init: FitState | None = None, keep: bool = True
    ) -> tuple[float, FitState]:
        solver, obs, depth_obs, states = self.solver, self.obs, self.depth_obs, self.states
        f = float(np.exp(log_f)) * self.long_side
        if init is not None:
            s = solver.fit(obs, f, self.cx, self.cy, depth_obs=depth_obs, init=init, iterations=iterations)
        elif states:
            s = solver.fit(obs, f, self.cx, self.cy, depth_obs=depth_obs, init=self.start(log_f), iterations=iterations)
        else:
            s = solver.fit(obs, f, self.cx, self.cy, depth_obs=depth_obs)
        if keep:
            states[log_f] = s
        return solver.energy(s, obs, f, self.cx, self.cy, depth_obs), s

    def start(self, log_f: float) -> FitState:
        """A start at ``log_f``: the nearest kept fit (a copy), its translation scaled to that focal length."""
        near = min(self.states, key=lambda g: abs(g - log_f))
        init = self.states[near].copy()
        init.translation = init.translation * float(np.exp(log_f - near))
        return init


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
        """Faces large enough to fit, largest first; UserError if none: no face (or none upright:
        :meth:`LandmarkDetector.turned_face`), a face whose landmarks the mesh cannot place, or too small
        (:class:`FaceTooSmall`).

        thorough: also search with the full-range detector for smaller faces the face mesh missed.
        """
        faces = self.detector.detect(image, thorough=thorough)
        big = [f for f in faces if f.size >= self.min_face_px]
        if big:
            return big
        if faces:  # landmarks, all on faces too small
            raise FaceTooSmall(name, max(f.size for f in faces), self.min_face_px)
        sizes = [max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in self.detector.face_boxes(image)]
        if sizes and max(sizes) < self.min_face_px:
            raise FaceTooSmall(name, max(sizes), self.min_face_px)
        k = self.detector.turned_face(image, self.min_face_px)
        if k is not None:
            turn = {1: "90 degrees counter-clockwise", 2: "by 180 degrees (it is upside down)",
                    3: "90 degrees clockwise"}[k]  # fmt: skip
            raise UserError(f"no upright face found in {name}, but one when the photo is turned {turn}: "
                            "rotate the photo and try again")  # fmt: skip
        if sizes:
            raise UserError(
                f"a face was detected in {name} ({max(sizes):.0f} px across) but its landmarks could not be found "
                "(a binarised, drawn or heavily edited photo, or a face covered or turned away?); use a clear photo"
            )
        raise UserError(f"no face found in {name}{wide_image_hint(image.shape)}")

    def check_upright(self, image: np.ndarray, face: DetectedFace, name: str = "the image", index: int = 0) -> None:
        """UserError when ``face`` is upside down (:meth:`LandmarkDetector.upright_scores`): the face mesh
        then fits an upright face over its eyes and forehead, and the animation paints a mouth there."""
        as_is, turned = self.detector.upright_scores(image, face, stop_at=1.0 - UPSIDE_DOWN_MARGIN)  # scores <= 1
        if turned >= UPSIDE_DOWN_SCORE and turned >= as_is + UPSIDE_DOWN_MARGIN:
            which = "the face" if index == 0 else f"face {index}"
            raise UserError(
                f"{which} in {name} is upside down (the face detector rates it {turned:.2f} turned by 180 degrees, "
                f"{as_is:.2f} as it is): rotate the photo upright and try again"
            )

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
        lm = np.asarray(landmarks, dtype=np.float64)
        depth = lm[:, 2] if (use_depth and lm.shape[1] > 2) else None
        search = self.focal_factor is None and init is None and prev is None and not fix_identity and not solve_kw
        with single_thread():
            if search and len(lm) >= 468:
                obs = self.solver._cast(lm[:, :2])
                ff, state = estimate_focal_factor(self.solver, obs, (w, h), self.solver._cast(depth))
                cam = self.camera(w, h, ff)
            else:
                cam = self.camera(w, h)
                state = self.solver.fit(
                    lm[:, :2], cam.focal, cam.cx, cam.cy, depth_obs=depth, init=init, prev=prev,
                    fix_identity=fix_identity, **solve_kw,
                )
        fitted = self.solver.project(self.solver.points(state), cam.focal, cam.cx, cam.cy)
        det = lm[:, :2]
        rmse = float(np.sqrt(((fitted - det) ** 2).sum(1).mean()))
        ms = (time.perf_counter() - t0) * 1000
        fit = FaceFit(
            identity=state.identity.astype(np.float32),
            expression=with_smile_squint(state.expression, self.model.expression_names, det),
            rotation=state.axis_angle.astype(np.float32),
            translation=state.translation.astype(np.float32),
            camera=cam,
            image_size=(int(w), int(h)),
            landmarks_detected=det.astype(np.float32),
            landmarks_fitted=fitted.astype(np.float32),
            landmark_rmse_px=rmse,
            time_ms=ms,
            time_fit_ms=ms,
            landmarks_depth=None if lm.shape[1] < 3 else lm[:, 2].astype(np.float32),
            expression_names=list(self.model.expression_names),
        )
        return fit, state

    def fit(self, image: str | Path | np.ndarray, face: int | None = None, name: str | None = None) -> FaceFit:
        """Fit one face of a photo: the largest by default, else the ``face``-th largest (0-based).

        ``fit.faces_found`` counts the faces detected by the face mesh and the full-range detector (the
        mesh alone finds only near faces: a group photo's are found by the detector, each then meshed on a
        crop; a few milliseconds). An upside-down face is refused (:meth:`check_upright`).

        name: how error messages call the image (default: its path, or "the image").
        """
        name = name or (str(image) if not isinstance(image, np.ndarray) else "the image")
        img = load_image(image)
        self.detector.prepare(crop_mesh=False)  # created (MediaPipe graph set-up) outside the timing
        t0 = time.perf_counter()
        idx = 0 if face is None else int(face)
        faces = self.detect(img, name, thorough=True)
        if not 0 <= idx < len(faces):
            raise UserError(
                f"face {idx} asked for, but {len(faces)} face{'s' if len(faces) != 1 else ''} found in {name} "
                f"(valid: 0..{len(faces) - 1}, largest first)"
            )
        self.check_upright(img, faces[idx], name, idx)
        t_det = (time.perf_counter() - t0) * 1000
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
        for i, f in enumerate(faces):
            self.check_upright(img, f, name, i)
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
