"""source_parts.farther_than (the tongue's clearance from the teeth, without scipy.spatial): the same decision
as scipy's cKDTree query, also for points placed at the radius within float32 rounding."""

import numpy as np
from scipy.spatial import cKDTree

from emoshift.render.source_parts import farther_than


def test_same_decision_as_cKDTree_including_points_at_the_radius():
    rng = np.random.default_rng(0)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        to = rng.uniform(-3, 3, (800, 3)).astype(np.float32) + np.float32([0, -2, 8])
        pts = rng.uniform(-3, 3, (600, 3)).astype(np.float32) + np.float32([0, -2, 8])
        # 50 points at the radius from a target, up to 1e-6 cm off: where float32 alone would err
        k = rng.integers(0, len(to), 50)
        u = rng.normal(size=(50, 3))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        pts[:50] = (to[k] + u * (0.5 + rng.uniform(-1e-6, 1e-6, (50, 1)))).astype(np.float32)
        for r in (0.5, 0.3):
            want = cKDTree(to).query(pts)[0] > r
            got = farther_than(pts, to, r)
            assert np.array_equal(got, want), (seed, r, np.flatnonzero(got != want))
            assert 0 < want.sum() < len(want)  # both answers occur
    # control: a radius slightly off changes decisions
    assert not np.array_equal(farther_than(pts, to, 0.45), cKDTree(to).query(pts)[0] > 0.5)
