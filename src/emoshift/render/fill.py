"""Hole filling for images and textures: pull-push (a pyramid of weighted averages, Gortler et al. 1996).

Used to fill the texture atlas where the photo shows nothing (:mod:`.textured`) and to paint the photo's
open mouth shut for lips that close over it (:mod:`.reenact`).
"""

from __future__ import annotations

import numpy as np


def pull_push(colour: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill low-weight texels of a (S, S, 3) image from a pyramid of weighted averages (pull-push).

    Args:
        colour: (S, S, 3) float32; weight: (S, S) in [0, 1] (0 = unknown). S a power of two.
    Returns:
        (S, S, 3) with ``w c + (1 - w) coarser`` at every level.
    """
    if colour.shape[0] <= 1:
        return colour
    s = colour.shape[0] // 2
    wc = (colour * weight[..., None]).reshape(s, 2, s, 2, 3).sum((1, 3))
    w = weight.reshape(s, 2, s, 2).sum((1, 3))
    coarse_c = wc / np.maximum(w, 1e-8)[..., None]
    coarse = pull_push(coarse_c, np.minimum(w, 1.0))
    up = _upsample2(coarse)
    return weight[..., None] * colour + (1 - weight[..., None]) * up


def _upsample2(img: np.ndarray) -> np.ndarray:
    """(s, s, C) -> (2s, 2s, C) bilinear (texel centres aligned, edges clamped)."""
    s = img.shape[0]
    pos = (np.arange(2 * s) + 0.5) / 2 - 0.5
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, s - 1)
    i1 = np.clip(i0 + 1, 0, s - 1)
    f = np.clip(pos - i0, 0, 1).astype(np.float32)
    rows = img[i0] * (1 - f)[:, None, None] + img[i1] * f[:, None, None]
    return rows[:, i0] * (1 - f)[None, :, None] + rows[:, i1] * f[None, :, None]


def fill_holes(image: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Fill the unknown pixels of an (H, W, 3) image (any size) from the known ones by pull-push.

    Args:
        image: (H, W, 3) uint8 or float; known: (H, W) weights in [0, 1] (0 = fill, 1 = keep).
    Returns:
        (H, W, 3) float32; known pixels (weight 1) unchanged.
    """
    h, w = known.shape
    side = 1 << int(np.ceil(np.log2(max(h, w, 1))))
    colour = np.zeros((side, side, 3), np.float32)
    weight = np.zeros((side, side), np.float32)
    colour[:h, :w] = image
    weight[:h, :w] = known
    return pull_push(colour, weight)[:h, :w]
