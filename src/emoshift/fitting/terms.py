"""The landmark terms of the fit (:mod:`.solver`): its weights (:class:`FitConfig`), per-point weights,
the sliding eyelid projectors, and the model's landmark bases corrected to MediaPipe's geometry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoshift.fitting.offsets import load_offsets
from emoshift.headmodel.mp_indices import EYE_FOLDS, EYELID_CONTOURS, EYELIDS, FACE_OVAL, N_MESH

#: MediaPipe index tables (:mod:`emoshift.headmodel.mp_indices`): FACE_OVAL points slide along the outline
#: with head pose, so they are weighted less (``FitConfig.contour_weight``); EYELIDS carry blinks and eye
#: widening; EYE_FOLDS (the rings above each lid) sit 4-6% of the inter-ocular distance above their model
#: points on real faces (both eyes of both sample photos), which the fit could only explain with
#: eyeWide/eyeLookUp, so ``FitConfig.eye_fold_weight`` is 0 by default. Along EYELID_CONTOURS, where
#: MediaPipe puts each point is not a stable definition (the upper-lid centre 159/386 sits at 2D
#: arc-length fraction 0.48 on the canonical mesh, 0.54 at its ICT embedding, 0.39-0.41 on real
#: detections), and on a curved lid a point slid along the margin is also off it vertically, which the
#: fit would read as eyeWide; so with ``FitConfig.eyelid_slide`` the interior points are compared
#: across the margin only (point-to-curve).


@dataclass
class FitConfig:
    """Weights and iteration counts of :class:`LandmarkSolver` (the defaults are the tuned ones)."""

    pose_iterations: int = 6
    iterations: int = 12
    identity_weight: float = 3.0  # w_id (Gaussian prior, identity ~ N(0, 1))
    expression_l2: float = 1.0  # w_e2
    expression_l1: float = 10.0  # w_e1 (sparsity)
    contour_weight: float = 0.3  # w_l on FACE_OVAL
    iris_weight: float = 1.0  # w_l on the ten iris points
    eyelid_weight: float = 1.0  # w_l on the eyelid margins (EYELIDS)
    eye_fold_weight: float = 0.0  # w_l on the rings above the eyelids (EYE_FOLDS)
    eyelid_slide: bool = True  # eyelid-margin points count across the margin only (EYELID_CONTOURS)
    depth_weight: float = 0.3  # w_l on MediaPipe's relative depth (face-mesh points; irises excluded)
    temporal_weight: float = 0.0  # video: pull expression (and pose, scaled below) towards the previous frame
    temporal_rotation_scale: float = 5000.0  # rotation prior = temporal_weight * this, per rad^2
    temporal_translation_scale: float = 0.5  # translation prior = temporal_weight * this, per cm^2
    view_attenuation: float = 0.3  # alpha_max: share of the lower face's expression motion MediaPipe misses when turned
    view_slide: float = 0.8  # share of the lower face's residual along the head's up axis dropped when turned
    view_angles: tuple[float, float] = (20.0, 40.0)  # off-axis degrees where that share starts / is full
    symmetry_weight: float = 1000.0  # w_s: tie of paired lower-face L/R weights when one side is hidden (x h)
    hidden_discount: float = 0.8  # share of the hidden half's lower-face landmark weight dropped (x h)
    symmetry_angles: tuple[float, float] = (5.0, 15.0)  # turn (degrees, seen from the head) where h starts / is full
    damping: float = 1e-3  # initial LM lambda (relative to diag(H))
    tolerance: float = 1e-4  # stop a stage when the relative cost decrease falls below this


def point_weights(n_points: int, config: FitConfig) -> np.ndarray:
    """(n,) per-landmark weights: contour points (MediaPipe's face oval, or the 17 jaw-line points of the
    68-point Multi-PIE scheme) get ``contour_weight``, MediaPipe's ten iris points ``iris_weight``."""
    w = np.ones(n_points, dtype=np.float64)
    if n_points == 68:
        w[:17] = config.contour_weight
    elif n_points >= 468:
        w[list(FACE_OVAL)] = config.contour_weight
        w[list(EYELIDS)] = config.eyelid_weight
        w[list(EYE_FOLDS)] = config.eye_fold_weight
        w[468:] = config.iris_weight
    return w


def lower_face_mask(mu: np.ndarray) -> np.ndarray:
    """(L,) in [0, 1]: 1 on the landmarks of the lower face (mouth, chin, lower cheeks), 0 from the nose
    up, from the (L, 3) neutral landmarks ``mu`` (cm, head frame, +Y up): a ramp over 1 cm of height
    below the nose's base (MediaPipe point 2, subnasale). Zero for fewer than 468 points."""
    if len(mu) < 468:
        return np.zeros(len(mu), dtype=mu.dtype)
    y0 = float(mu[2, 1])
    return np.clip((y0 - mu[:, 1]) / 1.0, 0.0, 1.0).astype(mu.dtype)


def off_axis_deg(rotation: np.ndarray) -> float:
    """Angle (degrees) between the head's forward axis (+Z of the head frame) and the camera's (+Z)."""
    return float(np.degrees(np.arccos(np.clip(float(rotation[2, 2]), -1.0, 1.0))))


def view_gain(rotation: np.ndarray, config: FitConfig) -> float:
    """Share of the lower face's expression motion the fit expects MediaPipe to report at this head
    rotation: 1 up to ``view_angles[0]`` degrees off-axis, ``1 - view_attenuation`` from ``view_angles[1]``,
    smoothstep between (see :class:`FitConfig` and the solver's module docstring)."""
    a = config.view_attenuation
    if a <= 0:
        return 1.0
    lo, hi = config.view_angles
    x = float(np.clip((off_axis_deg(rotation) - lo) / (hi - lo), 0.0, 1.0))
    return 1.0 - a * x * x * (3 - 2 * x)


def view_ramp(rotation: np.ndarray, config: FitConfig) -> float:
    """0 up to ``view_angles[0]`` degrees off-axis, 1 from ``view_angles[1]``, smoothstep between."""
    lo, hi = config.view_angles
    x = float(np.clip((off_axis_deg(rotation) - lo) / (hi - lo), 0.0, 1.0))
    return x * x * (3 - 2 * x)


#: Left/right pairs of the lower face (mouth, cheeks, nose) whose weights the view symmetry prior ties
#: together on a face turned away (:func:`symmetry_pairs`). Not the gaze (eyeLook*: conjugate, not
#: mirrored), the jaw's or mouth's sideways shifts, nor the eyes and brows (not hidden by the nose).
SYMMETRIC_LOWER = ("cheekPuff", "cheekSquint", "mouthDimple", "mouthFrown", "mouthLowerDown", "mouthPress",
                   "mouthSmile", "mouthStretch", "mouthUpperUp", "noseSneer")  # fmt: skip


def symmetry_pairs(names) -> np.ndarray:
    """(P, 2) indices (``_L``, ``_R``) into the expression ``names`` of the :data:`SYMMETRIC_LOWER` pairs."""
    names = list(names)
    return np.array([(names.index(f"{b}_L"), names.index(f"{b}_R")) for b in SYMMETRIC_LOWER
                     if f"{b}_L" in names and f"{b}_R" in names], dtype=np.int64).reshape(-1, 2)  # fmt: skip


def turn_deg(rotation: np.ndarray) -> float:
    """Signed angle (degrees) of the camera about the head's up axis, seen from the head: positive when the
    camera lies towards the head's +X side (the subject's left: its ``_L`` weights face the camera)."""
    d = np.asarray(rotation, np.float64)[2]  # the camera's direction in the head frame (+Z towards the camera)
    return float(np.degrees(np.arctan2(d[0], d[2])))


def hidden_side(rotation: np.ndarray, config: FitConfig) -> tuple[float, int]:
    """How hidden one side of the lower face is at head ``rotation`` (3, 3), and which: (h in [0, 1], side)
    with side 0 for the ``_L`` side (+X), 1 for ``_R``. h is :func:`view_ramp` (the face far enough off-axis
    that MediaPipe loses its lower face) times a smoothstep of the turn (:func:`turn_deg`) over
    ``symmetry_angles`` (one side hidden or foreshortened, not both alike); 0 on near-frontal faces and
    on faces only pitched, so their fit is unchanged."""
    t = turn_deg(rotation)
    side = 1 if t > 0 else 0  # the camera towards +X: the _R side is the far one
    ramp = view_ramp(rotation, config)
    if ramp <= 0:
        return 0.0, side
    lo, hi = config.symmetry_angles
    x = float(np.clip((abs(t) - lo) / (hi - lo), 0.0, 1.0))
    return ramp * x * x * (3 - 2 * x), side


def side_masks(mu: np.ndarray) -> np.ndarray:
    """(2, L) in [0, 1]: the lower face's (:func:`lower_face_mask`) +X (``_L``) and -X (``_R``) halves, from
    the neutral landmarks ``mu`` (cm): a ramp over 1 cm from the midline."""
    low = lower_face_mask(mu)
    x = np.asarray(mu[:, 0], np.float64)
    return np.stack([np.clip(x, 0, 1), np.clip(-x, 0, 1)]).astype(mu.dtype) * low[None]


def lower_face_projectors(rotation: np.ndarray, mask: np.ndarray, config: FitConfig) -> np.ndarray:
    """(L, 2, 2) residual weights ``I - s m_l u u^T`` with ``u`` the image direction of the head's up
    axis at ``rotation`` (3, 3), ``m_l`` the lower-face mask and ``s = view_slide * view_ramp``."""
    up = np.array([rotation[0, 1], -rotation[1, 1]], np.float64)  # image y points down
    n = np.linalg.norm(up)
    u = up / n if n > 1e-6 else np.array([0.0, -1.0])
    sl = config.view_slide * view_ramp(rotation, config)
    return np.eye(2)[None] - (sl * np.asarray(mask, np.float64))[:, None, None] * np.outer(u, u)[None]


def eyelid_projectors(obs: np.ndarray) -> np.ndarray:
    """(L, 2, 2) per-point residual projectors for observed MediaPipe points ``obs`` (L >= 468, pixels):
    ``n n^T`` on the interior points of each :data:`EYELID_CONTOURS` margin, with ``n`` the unit normal of
    the detected margin there (from the neighbouring points' chord), the identity elsewhere."""
    p = np.tile(np.eye(2, dtype=obs.dtype), (len(obs), 1, 1))
    for c in EYELID_CONTOURS:
        idx = np.asarray(c)
        t = obs[idx[2:]] - obs[idx[:-2]]
        t = t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), obs.dtype.type(1e-9))
        n = np.stack([-t[:, 1], t[:, 0]], 1)
        p[idx[1:-1]] = n[:, :, None] * n[:, None, :]
    return p


def corrected_landmark_bases(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(neutral (L,3), identity (K,L,3), expression (E,L,3)) landmark bases of ``model`` with the 468
    face-mesh points offset to MediaPipe's canonical geometry, except the eyelid margins
    (:mod:`emoshift.fitting.offsets`)."""
    mu, bid, bexp = model.lmk_neutral.copy(), model.lmk_identity.copy(), model.lmk_expression.copy()
    if mu.shape[0] < 478:
        return mu, bid, bexp
    offsets = load_offsets()
    if offsets is not None:  # MediaPipe's canonical geometry (see emoshift.fitting.offsets)
        mu[:N_MESH] += offsets.astype(mu.dtype)
    return mu, bid, bexp
