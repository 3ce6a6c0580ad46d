"""The clip's camera (issue 17 speed, :func:`emoshift.fitting.video.clip_camera`): the median of the
keyframes' focal estimates, each a search near a provisional factor (the photo's search on the clip's
middle frame) from the keyframe's fit with it (:func:`emoshift.fitting.fitter.local_focal_factor`),
instead of the photo's full search on every keyframe (the former rule).

The clips: landmarks (with a depth like MediaPipe's) of a random identity projected through a known lens
(focal factor 1.0, 2.0, 3.5 of the long side), the head turning and the expression changing over 24
frames, 0.7 px noise. The reference: the median over the keyframes of the factor of lowest fitting energy
(converged fits from scratch on a fine grid). Measured (the three lenses x seeds 0-1): the clip focal
within 0.026 of the reference; from a provisional factor 1.8x too long, the local searches walk back to
within 0.037, where that factor alone is 0.8-1.2 off (the control, which must fail); the former rule's
median was 0.01-0.14 off (its grid's points and parabola: 2.049 = a grid point on most keyframes of the
2.0 lens, whose minima are at 1.69-2.06); solver iterations 0.46-0.55 of the former rule's.
"""

import numpy as np
import pytest

from emoshift.camera import Camera
from emoshift.headmodel.ops import axis_angle_to_matrix

N, SIZE = 24, (640, 480)
#: |clip focal / reference - 1|: measured <= 0.026 from the provisional factor, <= 0.037 from a wrong one.
FOCAL_TOL = 0.06
#: The clip focal's solver iterations (the provisional search and the keyframes' local searches) over the
#: former rule's (the full search on every keyframe): measured 0.46-0.55.
ITER_RATIO = 0.65


def _clip(solver, true: float, seed: int) -> list[np.ndarray]:
    """(N,) (478, 3) landmarks (pixels, and a depth as MediaPipe's z: relative, in pixels) of one head through
    a lens of focal factor ``true``."""
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(solver.k) * 0.7).astype(np.float32)
    cam = Camera(true * max(SIZE), SIZE[0] / 2, SIZE[1] / 2, *SIZE)
    names = 53
    out = []
    for t in range(N):
        e = np.zeros(names, np.float32)
        e[rng.choice(names, 4, replace=False)] = rng.uniform(0, 0.6, 4)
        yaw, pitch = np.radians(20 * np.sin(t / 6)), np.radians(8 * np.cos(t / 9) + 4)
        rot = axis_angle_to_matrix(np.array([[pitch, yaw, 0.0]], np.float32))[0]
        x = solver.shape(a, e) @ rot.T + np.array([1.0, 0.5, -55.0 * true], np.float32)
        z = -x[:, 2]
        depth = cam.focal * (z / z[:468].mean() - 1) + 0.7 * rng.standard_normal(478)
        out.append(np.column_stack([cam.project(x) + 0.7 * rng.standard_normal((478, 2)), depth]))
    return out


def _reference(fitter, lms, keys, true: float) -> float:
    """The median over the keyframes of the focal factor of lowest fitting energy: converged fits from
    scratch on a log grid (4.5% apart) around the lens, the parabola through the lowest and its neighbours."""
    from emoshift.fitting.fitter import _vertex

    s, (w, h) = fitter.solver, SIZE
    grid = np.log(true) + np.linspace(np.log(0.6), np.log(1.35), 20)
    best = []
    for k in keys:
        obs, depth = s._cast(lms[k][:, :2]), s._cast(lms[k][:, 2])
        costs = []
        for g in grid:
            f = float(np.exp(g)) * max(w, h)
            st = s.fit(obs, f, w / 2, h / 2, depth_obs=depth)
            costs.append(s.energy(st, obs, f, w / 2, h / 2, depth))
        i = int(np.clip(np.argmin(costs), 1, len(grid) - 2))
        best.append(np.exp(_vertex(grid[i - 1 : i + 2], np.array(costs[i - 1 : i + 2]), grid[1] - grid[0])))
    return float(np.median(best))


def _former(fitter, lms, keys) -> float:
    """The former rule: the median of the photo's full search on every keyframe."""
    from emoshift.fitting.fitter import estimate_focal_factor

    s = fitter.solver
    return float(np.median([estimate_focal_factor(s, s._cast(lms[k][:, :2]), SIZE, s._cast(lms[k][:, 2]))[0]
                            for k in keys]))  # fmt: skip


class _Iterations:
    """Counts the solver's LM iterations (len of each solve's history)."""

    def __init__(self, monkeypatch, solver_cls):
        self.n = 0
        solve = solver_cls.solve

        def counted(solver, *a, **k):
            s = solve(solver, *a, **k)
            self.n += len(s.history)
            return s

        monkeypatch.setattr(solver_cls, "solve", counted)


@pytest.mark.parametrize(("true", "seed"), [(1.0, 0), (2.0, 1), (3.5, 0)])
def test_clip_focal_as_the_full_searches(fitter, monkeypatch, true, seed):
    import emoshift.fitting.fitter as fitter_mod
    from emoshift.fitting.solver import LandmarkSolver
    from emoshift.fitting.video import clip_camera

    monkeypatch.setenv("EMOSHIFT_FORK", "0")  # every fit in this process (counted)
    lms = _clip(fitter.solver, true, seed)
    import emoshift.fitting.video as video

    count = _Iterations(monkeypatch, LandmarkSolver)
    keyframe_fits = video._keyframe_fits

    def uncounted(*a):  # the keyframes' own fits: the former rule fitted them too (for the identity)
        n = count.n
        got = keyframe_fits(*a)
        count.n = n
        return got

    monkeypatch.setattr(video, "_keyframe_fits", uncounted)
    assert fitter.focal_factor is None
    with clip_camera(fitter, lms, SIZE) as (keys, states):
        got = fitter.focal_factor
    fast = count.n
    assert fitter.focal_factor is None and len(keys) == len(states) == 8
    count.n = 0
    _former(fitter, lms, keys)
    full = count.n
    ref = _reference(fitter, lms, keys, true)
    # a provisional factor far off: the local searches walk back to the keyframes' own minima
    search = fitter_mod.estimate_focal_factor
    wrong = {}

    def off(*a, **k):
        ff, s = search(*a, **k)
        wrong["factor"] = 1.8 * ff
        s.translation = s.translation * np.float32(1.8)
        return wrong["factor"], s

    monkeypatch.setattr(fitter_mod, "estimate_focal_factor", off)
    with clip_camera(fitter, lms, SIZE) as _:
        walked = fitter.focal_factor
    assert abs(got / ref - 1) < FOCAL_TOL, (got, ref)
    assert abs(ref / true - 1) < 0.2, (ref, true)  # the lens is seen
    assert abs(walked / ref - 1) < FOCAL_TOL, (walked, ref)
    assert abs(wrong["factor"] / ref - 1) > FOCAL_TOL  # control: the provisional factor alone is off
    assert fast < ITER_RATIO * full, (fast, full)  # the point of it (the reference's searches)
