"""The warp keeps the photo's fine texture where it moves the skin (issue 11 realism: "oversmoothed skin",
"face blurry", "mouth smeared"): the photo is sampled as the cardinal cubic spline through its pixels
(:func:`emoshift.render.shaders.photo_sample`), which keeps more of a fine texture between pixel centres than
Catmull-Rom did (the control: the same render with no spline coefficients falls back to it). Measured as in
``bench/bench_sharpness.py``: the standard deviation of the luma's 3 x 3 Laplacian over the frame's moved,
unstretched front skin over the photo's at those pixels' source points, with no grain given back (the
sampling alone)."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, laplace

from emoshift.render.reenact import Reenactor
from emoshift.render.warp import skin_sources

from render_helpers import make_fit, smooth_texture

SIZE = 320
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
#: Measured over seeds 0-4: 0.928-0.943 with the (clamped) spline, 0.883-0.898 with Catmull-Rom (the control),
#: the gap 0.045-0.046.
SPLINE_MIN = 0.912


def _photo_reenactor(full_model, seed: int) -> Reenactor:
    rng = np.random.default_rng(seed)
    img = smooth_texture(SIZE, SIZE, seed=seed).astype(np.float32)
    img += gaussian_filter(rng.normal(0.0, 30.0, (SIZE, SIZE)), 0.7)[..., None]  # pores and stubble
    photo = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    r = Reenactor(photo, make_fit(size=(SIZE, SIZE), translation=(0.0, -1.0, -45.0)), full_model)
    r.source = r.source._replace(grain=0.0)  # the resampling alone, no grain given back
    return r


def _lap_ratio(r: Reenactor, expression: np.ndarray) -> float:
    rot = np.zeros(3, np.float32)
    frame = r.render(expression, rot)
    screen = r.screens(expression[None], rot[None])[0]
    s = skin_sources(screen, r.source.screen[:, :2], r.triangles, r.n_skin, r.exact_weight, frame.shape[:2])
    m = s.front & (s.moved >= 1.5)
    assert m.sum() >= 300
    lf, lp = laplace(frame.astype(np.float32) @ LUMA), laplace(r.image.astype(np.float32) @ LUMA)
    return float(np.std(lf[m]) / np.std(lp[s.row[m], s.col[m]]))


@pytest.fixture(scope="module")
def moving(full_model):
    return full_model.expression_vector({"browInnerUp_L": 1.0, "browInnerUp_R": 1.0, "mouthSmile_L": 0.8,
                                         "mouthSmile_R": 0.8, "jawOpen": 0.15})  # fmt: skip


def _catmull_rom(r: Reenactor) -> None:
    """The control: no spline coefficients, every sample falls back to Catmull-Rom (the former sampling)."""
    none = np.zeros((0, 0, 3), np.float32)
    r.source = r.source._replace(coef=none, closed_coef=none)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moved_skin_keeps_the_photos_fine_texture(full_model, moving, seed):
    r = _photo_reenactor(full_model, seed)
    spline = _lap_ratio(r, moving)
    _catmull_rom(r)
    cr = _lap_ratio(r, moving)
    assert spline > SPLINE_MIN and cr < SPLINE_MIN and spline > cr + 0.03, (spline, cr)


def test_the_source_expression_reproduces_the_photo(full_model):
    r = _photo_reenactor(full_model, 2)
    frame = r.render(r.source_expression, r.source_rotation)
    assert np.abs(frame.astype(int) - r.image.astype(int)).max() <= 1
