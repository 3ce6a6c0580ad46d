"""The camera shared by fitting and rendering: a pinhole looking down -Z, pixels with y down.

A point ``(X, Y, Z)`` in camera space (the head sits at negative Z, facing +Z, i.e. towards the
camera) projects to ``u = cx + f X / (-Z)``, ``v = cy - f Y / (-Z)`` in pixels, origin at the top-left
corner of the image, ``u`` to the right, ``v`` down. The default focal length is
``DEFAULT_FOCAL_FACTOR * max(width, height)`` (a ~53° field of view on the long side, typical of phone
and portrait photos); the principal point is the image centre.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

DEFAULT_FOCAL_FACTOR = 1.0
#: Depth (cm in front of the camera) below which points are clamped before the division: keeps the
#: projection finite for points at or behind the camera. Every projection (here, the solver's
#: Jacobian, the Numba mirror in :mod:`emoshift.render.warp`) uses this one value.
MIN_DEPTH = 1e-3


@dataclass
class Camera:
    focal: float  # pixels
    cx: float
    cy: float
    width: int
    height: int

    @classmethod
    def default(cls, width: int, height: int, focal_factor: float = DEFAULT_FOCAL_FACTOR) -> Camera:
        return cls(focal_factor * max(width, height), width / 2.0, height / 2.0, int(width), int(height))

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) camera-space points -> (..., 2) pixel coordinates."""
        return project(points, self.focal, self.cx, self.cy)

    def to_dict(self) -> dict:
        return asdict(self)


def project(points: np.ndarray, focal: float, cx: float, cy: float) -> np.ndarray:
    """Pinhole projection of (..., 3) camera-space points to (..., 2) pixels, y down:
    ``u = cx + f X / z``, ``v = cy - f Y / z`` with the depth ``z = max(-Z, MIN_DEPTH)`` (:func:`depth`)."""
    z = depth(points)
    u = cx + focal * points[..., 0] / z
    v = cy - focal * points[..., 1] / z
    return np.stack([u, v], -1)


def depth(points: np.ndarray) -> np.ndarray:
    """(..., 3) camera-space points -> (...,) distance in front of the camera, at least :data:`MIN_DEPTH`."""
    return np.maximum(-points[..., 2], points.dtype.type(MIN_DEPTH))
