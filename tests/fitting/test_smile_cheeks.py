"""A smiling photo's cheek raise (AU6) that the landmark fit misses (issue 11 part 3, "the target is absolute").

The landmark fit never fits ``cheekSquint``: MediaPipe's cheek points hardly move with it. So a smiling
photo kept its raised cheeks at every target (and a happy target raised them a second time).
:func:`emoshift.fitting.lids.with_smile_squint` gives each side the cheek raise of its smile
(:func:`~emoshift.fitting.lids.smile_cheeks`); a target without it lowers the photo's cheeks."""

import numpy as np
import pytest

from emoshift.fitting import lids
from emoshift.fitting.lids import CHEEK_RAISE, CHEEK_SMILE, smile_cheeks, with_smile_squint
from emoshift.headmodel.model import HeadModel

NAMES = HeadModel.load().expression_names
I = {n: k for k, n in enumerate(NAMES)}
def test_each_side_gets_the_cheek_raise_of_its_smile():
    e = np.zeros(len(NAMES), np.float32)
    e[I["mouthSmile_L"]], e[I["mouthSmile_R"]] = 0.7, 0.2
    lm = np.zeros((478, 2))  # no lids to read: the squint stays 0
    out = with_smile_squint(e, NAMES, lm)
    assert out[I["cheekSquint_L"]] == pytest.approx(CHEEK_RAISE)  # a broad smile: the full raise
    assert out[I["cheekSquint_R"]] == 0.0  # a trace of a smile (a neutral photo's 0.1-0.25): none
    half = 0.5 * (CHEEK_SMILE[0] + CHEEK_SMILE[1])
    assert smile_cheeks(half) == pytest.approx(0.5 * CHEEK_RAISE)
    assert set(np.flatnonzero(out != e)) == {I["cheekSquint_L"]}  # nothing else moves
    e[I["cheekSquint_L"]] = 0.95  # a larger fitted raise is kept
    assert with_smile_squint(e, NAMES, lm)[I["cheekSquint_L"]] == pytest.approx(0.95)


def test_the_raise_is_the_happy_prototypes():
    """A happy target keeps the photo's cheeks (the prototype 6D+12E has cheekSquint 0.8): before, a smiling
    photo's happiness raised them by that again."""
    from emoshift.emotions import au_vector

    assert CHEEK_RAISE == pytest.approx(float(au_vector("6D+12E")[I["cheekSquint_L"]]))


def test_a_smiling_photo_fits_raised_cheeks_a_neutral_one_none(astronaut_fit, hopper_fit):
    # measured: the astronaut's mouthSmile 0.82/0.85 -> cheekSquint 0.80/0.80 (0 before); Grace Hopper 0.01/0.00
    for side in "LR":
        assert astronaut_fit.expression[I["cheekSquint_" + side]] > 0.6
        assert hopper_fit.expression[I["cheekSquint_" + side]] < 0.05


def _cheek_drop(astronaut, fit, target) -> float:
    """How far the renderer moves the photo's cheeks (the skin ``cheekSquint`` moves at least half as far as
    its most moved point, both sides) down along the head's image up axis when it renders ``target`` at the photo's head pose,
    over the inter-ocular distance in pixels."""
    from emoshift.headmodel.regions import MULTIPIE_68
    from emoshift.pipeline import Reenact
    from emoshift.rotations import axis_angle_to_matrix

    r = Reenact()(astronaut, fit)
    names = list(fit.expression_names)
    basis = r.expression_basis.reshape(len(names), -1, 3)
    raise_cm = np.linalg.norm(basis[I["cheekSquint_L"]], axis=1) + np.linalg.norm(basis[I["cheekSquint_R"]], axis=1)
    cheeks = np.flatnonzero(raise_cm > 0.5 * raise_cm.max())  # the cheeks' apples under the eyes
    moved = r.screens(target[None], np.asarray(fit.rotation, np.float32)[None])[0][:, :2] - r.src_screen[:, :2]
    m = axis_angle_to_matrix(np.asarray(fit.rotation, np.float64)[None])[0]
    up = np.array([m[0, 1], -m[1, 1]]) / np.hypot(m[0, 1], m[1, 1])
    eyes = np.searchsorted(r.vertex_ids, [int(MULTIPIE_68[36]), int(MULTIPIE_68[45])])
    iod = float(np.linalg.norm(r.src_screen[eyes[0], :2] - r.src_screen[eyes[1], :2]))
    return float(-(moved[cheeks] @ up).mean()) / iod


def test_a_sad_target_lowers_the_smiling_photos_cheeks(fitter, astronaut, astronaut_fit, monkeypatch):
    """The astronaut (smiling) rendered at the sadness prototype at her own pose: the renderer moves her
    cheeks down by 0.083 of the inter-ocular distance (0.062 before, without the cheek raise: the control;
    the rest is the smile's own removal). The frames are drawn with the fitted smile's loss only
    (render/folds.SMILE_GAIN 1): the smile the fit misses moves the cheeks too (control 0.079 with 1.5), and this
    test isolates the cheek raise (the gain has its own tests, tests/render/test_unsmiled.py)."""
    from emoshift.emotions import prototype
    from emoshift.render import folds

    monkeypatch.setattr(folds, "SMILE_GAIN", 1.0)

    target = np.asarray(prototype("sadness"), np.float32)
    after = _cheek_drop(astronaut, astronaut_fit, target)
    monkeypatch.setattr(lids, "CHEEK_RAISE", 0.0)
    before = _cheek_drop(astronaut, fitter.fit(astronaut), target)
    print(f"cheek drop at sadness: {after:.4f} IOD (without the raise {before:.4f})")
    assert after > 0.075
    assert before < 0.07
    assert after - before > 0.012
