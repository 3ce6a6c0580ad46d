"""Numba kernels of the landmark solver's residuals and Jacobian (:class:`~emoshift.fitting.solver.LandmarkSolver`'s
``_forward`` and ``_residuals_jacobian``, photo and video fits alike): the posed landmarks, their weighted
reprojection and depth residuals (the solver's module docstring's energy, the projection of
:func:`emoshift.camera.project`), and the Jacobian over (identity, expression, rotation, translation), in one
loop over the points; sums in float64, stored in the solver's dtype. A warm-started video fit is 2-4 LM
iterations of a 1424 x 65 (per frame) or x 115 (identity free) Jacobian: ~0.05 ms here where the numpy passes
they replaced took ~0.5 ms. Checked against :func:`emoshift.camera.project` of the head model's posed
landmarks and finite differences of :func:`forward` (``tests/fitting/test_kernels.py``).
"""

from __future__ import annotations

import numpy as np

from emoshift.jit import njit


@njit(nogil=True)
def forward(mu, basis, coef, gains, k, rot, t, focal, cx, cy, obs, wm, d_obs, wd, p, x, z, r, min_depth):
    """Fills ``p`` (L, 3) rotated shape, ``x`` (L, 3) camera-space points, ``z`` (L,) their depth and ``r``
    (2L + Ld,) the weighted residuals; returns the mean depth of the first Ld points (0 without depth).

    mu (L, 3), basis (L, 3, M), coef (M,) (identity then expression), gains (L,) on the expression
    columns ``>= k`` (empty: none), rot (3, 3), t (3,), obs (L, 2) px, wm (L, 2, 2) weights,
    d_obs / wd (Ld,) the centred MediaPipe depth and its weights (Ld = 0: no depth term); depths are at
    least ``min_depth`` (:func:`emoshift.camera.depth`; an argument: numba would freeze a global into its
    cache)."""
    n, m = mu.shape[0], coef.shape[0]
    use_gains = gains.shape[0] > 0
    s = np.empty(3)
    for l in range(n):
        g = gains[l] if use_gains else 1.0
        for c in range(3):
            a = 0.0
            for j in range(k):
                a += basis[l, c, j] * coef[j]
            b = 0.0
            for j in range(k, m):
                b += basis[l, c, j] * coef[j]
            s[c] = mu[l, c] + a + b * g
        for i in range(3):
            pi = rot[i, 0] * s[0] + rot[i, 1] * s[1] + rot[i, 2] * s[2]
            p[l, i] = pi
            x[l, i] = pi + t[i]
        zl = max(-float(x[l, 2]), min_depth)
        z[l] = zl
        du = cx + focal * x[l, 0] / zl - obs[l, 0]
        dv = cy - focal * x[l, 1] / zl - obs[l, 1]
        r[2 * l] = wm[l, 0, 0] * du + wm[l, 0, 1] * dv
        r[2 * l + 1] = wm[l, 1, 0] * du + wm[l, 1, 1] * dv
    nd = d_obs.shape[0]
    if nd == 0:
        return 0.0
    zbar = 0.0
    for l in range(nd):
        zbar += z[l]
    zbar /= nd
    dmean = 0.0
    for l in range(nd):
        dmean += focal * z[l] / zbar
    dmean /= nd
    for l in range(nd):
        r[2 * n + l] = (focal * z[l] / zbar - dmean - d_obs[l]) * wd[l]
    return zbar


@njit(nogil=True)
def jacobian(basis, gains, k, rot, p, x, z, wm, focal, wd, zbar, j):
    """Fills ``j`` (2L + Ld, M + 6): the residuals' Jacobian over (the M linear unknowns, the rotation's
    left update, the translation) at the pass :func:`forward` computed (p, x, z, zbar); ``wd`` (Ld,)
    the depth weights (empty: no depth rows)."""
    n, m = p.shape[0], basis.shape[2]
    use_gains = gains.shape[0] > 0
    dp = np.zeros((2, 3))
    d = np.empty((2, 3))
    dr = np.empty((2, 3))
    for l in range(n):
        zl = float(z[l])
        dp[0, 0] = focal / zl
        dp[0, 2] = focal * x[l, 0] / (zl * zl)
        dp[1, 1] = -focal / zl
        dp[1, 2] = -focal * x[l, 1] / (zl * zl)
        for i in range(2):
            for c in range(3):
                d[i, c] = wm[l, i, 0] * dp[0, c] + wm[l, i, 1] * dp[1, c]
            for c in range(3):
                dr[i, c] = d[i, 0] * rot[0, c] + d[i, 1] * rot[1, c] + d[i, 2] * rot[2, c]
        g = gains[l] if use_gains else 1.0
        p0, p1, p2 = float(p[l, 0]), float(p[l, 1]), float(p[l, 2])
        for i in range(2):
            row = 2 * l + i
            for q in range(m):
                v = dr[i, 0] * basis[l, 0, q] + dr[i, 1] * basis[l, 1, q] + dr[i, 2] * basis[l, 2, q]
                j[row, q] = v * g if q >= k else v
            # the rotation's columns: D [p]x^T (the left update moves p by -[p]x d = [p]x^T d)
            j[row, m] = d[i, 2] * p1 - d[i, 1] * p2
            j[row, m + 1] = d[i, 0] * p2 - d[i, 2] * p0
            j[row, m + 2] = d[i, 1] * p0 - d[i, 0] * p1
            j[row, m + 3] = d[i, 0]
            j[row, m + 4] = d[i, 1]
            j[row, m + 5] = d[i, 2]
    nd = wd.shape[0]
    if nd == 0:
        return
    # depth rows: (d X_z - (z_l / zbar) mean(d X_z)) * wd_l * (-f / zbar)
    mean = np.zeros(m + 6)
    for l in range(nd):
        row = 2 * n + l
        g = gains[l] if use_gains else 1.0
        for q in range(m):
            v = rot[2, 0] * basis[l, 0, q] + rot[2, 1] * basis[l, 1, q] + rot[2, 2] * basis[l, 2, q]
            v = v * g if q >= k else v
            j[row, q] = v
            mean[q] += v
        j[row, m] = p[l, 1]
        j[row, m + 1] = -p[l, 0]
        j[row, m + 2] = 0.0
        j[row, m + 3] = 0.0
        j[row, m + 4] = 0.0
        j[row, m + 5] = 1.0
        mean[m] += p[l, 1]
        mean[m + 1] -= p[l, 0]
    mean[m + 5] = nd
    for q in range(m + 6):
        mean[q] /= nd
    for l in range(nd):
        row = 2 * n + l
        a = z[l] / zbar
        b = wd[l] * (-focal / zbar)
        for q in range(m + 6):
            j[row, q] = (j[row, q] - a * mean[q]) * b

