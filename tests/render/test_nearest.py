"""source_parts.nearest: numpy's brute-force nearest point (argmin of the summed squared differences), to the bit."""

import numpy as np
import pytest

from emoshift.render.source_parts import nearest


def _brute(points, which, among):
    d2 = ((points[which, None] - points[None, among]) ** 2).sum(2)
    k = d2.argmin(1)
    return k, d2[np.arange(len(which)), k]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_matches_numpy_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(3000, 3)) * [2.0, 1.0, 0.5]
    pts[2000:2100] = pts[2100:2200]  # exact ties: the first is kept, as argmin does
    which, among = rng.choice(3000, 400, replace=False), rng.choice(3000, 1500, replace=False)
    k, d2 = nearest(pts, which, among)
    bk, bd2 = _brute(pts, which, among)
    assert np.array_equal(k, bk)
    assert np.array_equal(d2.view(np.int64), bd2.view(np.int64))
    # control: the other summation order, dx^2 + (dy^2 + dz^2), differs from numpy's in the last bit somewhere
    d = (pts[which] - pts[among[k]]) ** 2
    assert not np.array_equal(d[:, 0] + (d[:, 1] + d[:, 2]), d2)


def test_nearest_empty():
    pts = np.zeros((4, 3))
    k, d2 = nearest(pts, np.array([0, 1]), np.array([], int))
    assert k.shape == (2,) and d2.shape == (2,)
