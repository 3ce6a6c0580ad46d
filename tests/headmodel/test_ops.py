import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from emoshift.headmodel import ops


def test_axis_angle_matches_scipy_and_is_orthonormal():
    g = torch.Generator().manual_seed(0)
    aa = torch.randn(64, 3, generator=g, dtype=torch.float64) * 1.5
    aa[0] = 0.0
    aa[1] = torch.tensor([1e-6, 0, 0])
    r = ops.axis_angle_to_matrix(aa)
    ref = Rotation.from_rotvec(aa.numpy()).as_matrix()
    np.testing.assert_allclose(r.numpy(), ref, atol=1e-10)
    eye = torch.eye(3, dtype=torch.float64).expand(64, 3, 3)
    torch.testing.assert_close(r @ r.transpose(1, 2), eye, atol=1e-12, rtol=0)
    assert torch.allclose(torch.linalg.det(r), torch.ones(64, dtype=torch.float64))


def test_matrix_to_axis_angle_round_trip():
    g = torch.Generator().manual_seed(1)
    aa = torch.randn(32, 3, generator=g, dtype=torch.float64)
    aa = aa / aa.norm(dim=1, keepdim=True) * torch.rand(32, 1, generator=g, dtype=torch.float64) * 3.0
    back = ops.matrix_to_axis_angle(ops.axis_angle_to_matrix(aa))
    torch.testing.assert_close(back, aa, atol=1e-6, rtol=0)


def test_euler_conventions_and_round_trip():
    # +yaw turns the face direction (+Z) towards +X (the subject's left)
    r = ops.euler_to_matrix(torch.tensor([[0.0, 30.0, 0.0]]))[0]
    fwd = r @ torch.tensor([0.0, 0.0, 1.0])
    assert fwd[0] > 0.49 and abs(fwd[1]) < 1e-6
    # +pitch looks down: +Z goes towards -Y
    fwd = ops.euler_to_matrix(torch.tensor([[20.0, 0.0, 0.0]]))[0] @ torch.tensor([0.0, 0.0, 1.0])
    assert fwd[1] < -0.3
    pyr = torch.tensor([[10.0, -25.0, 5.0], [-30.0, 40.0, -12.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(ops.matrix_to_euler(ops.euler_to_matrix(pyr)), pyr, atol=1e-9, rtol=0)
    # scipy's intrinsic-free 'xyz' extrinsic sequence is Rz Ry Rx
    ref = Rotation.from_euler("xyz", pyr.numpy(), degrees=True).as_matrix()
    np.testing.assert_allclose(ops.euler_to_matrix(pyr).numpy(), ref, atol=1e-12)


def test_head_points_known_deltas_and_rigid():
    g = torch.Generator().manual_seed(2)
    neutral = torch.randn(5, 3, generator=g)
    idb = torch.randn(2, 5, 3, generator=g)
    exb = torch.randn(3, 5, 3, generator=g)
    ident = torch.tensor([[0.5, -1.0]])
    expr = torch.tensor([[1.0, 0.0, 0.25]])
    rot = torch.tensor([[0.0, math.pi / 2, 0.0]])
    trans = torch.tensor([[1.0, 2.0, 3.0]])
    got = ops.head_points(neutral, idb, exb, ident, expr, rot, trans)[0]
    shaped = neutral + 0.5 * idb[0] - idb[1] + exb[0] + 0.25 * exb[2]
    # a quarter turn about +Y maps (x, y, z) to (z, y, -x)
    want = torch.stack([shaped[:, 2], shaped[:, 1], -shaped[:, 0]], 1) + trans
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


def test_gradients_flow_to_every_parameter():
    g = torch.Generator().manual_seed(3)
    neutral = torch.randn(4, 3, generator=g, dtype=torch.float64)
    idb = torch.randn(2, 4, 3, generator=g, dtype=torch.float64)
    exb = torch.randn(3, 4, 3, generator=g, dtype=torch.float64)
    args = [torch.randn(2, k, generator=g, dtype=torch.float64, requires_grad=True) for k in (2, 3, 3, 3)]

    def f(ident, expr, rot, trans):
        return ops.head_points(neutral, idb, exb, ident, expr, rot, trans)

    assert torch.autograd.gradcheck(f, args)
    f(*args).square().sum().backward()
    for a in args:
        assert a.grad is not None and a.grad.abs().sum() > 0


def test_axis_angle_gradient_finite_at_zero():
    aa = torch.zeros(1, 3, requires_grad=True)
    ops.axis_angle_to_matrix(aa)[0, 0, 1].backward()
    assert torch.isfinite(aa.grad).all()
    assert aa.grad[0, 2] == pytest.approx(-1.0)  # d R01 / d z = -1 at identity


def test_batched_equals_single():
    g = torch.Generator().manual_seed(4)
    neutral, idb, exb = torch.randn(6, 3, generator=g), torch.randn(2, 6, 3, generator=g), torch.randn(3, 6, 3, generator=g)
    b = [torch.randn(4, k, generator=g) for k in (2, 3, 3, 3)]
    full = ops.head_points(neutral, idb, exb, *b)
    for i in range(4):
        one = ops.head_points(neutral, idb, exb, *(x[i : i + 1] for x in b))
        torch.testing.assert_close(full[i : i + 1], one)
