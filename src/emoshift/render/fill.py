"""Hole filling for images and textures: pull-push (a pyramid of weighted averages, Gortler et al. 1996).

Used to fill the texture atlas where the photo shows nothing (:mod:`.textured`), to paint the photo's
open mouth shut for lips that close over it and to fill the clean plate behind the face (:mod:`.reenact`,
once per photo and once per frame of a video). Each pyramid level is one GIL-free kernel
(:func:`_pull`, :func:`_push`, :func:`_upsample_into`) that does the float32 arithmetic of the NumPy
formulation in the same order, so the values are the same to the bit (``tests/render/test_fill.py``
checks them against that formulation).
"""

from __future__ import annotations

import numpy as np

from emoshift.jit import njit


@njit(cache=True, nogil=True)
def _pull(colour, weight, coarse, coarse_w):  # pragma: no cover - jitted
    """One pull step: (2s, 2s, C) colour and (2s, 2s) weight -> (s, s, C) weighted 2 x 2 means and
    (s, s) weights min(sum, 1). Summed in the order NumPy sums ``reshape(s, 2, s, 2[, C]).sum((1, 3))``:
    the colours row by row, the weights by row pairs (both in a row when s = 1)."""
    s, nc = coarse.shape[0], colour.shape[2]
    floor = np.float32(1e-8)
    one = np.float32(1.0)
    for y in range(s):
        for x in range(s):
            w00, w01 = weight[2 * y, 2 * x], weight[2 * y, 2 * x + 1]
            w10, w11 = weight[2 * y + 1, 2 * x], weight[2 * y + 1, 2 * x + 1]
            w = ((w00 + w01) + w10) + w11 if s == 1 else (w00 + w01) + (w10 + w11)
            d = max(w, floor)
            for c in range(nc):
                wc = ((colour[2 * y, 2 * x, c] * w00 + colour[2 * y, 2 * x + 1, c] * w01)
                      + colour[2 * y + 1, 2 * x, c] * w10) + colour[2 * y + 1, 2 * x + 1, c] * w11  # fmt: skip
                coarse[y, x, c] = wc / d
            coarse_w[y, x] = min(w, one)


@njit(cache=True, nogil=True, inline="always")
def _taps(j, s):  # pragma: no cover - jitted
    """Bilinear taps of fine index j on a coarse axis of s texels (centres aligned, edges clamped)."""
    if j % 2 == 0:
        i0 = j // 2 - 1
        f = np.float32(0.75)
        if i0 < 0:
            i0, f = 0, np.float32(0.0)
    else:
        i0 = j // 2
        f = np.float32(0.25)
    return i0, min(i0 + 1, s - 1), f


@njit(cache=True, nogil=True)
def _upsample_into(img, out):  # pragma: no cover - jitted
    """(s, s, C) -> (2s, 2s, C) bilinear, rows first then columns (as :func:`_upsample2_numpy`)."""
    s, nc = img.shape[0], img.shape[2]
    one = np.float32(1.0)
    rows = np.empty((2 * s, s, nc), np.float32)
    for j in range(2 * s):
        a, b, f = _taps(j, s)
        g = one - f
        for x in range(s):
            for c in range(nc):
                rows[j, x, c] = img[a, x, c] * g + img[b, x, c] * f
    for k in range(2 * s):
        a, b, f = _taps(k, s)
        g = one - f
        for j in range(2 * s):
            for c in range(nc):
                out[j, k, c] = rows[j, a, c] * g + rows[j, b, c] * f


@njit(cache=True, nogil=True)
def _push(colour, weight, coarse, out):  # pragma: no cover - jitted
    """One push step: ``w c + (1 - w) up(coarse)`` into (2s, 2s, C) ``out``."""
    _upsample_into(coarse, out)
    one = np.float32(1.0)
    n, nc = out.shape[0], out.shape[2]
    for y in range(n):
        for x in range(n):
            w = weight[y, x]
            for c in range(nc):
                out[y, x, c] = w * colour[y, x, c] + (one - w) * out[y, x, c]


def pull_push(colour: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill low-weight texels of a (S, S, 3) image from a pyramid of weighted averages (pull-push).

    Args:
        colour: (S, S, 3) float32; weight: (S, S) in [0, 1] (0 = unknown). S a power of two.
    Returns:
        (S, S, 3) float32 with ``w c + (1 - w) coarser`` at every level.
    """
    c = np.ascontiguousarray(colour, np.float32)
    w = np.ascontiguousarray(weight, np.float32)
    levels = []
    while c.shape[0] > 1:
        s = c.shape[0] // 2
        coarse, coarse_w = np.empty((s, s, c.shape[2]), np.float32), np.empty((s, s), np.float32)
        _pull(c, w, coarse, coarse_w)
        levels.append((c, w))
        c, w = coarse, coarse_w
    for fine, fine_w in reversed(levels):
        out = np.empty_like(fine)
        _push(fine, fine_w, c, out)
        c = out
    return c


def _upsample2(img: np.ndarray) -> np.ndarray:
    """(s, s, C) -> (2s, 2s, C) float32 bilinear (texel centres aligned, edges clamped)."""
    img = np.ascontiguousarray(img, np.float32)
    out = np.empty((2 * img.shape[0], 2 * img.shape[1], img.shape[2]), np.float32)
    _upsample_into(img, out)
    return out


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
