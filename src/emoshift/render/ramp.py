"""The smooth ramp the render modules fade masks and weights with."""

from __future__ import annotations

import numpy as np


def smoothstep(x):
    """0 below 0, 1 above 1, ``3x² - 2x³`` between (elementwise; arrays or scalars)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)
