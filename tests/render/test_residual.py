"""The lip residual split into per-identity weights and a per-photo part (render/residual.py; a video's
frames share the weights) gives the values of the one-piece formulation it replaced, to the bit, on the
astronaut's fitted mesh with seeded landmark offsets. Control: the same residual from weights of another
identity (a shifted rest shape) is far off.
"""

import numpy as np
import pytest

from emoshift.render.ramp import smoothstep
from emoshift.render.residual import FADE_CM, MAX_RESIDUAL, SIGMA_CM, ResidualWeights, apply_residual, mouth_residual


@pytest.fixture(scope="module")
def astronaut_fit():
    from skimage import data

    from emoshift.fitting import Fitter

    image = data.astronaut()
    return image, Fitter().fit(image)


def _reference(rest, skin, lip_points, detected, fitted):
    """The formulation before the split (one function, everything per call)."""
    r = np.asarray(detected, np.float64) - np.asarray(fitted, np.float64)
    p = np.asarray(lip_points, np.float64)
    centre = p[:, :2].mean(0)
    half = np.maximum(0.5 * np.ptp(p[:, :2], axis=0), 1e-3)
    rest = np.asarray(rest, np.float64)
    d2 = ((rest[:, None, :2] - p[None, :, :2]) ** 2).sum(2)
    w = np.exp(-0.5 * d2 / SIGMA_CM**2)
    out = (w @ r) / (w.sum(1, keepdims=True) + 1e-6)
    width_px = float(np.ptp(np.asarray(fitted)[:, 0]))
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    out *= np.minimum(1.0, MAX_RESIDUAL * width_px / np.maximum(norm, 1e-9))
    d = np.hypot((rest[:, 0] - centre[0]) / half[0], (rest[:, 1] - centre[1]) / half[1])
    outside_cm = np.maximum(d - 1.0, 0.0) * min(half)
    fade = 1.0 - smoothstep((outside_cm - FADE_CM[0]) / (FADE_CM[1] - FADE_CM[0]))
    fade *= skin & (rest[:, 2] > p[:, 2].min() - 2.0)
    return np.ascontiguousarray(out * fade[:, None], np.float32)


def test_split_residual_is_the_one_piece_formulation(astronaut_fit, full_model):
    from emoshift.headmodel.landmarks import load_embedding
    from emoshift.render.reenact import Reenactor
    from emoshift.render.residual import LIP_LANDMARKS
    from emoshift.render.view import SKIN

    image, fit = astronaut_fit
    r = Reenactor(image, fit, full_model)
    emb = load_embedding()
    idx = list(LIP_LANDMARKS)
    local = np.searchsorted(r.vertex_ids, emb.vertex_ids[idx])
    bary = emb.bary[idx][..., None]
    pts = (r.base[local] * bary).sum(1)
    fitted = (r.src_screen[local, :2] * bary).sum(1)
    skin = r.vertex_part == SKIN
    weights = ResidualWeights.of(r.base, skin, pts)
    for seed in range(3):
        detected = fitted + np.random.default_rng(seed).normal(0, 2.0, fitted.shape)
        ref = _reference(r.base, skin, pts, detected, fitted)
        assert np.abs(ref).max() > 0.5  # a residual that moves pixels
        np.testing.assert_array_equal(mouth_residual(r.base, skin, pts, detected, fitted), ref)
        np.testing.assert_array_equal(apply_residual(weights, detected, fitted), ref)  # weights reused
    # control: the weights of another identity (the rest shape 3 mm to the side) are far off
    other = ResidualWeights.of(r.base + np.array([0.3, 0.0, 0.0], np.float32), skin, pts)
    assert np.abs(apply_residual(other, detected, fitted) - ref).max() > 0.3
