"""emoshift.rotations (numpy, for the paths without torch) against its torch twins in headmodel.ops.

Measured over 2000 random rotations up to 170 degrees (100 of them near zero), float32: matrices within 4.2e-7
of torch's, axis-angle 4.8e-6, Euler angles 1.5e-5 degrees, Euler -> matrix 1.8e-7, the Euler round trip
3.8e-6 degrees; the bounds below are about 10x those. Control: another rotation's values are far off.
"""

import numpy as np
import torch

from emoshift import rotations as rn
from emoshift.headmodel import ops


def _samples(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    axis = rng.normal(size=(n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    angle = np.concatenate([rng.uniform(0, np.radians(170), n - 100), rng.uniform(0, 1e-5, 100)])
    return (axis * angle[:, None]).astype(np.float32)


def test_numpy_rotations_match_headmodel_ops():
    aa = _samples()
    t = torch.from_numpy(aa)
    m = rn.axis_angle_to_matrix(aa)
    assert m.dtype == np.float32 and m.shape == (len(aa), 3, 3)
    assert np.abs(m - ops.axis_angle_to_matrix(t).numpy()).max() < 4e-6
    assert np.abs(rn.matrix_to_axis_angle(m) - ops.matrix_to_axis_angle(torch.from_numpy(m)).numpy()).max() < 5e-5
    pyr = rn.matrix_to_euler(m)
    assert np.abs(pyr - ops.matrix_to_euler(torch.from_numpy(m)).numpy()).max() < 2e-4
    small = pyr[np.abs(pyr[:, 1]) < 80]  # away from gimbal lock the Euler round trip holds
    assert np.abs(rn.euler_to_matrix(small) - ops.euler_to_matrix(torch.from_numpy(small)).numpy()).max() < 2e-6
    assert np.abs(rn.matrix_to_euler(rn.euler_to_matrix(small)) - small).max() < 5e-5
    # float64 in, float64 out; shapes beyond (B, 3)
    assert rn.axis_angle_to_matrix(aa[:4].astype(np.float64).reshape(2, 2, 3)).shape == (2, 2, 3, 3)
    assert rn.axis_angle_to_matrix(aa[:1].astype(np.float64)).dtype == np.float64
    # control: the next rotation's matrix is far from this one's
    assert np.abs(m[1:] - ops.axis_angle_to_matrix(t[:-1]).numpy()).max() > 0.5


def test_euler_to_axis_angle_and_compose_match_headmodel_ops():
    """The two compositions the planner and fit files use (what planning.euler_deg_to_axis_angle and
    compose_rotations ran through torch before): within the axis-angle bound above of torch's.
    Control: composing in the other order (R_rel @ R_src) is far off for non-commuting rotations."""
    aa = _samples(400, seed=1)
    pyr = rn.matrix_to_euler(rn.axis_angle_to_matrix(aa))
    pyr = pyr[np.abs(pyr[:, 1]) < 80]
    want = ops.matrix_to_axis_angle(ops.euler_to_matrix(torch.from_numpy(pyr))).numpy()
    assert np.abs(rn.euler_to_axis_angle(pyr) - want).max() < 5e-5
    src, rel = aa[0] * 0.3, aa[1:] * 0.3  # up to 51 degrees each: the compositions stay below 170
    ts, tr = torch.from_numpy(src[None]), torch.from_numpy(rel)
    want = ops.matrix_to_axis_angle(ops.axis_angle_to_matrix(ts) @ ops.axis_angle_to_matrix(tr)).numpy()
    got = rn.compose(src, rel)
    assert got.shape == rel.shape and got.dtype == np.float32
    assert np.abs(got - want).max() < 5e-5
    swapped = ops.matrix_to_axis_angle(ops.axis_angle_to_matrix(tr) @ ops.axis_angle_to_matrix(ts)).numpy()
    assert np.abs(got - swapped).max() > 0.05
