"""Video fitting: tracking-mode landmarks, one identity shared by all frames, temporal smoothing.

1. Frames are decoded with PyAV (every ``stride``-th; a damaged packet skipped, a sideways phone video turned
   upright: :func:`emoshift.videoin.probe.decoded`) and passed to the face mesh in tracking mode.
2. Camera and keyframes (:func:`clip_camera`): one focal length for the clip, the median of the
   keyframes' estimates (each a search near a provisional factor from the clip's middle frame, from the
   keyframe's fit with it; the fitter's ``focal_factor`` if set). The keyframes: up to :data:`KEYFRAMES`
   frames spread over the clip, or picked by the caller (video in: the resting ones,
   :func:`emoshift.videoin.rest.resting_keyframes`).
3. Identity: the keyframes give one shared identity (:func:`shared_identity`: per-frame fits, their
   mean, then joint Gauss–Newton steps over all keyframes with the prior counted once).
4. Every frame is then fitted with that identity fixed (folded into the model's mean shape:
   :func:`identity_solver`), warm-started from the previous frame and pulled towards it by
   ``FitConfig.temporal_weight`` (``VIDEO_TEMPORAL_WEIGHT`` when unset).
5. Frames without a face are skipped (their index is missing from the result); a face that returns after
   more than :data:`MAX_GAP` frames is fitted afresh (its pose may have changed a lot); a video with no
   face in any frame is a :class:`emoshift.io.UserError`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from emoshift.fitting.detect import LandmarkDetector
from emoshift.fitting.result import FaceFit
from emoshift.io import UserError

KEYFRAMES = 8
VIDEO_TEMPORAL_WEIGHT = 50.0
#: A face missing from more than this many consecutive (read) frames is fitted afresh when it returns, not warm-started.
MAX_GAP = 2
#: The clip's single-frame fits of its resting keyframes' candidates (:mod:`emoshift.videoin.rest`)
#: start from the previous such frame's fit (:func:`warm_start`) unless the head turned more than this
#: (degrees, between that fit's rotation and the frame's own starting rotation from its landmarks).
WARM_MAX_TURN = 15.0
#: The per-frame fits' LM stop (relative cost decrease; ``FitConfig.tolerance``, 1e-4, elsewhere): a frame
#: warm-started from the previous one converges in 2-4 iterations, the last of which gains < 1e-4; at
#: 1e-3 one iteration in six is saved, and the fits move by < 0.01 in any expression weight and < 0.06 px
#: in any landmark on the bench clips (bench/bench_video_fit.py).
FRAME_TOLERANCE = 1e-3


def read_frames(path: str | Path, stride: int = 1, max_frames: int | None = None, stats=None):
    """Yield (frame index, (H, W, 3) uint8 RGB, upright) for every ``stride``-th frame of a video file.
    A damaged packet is skipped (counted in ``stats``, a :class:`emoshift.videoin.probe.DecodeStats`),
    not the end of the clip; a display rotation (a phone video stored sideways) is applied."""
    from emoshift.videoin.probe import DecodeStats, decoded, open_video, to_rgb

    path = Path(path)
    if stride < 1:
        raise UserError(f"stride must be >= 1, got {stride}")
    stats = DecodeStats() if stats is None else stats
    with open_video(path) as container:
        n = 0
        for i, frame in enumerate(decoded(container, stats)):
            if i % stride:
                continue
            yield i, to_rgb(frame, None, frame.rotation or 0)
            n += 1
            if max_frames is not None and n >= max_frames:
                break
    stats.require_frames(path)


def spread(n: int, k: int) -> np.ndarray:
    """Up to ``k`` indices spread evenly over ``range(n)``, first and last included."""
    return np.unique(np.linspace(0, n - 1, min(k, n)).round().astype(int))


def fit_video(fitter, path: str | Path, stride: int = 1, max_frames: int | None = None, progress: bool = True,
              stats=None) -> list[FaceFit]:  # fmt: skip
    """Fit the largest face of every ``stride``-th frame; see the module docstring. ``stats``: a
    :class:`emoshift.videoin.probe.DecodeStats`, filled as the file is read (its ``sampled``: the frames
    given to the face mesh)."""
    from emoshift.videoin.probe import DecodeStats

    stats = DecodeStats() if stats is None else stats

    def sampled():
        for item in read_frames(path, stride, max_frames, stats):
            stats.sampled += 1
            yield item

    return fit_frames(fitter, sampled(), progress=progress, name=str(path))


def fit_frames(
    fitter, frames, progress: bool = True, name: str = "the video", total: int | None = None,
    timings: dict | None = None, on_fit=None, keyframes=None, on_detect=None, overlap: int = 0, provisional=None,
) -> list[FaceFit]:  # fmt: skip
    """:func:`fit_video` on any iterable of (frame index, (H, W, 3) uint8 RGB) (e.g. resized frames);
    ``total`` (frame count) only sizes the progress bar. ``timings``: filled with the seconds of the
    stages (``landmarks``: reading the frames and the face mesh; ``fit_clip``: the clip's camera and
    identity; ``fit_frames``: the per-frame fits). ``on_fit``: called with each frame's FaceFit as soon as
    it is fitted (in frame order). ``keyframes``: picks the frames the clip's identity is fitted from,
    ``keyframes(fitter, landmarks, size) -> indices`` into the detected frames' landmarks (called with
    the clip's provisional camera fixed: :func:`clip_camera`), or (indices, their single-frame fit states)
    (sorted indices; the clip's focal search and shared identity then start from those states instead of
    fitting the frames again); default
    :data:`KEYFRAMES` frames spread evenly over the clip. ``on_detect``:
    called with (frame index, its pixels, (478, 3) landmarks) of each frame a face is found in, as it is
    (e.g. video in's occluder samples, :func:`emoshift.videoin.occlusion.sample`). ``overlap``: with
    ``on_fit``, the first ``overlap`` frames' fits are handed to it while a forked child fits the others
    (:func:`emoshift.threads.forked_call`; the same fits, then handed on in order): what ``on_fit`` starts on
    them (video in: their renderers, built on a background thread) gets a core of its own instead of
    sharing the GIL with the fits (0: every frame fitted and handed on here). ``provisional``: as
    :func:`clip_camera`'s (e.g. :class:`emoshift.videoin.rest.EarlyCandidates`, fed by ``on_detect``)."""
    import time

    from emoshift.threads import process_cpu, single_thread

    timings = {} if timings is None else timings
    t0, c0 = time.perf_counter(), process_cpu()
    # one BLAS thread throughout (the fitter's solves are, not the projections and joint steps between
    # them: on two threads each tiny op wakes the pool, which MediaPipe's threads keep busy), from the face
    # mesh's loop on: on_detect may start fits meanwhile (EarlyCandidates)
    with single_thread():
        detections, restarts, size = _landmarks(fitter, frames, progress, total, on_detect)
        timings["landmarks"] = time.perf_counter() - t0
        timings["proc_cpu_landmarks"] = process_cpu() - c0
        if size is None:
            raise UserError(f"no frames could be read from {name}")
        if not detections:
            raise UserError(f"no face found in any frame of {name}")
        t0, c0 = time.perf_counter(), process_cpu()
        lms = [lm for _, lm in detections]
        with clip_camera(fitter, lms, size, keyframes, provisional) as (keys, states):
            timings["fit_clip"] = time.perf_counter() - t0
            timings["proc_cpu_fit_clip"] = process_cpu() - c0
            return _fit_frames(fitter, detections, keys, size, progress, restarts, timings, on_fit, states,
                               overlap if on_fit is not None else 0)  # fmt: skip


def _landmarks(fitter, frames, progress, total, on_detect) -> tuple[list, set, tuple | None]:
    """The face mesh (tracking mode) over ``frames``: ((frame index, (478, 3) landmarks) of the frames with a
    face, the indices into those of faces that returned after more than MAX_GAP frames, the frame size)."""
    from tqdm import tqdm

    tracker = LandmarkDetector(max_faces=1, static=False)
    detections: list[tuple[int, np.ndarray]] = []
    restarts: set[int] = set()  # detections after more than MAX_GAP frames without a face
    size, missing = None, 0
    try:
        for i, frame in tqdm(frames, desc="landmarks", unit="frame", disable=not progress, leave=False, total=total):
            size = (frame.shape[1], frame.shape[0])
            faces = [f for f in tracker.detect(frame, fallback=False) if f.size >= fitter.min_face_px]
            if not faces:
                missing += 1
                continue
            if missing > MAX_GAP:
                restarts.add(len(detections))
            detections.append((i, faces[0].landmarks))
            if on_detect is not None:
                on_detect(i, frame, faces[0].landmarks)
            missing = 0
    finally:
        tracker.close()
    return detections, restarts, size


@contextmanager
def clip_camera(fitter, landmarks: list[np.ndarray], size: tuple[int, int], keyframes=None, provisional=None):
    """The clip's camera and keyframes: yields (keyframe indices into ``landmarks`` (sorted), their
    single-frame fit states at that camera) with ``fitter.focal_factor`` set to the clip's for the
    duration (unless the fitter has one).

    ``keyframes(fitter, landmarks, size)``: as :func:`fit_frames`'s (default :data:`KEYFRAMES` frames spread
    evenly; their states are then fitted from scratch). The camera: a fitter without a ``focal_factor``
    gets the median of the keyframes' focal estimates: a provisional factor from the photo's search on the
    clip's middle frame (:func:`~emoshift.fitting.fitter.estimate_focal_factor`), the keyframes picked and
    fitted with it, then each keyframe's search near it from its fit
    (:func:`~emoshift.fitting.fitter.local_focal_factor`, on two cores); the states' translations are then
    scaled to the clip's camera (their identity and expression are refitted by :func:`shared_identity`).
    About half the solver iterations of the former rule (the photo's search on every keyframe), and
    nearer the keyframes' own energy minima: on synthetic clips through known lenses
    (tests/fitting/test_clip_camera.py) within 0.026 of the median of those minima where the former rule
    was 0.01-0.14 off (its grid's points and parabola). A clip of one keyframe keeps the provisional
    factor. ``provisional(landmarks, size)``: that provisional factor if it was computed already (while the
    landmarks were detected: :class:`emoshift.videoin.rest.EarlyCandidates`), else None."""
    from emoshift.fitting.fitter import local_focal_factor
    from emoshift.threads import forked_map

    saved, solver = fitter.focal_factor, fitter.solver
    try:
        if saved is None:
            early = None if provisional is None else provisional(landmarks, size)
            fitter.focal_factor = early if early is not None else provisional_focal_factor(
                solver, landmarks[len(landmarks) // 2], size)  # fmt: skip
        keys, states = _keyframe_fits(fitter, landmarks, size, keyframes)
        if saved is None and len(keys) > 1:
            start = fitter.focal_factor
            got = forked_map(
                lambda i: local_focal_factor(solver, *_observed(solver, landmarks[keys[i]], size), start, states[i])[0],
                range(len(keys)))  # fmt: skip
            fitter.focal_factor = float(np.median(got))
            for s in states:
                s.translation = s.translation * np.float32(fitter.focal_factor / start)
        yield keys, states
    finally:
        fitter.focal_factor = saved


def provisional_focal_factor(solver, middle: np.ndarray, size: tuple[int, int]) -> float:
    """A clip's provisional focal factor (:func:`clip_camera`): the photo's search
    (:func:`~emoshift.fitting.fitter.estimate_focal_factor`) on its middle frame's (L, 2-3) landmarks."""
    from emoshift.fitting.fitter import estimate_focal_factor

    return estimate_focal_factor(solver, *_observed(solver, middle, size))[0]


def _observed(solver, landmarks: np.ndarray, size: tuple[int, int]):
    """(observed (L, 2) pixels, ``size``, MediaPipe depth (L,) or None) of (L, 2-3) ``landmarks``, in the
    solver's dtype: the arguments of :func:`~emoshift.fitting.fitter.estimate_focal_factor`."""
    lm = np.asarray(landmarks, np.float64)
    return solver._cast(lm[:, :2]), size, solver._cast(lm[:, 2]) if lm.shape[1] > 2 else None


def _keyframe_fits(fitter, landmarks, size, keyframes) -> tuple[np.ndarray, list]:
    """(sorted keyframe indices, their single-frame fit states at the fitter's camera) of
    :func:`clip_camera`: ``keyframes``' states if it gives one per sorted index, else fitted from scratch."""
    from emoshift.threads import forked_map

    states = None
    if keyframes is None:
        keys = spread(len(landmarks), KEYFRAMES)
    else:
        got = keyframes(fitter, landmarks, size)
        picked, states = got if isinstance(got, tuple) else (got, None)
        keys = np.unique(np.asarray(picked, int))
        if states is not None and (len(states) != len(keys) or not np.array_equal(keys, np.asarray(picked, int))):
            states = None  # not one state per sorted keyframe: fitted afresh
    if states is None:
        states = forked_map(lambda k: fitter.fit_landmarks(landmarks[k], size)[1], keys)
    return keys, [s.copy() for s in states]


@contextmanager
def fixed_focal(fitter, landmarks: list[np.ndarray], size: tuple[int, int]):
    """One camera for several frames: a fitter that estimates the focal length per photo
    (``focal_factor`` None) gets the median of the frames' estimates (:func:`clip_camera` with every
    frame a keyframe) for the duration."""
    if fitter.focal_factor is not None:
        yield fitter.focal_factor
        return
    with clip_camera(fitter, landmarks, size, lambda *_: np.arange(len(landmarks))):
        yield fitter.focal_factor


def warm_start(fitter, landmarks: np.ndarray, size: tuple[int, int], prev):
    """A start for a single-frame fit of ``landmarks`` (478, 2-3 px) from ``prev``, the fit state of another
    frame of the clip: its identity and head pose with a neutral expression (as a fit from scratch starts);
    None if the head turned more than :data:`WARM_MAX_TURN` from ``prev``'s rotation to the frame's own
    starting rotation (:meth:`LandmarkSolver.initial_state`, from the landmarks): then fitted from
    scratch. Neighbouring frames of a clip start ~4 LM iterations from their fit instead of ~9 with the
    pose-only stage."""
    from emoshift.headmodel.ops import matrix_to_axis_angle

    solver, cam = fitter.solver, fitter.camera(*size)
    obs, _, depth = _observed(solver, landmarks, size)
    own = solver.initial_state(obs, cam.focal, cam.cx, cam.cy, depth)
    turn = matrix_to_axis_angle(np.asarray(own.rotation @ prev.rotation.T, np.float64)[None])[0]
    if np.degrees(np.linalg.norm(turn)) > WARM_MAX_TURN:
        return None
    init = prev.copy()
    init.expression[:] = 0
    return init


def _fit_frames(
    fitter, detections, keys, size, progress, restarts=frozenset(), timings=None, on_fit=None, states=None, overlap=0
) -> list[FaceFit]:
    import time

    from tqdm import tqdm

    from emoshift.threads import forked_call, process_cpu

    t0, c0 = time.perf_counter(), process_cpu()
    identity = shared_identity(fitter, [detections[k][1] for k in keys], size, states=states)
    t1, c1 = time.perf_counter(), process_cpu()
    saved, fitter.solver = fitter.solver, identity_solver(fitter.solver, identity, FRAME_TOLERANCE)
    ident = identity.astype(np.float32)
    bar = tqdm(total=len(detections), desc="fitting", unit="frame", disable=not progress, leave=False)

    def fit_run(ks, state, each=None) -> tuple[list[FaceFit], object]:
        """The fits of ``detections[ks]`` (consecutive), each from the previous one's state (``state``:
        the one before the first, None: from scratch), and the last one's state."""
        fits = []
        for k in ks:
            i, lm = detections[k]
            if state is None or k in restarts:  # a face that returns after a gap starts afresh
                init = fitter.solver.initial_state(
                    fitter.solver._cast(lm[:, :2]), *_cam(fitter, size), fitter.solver._cast(lm[:, 2])
                )
                fit, state = fitter.fit_landmarks(lm, size, init=init, fix_identity=True, pose_only_first=True)
            else:
                fit, state = fitter.fit_landmarks(lm, size, init=state, prev=state, fix_identity=True)
            fit.frame = i
            fit.identity = ident.copy()
            fits.append(fit)
            if each is not None:
                each(fit)
        return fits, state

    def hand_on(fit) -> None:
        bar.update()
        if on_fit is not None:  # e.g. video in's renderers, built while the next frames are fitted
            on_fit(fit)

    try:
        n = len(detections)
        head = min(overlap, n) if overlap > 0 else n
        t = time.perf_counter()
        out, state = fit_run(range(head), None, None if head < n else hand_on)
        if head < n:  # the rest by a forked child, while on_fit's work on the first frames runs here
            per = (time.perf_counter() - t) / max(head, 1)
            rest = forked_call(lambda: fit_run(range(head, n), state)[0], per * (n - head),
                               meanwhile=lambda: [hand_on(f) for f in out])  # fmt: skip
            for f in rest:
                hand_on(f)
            out += rest
    finally:
        fitter.solver = saved
        bar.close()
    if timings is not None:
        timings["fit_clip"] = timings.get("fit_clip", 0.0) + t1 - t0
        timings["fit_frames"] = time.perf_counter() - t1
        timings["proc_cpu_fit_clip"] = timings.get("proc_cpu_fit_clip", 0.0) + c1 - c0
        timings["proc_cpu_fit_frames"] = process_cpu() - c1
    return out


def identity_solver(solver, identity: np.ndarray, tolerance: float | None = None):
    """The per-frame solver of a clip: ``solver`` with the clip's (K,) ``identity`` folded into its mean
    shape and no identity unknowns (the states it returns have an empty identity), and the temporal
    term on (``FitConfig.temporal_weight``, :data:`VIDEO_TEMPORAL_WEIGHT` when unset); ``tolerance``: its
    LM stop instead of ``FitConfig.tolerance`` (the per-frame fits': :data:`FRAME_TOLERANCE`). The same fit and
    energy as ``fix_identity=True`` up to float rounding, with a Jacobian of 59 instead of 109 columns."""
    from dataclasses import replace

    from emoshift.fitting.solver import LandmarkSolver

    class IdentitySolver(solver.__class__):
        def _prior(self, s, prev):
            h, g, val = LandmarkSolver._prior(self, s, prev)
            return h, g, val + self.identity_prior  # the fixed identity's prior: a constant

    new = IdentitySolver.__new__(IdentitySolver)
    new.__dict__.update(solver.__dict__)
    if solver.config.temporal_weight <= 0:
        new.config = replace(solver.config, temporal_weight=VIDEO_TEMPORAL_WEIGHT)
    if tolerance is not None:
        new.config = replace(new.config, tolerance=tolerance)
    k, a = solver.k, solver._cast(identity)
    new.identity_prior = float(solver.config.identity_weight * (a @ a))
    new.mu = solver.mu + solver.basis[:, :, :k] @ a
    new.k = 0
    new.basis = np.ascontiguousarray(solver.basis[:, :, k:])
    return new


def shared_identity(fitter, landmarks: list[np.ndarray], size: tuple[int, int], rounds: int = 2,
                    states: list | None = None) -> np.ndarray:  # fmt: skip
    """(K,) identity of one person seen in several frames.

    Each frame is fitted alone; the mean identity starts ``rounds`` of: re-fit every frame with that
    identity fixed, then one joint Gauss–Newton step on the identity over all frames
    (:meth:`LandmarkSolver.shared_identity_step`, the prior counted once instead of once per frame).
    landmarks: per frame (478, 3) pixels (x, y, MediaPipe z). states: the frames' single-frame fit states
    when they were fitted already (with this camera: e.g. by
    :func:`emoshift.videoin.rest.resting_keyframes`), used (and changed) instead of fitting them again.
    """
    if fitter.focal_factor is not None:
        return _shared_identity(fitter, landmarks, size, rounds, states)
    with clip_camera(fitter, landmarks, size, lambda *_: np.arange(len(landmarks))) as (_, fitted):
        return _shared_identity(fitter, landmarks, size, rounds, fitted)


def _shared_identity(fitter, landmarks, size, rounds, states=None) -> np.ndarray:
    from emoshift.threads import single_thread

    if states is None or len(states) != len(landmarks):
        states = [fitter.fit_landmarks(lm, size)[1] for lm in landmarks]
    states = list(states)
    identity = np.stack([s.identity for s in states]).mean(0)
    if len(states) < 2:
        return identity
    cam = fitter.camera(*size)
    obs = [np.asarray(lm[:, :2], np.float64) for lm in landmarks]
    depth = [np.asarray(lm[:, 2], np.float64) if lm.shape[1] > 2 else None for lm in landmarks]
    with single_thread():
        for _ in range(rounds):  # the frames refitted with the identity folded in (identity_solver: 59 unknowns)
            solver = identity_solver(fitter.solver, identity)
            for i in range(len(states)):
                init = states[i].copy()
                init.identity = init.identity[:0]
                states[i] = solver.fit(obs[i], cam.focal, cam.cx, cam.cy, depth_obs=depth[i], init=init)
                states[i].identity = np.asarray(identity, solver.dtype).copy()
            identity = fitter.solver.shared_identity_step(states, obs, cam.focal, cam.cx, cam.cy, depth)
    return identity


def _cam(fitter, size):
    cam = fitter.camera(*size)
    return cam.focal, cam.cx, cam.cy
