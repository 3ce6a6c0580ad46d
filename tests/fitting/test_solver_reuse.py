"""The LM solve reuses its accepted state's residual pass (``LandmarkSolver._forward``, from the step's
trial cost) for the Jacobian at that state: the same residuals and Jacobian as computed afresh, and the same
fits as a solve that recomputes them. Controls: a pass of another state is not taken (it would give other
values), and a solve that keeps its starting state's pass fits something else."""

import numpy as np
import pytest

from emoshift.fitting.solver import LandmarkSolver
from test_solver import _heads


class Fresh(LandmarkSolver):
    """The solve without the reuse: every Jacobian's residual pass computed afresh."""

    def _residuals_jacobian(self, *a, fwd=None, **kw):
        return super()._residuals_jacobian(*a, **kw)


class Stale(LandmarkSolver):
    """The control: the Jacobian keeps taking the solve's first pass (of its starting state), as if the pass
    were not replaced when a step is accepted (a stale cache). ``first`` is reset before each solve."""

    first = None

    def _residuals_jacobian(self, s, obs, focal, cx, cy, w, need_j=True, depth=None, fwd=None):
        if fwd is not None:
            self.first = fwd if self.first is None else self.first
            fwd = self.first._replace(state=s)  # claims to be of s
        return super()._residuals_jacobian(s, obs, focal, cx, cy, w, need_j, depth, fwd)


def _like(solver, cls):
    new = cls.__new__(cls)
    new.__dict__.update(solver.__dict__)
    return new


@pytest.fixture(scope="module")
def solver(fitter):
    return fitter.solver


def _inputs(solver, obs, cam, s):
    depth_obs = solver._cast(np.random.default_rng(0).normal(0, 5, len(obs)))
    w, depth = solver._data_weights(solver._cast(obs), None, depth_obs, s.rotation)
    return solver._cast(obs), w, depth


def test_the_cost_pass_gives_the_fresh_jacobian(solver):
    for obs, _, _, _, cam in _heads(solver, 3, seed=5):
        s = solver.initial_state(solver._cast(obs), cam.focal, cam.cx, cam.cy)
        o, w, depth = _inputs(solver, obs, cam, s)
        _, f = solver._cost_forward(s, o, cam.focal, cam.cx, cam.cy, w, None, depth)
        assert f.of(s, o, w, depth)
        r0, j0 = solver._residuals_jacobian(s, o, cam.focal, cam.cx, cam.cy, w, depth=depth)
        r1, j1 = solver._residuals_jacobian(s, o, cam.focal, cam.cx, cam.cy, w, depth=depth, fwd=f)
        np.testing.assert_array_equal(r0, r1)
        np.testing.assert_array_equal(j0, j1)
        # another state's pass is not taken ...
        step = np.zeros(solver.k + solver.n_exp + 6, solver.dtype)
        step[-3:] = (0.5, -0.3, 1.0)  # a translation (cm)
        moved = solver._apply(s, step)
        assert not f.of(moved, o, w, depth)
        r2, j2 = solver._residuals_jacobian(moved, o, cam.focal, cam.cx, cam.cy, w, depth=depth, fwd=f)
        r3, j3 = solver._residuals_jacobian(moved, o, cam.focal, cam.cx, cam.cy, w, depth=depth)
        np.testing.assert_array_equal(r2, r3)
        np.testing.assert_array_equal(j2, j3)
        # ... control: taken, it gives other residuals and another Jacobian
        r4, j4 = solver._residuals_jacobian(moved, o, cam.focal, cam.cx, cam.cy, w, depth=depth, fwd=f._replace(state=moved))
        assert np.abs(r4 - r3).max() > 1.0 and np.abs(j4 - j3).max() > 1e-3


def test_solve_fits_what_a_fresh_solve_fits(solver):
    fresh, stale = _like(solver, Fresh), _like(solver, Stale)
    differs = 0
    for obs, _, _, _, cam in _heads(solver, 3, seed=7):
        depth_obs = np.random.default_rng(1).normal(0, 5, len(obs))
        a = solver.fit(obs, cam.focal, cam.cx, cam.cy, depth_obs=depth_obs)
        b = fresh.fit(obs, cam.focal, cam.cx, cam.cy, depth_obs=depth_obs)
        for x, y in ((a.identity, b.identity), (a.expression, b.expression), (a.rotation, b.rotation),
                     (a.translation, b.translation), (np.asarray(a.history), np.asarray(b.history))):  # fmt: skip
            np.testing.assert_array_equal(x, y)
        stale.first = None
        c = stale.fit(obs, cam.focal, cam.cx, cam.cy, depth_obs=depth_obs)
        differs += int(not np.array_equal(a.expression, c.expression) or not np.array_equal(a.rotation, c.rotation))
    assert differs == 3  # control: a stale pass changes the fits
