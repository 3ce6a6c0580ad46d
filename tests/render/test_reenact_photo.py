"""Integration: the real fitter on skimage's astronaut photo, then reenactment."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def astronaut_fit():
    from skimage import data

    from emoshift.fitting import Fitter

    image = data.astronaut()
    return image, Fitter().fit(image)


def test_astronaut_reconstruction_and_edit(astronaut_fit, full_model):
    from emoshift.render.reenact import Reenactor

    image, fit = astronaut_fit
    r = Reenactor(image, fit, full_model)
    frame = r.render(fit.expression, fit.rotation)
    mse = np.mean((frame.astype(np.float64) - image) ** 2)
    assert 10 * np.log10(255.0**2 / max(mse, 1e-12)) >= 35.0  # the reconstruction target

    e = np.asarray(fit.expression, np.float32).copy()
    e[full_model.expression_index("jawOpen")] = 0.7
    e[full_model.expression_index("eyeBlink_L")] = 1.0
    edited = r.render(e, np.asarray(fit.rotation) + np.array([0.0, 0.1, 0.0], np.float32))
    mouth = fit.landmarks_detected[[13, 14]].mean(0).astype(int)  # MediaPipe inner-lip midpoints
    x, y = mouth
    patch = (slice(y - 6, y + 7), slice(x - 10, x + 11))
    assert np.abs(edited[patch].astype(int) - image[patch]).mean() > 20  # the mouth changed
    # far from the head (left edge: the flag; bottom: the suit) the photo is untouched
    assert np.array_equal(edited[:, :40], image[:, :40]) and np.array_equal(edited[-150:], image[-150:])
