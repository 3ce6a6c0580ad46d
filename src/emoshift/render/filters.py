"""GIL-free image filters: the ``scipy.ndimage`` calls of the per-photo (and, for a video, per-frame)
renderer set-up as numba kernels that do scipy's double-precision arithmetic in the same order, so the
results are the same to the bit (``tests/render/test_filters.py`` compares them).

scipy's filters hold the GIL, so the two render threads of a video (:mod:`emoshift.videoin.run`) could
not run them side by side; these release it.

* :func:`gaussian_filter`: ``scipy.ndimage.gaussian_filter(img, (s, s, 0))`` (mode ``reflect``,
  ``truncate=4``): rows then columns, each line in float64 (the centre tap, then the symmetric pairs from
  the outermost in), rounded to float32 between the passes as scipy's float32 output is;
* :func:`binary_dilation`: ``scipy.ndimage.binary_dilation`` by the 4-neighbour cross (scipy's default)
  or the 3 x 3 square, ``iterations`` times, outside the image counting as False;
* :func:`uniform_filter`: ``scipy.ndimage.uniform_filter(img, 3, mode="constant" | "reflect")`` of a float32 image
  (scipy's running sum of each line, divided by 3);
* :func:`sobel`, :func:`binary_erosion`: ``scipy.ndimage.sobel(img, axis)`` (mode ``reflect``) of a 2-D float32
  image and ``scipy.ndimage.binary_erosion`` by the 4-neighbour cross or a square (outside the image False), in
  numpy (per photo, small boxes: the eyes' blur estimate); the Sobel in float32 sums, within float rounding of
  scipy's (1e-4 of 255), not to the bit;
* :func:`distance_transform_edt`: ``scipy.ndimage.distance_transform_edt`` of a 2-D mask, with its nearest
  background pixels (``return_indices``): the exact Euclidean feature transform of Maurer, Qi & Raghavan (2003),
  as scipy computes it, with scipy's choice among equally near pixels, so the distances (float64 square roots of
  integers) and the indices equal scipy's.

Their signatures are the subset of scipy's that the renderer calls, so a call site changes its import only.
"""

from __future__ import annotations

import numpy as np

from emoshift.jit import njit

#: scipy's default reach of a Gaussian in standard deviations.
TRUNCATE = 4.0


def gaussian_weights(sigma: float) -> np.ndarray:
    """(2r + 1,) float64 taps of scipy's 1-D Gaussian (r = int(4 sigma + 0.5)), computed as scipy does."""
    sigma = float(sigma)
    radius = int(TRUNCATE * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    return phi / phi.sum()


@njit(cache=True, nogil=True, inline="always")
def _reflect(i, n):  # pragma: no cover - jitted
    """Index ``i`` of a line of ``n`` samples extended by scipy's ``reflect`` (d c b a | a b c d | d c b a)."""
    m = i % (2 * n)
    return 2 * n - 1 - m if m >= n else m


@njit(cache=True, nogil=True)
def _gaussian_rows(src, dst, w, y0, y1):  # pragma: no cover - jitted
    """dst (y1 - y0, n) float32 = rows y0..y1 of src (h, n) filtered along axis 0 by the symmetric taps ``w``
    (2r + 1,) float64 (each row of the result is its own sums: a part is the whole's rows)."""
    h, n = src.shape
    r = (w.shape[0] - 1) // 2
    acc = np.empty(n, np.float64)
    for y in range(y0, y1):
        a = src[y]
        for k in range(n):
            acc[k] = np.float64(a[k]) * w[r]
        for j in range(r, 0, -1):
            lo, hi = src[_reflect(y - j, h)], src[_reflect(y + j, h)]
            wj = w[r - j]
            for k in range(n):
                acc[k] += (np.float64(lo[k]) + np.float64(hi[k])) * wj
        out = dst[y - y0]
        for k in range(n):
            out[k] = np.float32(acc[k])


@njit(cache=True, nogil=True)
def _gaussian2d(src, dst, w, y0, y1, x0, x1):  # pragma: no cover - jitted
    """dst (y1 - y0, x1 - x0, nc) float32 = the part y0..y1, x0..x1 of src (h, wd, nc) filtered along axis 0,
    then along axis 1 (as a filter along axis 0 of the transposed image: the same sums, on contiguous rows);
    the first pass over the part's rows only, the second over its columns only."""
    h, wd, nc = src.shape
    ph = y1 - y0
    tmp = np.empty((ph, wd * nc), np.float32)
    _gaussian_rows(src.reshape(h, wd * nc), tmp, w, y0, y1)
    t = np.empty((wd, ph * nc), np.float32)
    for y in range(ph):
        for x in range(wd):
            for c in range(nc):
                t[x, y * nc + c] = tmp[y, x * nc + c]
    t2 = np.empty((x1 - x0, ph * nc), np.float32)
    _gaussian_rows(t, t2, w, x0, x1)
    for y in range(ph):
        for x in range(x1 - x0):
            for c in range(nc):
                dst[y, x, c] = t2[x, y * nc + c]


def gaussian_filter(img: np.ndarray, sigma, part: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(h, w) or (h, w, c) -> float32 of the same shape: ``scipy.ndimage.gaussian_filter`` with ``sigma``
    on the two image axes and none on the channels (a number, or scipy's ``(s, s)`` / ``(s, s, 0)``),
    mode ``reflect``, to the bit. ``part`` (y0, y1, x0, x1): only that part of the result (the same values,
    computed over its rows and columns only)."""
    a = np.asarray(img, np.float32)
    s = np.atleast_1d(np.asarray(sigma, np.float64))
    if len(s) > 1 and (len(s) != a.ndim or s[0] != s[1] or np.any(s[2:] != 0)):
        raise ValueError(f"sigma must be one value for the two image axes (0 on the channels), got {sigma}")
    sigma = float(s[0])
    flat = a.ndim == 2
    a3 = np.ascontiguousarray(a[..., None] if flat else a)
    y0, y1, x0, x1 = (0, a3.shape[0], 0, a3.shape[1]) if part is None else (int(v) for v in part)
    if not (0 <= y0 <= y1 <= a3.shape[0] and 0 <= x0 <= x1 <= a3.shape[1]):
        raise ValueError(f"part {part} outside the image {a3.shape[:2]}")
    if a3.size == 0 or sigma <= 1e-15:
        out = a3[y0:y1, x0:x1].copy()
        return out[..., 0] if flat else out
    out = np.empty((y1 - y0, x1 - x0, a3.shape[2]), np.float32)
    if out.size:
        _gaussian2d(a3, out, gaussian_weights(sigma), y0, y1, x0, x1)
    return out[..., 0] if flat else out


@njit(cache=True, nogil=True)
def _dilate_into(mask, out, iterations, square):  # pragma: no cover - jitted
    """out (h, w) bool = ``mask`` dilated ``iterations`` times by the cross (or the 3 x 3 square: a row
    pass then a column pass), as uint8 ORs without branches."""
    h, w = mask.shape
    cur = np.zeros((h + 2, w + 2), np.uint8)  # one pixel of False around
    nxt = np.zeros((h + 2, w + 2), np.uint8)
    row = np.zeros((h + 2, w + 2), np.uint8)
    for y in range(h):
        for x in range(w):
            cur[y + 1, x + 1] = mask[y, x]
    for _ in range(iterations):
        if square:
            for y in range(1, h + 1):
                for x in range(1, w + 1):
                    row[y, x] = cur[y, x - 1] | cur[y, x] | cur[y, x + 1]
            for y in range(1, h + 1):
                for x in range(1, w + 1):
                    nxt[y, x] = row[y - 1, x] | row[y, x] | row[y + 1, x]
        else:
            for y in range(1, h + 1):
                for x in range(1, w + 1):
                    nxt[y, x] = cur[y, x] | cur[y, x - 1] | cur[y, x + 1] | cur[y - 1, x] | cur[y + 1, x]
        cur, nxt = nxt, cur
    for y in range(h):
        for x in range(w):
            out[y, x] = cur[y + 1, x + 1] != 0


def binary_dilation(mask: np.ndarray, structure: np.ndarray | None = None, iterations: int = 1) -> np.ndarray:
    """(h, w) bool ``mask`` dilated ``iterations`` times by ``structure``: None (scipy's default, the
    4-neighbour cross) or ``np.ones((3, 3))``: ``scipy.ndimage.binary_dilation`` (border False)."""
    square = structure is not None
    if square and (np.shape(structure) != (3, 3) or not np.all(structure)):
        raise ValueError("structure must be None (the cross) or np.ones((3, 3))")
    m = np.ascontiguousarray(mask, bool)
    out = np.empty_like(m)
    _dilate_into(m, out, int(iterations), square)
    return out


@njit(cache=True, nogil=True, inline="always")
def _extended(line, k, reflect):  # pragma: no cover - jitted
    """Sample k of a line extended by one sample each side: 0 (scipy's mode ``constant``) or the edge sample
    (mode ``reflect``: d c b a | a b c d | d c b a)."""
    n = line.shape[0]
    if 0 <= k < n:
        return line[k]
    if not reflect:
        return 0.0
    return line[0] if k < 0 else line[n - 1]


@njit(cache=True, nogil=True)
def _uniform3_line(line, out, reflect):  # pragma: no cover - jitted
    """scipy's uniform_filter1d of size 3 (mode constant 0, or reflect) of one float64 line: a running sum
    / 3."""
    n = line.shape[0]
    tmp = 0.0
    for k in range(-1, 2):
        if 0 <= k < n or reflect:
            tmp += _extended(line, k, reflect)
    out[0] = tmp / 3.0
    for k in range(1, n):
        add = _extended(line, k + 1, reflect)
        sub = _extended(line, k - 2, reflect)
        tmp += add - sub
        out[k] = tmp / 3.0


@njit(cache=True, nogil=True)
def _uniform3_rows(src, dst, reflect):  # pragma: no cover - jitted
    """dst (h, w) float32 = each row of src (h, w) float32 filtered by :func:`_uniform3_line`."""
    h, w = src.shape
    line = np.empty(w, np.float64)
    res = np.empty(w, np.float64)
    for y in range(h):
        for x in range(w):
            line[x] = src[y, x]
        _uniform3_line(line, res, reflect)
        for x in range(w):
            dst[y, x] = np.float32(res[x])


def uniform_filter(img: np.ndarray, size: int = 3, mode: str = "reflect") -> np.ndarray:
    """(h, w) float32: ``scipy.ndimage.uniform_filter(img, 3, mode=mode)``, mode ``reflect`` (scipy's
    default) or ``constant`` (the only size and modes)."""
    if size != 3 or mode not in ("constant", "reflect"):
        raise ValueError(f"only size 3, mode 'constant' or 'reflect' (got {size}, {mode!r})")
    reflect = mode == "reflect"
    a = np.ascontiguousarray(img, np.float32)
    if a.size == 0:
        return a.copy()
    cols = np.empty(a.shape[::-1], np.float32)
    _uniform3_rows(np.ascontiguousarray(a.T), cols, reflect)  # axis 0 first, as scipy
    out = np.empty_like(a)
    _uniform3_rows(np.ascontiguousarray(cols.T), out, reflect)
    return out


def sobel(img: np.ndarray, axis: int = -1) -> np.ndarray:
    """(h, w) float32 ``scipy.ndimage.sobel(img, axis)``: the derivative [-1, 0, 1] along ``axis`` smoothed by
    [1, 2, 1] along the other, mode ``reflect`` (within float rounding: see the module docstring)."""
    p = np.pad(np.asarray(img, np.float32), 1, mode="symmetric")  # scipy's "reflect"
    if axis in (0, -2):
        d = p[2:] - p[:-2]
        return d[:, :-2] + 2 * d[:, 1:-1] + d[:, 2:]
    d = p[:, 2:] - p[:, :-2]
    return d[:-2] + 2 * d[1:-1] + d[2:]


def binary_erosion(mask: np.ndarray, structure: np.ndarray | None = None) -> np.ndarray:
    """(h, w) bool ``scipy.ndimage.binary_erosion(mask, structure)``, outside the image False: by the
    4-neighbour cross (None, scipy's default) or by an odd square ``np.ones((k, k))`` (separable: the
    minimum over each pixel's k-square of the mask padded with False)."""
    if structure is None:
        p = np.pad(np.asarray(mask, bool), 1)
        return p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    k = len(structure)
    if np.shape(structure) != (k, k) or k % 2 == 0 or not np.all(structure):
        raise ValueError("structure must be None (the cross) or an odd square np.ones((k, k))")
    r = k // 2
    p = np.pad(np.asarray(mask, bool), r)
    return _min_filter(p, r)[r : p.shape[0] - r, r : p.shape[1] - r]


def texture_detail(patch: np.ndarray, sigma: float, edge: tuple[float, float], edge_sigma: float) -> np.ndarray:
    """(h, w) float32 texture detail of an (h, w, 3) uint8 photo patch: its luma less the luma after a Gaussian
    of ``sigma``, gated off the edges: times 1 below a gradient of ``edge[0]`` grey levels per pixel of the luma
    after a Gaussian of ``edge_sigma``, 0 above ``edge[1]``, linear between, and the gate's minimum taken over
    1.5 ``sigma`` pixels around (the detail's lobes beside an edge reach that far; without it a 60-level lip
    outline stretched 2 x 0.5 moved up to 7-9 levels): a lip outline or silhouette keeps its own pixels;
    pores, stubble and fine lines pass. The layer the warp gives stretched skin
    (:func:`emoshift.render.warp.detail_pass`)."""
    luma = np.asarray(patch, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if luma.shape[0] < 2 or luma.shape[1] < 2:
        return np.zeros(luma.shape, np.float32)
    detail = luma - gaussian_filter(luma, sigma)
    gy, gx = np.gradient(gaussian_filter(luma, edge_sigma))
    gate = np.clip((edge[1] - np.hypot(gx, gy)) / (edge[1] - edge[0]), 0.0, 1.0)
    return np.ascontiguousarray(detail * _min_filter(gate, int(round(1.5 * sigma))), np.float32)


def _min_filter(a: np.ndarray, r: int) -> np.ndarray:
    """The minimum of (h, w) ``a`` over each pixel's (2r + 1)-square (edges replicated), separable."""
    for axis in (0, 1):
        n = a.shape[axis]
        pad = np.pad(a, [(r, r) if k == axis else (0, 0) for k in range(2)], mode="edge")
        out = pad.take(range(0, n), axis=axis)
        for d in range(1, 2 * r + 1):
            out = np.minimum(out, pad.take(range(d, d + n), axis=axis))
        a = out
    return a


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``image`` (h, w) or (h, w, c) sampled bilinearly at the points (x, y) (any equal shapes; pixel i spans
    [i, i + 1), its centre at i + 0.5, as the renderer's screen and the detected landmarks), clamped to the
    image: (...) or (..., c), a uint8 image in float32 (the per-point numpy counterpart of
    :func:`emoshift.render.shaders.bilinear`; ``scipy.ndimage.map_coordinates`` at order 1 with its ``nearest``
    edge, but for the last half pixel)."""
    h, w = image.shape[:2]
    x = np.clip(np.asarray(x) - 0.5, 0, w - 1.001)
    y = np.clip(np.asarray(y) - 0.5, 0, h - 1.001)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    if image.ndim == 3:
        fx, fy = fx[..., None], fy[..., None]
    im = image.astype(np.float32) if image.dtype == np.uint8 else image
    return (im[y0, x0] * (1 - fx) + im[y0, x0 + 1] * fx) * (1 - fy) + (im[y0 + 1, x0] * (1 - fx) + im[y0 + 1, x0 + 1] * fx) * fy


@njit(cache=True, nogil=True)
def _lower_envelope(off, valid, n, g, near):  # pragma: no cover - jitted
    """One line of Maurer's feature transform: the sites are the samples k < n with ``valid[k]``, each a point at
    ``k`` along the line and sqrt(``off[k]``) off it (int64 squared distance: the nearest background pixel found so
    far along the other axis); ``near[x]`` the site nearest to each sample x (-1: no site). Sites are pushed on the
    stack ``g`` in order; the top one is removed while it is nowhere the nearest between its neighbours (Maurer's
    RemoveFT: c vR - b uR - a wR - a b c > 0, a equal-distance point kept). The scan then keeps the earlier site
    while it is no farther than the next (ties to the lower index, as scipy's)."""
    top = -1
    for k in range(n):
        if not valid[k]:
            continue
        while top >= 1:
            u, v = g[top - 1], g[top]
            a, b = v - u, k - v
            c = a + b
            if c * off[v] - b * off[u] - a * off[k] - a * b * c <= 0:
                break
            top -= 1
        top += 1
        g[top] = k
    if top < 0:
        for x in range(n):
            near[x] = -1
        return
    m = 0
    for x in range(n):
        s = g[m]
        d1 = (s - x) * (s - x) + off[s]
        while m < top:
            t = g[m + 1]
            d2 = (t - x) * (t - x) + off[t]
            if d1 <= d2:
                break
            d1 = d2
            m += 1
        near[x] = g[m]


@njit(cache=True, nogil=True)
def _feature_transform(mask, fi, fj, dist):  # pragma: no cover - jitted
    """fi, fj (h, w) int32: the row and column of the background (False) pixel of ``mask`` nearest to each pixel;
    dist (h, w) float64 its distance. Maurer's two passes: along each column (the nearest background pixel in
    that column), then along each row over those. A mask without background keeps (-1, 0) as scipy's does."""
    h, w = mask.shape
    n = max(h, w)
    off = np.zeros(n, np.int64)
    valid = np.empty(n, np.bool_)
    g = np.empty(n, np.int64)
    near = np.empty(n, np.int64)
    for j in range(w):
        for i in range(h):
            valid[i] = not mask[i, j]
            off[i] = 0
        _lower_envelope(off, valid, h, g, near)
        for i in range(h):
            fi[i, j] = near[i]
            fj[i, j] = j if near[i] >= 0 else 0
    row_i = np.empty(w, np.int64)
    for i in range(h):
        for j in range(w):
            row_i[j] = fi[i, j]
            valid[j] = row_i[j] >= 0
            off[j] = (row_i[j] - i) * (row_i[j] - i)
        _lower_envelope(off, valid, w, g, near)
        if near[0] < 0:
            continue  # no background in the image
        for j in range(w):
            fi[i, j] = row_i[near[j]]
            fj[i, j] = near[j]
    for i in range(h):
        for j in range(w):
            di, dj = np.float64(fi[i, j] - i), np.float64(fj[i, j] - j)
            dist[i, j] = np.sqrt(di * di + dj * dj)


def distance_transform_edt(mask: np.ndarray, return_indices: bool = False):
    """``scipy.ndimage.distance_transform_edt(mask, return_indices=...)`` of a 2-D mask: (h, w) float64 each
    pixel's Euclidean distance to the nearest False pixel (0 on them), and with ``return_indices`` also (2, h, w)
    int32 that pixel's row and column (equally near pixels: scipy's choice, see :func:`_lower_envelope`). Maurer,
    Qi & Raghavan, "A linear time algorithm for computing exact Euclidean distance transforms of binary images
    in arbitrary dimensions", IEEE PAMI 25(2), 2003 (scipy's algorithm), in numba: GIL-free and without
    importing scipy.ndimage."""
    m = np.ascontiguousarray(mask, bool)
    if m.ndim != 2:
        raise ValueError(f"a 2-D mask, got shape {m.shape}")
    ft = np.zeros((2, *m.shape), np.int32)
    dist = np.zeros(m.shape, np.float64)
    if m.size:
        _feature_transform(m, ft[0], ft[1], dist)
    return (dist, ft) if return_indices else dist
