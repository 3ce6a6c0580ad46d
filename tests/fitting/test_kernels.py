"""The solver's residuals and Jacobian (numba kernels, :mod:`emoshift.fitting.kernels`; the only code of
both, photo and video fits alike) against oracles that do not repeat them:

- the reprojection residuals are the weight matrices times :func:`emoshift.camera.project` of the head
  model's posed landmarks (:meth:`LandmarkSolver.points`, the head equation) minus the observations, and
  the depth residuals the energy's depth term of the solver's docstring, ``w_d (f (z_l / mean z - 1) - d_l)``
  with ``z`` by :func:`emoshift.camera.depth`;
- the Jacobian is the central finite differences of those residuals over every unknown (the solver's own
  update, :meth:`LandmarkSolver._apply`, with the per-step view gains held fixed as the Jacobian holds them).

Cases: the float32 production solver and a float64 one, identity free and a clip's per-frame solver
(identity folded in, :func:`identity_solver`), heads at several poses (some with view gains), with the
data weights' 2 x 2 matrices, with and without depth. Controls: a state turned by 0.05 degrees or moved by
0.01 cm is far outside the residuals' tolerance (> 10x; it would catch a small error of the kernels); a
Jacobian at a focal 0.1% off, or at a state turned by 0.2 degrees, outside the Jacobian's (> 5x)."""

import copy

import numpy as np
import pytest

from emoshift.camera import depth as point_depth
from emoshift.camera import project
from emoshift.fitting.solver import LandmarkSolver
from emoshift.fitting.video import identity_solver
from emoshift.rotations import axis_angle_to_matrix
from test_solver import _heads

#: Residuals: largest difference from the oracle relative to the part's (reprojection or depth) largest
#: magnitude, over the 12 cases: measured <= 4.9e-7 (float32) and <= 8.2e-15 (float64); 1e-5 and 1e-12 leave
#: margins of 20x and 120x.
R_TOL = {np.float32: 1e-5, np.float64: 1e-12}
#: Jacobian: per column, largest difference from the finite differences (of the float64 solver) relative to
#: the column's largest magnitude, over the 12 cases: measured <= 9.4e-6 (float32 Jacobian; median column
#: ~1e-6) and <= 5.2e-9 (float64); 1e-4 and 1e-7 leave margins of 10x and 19x. The controls (a focal 0.1%
#: off: 1.0e-3; turned 0.2 degrees: >= 6.7e-3) must exceed 5x the tolerance.
J_TOL = {np.float32: 1e-4, np.float64: 1e-7}


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| per column over the column's largest |b| (a vector is one column)."""
    a, b = np.atleast_2d(np.asarray(a, np.float64).T).T, np.atleast_2d(np.asarray(b, np.float64).T).T
    return float((np.abs(a - b).max(0) / np.maximum(np.abs(b).max(0), 1e-12)).max())


@pytest.fixture(scope="module")
def solvers(fitter):
    """{dtype: the production solver's bases in that dtype}."""
    return {np.float32: fitter.solver, np.float64: LandmarkSolver.from_model(fitter.model, dtype=np.float64)}


def _cases(solvers, dtype):
    """(solver, float64 twin, state, obs, depth_obs, cam) of heads at several poses, identity free and a
    clip's per-frame solver; the twin is the same solver in float64 (the finite differences')."""
    solver, s64 = solvers[dtype], solvers[np.float64]
    out = []
    for n, (obs, a, e, rot, cam) in enumerate(_heads(solver, 6, seed=11)):
        rng = np.random.default_rng(n)
        depth_obs = rng.normal(0, 5, len(obs)) if n % 3 else None
        s = solver.initial_state(solver._cast(obs), cam.focal, cam.cx, cam.cy)
        s.identity = solver._cast(a * 0.5)
        s.expression = solver._cast(rng.uniform(0.2, 0.8, solver.n_exp))  # inside [0, 1]: steps are not clipped
        s.rotation = solver._cast(rot)
        out.append((solver, s64, s, obs, depth_obs, cam))
        si = s.copy()
        si.identity = si.identity[:0]
        out.append((identity_solver(solver, solver._cast(a * 0.5)), identity_solver(s64, a * 0.5), si, obs,
                    None if depth_obs is None else -depth_obs, cam))  # fmt: skip
    return out


def _inputs(solver, s, obs, depth_obs):
    obs = solver._cast(obs)
    w, depth = solver._data_weights(obs, None, solver._cast(depth_obs), s.rotation)
    return obs, w, depth


def _residuals(solver, s, obs, depth_obs, cam):
    obs, w, depth = _inputs(solver, s, obs, depth_obs)
    return solver._residuals_jacobian(s, obs, cam.focal, cam.cx, cam.cy, w, False, depth)


def _oracle(solver, s, obs, depth_obs, cam):
    """The residuals from the head equation, the camera's projection and the energy's depth term (float64)."""
    obs32, w, depth = _inputs(solver, s, obs, depth_obs)
    x = np.asarray(solver.points(s), np.float64)
    wm = np.asarray(w, np.float64)
    r = (wm @ (project(x, cam.focal, cam.cx, cam.cy) - obs32)[:, :, None]).reshape(-1)
    if depth is None:
        return r, None
    d_obs, wd = (np.asarray(v, np.float64) for v in depth)
    z = point_depth(x)[: len(d_obs)]
    return r, wd * (cam.focal * (z / z.mean() - 1) - d_obs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_residuals_are_the_projected_head_equation_and_the_depth_term(solvers, dtype):
    gains = depths = 0
    worst = [0.0, 0.0]
    for solver, _, s, obs, depth_obs, cam in _cases(solvers, dtype):
        gains += solver._gains(s.rotation) is not None
        r, _ = _residuals(solver, s, obs, depth_obs, cam)
        assert r.dtype == dtype
        rp, rd = _oracle(solver, s, obs, depth_obs, cam)
        n = len(rp)
        assert len(r) == n + (0 if rd is None else len(rd))
        worst[0] = max(worst[0], _rel(r[:n], rp))
        assert _rel(r[:n], rp) < R_TOL[dtype]
        if rd is not None:
            depths += 1
            worst[1] = max(worst[1], _rel(r[n:], rd))
            assert _rel(r[n:], rd) < R_TOL[dtype]
        # controls: a state turned by 0.05 degrees, or moved by 0.01 cm, is far outside the tolerance
        turned, moved = s.copy(), s.copy()
        turned.rotation = solver._cast(axis_angle_to_matrix(np.array([0.0, np.radians(0.05), 0.0])) @ s.rotation)
        moved.translation = moved.translation + solver._cast([0.01, 0.0, 0.0])
        for other in (turned, moved):
            ro, _ = _residuals(solver, other, obs, depth_obs, cam)
            assert _rel(ro[:n], rp) > 10 * R_TOL[np.float32]
        if rd is not None:
            ro, _ = _residuals(solver, turned, obs, depth_obs, cam)
            assert _rel(ro[n:], rd) > 10 * R_TOL[np.float32]
    print(f"worst residual differences ({np.dtype(dtype).name}): reprojection {worst[0]:.2e}, depth {worst[1]:.2e}")
    assert gains >= 2 and depths >= 4  # the view attenuation's gains and the depth term are among the cases


def _finite_differences(s64, s, obs, depth_obs, cam) -> np.ndarray:
    """Central differences of the float64 solver's residuals at ``s`` over every unknown, the data weights
    and view gains fixed at those of ``s`` (as the solve and the Jacobian hold them within a step)."""
    sv = copy.copy(s64)
    g = s64._gains(s.rotation)
    sv._gains = lambda rotation: g
    st = type(s)(*(np.asarray(v, np.float64) for v in (s.identity, s.expression, s.rotation, s.translation)))
    o, w, depth = _inputs(sv, st, obs, depth_obs)
    m = sv.k + sv.n_exp
    cols = []
    for q in range(m + 6):
        h = 1e-3 if q < m else 1e-5  # the coefficients enter ~linearly (a larger step), the pose does not
        step = np.zeros(m + 6)
        step[q] = h
        rp, _ = sv._residuals_jacobian(sv._apply(st, step), o, cam.focal, cam.cx, cam.cy, w, False, depth)
        rm, _ = sv._residuals_jacobian(sv._apply(st, -step), o, cam.focal, cam.cx, cam.cy, w, False, depth)
        cols.append((rp - rm) / (2 * h))
    return np.stack(cols, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_jacobian_is_the_residuals_finite_differences(solvers, dtype):
    worst = 0.0
    for solver, s64, s, obs, depth_obs, cam in _cases(solvers, dtype):
        o, w, depth = _inputs(solver, s, obs, depth_obs)
        _, j = solver._residuals_jacobian(s, o, cam.focal, cam.cx, cam.cy, w, True, depth)
        assert j.dtype == dtype
        fd = _finite_differences(s64, s, obs, depth_obs, cam)
        assert j.shape == fd.shape
        worst = max(worst, _rel(j, fd))
        assert _rel(j, fd) < J_TOL[dtype]
        # controls: the Jacobian at a focal 0.1% off, or at a state turned by 0.2 degrees (the same weights)
        _, jf = solver._residuals_jacobian(s, o, cam.focal * 1.001, cam.cx, cam.cy, w, True, depth)
        turned = s.copy()
        turned.rotation = solver._cast(axis_angle_to_matrix(np.array([np.radians(0.2), 0.0, 0.0])) @ s.rotation)
        _, jt = solver._residuals_jacobian(turned, o, cam.focal, cam.cx, cam.cy, w, True, depth)
        assert _rel(jf, fd) > 5 * J_TOL[dtype] and _rel(jt, fd) > 5 * J_TOL[dtype], (_rel(jf, fd), _rel(jt, fd))
    print(f"worst Jacobian difference ({np.dtype(dtype).name}): {worst:.2e}")
