"""Sunglasses stay on the nose: the skin behind opaque lenses moves with the head, not with the expression.

Warping the photo with the face's expression carries whatever covers the face along with the skin under
it. Opaque lenses then bend and tilt with the brows and cheeks (a raised inner brow turned a lens of dev06,
a laughing man in aviators; blind labellers read his sadness as disgust in 4 of 4 renders of panel 30),
though real glasses rest on the nose and ears. Where a photo shows sunglasses, the vertices under the
lenses keep their source-expression positions (:func:`rigid_blend`); the head's rotation still moves them,
and the brows above and the cheeks below move as before (the skin between them takes the difference).

Detection (:func:`lens_weights`): the upper cheek just below the lower lids (``UNDER``) is much darker than
the lower cheeks (``CHEEKS``) and so are the rings between the lids and the brows (``EYE_FOLDS``). On the
development photos the under-eye/cheek luma ratio is 0.88-1.19 without sunglasses (a face looking down
0.88, a hat's shadow over the brows 1.19) and 0.34 and 0.49 with them; the fold ratio is 0.32-1.01 without
(0.32 under a fur hat's brim) and 0.28 and 0.31 with them. Both must be under their bounds (UNDER_DARK,
FOLD_DARK). The lens is each eye's convex hull of those rings, the lower edge of its brow and the upper
cheek below it, scaled by LENS_SCALE about its centroid, faded out over LENS_FADE of the face height outside.
"""

from __future__ import annotations

import numpy as np

from emoshift.headmodel.mp_indices import EYE_FOLDS
from emoshift.render.ramp import smoothstep

#: Lower cheeks (MediaPipe points), the skin the under-eye region is compared with.
CHEEKS = (50, 280, 205, 425, 123, 352)
#: The upper cheek just below each lower lid (subject's right, then left).
UNDER = ((111, 117, 118, 119, 120, 121), (340, 346, 347, 348, 349, 350))
#: Each brow's lower edge.
BROW_LOWER = ((46, 53, 52, 65, 55), (276, 283, 282, 295, 285))
#: Under-eye / cheek luma ratio below which (and fold / cheek below FOLD_DARK) a photo shows sunglasses.
UNDER_DARK = 0.7
FOLD_DARK = 0.5
#: The lens and its frame reach beyond the landmarks (the face mesh places them on the face behind the
#: lens): each eye's hull is scaled about its centroid by LENS_SCALE (dev06's aviators, dev10's wayfarers
#: and their frames inside it); faded out outside it over LENS_FADE of the face height.
LENS_SCALE = 1.6
LENS_FADE = 0.04
_LUMA = np.array([0.299, 0.587, 0.114])


def _sample(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n, 3) float colours of ``image`` at the nearest pixels of (n, 2) ``points``."""
    p = np.round(np.asarray(points, np.float64)).astype(int)
    p[:, 0] = p[:, 0].clip(0, image.shape[1] - 1)
    p[:, 1] = p[:, 1].clip(0, image.shape[0] - 1)
    return image[p[:, 1], p[:, 0]].astype(np.float64)


def shows_sunglasses(image: np.ndarray, landmarks: np.ndarray) -> bool:
    """Whether the (H, W, 3) photo with (478, >= 2) MediaPipe ``landmarks`` shows opaque lenses (see the
    module docstring)."""
    cheek = float(np.median(_sample(image, landmarks[list(CHEEKS), :2]) @ _LUMA))
    if cheek < 1.0:
        return False
    under = float(np.median(_sample(image, landmarks[[i for u in UNDER for i in u], :2]) @ _LUMA)) / cheek
    fold = float(np.median(_sample(image, landmarks[list(EYE_FOLDS), :2]) @ _LUMA)) / cheek
    return under < UNDER_DARK and fold < FOLD_DARK


def _hull(points: np.ndarray) -> np.ndarray:
    """(k, 2) counter-clockwise convex hull of (n, 2) points (monotone chain)."""
    p = sorted(map(tuple, np.asarray(points, np.float64)))

    def half(seq):
        out: list = []
        for q in seq:
            while len(out) >= 2 and (
                (out[-1][0] - out[-2][0]) * (q[1] - out[-2][1]) - (out[-1][1] - out[-2][1]) * (q[0] - out[-2][0])
            ) <= 0:
                out.pop()
            out.append(q)
        return out

    lower, upper = half(p), half(p[::-1])
    return np.array(lower[:-1] + upper[:-1])


def hull_distance(points: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """(n,) distance in pixels of (n, 2) ``points`` outside a (k, 2) counter-clockwise convex ``hull``
    (the largest distance past one of its edges' lines; <= 0 inside)."""
    a, b = hull, np.roll(hull, -1, axis=0)
    e = b - a
    normal = np.stack([e[:, 1], -e[:, 0]], 1) / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)
    return ((np.asarray(points, np.float64)[:, None] - a[None]) * normal[None]).sum(-1).max(1)


def lens_weights(image: np.ndarray, landmarks: np.ndarray | None, screen: np.ndarray, face_h: float):
    """(idx (n,), weights (n,) float32) of the vertices under the lenses of a photo showing sunglasses,
    from their (V, >= 2) source projection ``screen``; None without sunglasses or landmarks."""
    if landmarks is None or not shows_sunglasses(image, landmarks):
        return None
    half = len(EYE_FOLDS) // 2
    xy = np.asarray(screen, np.float64)[:, :2]
    dist = np.full(len(xy), np.inf)
    for k in range(2):
        ring = list(EYE_FOLDS[k * half : (k + 1) * half]) + list(BROW_LOWER[k]) + list(UNDER[k])
        pts = np.asarray(landmarks[ring, :2], np.float64)
        centre = pts.mean(0)
        dist = np.minimum(dist, hull_distance(xy, _hull(centre + LENS_SCALE * (pts - centre))))
    w = 1.0 - smoothstep(dist / max(LENS_FADE * face_h, 1.0))
    idx = np.flatnonzero(w > 0)
    return idx, w[idx].astype(np.float32)


def rigid_blend(shaped: np.ndarray, lens, source: np.ndarray | None) -> None:
    """Pulls the lens vertices of (T, V, 3) ``shaped`` to their (n, 3) ``source`` positions by their
    weights (``lens`` from :func:`lens_weights`), in place; nothing when either is None."""
    if lens is None or source is None:
        return
    idx, w = lens
    part = shaped[:, idx]
    part += w[None, :, None] * (source[None] - part)
    shaped[:, idx] = part
