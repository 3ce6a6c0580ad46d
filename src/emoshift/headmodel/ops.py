"""Pure array functions of the head model (in the style of smplx's ``lbs.py``).

Conventions: float32, centimetres, Y up, +Z out of the face (the ICT FaceKit frame); batches first.
Rotations are axis-angle vectors (B, 3); Euler angles, where used, are (pitch, yaw, roll) in degrees
with ``R = Rz(roll) @ Ry(yaw) @ Rx(pitch)`` (see :func:`euler_to_matrix` for the signs).

Every function takes numpy arrays (the app: fitting, rendering, export; no torch import) or torch tensors
(training, differentiable) and returns the same kind. The head equation (:func:`blend`, :func:`pose`,
:func:`head_points`, ...) is one formula for both; the rotation formulas run
:mod:`emoshift.rotations` on numpy arrays and their torch twins here on tensors.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from emoshift import rotations

if TYPE_CHECKING:
    from torch import Tensor


def blend(coeffs: Tensor, basis: Tensor) -> Tensor:
    """Linear combination of shape modes.

    Args:
        coeffs: (B, K) weights.
        basis: (K, V, 3) per-mode vertex offsets.
    Returns:
        (B, V, 3) summed offsets.
    """
    k, v, _ = basis.shape
    return (coeffs @ basis.reshape(k, v * 3)).reshape(-1, v, 3)


def axis_angle_to_matrix(aa: Tensor) -> Tensor:
    """Rodrigues' formula, safe and differentiable at zero.

    Args:
        aa: (B, 3) axis-angle vectors (radians).
    Returns:
        (B, 3, 3) rotation matrices.
    """
    if isinstance(aa, np.ndarray):
        return rotations.axis_angle_to_matrix(aa)
    import torch

    theta2 = (aa * aa).sum(-1, keepdim=True)  # (B,1)
    small = theta2 < 1e-8
    theta = torch.sqrt(torch.where(small, torch.ones_like(theta2), theta2))
    # sin(t)/t and (1-cos t)/t^2 with Taylor expansions near zero
    a = torch.where(small, 1 - theta2 / 6, torch.sin(theta) / theta)
    b = torch.where(small, 0.5 - theta2 / 24, (1 - torch.cos(theta)) / (theta * theta))
    x, y, z = aa.unbind(-1)
    zero = torch.zeros_like(x)
    kmat = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(-1, 3, 3)
    eye = torch.eye(3, dtype=aa.dtype, device=aa.device).expand_as(kmat)
    return eye + a[..., None] * kmat + b[..., None] * (kmat @ kmat)


def matrix_to_axis_angle(r: Tensor) -> Tensor:
    """Inverse of :func:`axis_angle_to_matrix` for angles in [0, pi).

    Args:
        r: (B, 3, 3) rotation matrices.
    Returns:
        (B, 3) axis-angle vectors.
    """
    if isinstance(r, np.ndarray):
        return rotations.matrix_to_axis_angle(r)
    import torch

    cos = ((r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2] - 1) / 2).clamp(-1 + 1e-7, 1 - 1e-7)
    angle = torch.acos(cos)
    w = torch.stack([r[:, 2, 1] - r[:, 1, 2], r[:, 0, 2] - r[:, 2, 0], r[:, 1, 0] - r[:, 0, 1]], -1)
    s = torch.sin(angle)
    scale = torch.where(s.abs() < 1e-6, 0.5 + angle**2 / 12, angle / (2 * s))
    return w * scale[:, None]


def euler_to_matrix(pitch_yaw_roll_deg: Tensor) -> Tensor:
    """(B, 3) pitch, yaw, roll in degrees -> (B, 3, 3), ``R = Rz(roll) Ry(yaw) Rx(pitch)``.

    Positive pitch rotates +Z (the face's forward direction) towards -Y (the head looks down);
    positive yaw turns +Z towards +X (the subject's left); positive roll tilts +Y towards -X.
    """
    if isinstance(pitch_yaw_roll_deg, np.ndarray):
        return rotations.euler_to_matrix(pitch_yaw_roll_deg)
    import torch

    p, y, r = (pitch_yaw_roll_deg * (math.pi / 180)).unbind(-1)
    one, zero = torch.ones_like(p), torch.zeros_like(p)
    rx = torch.stack([one, zero, zero, zero, p.cos(), -p.sin(), zero, p.sin(), p.cos()], -1).reshape(-1, 3, 3)
    ry = torch.stack([y.cos(), zero, y.sin(), zero, one, zero, -y.sin(), zero, y.cos()], -1).reshape(-1, 3, 3)
    rz = torch.stack([r.cos(), -r.sin(), zero, r.sin(), r.cos(), zero, zero, zero, one], -1).reshape(-1, 3, 3)
    return rz @ ry @ rx


def matrix_to_euler(r: Tensor) -> Tensor:
    """(B, 3, 3) -> (B, 3) pitch, yaw, roll in degrees; the inverse of :func:`euler_to_matrix`."""
    if isinstance(r, np.ndarray):
        return rotations.matrix_to_euler(r)
    import torch

    yaw = torch.asin((-r[:, 2, 0]).clamp(-1, 1))
    pitch = torch.atan2(r[:, 2, 1], r[:, 2, 2])
    roll = torch.atan2(r[:, 1, 0], r[:, 0, 0])
    return torch.stack([pitch, yaw, roll], -1) * (180 / math.pi)


def pose(points: Tensor, rotation_matrix: Tensor, translation: Tensor) -> Tensor:
    """``X = R p + t``: rotate about the model origin, then translate (the head equation's rigid part).

    Args:
        points: (..., V, 3).
        rotation_matrix: (..., 3, 3).
        translation: (..., 3).
    Returns:
        (..., V, 3).
    """
    return points @ rotation_matrix.swapaxes(-1, -2) + translation[..., None, :]


def rigid(points: Tensor, rotation: Tensor, translation: Tensor) -> Tensor:
    """:func:`pose` with an axis-angle rotation.

    Args:
        points: (B, V, 3).
        rotation: (B, 3) axis-angle.
        translation: (B, 3).
    Returns:
        (B, V, 3).
    """
    return pose(points, axis_angle_to_matrix(rotation), translation)


def head_points(
    neutral: Tensor,
    identity_basis: Tensor,
    expression_basis: Tensor,
    identity: Tensor,
    expression: Tensor,
    rotation: Tensor,
    translation: Tensor,
) -> Tensor:
    """``V = R (neutral + identity·B_id + expression·B_exp) + t`` for any set of points.

    Args:
        neutral: (V, 3); identity_basis: (K, V, 3); expression_basis: (E, V, 3).
        identity: (B, K); expression: (B, E); rotation: (B, 3) axis-angle; translation: (B, 3).
    Returns:
        (B, V, 3) posed points.
    """
    shaped = neutral[None] + blend(identity, identity_basis) + blend(expression, expression_basis)
    return rigid(shaped, rotation, translation)


def interpolate_barycentric(vertices: Tensor, vertex_ids: Tensor, bary: Tensor) -> Tensor:
    """Points on a surface given as (triangle corners, barycentric weights).

    Args:
        vertices: (B, V, 3).
        vertex_ids: (L, 3) long, the corners of each point's triangle.
        bary: (L, 3) weights summing to 1.
    Returns:
        (B, L, 3).
    """
    return (vertices[:, vertex_ids] * bary[None, :, :, None]).sum(2)


def embed_basis(basis: Tensor, vertex_ids: Tensor, bary: Tensor) -> Tensor:
    """A (K, V, 3) basis sampled at barycentric points: (K, L, 3). Exact, since the model is linear."""
    return (basis[:, vertex_ids] * bary[None, :, :, None]).sum(2)
