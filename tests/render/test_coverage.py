"""polygon_coverage (render/eyes.py, kernel in render/coverage.py) gives the masks of the skimage + scipy
formulation it replaced (skimage.draw.polygon on the sample grid, scipy's binary erosion, block means):
random polygons, convex and self-intersecting, with vertices on sample points (on-edge and on-vertex
samples), boxes that clip them, 1-4 samples per pixel, erosions 0-3. Control: an erosion of one sample
more differs (the comparison sees a rim)."""

import numpy as np
import pytest

from emoshift.render.eyes import polygon_coverage


def _coverage_ref(poly, origin, shape, samples=4, erode=2):
    from scipy.ndimage import binary_erosion
    from skimage.draw import polygon

    (ox, oy), (h, w) = origin, shape
    out = np.zeros((h, w), np.float32)
    x0, y0 = (int(min(max(np.floor(poly[:, k].min() - o) - 1, 0), n)) for k, o, n in ((0, ox, w), (1, oy, h)))
    x1, y1 = (int(min(max(np.ceil(poly[:, k].max() - o) + 2, a), n)) for k, o, a, n in ((0, ox, x0, w), (1, oy, y0, h)))
    fine = np.zeros(((y1 - y0) * samples, (x1 - x0) * samples), bool)
    rr, cc = polygon((poly[:, 1] - oy - y0) * samples - 0.5, (poly[:, 0] - ox - x0) * samples - 0.5, fine.shape)
    fine[rr, cc] = True
    if erode:
        fine = binary_erosion(fine, iterations=erode)
    out[y0:y1, x0:x1] = fine.reshape(y1 - y0, samples, x1 - x0, samples).mean((1, 3))
    return out


def _polygon(rng, kind):
    k = int(rng.integers(3, 20))
    if kind == "random":  # self-intersecting
        return rng.uniform(-5, 60, (k, 2))
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    rad = rng.uniform(0.5, 25, k)
    poly = rng.uniform(-10, 70, 2) + np.stack([np.cos(ang) * rad, np.sin(ang) * rad * rng.uniform(0.2, 1)], 1)
    return np.round(poly * 4) / 4 if kind == "grid" else poly  # grid: vertices on the 4 x 4 sample points


@pytest.mark.parametrize("kind", ["star", "grid", "random"])
def test_coverage_is_the_skimage_scipy_mask(kind):
    rng = np.random.default_rng(["star", "grid", "random"].index(kind))
    nonzero = 0
    for _ in range(300):
        poly = _polygon(rng, kind)
        origin = tuple(int(v) for v in rng.integers(-5, 10, 2))
        shape = tuple(int(v) for v in rng.integers(1, 70, 2))
        samples, erode = int(rng.choice([1, 2, 4])), int(rng.choice([0, 1, 2, 3]))
        ref = _coverage_ref(poly, origin, shape, samples, erode)
        np.testing.assert_array_equal(polygon_coverage(poly, origin, shape, samples, erode), ref)
        nonzero += bool(ref.any())
    assert nonzero > 100  # most cases cover something


def test_an_eye_contour_and_the_control():
    ang = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    eye = np.stack([115 + 15 * np.cos(ang), 110 + 5 * np.sin(ang)], 1)
    cov = polygon_coverage(eye, (90, 90), (60, 60))
    np.testing.assert_array_equal(cov, _coverage_ref(eye, (90, 90), (60, 60)))
    assert 0.75 * np.pi * 15 * 5 < cov.sum() < np.pi * 15 * 5  # the ellipse's area less its eroded rim (measured 0.85)
    assert not np.array_equal(cov, _coverage_ref(eye, (90, 90), (60, 60), erode=3))  # control


def test_the_kernels_min_and_max_are_numpys():
    """coverage._low_high (a loop instead of numba's array min/max, which import numba.np.arraymath and with it
    scipy.linalg) returns a.min(), a.max(): random arrays, one element, NaN anywhere (NaN is both, as in
    NumPy). Control: an empty array raises as NumPy does."""
    from emoshift.render.coverage import _low_high

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 17, 100):
        for _ in range(20):
            a = rng.normal(0, 50, n) * rng.choice([1e-3, 1.0, 1e3])
            assert _low_high(a) == (a.min(), a.max())
            b = a.copy()
            b[rng.integers(n)] = np.nan
            lo, hi = _low_high(b)
            assert np.isnan(lo) and np.isnan(hi) and np.isnan(b.min()) and np.isnan(b.max())
    with pytest.raises(ValueError):
        _low_high(np.zeros(0))
