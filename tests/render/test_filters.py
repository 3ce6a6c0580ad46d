"""The GIL-free filters (render/filters.py) give scipy.ndimage's values to the bit.

Images of several shapes (one pixel, lines shorter than the kernel's reach, the sizes of a face box)
and sigmas (below 1, the fold lift's fine and coarse ones, longer than the image) and masks of several
densities, each seeded. Controls: the same Gaussian without scipy's float32 rounding between its two
passes, or with the columns first, is not bit-equal (the comparison sees a float32 rounding
difference); ``nearest`` edges instead of ``reflect`` are far off; a dilation by the square where
scipy's default cross is asked for differs; the other edge mode of the box filter is off.
"""

import numpy as np
import pytest
from scipy import ndimage as ndi

from emoshift.render import filters

SHAPES = [(1, 1, 3), (2, 5, 3), (7, 3, 1), (41, 63, 3), (150, 230, 3), (5, 9)]
SIGMAS = [0.3, 0.5, 0.9, 1.5, 2.7, 7.4, 20.0]


def _image(seed, shape):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_filter_is_scipys_to_the_bit(shape):
    for seed in range(2):
        img = _image(seed, shape)
        for s in SIGMAS:
            sigma = (s, s, 0) if len(shape) == 3 else (s, s)
            ref = ndi.gaussian_filter(img, sigma)
            got = filters.gaussian_filter(img, sigma)
            assert got.dtype == np.float32 and got.shape == img.shape
            np.testing.assert_array_equal(got, ref, err_msg=f"sigma {s} shape {shape}")
            np.testing.assert_array_equal(filters.gaussian_filter(img, s), ref)  # a number: the same


def test_gaussian_controls_differ():
    img = _image(3, (150, 230, 3))
    ref = ndi.gaussian_filter(img, (7.4, 7.4, 0))
    got = filters.gaussian_filter(img, 7.4)
    # the test sees float32 rounding: without the rounding between the passes, or columns first, is not equal
    unrounded = ndi.gaussian_filter1d(ndi.gaussian_filter1d(img.astype(np.float64), 7.4, axis=0), 7.4, axis=1)
    cols_first = ndi.gaussian_filter1d(ndi.gaussian_filter1d(img, 7.4, axis=1), 7.4, axis=0)
    for control in (unrounded.astype(np.float32), cols_first):
        assert (control != got).sum() > 100 and np.abs(control - got).max() < 1e-3
    nearest = ndi.gaussian_filter(img, (7.4, 7.4, 0), mode="nearest")  # other edges: far off
    assert np.abs(got - nearest).max() > 1.0
    np.testing.assert_array_equal(got, ref)


def test_gaussian_filter_refuses_what_it_does_not_do():
    img = _image(0, (9, 9, 3))
    for sigma in [(1.0, 2.0, 0), (1.0, 1.0, 1.0), (1.0, 1.0)]:
        with pytest.raises(ValueError):
            filters.gaussian_filter(img, sigma)


@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (50, 70), (200, 180)])
def test_binary_dilation_is_scipys(shape):
    square = np.ones((3, 3), bool)
    for seed, density in ((0, 0.02), (1, 0.2), (2, 0.6)):
        mask = np.random.default_rng(seed).random(shape) < density
        for iterations in (1, 2, 3):
            for structure in (None, square):
                ref = ndi.binary_dilation(mask, structure, iterations=iterations)
                np.testing.assert_array_equal(filters.binary_dilation(mask, structure, iterations=iterations), ref)
    # control: the square where the cross is asked for
    mask = np.random.default_rng(0).random((50, 70)) < 0.02
    assert (filters.binary_dilation(mask, square, iterations=2) != ndi.binary_dilation(mask, iterations=2)).sum() > 50
    with pytest.raises(ValueError):
        filters.binary_dilation(mask, np.ones((5, 5), bool))


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (50, 70), (200, 180)])
def test_uniform_filter_is_scipys_to_the_bit(shape):
    rng = np.random.default_rng(4)
    grown = ndi.binary_dilation(rng.random(shape) < 0.1, np.ones((3, 3), bool), iterations=2).astype(np.float32)
    for img in (grown, rng.random(shape).astype(np.float32), (rng.normal(size=shape) * 80).astype(np.float32)):
        for mode in ("constant", "reflect"):
            ref = ndi.uniform_filter(img, 3, mode=mode)
            np.testing.assert_array_equal(filters.uniform_filter(img, 3, mode=mode), ref)
    # control: the other edge mode is off at the border
    img = rng.random((50, 70)).astype(np.float32)
    assert np.abs(filters.uniform_filter(img, 3, mode="constant") - ndi.uniform_filter(img, 3)).max() > 0.05
    with pytest.raises(ValueError):
        filters.uniform_filter(img, 5)
    with pytest.raises(ValueError):
        filters.uniform_filter(img, 3, mode="nearest")


def test_photo_grain_is_its_scipy_formulation():
    """teeth.photo_grain through these filters (no scipy import on the animate path) equals the scipy code
    it replaced, to the bit; control: a 3 x 3 instead of a 5 x 5 skin neighbourhood changes it."""
    from emoshift.render.teeth import GRAIN_MAX, GRAIN_RESIDUAL_SHARE, GRAIN_SHARE, GRAIN_STRIDE, photo_grain

    def reference(photo, skin, size=5):
        luma = photo.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        inner = ndi.uniform_filter(skin.astype(np.float32), size, mode="constant") > 0.999
        if inner.sum() < 100:
            return 0.0
        res = (luma - ndi.uniform_filter(luma, 3))[inner][::GRAIN_STRIDE]
        mad = float(np.median(np.abs(res - np.median(res))))
        return float(min(GRAIN_SHARE * 1.4826 * mad / GRAIN_RESIDUAL_SHARE, GRAIN_MAX))

    rng = np.random.default_rng(9)
    for k in range(4):
        photo = np.clip(120 + rng.normal(0, 2 + 2 * k, (90, 110, 3)), 0, 255).astype(np.uint8)
        skin = ~ndi.binary_dilation(rng.random((90, 110)) < 0.004, iterations=2)  # skin with a few holes
        assert photo_grain(photo, skin) == reference(photo, skin)
        assert 0 < photo_grain(photo, skin) < GRAIN_MAX
    assert reference(photo, skin, size=3) != reference(photo, skin)  # control


def test_fold_lift_is_unchanged():
    """fold_lift through these filters equals its scipy formulation (the code it replaced), to the bit."""
    from emoshift.render import folds

    box = np.random.default_rng(5).integers(0, 256, (120, 96, 3), dtype=np.uint8)
    face_h = 180.0
    img = box.astype(np.float32)
    fine = ndi.gaussian_filter(img, (max(folds.FOLD_SIGMA[0] * face_h, 0.5),) * 2 + (0,))
    coarse = ndi.gaussian_filter(img, (folds.FOLD_SIGMA[1] * face_h,) * 2 + (0,))
    lift = coarse - fine
    luma = lift @ np.array([0.299, 0.587, 0.114], np.float32)
    scale = np.clip(luma, -folds.MAX_DARKEN, folds.MAX_LIFT) / np.where(np.abs(luma) > 1e-3, luma, 1.0)
    redder = (fine[..., 0] - fine[..., 1]) - (coarse[..., 0] - coarse[..., 1])
    scale *= 1.0 - np.clip(redder / folds.LIP_REDNESS, 0.0, 1.0)
    np.testing.assert_array_equal(folds.fold_lift(box, face_h), (lift * scale[..., None]).astype(np.float32))


def test_sobel_and_binary_erosion_are_scipys():
    """The eyes' blur estimate's Sobel and erosion (scipy.ndimage stays off the animate path) equal scipy's on
    random images (float32 sums: within 1e-3 levels); control: scipy's Sobel with a constant border differs
    at the edges."""
    rng = np.random.default_rng(0)
    for shape in ((3, 3), (5, 7), (12, 9)):
        y = (rng.random(shape) * 255).astype(np.float32)
        for axis in (0, 1):
            assert np.abs(filters.sobel(y, axis) - ndi.sobel(y, axis)).max() < 1e-3
        m = rng.random(shape) > 0.3
        assert (filters.binary_erosion(m) == ndi.binary_erosion(m)).all()
    y = (rng.random((6, 6)) * 255).astype(np.float32)
    assert np.abs(ndi.sobel(y, 0, mode="constant") - filters.sobel(y, 0)).max() > 1.0  # control


def test_binary_erosion_by_a_square_is_scipys():
    """The erosion by an odd square (the skin-texture measures' 5 x 5, :func:`emoshift.render.warp.skin_sources`)
    equals scipy's on random masks of several densities and sizes, smaller than the square too (outside the image
    False); control: the erosion by the 3 x 3 square where the 5 x 5 is asked for differs."""
    rng = np.random.default_rng(1)
    for shape in ((1, 1), (3, 4), (6, 5), (40, 57)):
        for p in (0.05, 0.5, 0.9, 1.0):
            m = rng.random(shape) < p
            for k in (1, 3, 5, 7):
                sq = np.ones((k, k), bool)
                assert (filters.binary_erosion(m, sq) == ndi.binary_erosion(m, sq)).all(), (shape, p, k)
    m = rng.random((40, 57)) < 0.97
    five = ndi.binary_erosion(m, np.ones((5, 5), bool))
    assert five.any() and (filters.binary_erosion(m, np.ones((3, 3), bool)) != five).any()  # control
    with pytest.raises(ValueError):
        filters.binary_erosion(m, np.ones((4, 4), bool))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaussian_part_is_the_wholes_part(seed):
    """A part of the result (the fold lift's box, video frames) equals the whole image's filtered there, to the
    bit, also where the part touches the image's edges (reflected as for the whole). Control: filtering the
    cropped part alone (its own edges reflected) differs."""
    rng = np.random.default_rng(seed)
    img = _image(seed, (90, 120, 3))
    for sigma in (0.9, 5.8, 20.0):
        whole = filters.gaussian_filter(img, sigma)
        for _ in range(4):
            y0, x0 = int(rng.integers(0, 60)), int(rng.integers(0, 80))
            y1, x1 = int(rng.integers(y0 + 1, 91)), int(rng.integers(x0 + 1, 121))
            got = filters.gaussian_filter(img, sigma, (y0, y1, x0, x1))
            np.testing.assert_array_equal(got, whole[y0:y1, x0:x1], err_msg=f"sigma {sigma} part {(y0, y1, x0, x1)}")
        cropped = filters.gaussian_filter(img[20:70, 30:100], sigma)  # the control
        assert np.abs(cropped - whole[20:70, 30:100]).max() > 0.5
    flat = img[..., 0]
    np.testing.assert_array_equal(filters.gaussian_filter(flat, 2.7, (5, 40, 0, 120)), filters.gaussian_filter(flat, 2.7)[5:40])
    with pytest.raises(ValueError):
        filters.gaussian_filter(img, 2.0, (0, 91, 0, 10))
