"""The head equation ``X = R (mu + B_id a + B_exp e) + t`` and the pinhole projection are written once
(:func:`emoshift.headmodel.ops.head_points`, :func:`emoshift.camera.project`); the solver's fused-basis
form (kept for its analytic Jacobian; the residuals are :mod:`emoshift.fitting.kernels`) and the Numba
mirror in :mod:`emoshift.render.warp` must agree."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emoshift.camera import MIN_DEPTH, Camera, project
from emoshift.fitting.solver import FitState, LandmarkSolver
from emoshift.headmodel.ops import axis_angle_to_matrix, head_points, pose


def _random_state(k: int, e: int, seed: int) -> FitState:
    g = torch.Generator().manual_seed(seed)  # torch only draws the numbers (the same as before the numpy port)
    rot = axis_angle_to_matrix((0.4 * torch.rand(1, 3, generator=g) - 0.2).numpy())[0]
    t = np.array([1.0, -2.0, -55.0], np.float32) + torch.rand(3, generator=g).numpy()
    return FitState(torch.randn(k, generator=g).numpy(), torch.rand(e, generator=g).numpy(), rot, t)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_solver_points_are_the_head_equation(head_model, seed):
    solver = LandmarkSolver(head_model.lmk_neutral, head_model.lmk_identity, head_model.lmk_expression)
    s = _random_state(solver.k, solver.n_exp, seed)
    aa = s.axis_angle[None]
    want = head_points(head_model.lmk_neutral, head_model.lmk_identity, head_model.lmk_expression,
                       s.identity[None], s.expression[None], aa, s.translation[None])[0]  # fmt: skip
    got = solver.points(s)
    err = float(np.linalg.norm(got - want, axis=1).max())
    assert err < 1e-4  # cm; float32 summation order only (measured 4e-6 over six seeds)
    # control: a different expression moves the points by far more than the tolerance
    s2 = FitState(s.identity, np.roll(s.expression, 1), s.rotation, s.translation)
    assert float(np.linalg.norm(solver.points(s2) - want, axis=1).max()) > 0.05


def test_solver_projection_is_the_camera_projection(head_model):
    solver = LandmarkSolver(head_model.lmk_neutral, head_model.lmk_identity, head_model.lmk_expression)
    s = _random_state(solver.k, solver.n_exp, 3)
    cam = Camera.default(640, 480, 2.0)
    obs = cam.project(solver.points(s))
    w = np.ones(solver.n_lmk, np.float32)
    r, _ = solver._residuals_jacobian(s, obs, cam.focal, cam.cx, cam.cy, w, need_j=False)
    # the residual is camera.project - obs up to float32 rounding (the solver's kernel projects in its own loop,
    # emoshift.fitting.kernels): measured <= 6.6e-5 px over 10 seeds (~1 ulp at 512-1024 px); a 0.01 px offset fails
    assert float(np.abs(r).max()) < 5e-4
    r1, _ = solver._residuals_jacobian(s, obs + 0.01, cam.focal, cam.cx, cam.cy, w, need_j=False)
    assert float(np.abs(r1).max()) > 10 * 5e-4  # control
    r2, _ = solver._residuals_jacobian(s, obs + 1.0, cam.focal, cam.cx, cam.cy, w, need_j=False)
    np.testing.assert_allclose(r2, -1.0, atol=1e-4)


def test_projection_clamps_at_min_depth():
    p = np.array([[1.0, 2.0, 0.0], [1.0, 2.0, 5.0], [1.0, 2.0, -10.0]], np.float32)
    uv = project(p, 100.0, 50.0, 40.0)
    assert np.isfinite(uv).all() and uv.dtype == np.float32
    np.testing.assert_allclose(uv[0], [50 + 100 / MIN_DEPTH, 40 - 200 / MIN_DEPTH], rtol=1e-6)
    np.testing.assert_allclose(uv[2], [60.0, 20.0], rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_numba_pose_and_project_mirrors_the_numpy_formulas(head_model, seed):
    from emoshift.render.warp import pose_and_project

    rng = np.random.default_rng(seed)
    v = head_model.neutral.shape[0]
    shaped = (head_model.neutral[None] + rng.normal(0, 0.3, (2, v, 3))).astype(np.float32)
    aa = rng.uniform(-0.3, 0.3, (2, 3)).astype(np.float32)
    rots = axis_angle_to_matrix(aa)
    rot0 = axis_angle_to_matrix(np.array([[0.05, -0.1, 0.02]], np.float32))[0]
    t = np.array([0.5, -1.0, -60.0], np.float32)
    cam = Camera.default(512, 512, 2.5)
    for weight, r in [(np.ones(v, np.float32), rots), (np.zeros(v, np.float32), np.stack([rot0, rot0]))]:
        out = np.zeros((2, v, 3), np.float32)
        pose_and_project(shaped, rots, rot0, weight, t, np.float32(cam.focal), np.float32(cam.cx), np.float32(cam.cy), out)
        x = pose(shaped, r, np.broadcast_to(t, (2, 3)))
        uv = cam.project(x)
        assert np.abs(out[..., :2] - uv).max() < 1e-2  # px at 512 px (float32 operation order)
        np.testing.assert_allclose(out[..., 2], -x[..., 2], rtol=1e-5)
    # control: the mirror with the other rotation is far off
    out = np.zeros((2, v, 3), np.float32)
    pose_and_project(shaped, rots, rot0, np.zeros(v, np.float32), t, np.float32(cam.focal), np.float32(cam.cx),
                     np.float32(cam.cy), out)  # fmt: skip
    x = pose(shaped, rots, np.broadcast_to(t, (2, 3)))
    assert np.abs(out[..., :2] - cam.project(x)).max() > 5
