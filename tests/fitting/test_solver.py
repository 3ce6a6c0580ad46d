"""Synthetic round trip: known heads projected with a known camera, fitted back."""

import math

import numpy as np
import pytest
import torch

from emoshift.camera import Camera
from emoshift.fitting.solver import LandmarkSolver
from emoshift.headmodel.landmarks import IRIS_RADIUS_CM
from emoshift.headmodel.ops import euler_to_matrix


def _heads(solver, n, seed, noise=1.0):
    g = torch.Generator().manual_seed(seed)
    cam = Camera.default(512, 512)
    out = []
    for _ in range(n):
        a = torch.randn(solver.k, generator=g, dtype=torch.float64)
        e = torch.zeros(53, dtype=torch.float64)
        idx = torch.randperm(53, generator=g)[:6]
        e[idx] = torch.rand(6, generator=g, dtype=torch.float64)
        pyr = (torch.rand(1, 3, generator=g, dtype=torch.float64) * 2 - 1) * torch.tensor([15.0, 30.0, 10.0])
        rot = euler_to_matrix(pyr)[0]
        t = torch.tensor([0.0, 0.0, -60.0], dtype=torch.float64)
        x = solver.shape(a, e).double() @ rot.T + t
        obs = cam.project(x) + noise * torch.randn(478, 2, generator=g, dtype=torch.float64)
        out.append((obs, a, e, rot, cam))
    return out


@pytest.fixture(scope="module")
def solver(fitter):
    return fitter.solver  # the production solver (float32)


@pytest.fixture(scope="module")
def solver64(fitter):
    return LandmarkSolver.from_model(fitter.model, dtype=torch.float64)


def test_round_trip_recovers_pose_and_expression(solver):
    rmse, rot_err, exp_err = [], [], []
    for obs, a, e, rot, cam in _heads(solver, 4, seed=1):
        s = solver.fit(obs, cam.focal, cam.cx, cam.cy)
        proj = solver.project(solver.points(s), cam.focal, cam.cx, cam.cy)
        rmse.append(float((proj - obs).pow(2).sum(1).mean().sqrt()))
        cos = (float((rot.T @ s.rotation.double()).trace()) - 1) / 2
        rot_err.append(math.degrees(math.acos(min(1.0, max(-1.0, cos)))))
        exp_err.append(float((s.expression - e).abs().mean()))
        assert s.expression.min() >= 0 and s.expression.max() <= 1
    assert max(rmse) < 1.6  # 1 px noise per axis -> ~1.41 px floor
    assert max(rot_err) < 2.0
    assert np.mean(exp_err) < 0.1


def test_noise_free_fit_is_tight_and_priors_matter(solver):
    obs, a, e, rot, cam = _heads(solver, 1, seed=2, noise=0.0)[0]
    s = solver.fit(obs, cam.focal, cam.cx, cam.cy)
    proj = solver.project(solver.points(s), cam.focal, cam.cx, cam.cy)
    assert float((proj - obs).pow(2).sum(1).mean().sqrt()) < 0.8
    # a large identity shift must be penalised by the Gaussian prior: the fit shrinks it
    assert float(s.identity.norm()) < float(a.norm()) * 1.2


def test_analytic_jacobian_matches_finite_differences(solver64):
    solver = solver64
    obs, a, e, rot, cam = _heads(solver, 1, seed=3)[0]
    s = solver.initial_state(obs, cam.focal, cam.cx, cam.cy)
    s.expression = torch.full((53,), 0.2, dtype=torch.float64)
    w = torch.ones(478, dtype=torch.float64)
    d = torch.randn(468, dtype=torch.float64)
    depth = (d - d.mean(), torch.full((468,), 0.5, dtype=torch.float64))
    r, j = solver._residuals_jacobian(s, obs, cam.focal, cam.cx, cam.cy, w, depth=depth)
    n = j.shape[1]
    for col, h in ((0, 1e-4), (49, 1e-4), (60, 1e-4), (n - 6, 1e-5), (n - 5, 1e-5), (n - 2, 1e-4), (n - 1, 1e-4)):
        step = torch.zeros(n, dtype=torch.float64)
        step[col] = h
        rp, _ = solver._residuals_jacobian(solver._apply(s, step), obs, cam.focal, cam.cx, cam.cy, w, False, depth)
        rm, _ = solver._residuals_jacobian(solver._apply(s, -step), obs, cam.focal, cam.cx, cam.cy, w, False, depth)
        fd = (rp - rm) / (2 * h)
        proj = slice(0, 956)
        assert torch.allclose(j[proj, col], fd[proj], rtol=1e-4, atol=1e-4 * float(fd[proj].abs().max())), col
        assert float((j[956:, col] - fd[956:]).norm()) <= 1e-4 * float(fd[956:].norm()) + 1e-9, col


def test_iris_points_on_real_iris_radius(solver):
    mu = solver.mu
    for c, bounds in ((468, [469, 470, 471, 472]), (473, [474, 475, 476, 477])):
        radius = (mu[bounds, :2] - mu[c, :2]).norm(dim=1)
        assert torch.allclose(radius, torch.full_like(radius, IRIS_RADIUS_CM), atol=0.15)


def test_temporal_prior_reduces_jitter(solver):
    from emoshift.fitting.solver import with_config

    obs, a, e, rot, cam = _heads(solver, 1, seed=4, noise=0.0)[0]
    g = torch.Generator().manual_seed(5)
    frames = [obs + 1.5 * torch.randn(obs.shape, generator=g, dtype=torch.float64) for _ in range(8)]
    jitter = {}
    for tw in (0.0, 50.0):
        sv = with_config(solver, temporal_weight=tw)
        state = sv.fit(frames[0], cam.focal, cam.cx, cam.cy)
        exps, rots = [state.expression], [state.rotation]
        for f in frames[1:]:
            state = sv.fit(f, cam.focal, cam.cx, cam.cy, init=state, prev=state, fix_identity=True)
            exps.append(state.expression)
            rots.append(state.rotation)
        jitter[tw] = (
            float(torch.stack([(x - y).abs().mean() for x, y in zip(exps, exps[1:])]).mean()),
            float(torch.stack([(x - y).norm() for x, y in zip(rots, rots[1:])]).mean()),
        )
    assert jitter[50.0][0] < 0.7 * jitter[0.0][0]
    assert jitter[50.0][1] < 0.7 * jitter[0.0][1]


def test_mediapipe_canonical_face_fits_neutral(solver):
    """MediaPipe's own canonical (neutral) face, aligned to the ICT frame, posed and projected, must come
    out neutral: the fitter's landmark points are the canonical points, not their surface projections."""
    from emoshift.assets import find_asset
    from emoshift.headmodel import load_arrays
    from emoshift.headmodel.landmarks import align_canonical
    from emoshift.headmodel.mesh import read_obj, triangulate
    from emoshift.headmodel.regions import polygon_indices

    ict = load_arrays()
    neutral = ict["neutral_vertices"].astype(np.float64)
    tris, src = triangulate(ict["faces"])
    canon, _ = read_obj(find_asset("mediapipe-canonical"))
    aligned, _ = align_canonical(neutral, canon.astype(np.float64), tris[np.isin(src, polygon_indices("face"))])
    aligned = torch.from_numpy(aligned)
    assert torch.allclose(solver.mu[:468].double(), aligned, atol=1e-4)
    pts = torch.cat([aligned, solver.mu[468:]])  # the canonical mesh has no iris points: use the model's
    rot = euler_to_matrix(torch.tensor([[5.0, 20.0, -3.0]], dtype=torch.float64))[0]
    cam = Camera.default(640, 480)
    obs = cam.project(pts @ rot.T + torch.tensor([1.0, -2.0, -55.0], dtype=torch.float64))
    s = solver.fit(obs, cam.focal, cam.cx, cam.cy)
    assert float(s.expression.max()) < 0.05
    assert float(s.identity.abs().max()) < 0.1
    cos = (float((rot.T @ s.rotation.double()).trace()) - 1) / 2
    assert math.degrees(math.acos(min(1.0, cos))) < 0.2


def test_shared_identity_beats_per_frame_mean(fitter):
    from emoshift.fitting.video import shared_identity

    solver = fitter.solver
    cam = Camera.default(512, 512)
    g = torch.Generator().manual_seed(3)
    a = torch.randn(solver.k, generator=g)
    frames = []
    for _ in range(4):
        e = torch.zeros(53)
        e[torch.randperm(53, generator=g)[:5]] = torch.rand(5, generator=g)
        rot = euler_to_matrix((torch.rand(1, 3, generator=g) * 2 - 1) * torch.tensor([[10.0, 30.0, 8.0]]))[0]
        x = solver.shape(a, e).double() @ rot.T.double() + torch.tensor([0.0, 0.0, -60.0], dtype=torch.float64)
        frames.append((cam.project(x) + torch.randn(478, 2, generator=g, dtype=torch.float64)).numpy())
    mean0 = shared_identity(fitter, frames, (512, 512), rounds=0)  # mean of per-frame identities
    joint = shared_identity(fitter, frames, (512, 512), rounds=2)
    assert float((joint - a).abs().mean()) < 0.85 * float((mean0 - a).abs().mean())
