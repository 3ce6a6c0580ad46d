"""Fixtures for the renderer tests: a full head model and a synthetic fitted photo (no detector needed)."""

import numpy as np
import pytest

from render_helpers import make_fit, smooth_texture


@pytest.fixture(scope="session")
def full_model():
    from emoshift.headmodel import HeadModel

    return HeadModel.load(region="full")


@pytest.fixture(scope="session")
def three_heads(full_model):
    """(basis (53, V, 3), skin triangles (F, 3) int32, [neutral (V, 3)] x 3): the mean head and two random
    identities (seed 0), the heads the brow and lid tests draw their expressions on."""
    from emoshift.render.wrinkles import ICT_SKIN_VERTICES

    basis = full_model.expression_basis.reshape(53, -1, 3)
    tris = full_model.triangles
    skin = np.ascontiguousarray(tris[(tris < ICT_SKIN_VERTICES).all(1)], np.int32)
    rng = np.random.default_rng(0)
    neutrals = []
    for k in range(3):
        ident = np.zeros(full_model.n_identity, np.float32) if k == 0 else rng.normal(0, 1, full_model.n_identity)
        neutrals.append((full_model.neutral + np.tensordot(ident.astype(np.float32), full_model.identity_basis, 1)).astype(np.float32))
    return basis, skin, neutrals


@pytest.fixture(scope="session")
def open_mouth_fit(full_model):
    """``open_mouth_fit(size=384, jaw=0.3)``: a frontal fit of a ``size``-pixel photo whose mouth is open by
    ``jawOpen = jaw``, its detected landmarks the model's own (the photo's inner-lip polygon is the mesh's
    opening)."""

    def make(size: int = 384, jaw: float = 0.3):
        e_src = full_model.expression_vector({"jawOpen": jaw})
        fit = make_fit(size=(size, size), expression=e_src)
        origin = np.array([(0.0, -1.0, -60.0)])
        lmk = full_model.landmarks(np.zeros((1, 50)), e_src[None], np.zeros((1, 3)), origin)[0]
        fit.landmarks_detected = fit.camera.project(lmk)
        return fit

    return make


@pytest.fixture(scope="session")
def synthetic_photo():
    return smooth_texture(256, 256)


@pytest.fixture(scope="session")
def synthetic_reenactor(full_model, synthetic_photo):
    from emoshift.render.reenact import Reenactor

    return Reenactor(synthetic_photo, make_fit(), full_model)


@pytest.fixture(scope="session")
def fit_factory():
    return make_fit


@pytest.fixture(scope="session")
def texture_factory():
    return smooth_texture
