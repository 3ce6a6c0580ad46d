"""Fixtures for the renderer tests: a full head model and a synthetic fitted photo (no detector needed)."""

import numpy as np
import pytest

from emoshift.camera import Camera


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


def smooth_texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth random colour field (low frequencies only), uint8 (h, w, 3)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.zeros((h, w, 3))
    for c in range(3):
        for _ in range(6):
            fx, fy, ph = rng.uniform(2, 9), rng.uniform(2, 9), rng.uniform(0, 6.3)
            img[..., c] += np.sin(2 * np.pi * (fx * xx + fy * yy) + ph)
    img = (img - img.min()) / (img.max() - img.min())
    return (40 + 180 * img).astype(np.uint8)


def make_fit(size=(256, 256), expression=None, rotation=(0.0, 0.0, 0.0), translation=(0.0, -1.0, -60.0)):
    from emoshift.fitting import FaceFit

    w, h = size
    return FaceFit(
        identity=np.zeros(50, np.float32),
        expression=np.zeros(53, np.float32) if expression is None else np.asarray(expression, np.float32),
        rotation=np.asarray(rotation, np.float32),
        translation=np.asarray(translation, np.float32),
        camera=Camera.default(w, h),
        image_size=(w, h),
        landmarks_detected=np.zeros((478, 2), np.float32),
        landmarks_fitted=np.zeros((478, 2), np.float32),
        landmark_rmse_px=0.0,
        time_ms=0.0,
    )


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


def mouth_pass_as_before(args: tuple, **constants) -> None:
    """Runs ``render.mouth.mouth_pass(*args)``; with ``constants`` (names in ``render.mouth`` -> values) it runs the
    kernels' Python code with those constants patched (a test's control: the rule before a change)."""
    from emoshift.render import mouth

    if not constants:
        mouth.mouth_pass(*args)
        return
    mp = pytest.MonkeyPatch()
    try:
        for name, value in constants.items():
            mp.setattr(mouth, name, value)
        mp.setattr(mouth, "_shade_interior", mouth._shade_interior.py_func)
        mouth.mouth_pass.py_func(*args)
    finally:
        mp.undo()

