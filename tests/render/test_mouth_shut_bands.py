"""Issue 11 realism, "smeared / smudged / pasted" mouths: a photo's open mouth painted shut carries the lips'
texture at the scales of their creases and grain (Gaussian bands 1-2.5 and 2.5-5 px), not a smooth patch with
only the finest texture mirrored in (:func:`emoshift.render.source_parts.lip_bands`). Synthetic lips over
several seeds; the control (the painted mouth before, without the bands) must fail."""

import numpy as np
import pytest
from scipy.ndimage import binary_erosion, gaussian_filter

LUMA = np.float32([0.299, 0.587, 0.114])


def _sd(x: np.ndarray) -> float:
    return 1.4826 * float(np.median(np.abs(x - np.median(x))))


def _band(luma: np.ndarray, s0: float, s1: float) -> np.ndarray:
    return gaussian_filter(luma, s0) - gaussian_filter(luma, s1)


def _lips(seed: int, size: int = 96):
    """(h, w, 3) float32 lips (170, 90, 90) with texture at several scales (white noise 3 levels plus noise
    blurred by 1.5 and 3 px, 6 and 5 levels), an opening of bright teeth rows 36-59 over columns 8-87, and
    the hole (the opening) and the lips (everything else but a 3 px border)."""
    rng = np.random.default_rng(seed)
    tex = rng.normal(0, 3, (size, size))
    for s, amp in ((1.5, 6.0), (3.0, 5.0)):
        n = gaussian_filter(rng.normal(0, 1, (size, size)), s)
        tex += amp * n / n.std()
    patch = np.float32([170, 90, 90]) + tex[..., None].astype(np.float32)
    hole = np.zeros((size, size), bool)
    hole[36:60, 8:88] = True
    patch[hole] = (235, 230, 220)
    lips = np.ones((size, size), bool)
    lips[:3] = lips[-3:] = False
    lips[:, :3] = lips[:, -3:] = False
    return patch.astype(np.float32), hole, lips, tex


def _shut(patch, hole, lips, bands: bool):
    """The opening painted shut as ``SourceParts._closed_mouth`` paints it (fill, mirrored fine texture, the
    lips' bands unless ``bands`` is False: the control), before the seam line."""
    from emoshift.render.fill import fill_holes
    from emoshift.render.source_parts import LIP_TEXTURE_MAX, lip_bands, lip_texture

    filled = fill_holes(patch, (~hole).astype(np.float32))
    texture, ok = lip_texture(patch, hole, 12.0)
    filled = np.where(ok[..., None], filled + np.clip(texture, -LIP_TEXTURE_MAX, LIP_TEXTURE_MAX), filled)
    if bands:
        filled = filled + lip_bands(patch, filled, hole, lips, (100, 200))[..., None]
    return filled


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_shut_mouth_keeps_the_lips_coarser_texture(seed):
    """Inside the painted opening (3 px in from its edge), the robust deviation of the luma's band 1-2.5 and
    2.5-5 px over the same of the lips' own texture around it: 1.05-1.23 and 0.92-1.08 (seeds 0-5). Control:
    without the bands (the painted mouth before) 0.42-0.49 and 0.21-0.26, which fails."""
    patch, hole, lips, tex = _lips(seed)
    inner = binary_erosion(hole, iterations=3)
    ratios = []
    for bands in (True, False):
        luma = _shut(patch, hole, lips, bands) @ LUMA
        got = []
        for b in ((1.0, 2.5), (2.5, 5.0)):
            got.append(_sd(_band(luma, *b)[inner]) / _sd(_band(tex, *b)[lips & ~hole]))
        ratios.append(got)
    new, old = ratios
    assert all(0.75 < r < 1.45 for r in new), ratios
    assert all(r < 0.6 for r in old), ratios  # control: the smooth fill


def test_the_bands_follow_the_photos_pixels_and_spare_the_lips():
    """The added texture is keyed to the photo's pixels (the same patch at the same origin gives the same
    values; at another origin other values) and is 0 outside the opening."""
    from emoshift.render.source_parts import lip_bands

    patch, hole, lips, _ = _lips(0)
    a = lip_bands(patch, patch, hole, lips, (100, 200))
    b = lip_bands(patch, patch, hole, lips, (100, 200))
    c = lip_bands(patch, patch, hole, lips, (101, 200))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c)[hole].mean() > 1.0
    assert np.all(a[~hole] == 0)
