"""The coarse flow of the photo reenactment: the head's per-pixel flow averaged over cells of CELL
pixels, grown outwards ring by ring, faded to zero over ``radius`` cells with the minimum-jerk profile and
box-blurred (:func:`coarse_field`); the coarse expression shading (:func:`broad_shading`); bilinear
lookups of either at a pixel (:func:`field_at`).
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.shaders import per_sample

CELL = 8
BLUR_PASSES = 2


@njit(cache=True, nogil=True)
def coarse_field(sx, sy, cnt, radius):  # pragma: no cover - jitted
    """Average per cell, grow ``radius`` rings outwards, fade, blur: (gh, gw) x and y flow in place-free."""
    gh, gw = sx.shape
    dist = np.full((gh, gw), -1, np.int32)
    for gi in range(gh):
        for gj in range(gw):
            if cnt[gi, gj] > 0:
                sx[gi, gj] /= cnt[gi, gj]
                sy[gi, gj] /= cnt[gi, gj]
                dist[gi, gj] = 0
    for ring in range(1, radius + 1):
        grown = False
        nx = sx.copy()
        ny = sy.copy()
        for gi in range(gh):
            for gj in range(gw):
                if dist[gi, gj] >= 0:
                    continue
                ax = 0.0
                ay = 0.0
                n = 0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        if 0 <= dist[qi, qj] < ring:
                            ax += sx[qi, qj]
                            ay += sy[qi, qj]
                            n += 1
                if n > 0:
                    nx[gi, gj] = ax / n
                    ny[gi, gj] = ay / n
                    dist[gi, gj] = ring
                    grown = True
        sx = nx
        sy = ny
        if not grown:
            break
    fx = np.zeros((gh, gw), np.float32)
    fy = np.zeros((gh, gw), np.float32)
    for gi in range(gh):
        for gj in range(gw):
            d = dist[gi, gj]
            if d < 0:
                continue
            u = 1.0 - d / (radius + 1.0)
            fade = u * u * u * (10 + u * (-15 + 6 * u))
            fx[gi, gj] = sx[gi, gj] * fade
            fy[gi, gj] = sy[gi, gj] * fade
    for _ in range(BLUR_PASSES):
        bx = np.empty_like(fx)
        by = np.empty_like(fy)
        for gi in range(gh):
            for gj in range(gw):
                ax = 0.0
                ay = 0.0
                n = 0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        ax += fx[qi, qj]
                        ay += fy[qi, qj]
                        n += 1
                bx[gi, gj] = ax / n
                by[gi, gj] = ay / n
        fx = bx
        fy = by
    return fx, fy


@njit(cache=True, nogil=True)
def broad_shading(sr, cnt):  # pragma: no cover - jitted
    """Coarse (cell-average, blurred) shading ratio of the head's pixels; 1 where there are none."""
    gh, gw = sr.shape
    out = np.ones((gh, gw), np.float32)
    for blur in range(BLUR_PASSES + 1):
        nxt = np.ones((gh, gw), np.float32)
        for gi in range(gh):
            for gj in range(gw):
                acc = 0.0
                n = 0.0
                for qi in range(max(gi - 1, 0), min(gi + 2, gh)):
                    for qj in range(max(gj - 1, 0), min(gj + 2, gw)):
                        if cnt[qi, qj] > 0:
                            acc += sr[qi, qj] / cnt[qi, qj] if blur == 0 else out[qi, qj]
                            n += 1.0
                if n > 0:
                    nxt[gi, gj] = acc / n
        out = nxt
    return out


@per_sample
def field_at(fx, fy, i, j):  # pragma: no cover - jitted
    """Bilinear lookup of the coarse field at pixel (row i, column j) of the ROI: (dx, dy)."""
    gh, gw = fx.shape
    ci = (i + 0.5) / CELL - 0.5
    cj = (j + 0.5) / CELL - 0.5
    i0 = min(max(int(math.floor(ci)), 0), gh - 1)
    j0 = min(max(int(math.floor(cj)), 0), gw - 1)
    i1 = min(i0 + 1, gh - 1)
    j1 = min(j0 + 1, gw - 1)
    wi = min(max(ci - i0, 0.0), 1.0)
    wj = min(max(cj - j0, 0.0), 1.0)
    dx = (fx[i0, j0] * (1 - wj) + fx[i0, j1] * wj) * (1 - wi) + (fx[i1, j0] * (1 - wj) + fx[i1, j1] * wj) * wi
    dy = (fy[i0, j0] * (1 - wj) + fy[i0, j1] * wj) * (1 - wi) + (fy[i1, j0] * (1 - wj) + fy[i1, j1] * wj) * wi
    return dx, dy
