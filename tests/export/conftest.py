"""Fixtures for the export tests: small trajectories and frame stacks."""

from __future__ import annotations

import numpy as np
import pytest

from emoshift.trajectory import Trajectory


@pytest.fixture(scope="session")
def make_traj():
    def make(n: int = 12, fps: float = 30.0, seed: int = 0) -> Trajectory:
        rng = np.random.default_rng(seed)
        e = np.zeros((n, 53), np.float32)
        ramp = np.linspace(0, 1, n, dtype=np.float32)
        e[:, 26] = ramp  # jawOpen
        e[:, 45] = e[:, 46] = ramp  # mouthSmile_L/R
        e[:, 2] = 0.6 * ramp  # browInnerUp_L only
        e += rng.uniform(0, 0.05, e.shape).astype(np.float32)
        r = np.zeros((n, 3), np.float32)
        r[:, 1] = np.linspace(0, 0.3, n)  # yaw
        r[:, 0] = np.linspace(0, -0.1, n)
        return Trajectory(e, r, np.arange(n) / fps, [0, n - 1], ["source", "happiness"], fps)

    return make


@pytest.fixture(scope="session")
def frames() -> np.ndarray:
    """(8, 64, 96, 3) uint8 smooth moving gradients (compress well, so decoding error is small)."""
    h, w = 64, 96
    y, x = np.mgrid[0:h, 0:w]
    out = []
    for t in range(8):
        r = (x * 255 / w + 8 * t) % 256
        g = y * 255 / h
        b = np.full_like(r, 40 + 20 * t)
        out.append(np.stack([r, g, b], -1).astype(np.uint8))
    return np.stack(out)


def pytest_configure(config):
    # registered here until the project's pyproject lists it (tests/export/test_blender.py)
    config.addinivalue_line("markers", "slow: starts an external tool (Blender); deselect with -m 'not slow'")
