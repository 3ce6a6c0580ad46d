"""Per-sample shaders (emoshift.render.shaders): the photo sampling of the warp."""

import numpy as np

from emoshift.render.shaders import bicubic, bilinear, inner_sample, resample_grain
from emoshift.render.view import EYE


def _sample(fn, image, xs, ys):
    out = np.zeros((len(xs), 3), np.float32)
    for k, (x, y) in enumerate(zip(xs, ys)):
        fn(image, float(x), float(y), out[k])
    return out


def test_bicubic_is_exact_at_pixel_centres_and_linear_on_ramps():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (12, 14, 3)).astype(np.uint8)
    yy, xx = np.mgrid[0:12, 0:14]
    got = _sample(bicubic, img, xx.ravel() + 0.5, yy.ravel() + 0.5)
    np.testing.assert_allclose(got, img.reshape(-1, 3), atol=1e-4)
    ramp = np.repeat(np.repeat((np.arange(14) * 10)[None, :, None], 12, 0), 3, 2).astype(np.uint8)
    x = np.linspace(2.0, 11.0, 37)
    np.testing.assert_allclose(_sample(bicubic, ramp, x, np.full_like(x, 6.3))[:, 0], (x - 0.5) * 10, atol=1e-3)


def test_bicubic_keeps_more_texture_than_bilinear_half_a_pixel_off():
    """Noise resampled half a pixel off its grid: Catmull-Rom keeps most of its contrast, bilinear (the
    control) averages neighbours and loses far more."""
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (40, 40, 3)).astype(np.uint8)
    yy, xx = np.mgrid[4:36, 4:36]
    xs, ys = xx.ravel() + 1.0, yy.ravel() + 1.0  # half-way between pixel centres
    ref = img[4:36, 4:36].reshape(-1, 3).astype(np.float32).std()
    cubic, linear = (_sample(f, img, xs, ys).std() / ref for f in (bicubic, bilinear))
    assert cubic > 0.6 and linear < 0.55 and cubic > linear + 0.1, (cubic, linear)


def _grained(img, xs, ys, grain):
    out = _sample(bicubic, img, xs, ys)
    for k, (x, y) in enumerate(zip(xs, ys)):
        resample_grain(float(x), float(y), float(grain), out[k])
    return out


def test_resample_grain_gives_back_the_grain_resampling_loses():
    """Grain of std 4 resampled half a pixel off in both directions keeps 0.64 of its std with Catmull-Rom
    alone (the control); with the lost share given back as grain it is the photo's again (within 8%, 1024
    samples); at pixel centres nothing is added (an unmoved frame stays the photo)."""
    rng = np.random.default_rng(2)
    img = np.clip(128 + 4 * rng.standard_normal((40, 40, 1)), 0, 255).round().astype(np.uint8).repeat(3, 2)
    yy, xx = np.mgrid[4:36, 4:36]
    ref = img[4:36, 4:36, 0].astype(np.float32).std()
    half = xx.ravel() + 1.0, yy.ravel() + 1.0
    alone = _sample(bicubic, img, *half)[:, 0].std() / ref
    given = _grained(img, *half, ref)[:, 0].std() / ref
    assert alone < 0.7 and abs(given - 1.0) < 0.08, (alone, given)
    centres = xx.ravel() + 0.5, yy.ravel() + 0.5
    np.testing.assert_array_equal(_grained(img, *centres, ref), img[4:36, 4:36].reshape(-1, 3).astype(np.float32))


def _eyeball_sample(mask, pix):
    """:func:`inner_sample` of an eyeball point at pixel (4, 4) of an 8 x 8 photo whose eye masks are ``mask``
    everywhere (the photo shows eyes; lids as in the photo), into ``pix`` (3,); returns the photo's pixel."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (8, 8, 3)).astype(np.uint8)
    pmask = np.full((7, 8, 8), mask, np.float32)
    eyes = np.zeros((2, 7), np.float32)
    eyes[:, :3] = [[4.0, 4.0, 3.0], [40.0, 4.0, 3.0]]  # iris centre and radius; [0, 3] > 0: the photo shows eyes
    eyes[0, 3] = 1.0
    colours = np.full((2, 3), 90.0, np.float32)
    vcol = np.full((3, 3), 60.0, np.float32)
    ones = np.ones(3, np.float32)
    tmp = np.full(3, np.nan, np.float32)
    inner_sample(image, np.zeros((0, 0, 3), np.float32), np.zeros(2, np.int64), pmask, eyes, colours, 0.0, 0.0, vcol, ones, ones, 1.0, 1.0, 1.0, 0.0, EYE, 4.5, 4.5, 0.0, 0.0,
                 0, 1, 2, 1 / 3, 1 / 3, 1 / 3, pix, tmp)  # fmt: skip
    return image[4, 4].astype(np.float32)


def test_an_eyeball_sample_the_photo_shows_reads_no_unset_colour():
    """Where the photo shows the eyeball (its mask 1) the sample is the photo's pixel, whatever its scratch
    colour held before: the painted eye colour is computed only where the mask is below 1, and the blend
    ``a photo + (1 - a) painted`` read the unset colour at a = 1 (0 x NaN: a black pixel, as np.empty's NaN
    did in the mouth pass on CI). Control: at mask 0.5 the painted colour is computed and mixed in."""
    pix = np.full(3, np.nan, np.float32)  # what an np.empty scratch colour can hold
    photo = _eyeball_sample(1.0, pix)
    np.testing.assert_array_equal(pix, photo)
    half = np.full(3, np.nan, np.float32)
    _eyeball_sample(0.5, half)
    assert np.isfinite(half).all() and np.abs(half - photo).max() > 5, (half, photo)


def _spline(img, xs, ys):
    from emoshift.render.shaders import spline_at, spline_coefficients

    coef = spline_coefficients(img, 0, 0, img.shape[1], img.shape[0])
    out = np.zeros((len(xs), 3), np.float32)
    for k, (x, y) in enumerate(zip(xs, ys)):
        assert spline_at(coef, float(x), float(y), out[k])
    return out


def test_spline_is_exact_at_pixel_centres_and_linear_on_ramps():
    """The cardinal cubic spline (photo prefiltered once, B-spline weights per sample) passes through the
    pixels (an unmoved frame stays the photo) and reproduces ramps (no shift of smooth shading)."""
    rng = np.random.default_rng(4)
    img = rng.integers(0, 256, (24, 26, 3)).astype(np.uint8)
    yy, xx = np.mgrid[2:22, 2:24]
    got = _spline(img, xx.ravel() + 0.5, yy.ravel() + 0.5)
    np.testing.assert_allclose(got, img[2:22, 2:24].reshape(-1, 3), atol=2e-3)
    ramp = np.repeat(np.repeat((np.arange(30) * 8)[None, :, None], 20, 0), 3, 2).astype(np.uint8)
    x = np.linspace(7.0, 23.0, 41)  # away from the box's mirrored edges, where a ramp's slope turns
    np.testing.assert_allclose(_spline(ramp, x, np.full_like(x, 9.3))[:, 0], (x - 0.5) * 8, atol=2e-3)


def test_spline_keeps_fine_texture_that_catmull_rom_blurs_half_a_pixel_off():
    """A fine grating (3/4 of the Nyquist frequency, both axes: pores, stubble, lip lines) resampled half a
    pixel off its grid: the spline keeps 0.76^2 = 0.58 of its contrast, Catmull-Rom (the control) 0.55^2 =
    0.30; white noise: 0.57 vs 0.41 of its variance (as the grain of :func:`resample_grain` assumes)."""
    yy, xx = np.mgrid[0:48, 0:48]
    f = 0.75 * np.pi
    grating = 128 + 100 * np.cos(f * xx) * np.cos(f * yy)
    img = np.repeat(grating[..., None], 3, 2).round().astype(np.uint8)
    inner = np.mgrid[8:40, 8:40]
    xs, ys = inner[1].ravel() + 1.0, inner[0].ravel() + 1.0  # half-way between pixel centres
    truth = 100 * np.cos(f * (xs - 0.5)) * np.cos(f * (ys - 0.5))
    spline = np.abs(np.polyfit(truth, _spline(img, xs, ys)[:, 0], 1)[0])
    cubic = np.abs(np.polyfit(truth, _sample(bicubic, img, xs, ys)[:, 0], 1)[0])
    assert spline > 0.5 and cubic < 0.36, (spline, cubic)
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (48, 48, 3)).astype(np.uint8)
    ref = noise[8:40, 8:40].astype(np.float32).var()
    kept_s = _spline(noise, xs, ys).var() / ref
    kept_c = _sample(bicubic, noise, xs, ys).var() / ref
    assert 0.5 < kept_s < 0.65 and kept_c < 0.46, (kept_s, kept_c)


def test_spline_resample_grain_matches_what_the_spline_loses():
    """Grain of std 4 resampled half a pixel off both ways by the spline keeps ~0.76 of its std; with the lost
    share given back (``spline=True``) it is the photo's again (within 8 %)."""
    from emoshift.render.shaders import resample_grain

    rng = np.random.default_rng(6)
    img = np.clip(128 + 4 * rng.standard_normal((40, 40, 1)), 0, 255).round().astype(np.uint8).repeat(3, 2)
    yy, xx = np.mgrid[4:36, 4:36]
    ref = img[4:36, 4:36, 0].astype(np.float32).std()
    xs, ys = xx.ravel() + 1.0, yy.ravel() + 1.0
    alone = _spline(img, xs, ys)
    given = alone.copy()
    for k, (x, y) in enumerate(zip(xs, ys)):
        resample_grain(float(x), float(y), float(ref), given[k], True)
    a, g = alone[:, 0].std() / ref, given[:, 0].std() / ref
    assert 0.68 < a < 0.84 and abs(g - 1.0) < 0.08, (a, g)


def test_spline_samples_do_not_ring_at_a_sharp_edge():
    """A step of 160 levels (hair or a glasses frame against skin) sampled across at sub-pixel offsets: the
    spline clamped to its 4 nearest pixels (:func:`photo_sample`) stays within the step (no dark or light halo
    beside it); the spline alone (the control) rings by ~11 % of the step (Catmull-Rom ~7 %)."""
    from emoshift.render.shaders import photo_sample, spline_at, spline_coefficients

    img = np.full((20, 40, 3), 40, np.uint8)
    img[:, 20:] = 200
    coef = spline_coefficients(img, 0, 0, 40, 20)
    xs = np.linspace(12.0, 28.0, 161)
    clamped = np.zeros((len(xs), 3), np.float32)
    alone = np.zeros((len(xs), 3), np.float32)
    for k, x in enumerate(xs):
        photo_sample(img, coef, 0, 0, float(x), 10.3, 0.0, clamped[k])
        assert spline_at(coef, float(x), 10.3, alone[k])
    assert clamped.min() >= 40 - 1e-3 and clamped.max() <= 200 + 1e-3, (clamped.min(), clamped.max())
    assert alone.min() < 40 - 12 and alone.max() > 200 + 12, (alone.min(), alone.max())
