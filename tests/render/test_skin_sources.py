"""The tests' and benches' map from a frame's skin pixels back to the photo (:func:`warp.skin_sources`, used by
test_sharpness, test_skin_grain, bench_sharpness and bench_skin) and the skin triangles' frame-over-source area
(:func:`warp.skin_area_ratio`), on a flat grid mesh whose frame is its source moved and scaled by known amounts.
Controls: the unmoved frame moves nothing; a grid that is not exact flow has no front."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from emoshift.render.warp import magnified_share, skin_area_ratio, skin_sources

N, STEP, ORIGIN = 8, 5.0, 6.0  # an 8 x 8 grid of 5 px squares from (6, 6): 40 x 40 px in a 60 x 60 frame
SHAPE = (60, 60)


def _grid():
    ys, xs = np.mgrid[0 : N + 1, 0 : N + 1]
    pts = np.stack([ORIGIN + xs * STEP, ORIGIN + ys * STEP, np.full(xs.shape, 50.0)], -1).reshape(-1, 3)
    tris = []
    for i in range(N):
        for j in range(N):
            a, b, c, d = i * (N + 1) + j, i * (N + 1) + j + 1, (i + 1) * (N + 1) + j, (i + 1) * (N + 1) + j + 1
            tris += [(a, c, b), (b, c, d)]
    return pts.astype(np.float32), np.asarray(tris, np.int32)


def _moved(src, shift=(0.0, 0.0), scale=1.0):
    out = src.copy()
    centre = ORIGIN + N * STEP / 2
    out[:, :2] = (src[:, :2] - centre) * scale + centre + np.asarray(shift, np.float32)
    return out


@pytest.mark.parametrize("shift", [(3.0, -2.0), (-1.25, 2.5)])
def test_a_shifted_frame_maps_back_by_its_shift(shift):
    src, tris = _grid()
    frame = _moved(src, shift)
    s = skin_sources(frame, src[:, :2], tris, len(tris), np.ones(len(src), np.float32), SHAPE)
    assert s.skin.sum() == pytest.approx((N * STEP) ** 2, abs=2 * N * STEP)  # the grid's 40 x 40 pixels
    assert s.front.sum() >= 0.8 * (N * STEP - 4) ** 2 and not (s.front & ~s.skin).any()
    ii, jj = np.nonzero(s.skin)
    centre = np.stack([jj + 0.5, ii + 0.5], -1)
    np.testing.assert_allclose(s.source[ii, jj], centre - np.asarray(shift), atol=1e-3)
    np.testing.assert_allclose(s.moved[s.skin], np.hypot(*shift), atol=1e-3)
    np.testing.assert_array_equal(s.row[ii, jj], np.floor(s.source[ii, jj, 1]).astype(int))
    np.testing.assert_array_equal(s.col[ii, jj], np.floor(s.source[ii, jj, 0]).astype(int))
    assert (s.nearest[ii, jj][:, None] == s.corners[ii, jj]).any(-1).all()
    np.testing.assert_allclose(s.bary[ii, jj].sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(s.front, ndi.binary_erosion(s.skin, np.ones((5, 5), bool)))  # all exact flow
    assert (s.skin & ~s.front).any()
    still = skin_sources(src, src[:, :2], tris, len(tris), np.ones(len(src), np.float32), SHAPE)  # control
    assert still.moved[still.skin].max() < 1e-3


def test_front_needs_the_exact_flow():
    src, tris = _grid()
    weak = skin_sources(src, src[:, :2], tris, len(tris), np.full(len(src), 0.8, np.float32), SHAPE)
    assert weak.skin.any() and not weak.front.any()


def test_area_ratio_is_the_scale_squared_and_the_renderers_share():
    src, tris = _grid()
    for scale in (1.5, 0.6):
        frame = _moved(src, (1.0, 2.0), scale)
        ratio = skin_area_ratio(src[:, :2], frame[:, :2], tris, len(tris))
        np.testing.assert_allclose(ratio, scale**2, rtol=1e-5)
        share = magnified_share(src, frame, tris, len(tris))
        np.testing.assert_allclose(share, max(1.0 - 1.0 / scale**2, 0.0), atol=1e-5)  # the renderer's rule
