"""The solver's numba kernels (:mod:`emoshift.fitting.kernels`, ``LandmarkSolver.kernels``: the video
path's fits) compute the numpy passes' residuals and Jacobian up to float rounding, and fit what numpy
fits. Controls: the same comparison at a state turned by 0.05 degrees, or one nudged by 0.01 cm, is far
outside the tolerance (it would catch a small error of the kernels), and the photo solver stays on numpy."""

import numpy as np
import pytest

from emoshift.fitting.solver import with_kernels
from emoshift.fitting.video import identity_solver
from emoshift.rotations import axis_angle_to_matrix
from test_solver import _heads

#: Largest difference of a residual or Jacobian entry from numpy's, relative to its column's largest
#: magnitude: measured <= 4e-7 (float32 sums in another order), so 1e-5 leaves a 25x margin.
REL_TOL = 1e-5


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| per column over the column's largest |b| (a vector is one column)."""
    a, b = np.atleast_2d(np.asarray(a, np.float64).T).T, np.atleast_2d(np.asarray(b, np.float64).T).T
    return float((np.abs(a - b).max(0) / np.maximum(np.abs(b).max(0), 1e-12)).max())


def _cases(fitter):
    """(solver, state, obs, depth_obs, cam) of heads at several poses, for the photo solver (identity free)
    and a clip's per-frame solver (identity folded in, :func:`identity_solver`)."""
    solver = fitter.solver
    out = []
    for n, (obs, a, e, rot, cam) in enumerate(_heads(solver, 6, seed=11)):
        depth_obs = solver._cast(np.random.default_rng(n).normal(0, 5, len(obs)))
        s = solver.initial_state(solver._cast(obs), cam.focal, cam.cx, cam.cy)
        s.identity, s.expression = solver._cast(a * 0.5), solver._cast(e * 0.8)
        s.rotation = solver._cast(rot)
        out.append((solver, s, solver._cast(obs), depth_obs if n % 2 else None, cam))
        ident = identity_solver(solver, solver._cast(a * 0.5))
        si = s.copy()
        si.identity = si.identity[:0]
        out.append((ident, si, solver._cast(obs), depth_obs, cam))
    return out


def _passes(solver, s, obs, depth_obs, cam, rotation=None):
    w, depth = solver._data_weights(obs, None, depth_obs, s.rotation if rotation is None else rotation)
    return solver._residuals_jacobian(s, obs, cam.focal, cam.cx, cam.cy, w, depth=depth)


def test_kernels_compute_numpys_residuals_and_jacobian(fitter):
    gains = 0
    for solver, s, obs, depth_obs, cam in _cases(fitter):
        fast = with_kernels(solver)
        assert fast.kernels and not solver.kernels  # the photo solver stays on numpy
        gains += solver._gains(s.rotation) is not None
        r0, j0 = _passes(solver, s, obs, depth_obs, cam)
        r1, j1 = _passes(fast, s, obs, depth_obs, cam)
        assert r1.dtype == r0.dtype and j1.shape == j0.shape
        assert _rel(r1, r0) < REL_TOL and _rel(j1, j0) < REL_TOL
        # controls: a state turned by 0.05 degrees, or moved by 0.01 cm, is far outside the tolerance
        turned = s.copy()
        turned.rotation = solver._cast(axis_angle_to_matrix(np.array([0.0, np.radians(0.05), 0.0])) @ s.rotation)
        r2, j2 = _passes(fast, turned, obs, depth_obs, cam, rotation=s.rotation)
        moved = s.copy()
        moved.translation = moved.translation + solver._cast([0.01, 0.0, 0.0])
        r3, _ = _passes(fast, moved, obs, depth_obs, cam)
        assert _rel(r2, r0) > 10 * REL_TOL and _rel(j2, j0) > 10 * REL_TOL and _rel(r3, r0) > 10 * REL_TOL
    assert gains >= 2  # the view attenuation's per-point gains are among the cases (turned heads)


@pytest.mark.parametrize("identity_free", [True, False])
def test_kernel_fits_are_numpys(fitter, identity_free):
    """Fits from scratch (identity free) and warm-started clip fits (identity fixed, temporal term): the
    same fit up to rounding (measured on 12 heads each: expressions within 1.5e-5, fitted landmarks within
    1.5e-4 px; the thresholds are 13x those)."""
    solver = fitter.solver
    heads = _heads(solver, 4, seed=3)
    for n, (obs, a, e, rot, cam) in enumerate(heads):
        depth_obs = np.random.default_rng(n).normal(0, 5, len(obs))
        sv = solver if identity_free else identity_solver(solver, solver._cast(a), 1e-3)
        kw = {}
        if not identity_free:  # from the previous head's pose, pulled towards it
            prev = sv.initial_state(solver._cast(heads[n - 1][0]), cam.focal, cam.cx, cam.cy)
            kw = {"init": prev, "prev": prev}
        x = sv.fit(obs, cam.focal, cam.cx, cam.cy, depth_obs=depth_obs, **kw)
        y = with_kernels(sv).fit(obs, cam.focal, cam.cx, cam.cy, depth_obs=depth_obs, **kw)
        px = lambda st: cam.project(sv.points(st))  # noqa: E731
        assert np.abs(x.expression - y.expression).max() < 2e-4
        assert np.abs(px(x) - px(y)).max() < 2e-3
        # control: the fit of another head is far from it
        other = with_kernels(sv).fit(heads[n - 1][0], cam.focal, cam.cx, cam.cy, depth_obs=depth_obs, **kw)
        assert np.abs(px(other) - px(x)).max() > 1.0
