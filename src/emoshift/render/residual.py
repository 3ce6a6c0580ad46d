"""The absolute target at the mouth: what the fitted model misses of the photo's lips.

The landmark fit is regularized, so the fitted lips rarely reach the photo's: a smiling photo's detected
mouth corners lie a few pixels higher and wider than the fitted ones. A plain backward warp moves the
photo's pixels by the model's expression change only, so removing the fitted smile leaves that residual
smile in the frame (sadness and anger still read as happiness). The fix: the source projection of the
mouth region is corrected by the photo's residual (:func:`mouth_residual`: detected minus fitted lip
landmarks, interpolated over the rest face with Gaussian weights and faded out around the mouth),
so the warp samples the photo's real lips; a frame's projection carries the same residual only where the
expression has not moved the skin (:func:`residual_fade`: 1 at the source expression, so the photo is
reproduced, 0 once a vertex moved RESIDUAL_FADE_PX pixels), so a changed mouth takes the model's shape,
whatever the photo showed.

Off-axis the detected lips are not the photo's (issue 11): on frontal smiling photos' textured heads re-posed
35-38 degrees down and 20-25 turned with their smile (``bench/bench_pitched_smile.py``), MediaPipe put the near
mouth corner 0.036-0.047 of the inter-ocular distance (IOD) from the true one, inwards and down, where the
off-axis fit (:mod:`emoshift.fitting.solver`'s view terms) had it 0.011-0.043 off; the residual then moved
the photo's corner onto cheek vertices, which a frame's lost smile hardly moves: at the emotions' targets the
photo's corner followed 0.43-0.81 (median 0.67) of the mesh corner's motion, 0.88-0.97 (median 0.92) without.
So the residual fades out with the head's angle off the camera axis (:func:`view_fade`, the fit's
``view_angles``): frontal photos keep it whole.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from emoshift.fitting.terms import FitConfig, off_axis_deg
from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS
from emoshift.render.ramp import smoothstep

#: MediaPipe face-mesh indices of the outer and inner lip contours.
LIP_LANDMARKS = OUTER_LIPS + INNER_LIPS
#: The correction fades out between these distances (cm, on the rest face) outside the lips' ellipse.
FADE_CM = (0.4, 1.8)
#: Largest residual applied, as a fraction of the mouth's width (a worse one is a failed detection).
MAX_RESIDUAL = 0.2
#: Vertex motion (pixels, by expression) over which a frame drops the residual.
RESIDUAL_FADE_PX = 3.0
#: Width (cm, Gaussian sigma on the rest face) over which the landmarks' residuals are interpolated.
SIGMA_CM = 0.2
#: Degrees between the head's forward axis and the camera's from which the residual fades (whole below
#: VIEW_FADE_DEG[0], none from VIEW_FADE_DEG[1]): where the fit stops trusting the detected lower face,
#: its ``FitConfig.view_angles``.
VIEW_FADE_DEG = FitConfig().view_angles


def mouth_residual(
    rest: np.ndarray, skin: np.ndarray, lip_points: np.ndarray, detected: np.ndarray, fitted: np.ndarray
) -> np.ndarray:
    """(V, 2) float32 source-projection correction (pixels) of the drawn vertices.

    Args:
        rest: (V, 3) head-frame identity shape (cm); skin: (V,) bool, vertices that may move.
        lip_points: (L, 3) rest positions of the lip landmarks; detected, fitted: (L, 2) their detected
            and fitted image positions (pixels).
    """
    # only the vertices the fade reaches: elsewhere the residual is 0 (each vertex's value is computed alone)
    sel = np.flatnonzero(_fade(np.asarray(rest, np.float64), skin, np.asarray(lip_points, np.float64)))
    out = np.zeros((len(rest), 2), np.float32)
    out[sel] = apply_residual(ResidualWeights.of(np.asarray(rest)[sel], np.asarray(skin)[sel], lip_points), detected, fitted)
    return out


class ResidualWeights(NamedTuple):
    """What :func:`mouth_residual` computes from the rest shape and the lip points alone (shared by the
    frames of one identity, :meth:`emoshift.render.reenact.Reenactor.for_frame`): (V, L) float64 Gaussian
    weights of the lip landmarks at each vertex, (V, 1) their sum (+ 1e-6), (V,) fade around the mouth."""

    weights: np.ndarray
    denom: np.ndarray
    fade: np.ndarray

    @classmethod
    def of(cls, rest: np.ndarray, skin: np.ndarray, lip_points: np.ndarray) -> ResidualWeights:
        p = np.asarray(lip_points, np.float64)
        rest = np.asarray(rest, np.float64)
        # Shepard interpolation with Gaussian weights (SIGMA_CM) over the rest face, plus a weak prior of 0
        d2 = ((rest[:, None, :2] - p[None, :, :2]) ** 2).sum(2)
        w = np.exp(-0.5 * d2 / SIGMA_CM**2)
        return cls(w, w.sum(1, keepdims=True) + 1e-6, _fade(rest, skin, p))


def _fade(rest: np.ndarray, skin: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(V,) float64 fade of the residual around the mouth (:class:`ResidualWeights`) at the float64 ``rest`` (V, 3)
    vertices, ``p`` (L, 3) the float64 lip points."""
    centre = p[:, :2].mean(0)
    half = np.maximum(0.5 * np.ptp(p[:, :2], axis=0), 1e-3)
    d = np.hypot((rest[:, 0] - centre[0]) / half[0], (rest[:, 1] - centre[1]) / half[1])
    outside_cm = np.maximum(d - 1.0, 0.0) * min(half)  # roughly, cm outside the lips' ellipse
    fade = 1.0 - smoothstep((outside_cm - FADE_CM[0]) / (FADE_CM[1] - FADE_CM[0]))
    fade *= skin & (rest[:, 2] > p[:, 2].min() - 2.0)  # the front of the face
    return fade


def apply_residual(rw: ResidualWeights, detected: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """:func:`mouth_residual` from its per-identity :class:`ResidualWeights` and a photo's (L, 2)
    ``detected`` and ``fitted`` lip landmarks (pixels)."""
    r = np.asarray(detected, np.float64) - np.asarray(fitted, np.float64)
    out = (rw.weights @ r) / rw.denom
    width_px = float(np.ptp(np.asarray(fitted)[:, 0]))
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    out *= np.minimum(1.0, MAX_RESIDUAL * width_px / np.maximum(norm, 1e-9))
    return np.ascontiguousarray(out * rw.fade[:, None], np.float32)


def view_fade(rotation: np.ndarray) -> float:
    """Share of the residual kept for a photo whose head has (3,) axis-angle ``rotation``: 1 up to
    VIEW_FADE_DEG[0] degrees between the head's forward axis and the camera's, 0 from VIEW_FADE_DEG[1],
    smoothstep between (see the module docstring)."""
    from emoshift.rotations import axis_angle_to_matrix

    deg = off_axis_deg(axis_angle_to_matrix(np.asarray(rotation, np.float64).reshape(1, 3))[0])
    lo, hi = VIEW_FADE_DEG
    return float(1.0 - smoothstep(np.float64((deg - lo) / (hi - lo))))


def residual_fade(moved_px: np.ndarray) -> np.ndarray:
    """(T, V) vertex motion by expression (pixels) -> (T, V) float32 share of the residual a frame keeps."""
    return (1.0 - smoothstep(moved_px / RESIDUAL_FADE_PX)).astype(np.float32)
