"""Head rotations on numpy arrays, for the paths that must not import torch (generation, planning, fitting,
rendering, exports; :mod:`emoshift.headmodel.ops` sends numpy arrays here).

The same conventions and formulas as the torch versions in :mod:`emoshift.headmodel.ops` (for training,
differentiable): axis-angle vectors (..., 3) in radians; Euler angles (pitch, yaw, roll) in
degrees with ``R = Rz(roll) @ Ry(yaw) @ Rx(pitch)``. Computed in float64; returned in float32, or in float64
for float64 input.
tests/test_rotations.py checks each against its torch twin.
"""

from __future__ import annotations

import numpy as np


def _out(x: np.ndarray, like) -> np.ndarray:
    return x if np.asarray(like).dtype == np.float64 else x.astype(np.float32)


def axis_angle_to_matrix(aa: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle -> (..., 3, 3) rotation matrices (Rodrigues; Taylor terms near zero)."""
    a = np.asarray(aa, np.float64)
    theta2 = (a * a).sum(-1)[..., None, None]
    small = theta2 < 1e-8
    theta = np.sqrt(np.where(small, 1.0, theta2))
    s = np.where(small, 1 - theta2 / 6, np.sin(theta) / theta)
    c = np.where(small, 0.5 - theta2 / 24, (1 - np.cos(theta)) / (theta * theta))
    x, y, z = a[..., 0], a[..., 1], a[..., 2]
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*a.shape[:-1], 3, 3)
    return _out(np.eye(3) + s * k + c * (k @ k), aa)


def matrix_to_axis_angle(r: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) axis-angle, for angles in [0, pi)."""
    like, r = r, np.asarray(r, np.float64)
    cos = np.clip((r[..., 0, 0] + r[..., 1, 1] + r[..., 2, 2] - 1) / 2, -1 + 1e-7, 1 - 1e-7)
    angle = np.arccos(cos)
    w = np.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]], -1)
    s = np.sin(angle)
    scale = np.where(np.abs(s) < 1e-6, 0.5 + angle**2 / 12, angle / (2 * np.where(s == 0, 1.0, s)))
    return _out(w * scale[..., None], like)


def euler_to_matrix(pitch_yaw_roll_deg: np.ndarray) -> np.ndarray:
    """(..., 3) pitch, yaw, roll in degrees -> (..., 3, 3), ``R = Rz(roll) Ry(yaw) Rx(pitch)``."""
    p, y, r = np.moveaxis(np.radians(np.asarray(pitch_yaw_roll_deg, np.float64)), -1, 0)
    one, zero = np.ones_like(p), np.zeros_like(p)
    shape = (*np.shape(p), 3, 3)
    rx = np.stack([one, zero, zero, zero, np.cos(p), -np.sin(p), zero, np.sin(p), np.cos(p)], -1).reshape(shape)
    ry = np.stack([np.cos(y), zero, np.sin(y), zero, one, zero, -np.sin(y), zero, np.cos(y)], -1).reshape(shape)
    rz = np.stack([np.cos(r), -np.sin(r), zero, np.sin(r), np.cos(r), zero, zero, zero, one], -1).reshape(shape)
    return _out(rz @ ry @ rx, pitch_yaw_roll_deg)


def matrix_to_euler(r: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) pitch, yaw, roll in degrees; the inverse of :func:`euler_to_matrix`."""
    like, r = r, np.asarray(r, np.float64)
    yaw = np.arcsin(np.clip(-r[..., 2, 0], -1, 1))
    pitch = np.arctan2(r[..., 2, 1], r[..., 2, 2])
    roll = np.arctan2(r[..., 1, 0], r[..., 0, 0])
    return _out(np.degrees(np.stack([pitch, yaw, roll], -1)), like)


def euler_to_axis_angle(pitch_yaw_roll_deg: np.ndarray) -> np.ndarray:
    """(..., 3) pitch, yaw, roll in degrees -> (..., 3) axis-angle radians."""
    return matrix_to_axis_angle(euler_to_matrix(pitch_yaw_roll_deg))


def compose(source: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """``R_source @ R_relative`` of (3,) and (m, 3) axis-angles -> (m, 3) axis-angles."""
    rs = axis_angle_to_matrix(np.asarray(source).reshape(1, 3))
    return matrix_to_axis_angle(rs @ axis_angle_to_matrix(np.asarray(relative).reshape(-1, 3)))
