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


def _edt_cases():
    """(name, mask) random masks of several shapes and background shares (seeded), an empty and a full one."""
    cases = []
    for k, shape in enumerate([(1, 1), (1, 9), (8, 1), (2, 3), (17, 23), (64, 48), (120, 200), (274, 453)]):
        for seed in (k, 10 + k):
            rng = np.random.default_rng(seed)
            for p in (0.003, 0.05, 0.5, 0.95):  # the share of foreground (True): background dense to sparse
                cases.append((f"{shape} seed {seed} p {p}", rng.random(shape) < p))
            blobs = ndi.binary_dilation(rng.random(shape) < 0.02, np.ones((3, 3)), iterations=4)  # the glasses' kind
            cases.append((f"{shape} seed {seed} blobs", blobs))
    cases += [("empty", np.zeros((30, 40), bool)), ("full", np.ones((30, 40), bool))]
    return cases + [("full 1 px", np.ones((1, 1), bool))]


def test_distance_transform_edt_is_scipys():
    """filters.distance_transform_edt (Maurer's feature transform in numba) equals
    scipy.ndimage.distance_transform_edt on random masks: the distances to the bit and the nearest background
    pixels themselves, scipy's pick among equally near ones included (random masks tie often: a pixel midway
    between two background pixels); the indices' own distance is the distance; an empty mask gives 0 and each
    pixel itself, a full one scipy's (-1, 0) feature."""
    ties = 0
    for name, m in _edt_cases():
        d_ref, i_ref = ndi.distance_transform_edt(m, return_indices=True)
        d, idx = filters.distance_transform_edt(m, return_indices=True)
        assert d.dtype == np.float64 and idx.dtype == np.int32 and idx.shape == (2, *m.shape), name
        np.testing.assert_array_equal(d, d_ref, err_msg=name)
        np.testing.assert_array_equal(idx, i_ref, err_msg=name)
        np.testing.assert_array_equal(filters.distance_transform_edt(m), d_ref, err_msg=name)
        ii, jj = np.indices(m.shape)
        np.testing.assert_array_equal(np.sqrt((idx[0] - ii) ** 2.0 + (idx[1] - jj) ** 2.0), d, err_msg=name)
        if (~m).any():
            assert not m[idx[0], idx[1]].any(), name  # each points at a background pixel
        if 0 < (~m).sum() <= 400 and m.size <= 5000:  # brute force: the distance is the least, ties counted
            bg = np.argwhere(~m)
            all_d2 = (ii[..., None] - bg[:, 0]) ** 2 + (jj[..., None] - bg[:, 1]) ** 2
            least = all_d2.min(-1)
            np.testing.assert_array_equal(d, np.sqrt(least), err_msg=name)
            ties += int(((all_d2 == least[..., None]).sum(-1) > 1).sum())
    assert ties > 500  # the cases do test scipy's choice among equally near pixels (measured: 1025 pixels)
    d, idx = filters.distance_transform_edt(np.zeros((3, 4), bool), return_indices=True)
    assert (d == 0).all() and (idx == np.indices((3, 4))).all()


def test_distance_transform_edt_control_ties_the_other_way():
    """Control: the same transform of the flipped mask, flipped back (the other pick among equally near pixels)
    has the same distances but other indices: the equality above sees the tie rule; and the city-block distance
    (scipy's distance_transform_cdt) is off by more than float rounding."""
    m = np.random.default_rng(3).random((64, 48)) < 0.5
    d, idx = filters.distance_transform_edt(m, return_indices=True)
    df, idf = filters.distance_transform_edt(m[::-1, ::-1], return_indices=True)
    np.testing.assert_array_equal(df[::-1, ::-1], d)
    flipped = np.stack([63 - idf[0][::-1, ::-1], 47 - idf[1][::-1, ::-1]])
    assert (flipped != idx).any(0).sum() > 50
    sparse = np.random.default_rng(4).random((64, 48)) > 0.005  # background: a few pixels
    chamfer = ndi.distance_transform_cdt(sparse, "taxicab")
    assert np.abs(chamfer - filters.distance_transform_edt(sparse)).max() > 1.0
    with pytest.raises(ValueError):
        filters.distance_transform_edt(np.zeros((2, 2, 2), bool))


def test_glasses_feather_and_fill_are_their_scipy_formulation(monkeypatch):
    """The glasses' feather and fill (render/glasses.py) through filters.distance_transform_edt equal the same code
    with scipy's distance transform, to the bit, on random blob masks over a grainy skin patch (control: a fill
    with the indices of the flipped transform, equally near pixels picked the other way, differs somewhere)."""
    from emoshift.render import glasses

    rng = np.random.default_rng(7)
    img = np.clip(rng.normal((200, 150, 128), 12, (160, 220, 3)), 0, 255).astype(np.uint8)
    for seed in range(3):
        r = np.random.default_rng(seed)
        mask = np.zeros((100, 160), bool)
        mask[30:70, 20:70] = r.random((40, 50)) < 0.9
        mask[35:65, 90:140] = True
        mask = ndi.binary_dilation(mask, iterations=int(r.integers(1, 4)))
        g = glasses.Glasses((30, 25), mask, glasses._feather(mask), "sun", (), (200.0, 150.0, 128.0))
        ours, feather = glasses.fill_glasses(img, g), g.alpha
        with monkeypatch.context() as mp:
            mp.setattr(filters, "distance_transform_edt", ndi.distance_transform_edt)
            np.testing.assert_array_equal(glasses._feather(mask), feather)
            np.testing.assert_array_equal(glasses.fill_glasses(img, g), ours)

    edt = filters.distance_transform_edt

    def flipped(m, return_indices=False):
        d, i = edt(m[::-1, ::-1], return_indices=True)
        h, w = m.shape
        return d[::-1, ::-1], np.stack([h - 1 - i[0][::-1, ::-1], w - 1 - i[1][::-1, ::-1]])

    monkeypatch.setattr(filters, "distance_transform_edt", flipped)
    assert (glasses.fill_glasses(img, g) != ours).any()  # control
