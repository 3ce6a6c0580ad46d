"""Plain helpers of the renderer tests (not fixtures): imported by name from test files as
``from render_helpers import make_fit`` (a module of its own, so it cannot collide with another folder's
``conftest`` in ``sys.modules``, as ``from conftest import ...`` did when pytest collected tests/fitting first)."""

import numpy as np
import pytest

from emoshift.camera import Camera


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

