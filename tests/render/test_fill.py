"""Pull-push (render/fill.py) as GIL-free kernels gives the values of its NumPy formulation to the bit.

The reference below is that formulation (the code the kernels replaced): every level a weighted 2 x 2
mean, pushed back up by bilinear upsampling, over the image padded to a power-of-two square; the kernels
compute each level over the part the image needs only. Controls: the same fill with the pyramid's sums
in another order is not bit-equal (so the comparison can see a float32 rounding difference); a
half-resolution fill is far off.
"""

import numpy as np
import pytest

from emoshift.render.fill import _upsample2, fill_holes, pull_push


def _pull_push_ref(colour, weight, pair_weights=True):
    if colour.shape[0] <= 1:
        return colour
    s = colour.shape[0] // 2
    wc = (colour * weight[..., None]).reshape(s, 2, s, 2, 3).sum((1, 3))
    if pair_weights:
        w = weight.reshape(s, 2, s, 2).sum((1, 3))
    else:  # control: the four weights summed in another order
        w = ((weight[1::2, 1::2] + weight[1::2, ::2]) + weight[::2, 1::2]) + weight[::2, ::2]
    coarse = _pull_push_ref(wc / np.maximum(w, 1e-8)[..., None], np.minimum(w, 1.0), pair_weights)
    return weight[..., None] * colour + (1 - weight[..., None]) * _upsample2_ref(coarse)


def _upsample2_ref(img):
    s = img.shape[0]
    pos = (np.arange(2 * s) + 0.5) / 2 - 0.5
    i0 = np.clip(np.floor(pos).astype(np.int64), 0, s - 1)
    i1 = np.clip(i0 + 1, 0, s - 1)
    f = np.clip(pos - i0, 0, 1).astype(np.float32)
    rows = img[i0] * (1 - f)[:, None, None] + img[i1] * f[:, None, None]
    return rows[:, i0] * (1 - f)[None, :, None] + rows[:, i1] * f[None, :, None]


def _case(rng, side):
    colour = rng.uniform(0, 255, (side, side, 3)).astype(np.float32)
    weight = (rng.random((side, side)) > rng.uniform(0.05, 0.95)) * rng.uniform(0.1, 1.0, (side, side))
    return colour, weight.astype(np.float32)


@pytest.mark.parametrize("side", [1, 2, 4, 8, 64, 256])
def test_pull_push_is_its_numpy_formulation_to_the_bit(side):
    rng = np.random.default_rng(side)
    for _ in range(3):
        colour, weight = _case(rng, side)
        out = pull_push(colour, weight)
        assert out.dtype == np.float32 and out.shape == colour.shape
        np.testing.assert_array_equal(out, _pull_push_ref(colour, weight))


def test_the_comparison_sees_a_rounding_difference():
    """Control: the weights summed in another order give other float32 values somewhere."""
    rng = np.random.default_rng(7)
    colour, weight = _case(rng, 128)
    assert not np.array_equal(_pull_push_ref(colour, weight, pair_weights=False), pull_push(colour, weight))


def test_upsample_and_fill_holes_match_the_formulation():
    rng = np.random.default_rng(3)
    img = rng.uniform(0, 1, (37, 37, 3)).astype(np.float32)
    np.testing.assert_array_equal(_upsample2(img), _upsample2_ref(img))
    image = rng.integers(0, 256, (45, 70, 3)).astype(np.uint8)
    known = (rng.random((45, 70)) > 0.4).astype(np.float32)
    colour = np.zeros((128, 128, 3), np.float32)
    weight = np.zeros((128, 128), np.float32)
    colour[:45, :70], weight[:45, :70] = image, known
    np.testing.assert_array_equal(fill_holes(image, known), _pull_push_ref(colour, weight)[:45, :70])
    filled = fill_holes(image, known)
    np.testing.assert_array_equal(filled[known == 1], image[known == 1].astype(np.float32))  # known kept


def _padded_ref(image, known):
    h, w = known.shape
    side = 1 << int(np.ceil(np.log2(max(h, w, 1))))
    colour = np.zeros((side, side, 3), np.float32)
    weight = np.zeros((side, side), np.float32)
    colour[:h, :w], weight[:h, :w] = image, known
    return _pull_push_ref(colour, weight)[:h, :w]


@pytest.mark.parametrize("seed", range(8))
def test_fill_holes_over_the_image_only_is_the_padded_square_fill(seed):
    """The clean plate's and the closed mouth's fill: odd, even, near-2^k, tall and wide boxes."""
    rng = np.random.default_rng(seed)
    shapes = [(339, 229), (230, 337), (255, 129), (510, 300), (7, 9), (64, 64), (1, 5), (257, 3)]
    h, w = shapes[seed]
    img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    known = np.ones((h, w), bool)
    known[h // 5 : h - h // 4, w // 6 : w - w // 5] = False
    known &= rng.random((h, w)) > 0.05
    exact = _padded_ref(img.astype(np.float32), known.astype(np.float32))
    np.testing.assert_array_equal(fill_holes(img, known), exact)
    if min(h, w) > 16:  # control: a half-resolution fill is not the same
        small = fill_holes(img[::2, ::2], known[::2, ::2])
        half = np.repeat(np.repeat(small, 2, 0), 2, 1)[:h, :w]
        assert np.abs(half - exact)[~known].max() > 10


def test_paste_filled_is_the_numpy_where():
    """The clean plate's paste (render/fill.paste_filled): the photo where known, the fill rounded to
    uint8 elsewhere, as the NumPy expression it replaced; values below 0, above 255 and at .5 included.
    Control: rounding without the + 0.5 differs."""
    from emoshift.render.fill import paste_filled

    for seed in range(3):
        rng = np.random.default_rng(seed)
        photo = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
        known = rng.random((37, 53)) < 0.6
        filled = rng.uniform(-20, 275, (37, 53, 3)).astype(np.float32)
        filled[::7, ::5] = np.float32(100.5)
        ref = np.where(known[..., None], photo, np.clip(filled + 0.5, 0, 255).astype(np.uint8))
        np.testing.assert_array_equal(paste_filled(photo, known, filled), ref)
    truncated = np.where(known[..., None], photo, np.clip(filled, 0, 255).astype(np.uint8))
    assert (truncated != ref).sum() > 100
