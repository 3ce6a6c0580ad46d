"""Issue 11 parts 5-6, a mouth region that keeps the photo's texture: stretched skin and lips keep the photo's
grain, and a photo's open mouth painted shut shows lips, not streaks or ghost teeth. Thresholds from
synthetic photos over several seeds (numbers in the docstrings), each with a control that must fail (the
previous rule). ``bench/bench_mouth_texture.py`` measures the same on the development photos."""

import numpy as np
import pytest
from scipy.ndimage import uniform_filter

LUMA = np.float32([0.299, 0.587, 0.114])


def _residual(img: np.ndarray) -> np.ndarray:
    """The luma's residual after a 3 x 3 mean."""
    lum = img.astype(np.float32) @ LUMA
    return lum - uniform_filter(lum, 3)


def _mad(res: np.ndarray) -> float:
    res = res.ravel()
    return 1.4826 * float(np.median(np.abs(res - np.median(res))))


def _stretched(seed: int, mx: float, my: float, lost: float, sigma: float = 6.0, size: int = 160) -> float:
    """A photo of white noise (``sigma`` levels) warped by the skin pass, magnified mx x my about its centre,
    with ``lost`` as every triangle's magnified share: the frame's grain over the photo's at the same source
    pixels, away from the border."""
    from emoshift.render.flow import CELL
    from emoshift.render.warp import _skin_pass

    rng = np.random.default_rng(seed)
    img = np.clip(128 + rng.normal(0, sigma, (size, size, 1)) + 0.5, 0, 255).astype(np.uint8).repeat(3, 2)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    flow = np.zeros((size, size, 5), np.float32)
    flow[..., 0] = (xx - size / 2) * (1 / mx - 1)
    flow[..., 1] = (yy - size / 2) * (1 / my - 1)
    flow[..., 2] = 1.0  # exact flow
    flow[..., 3] = 1.0  # no shading
    g = (size + CELL - 1) // CELL
    zero = np.zeros((g, g), np.float32)
    out = img.copy()
    _skin_pass(img, img, np.zeros((1, 1, 3), np.uint8), np.zeros(4, np.int64), np.zeros((1, 1, 3), np.float32), 0, 0,
               np.zeros((size, size), np.int32), np.ones((size, size), np.float32), flow, zero, zero,
               np.ones((g, g), np.float32), np.float32(0.7 * sigma), np.float32([lost]), 0, 0, out)  # fmt: skip
    qx, qy = np.floor(xx + flow[..., 0]).astype(int), np.floor(yy + flow[..., 1]).astype(int)
    inside = slice(20, -20)
    return _mad(_residual(out)[inside, inside]) / _mad(_residual(img)[qy, qx][inside, inside])


@pytest.mark.parametrize("mx,my", [(1.6, 1.25), (1.2, 1.2), (2.0, 1.0)])
def test_stretched_skin_keeps_the_photos_grain(mx, my):
    """Skin the frame magnifies (lips and skin around a mouth that opens or widens) keeps the photo's grain:
    white noise magnified mx x my with its magnified share 1 - 1 / (mx my) given back
    (:func:`~emoshift.render.warp.magnified_share`, ``photo_grain``'s level 0.7 x the noise) measures 0.97-1.03
    of the photo's grain at the same points (3 seeds; 1.09-1.12 for a stretch along one axis). Control: the
    skin pass before (nothing given back, share 0): 0.68-0.69 at 1.6 x 1.25, 0.77-0.82 at 1.2 x 1.2,
    0.83-0.85 at 2 x 1, which fails. An unmagnified photo is unchanged (share 0: exactly 1)."""
    from emoshift.render.warp import magnified_share  # noqa: F401  (the rule the renderer uses)

    lost = 1 - 1 / (mx * my)
    for seed in range(3):
        kept = _stretched(seed, mx, my, lost)
        assert 0.88 < kept < 1.18, (seed, kept)
        assert _stretched(seed, mx, my, 0.0) < 0.87  # control: the previous skin pass
    assert _stretched(0, 1.0, 1.0, 0.0) == 1.0


def test_the_magnified_share_is_one_less_the_area_ratio():
    """Per skin triangle, 1 - source area / frame area where the frame magnifies it, else 0 (a triangle
    shrunk, unmoved or degenerate). Control: a triangle doubled in area reads 0.5, not 0."""
    from emoshift.render.warp import magnified_share

    src = np.float32([[0, 0, 1], [10, 0, 1], [0, 10, 1], [20, 0, 1], [0, 20, 1], [5, 5, 1]])
    frame = np.float32([[0, 0, 1], [20, 0, 1], [0, 10, 1], [20, 0, 1], [0, 10, 1], [5, 5, 1]])
    tris = np.int32([[0, 1, 2], [0, 3, 4], [5, 5, 5], [0, 1, 2]])
    got = magnified_share(src, frame, tris, 3)
    np.testing.assert_allclose(got, [0.5, 0.0, 0.0], atol=1e-6)
    assert got.shape == (3,)
