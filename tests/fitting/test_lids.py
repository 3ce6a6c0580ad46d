"""The lower lids of a smiling photo: the cheek raise read from the landmarks (emoshift.fitting.lids)."""

import numpy as np
import pytest

from emoshift.fitting.lids import EYES, LID_NEUTRAL, LID_SPAN, SMILE_FULL, lower_lid_raise, with_smile_squint
from emoshift.headmodel.model import HeadModel

NAMES = HeadModel.load().expression_names


def _eyes(lid_below: float, r: float = 10.0) -> np.ndarray:
    """(478, 2) landmarks with both irises of radius r and each lower lid ``lid_below`` radii below its
    iris centre."""
    lm = np.zeros((478, 2))
    for (centre, rim, lid), x in zip(EYES, (300.0, 400.0)):
        lm[centre] = (x, 200.0)
        lm[list(rim)] = [(x + r, 200.0), (x, 200.0 - r), (x - r, 200.0), (x, 200.0 + r)]
        lm[lid] = (x, 200.0 + lid_below * r)
    return lm


def test_lower_lid_raise_reads_the_lid_against_the_iris():
    assert lower_lid_raise(_eyes(0.9)) == 0.0  # a neutral lid
    assert lower_lid_raise(_eyes(LID_NEUTRAL)) == pytest.approx(0.0, abs=1e-6)
    assert lower_lid_raise(_eyes(0.5)) == pytest.approx((LID_NEUTRAL - 0.5) / LID_SPAN)
    assert lower_lid_raise(_eyes(0.5, r=4.0)) == pytest.approx(lower_lid_raise(_eyes(0.5)))  # scale-free
    assert lower_lid_raise(_eyes(0.2)) == 1.0
    assert lower_lid_raise(_eyes(0.5)[:468]) == 0.0  # no irises: no reading


def test_a_smiling_photo_with_raised_lids_gets_the_squint():
    e = np.zeros(len(NAMES), np.float32)
    i = {n: k for k, n in enumerate(NAMES)}
    e[i["mouthSmile_L"]] = e[i["mouthSmile_R"]] = 0.8
    out = with_smile_squint(e, NAMES, _eyes(0.5))
    want = (LID_NEUTRAL - 0.5) / LID_SPAN
    assert out[i["eyeSquint_L"]] == pytest.approx(want) and out[i["eyeSquint_R"]] == pytest.approx(want)
    changed = np.flatnonzero(out != e)
    assert set(changed) == {i["eyeSquint_L"], i["eyeSquint_R"]}  # nothing else moves
    # half the full smile: half the squint
    e2 = e.copy()
    e2[i["mouthSmile_L"]] = e2[i["mouthSmile_R"]] = SMILE_FULL / 2
    assert with_smile_squint(e2, NAMES, _eyes(0.5))[i["eyeSquint_L"]] == pytest.approx(want / 2)
    # controls: no smile, or a neutral lid, leaves the fit as it was; a larger fitted squint is kept
    assert np.array_equal(with_smile_squint(np.zeros_like(e), NAMES, _eyes(0.5)), np.zeros_like(e))
    assert np.array_equal(with_smile_squint(e, NAMES, _eyes(0.9)), e)
    e3 = e.copy()
    e3[i["eyeSquint_L"]] = 0.95
    assert with_smile_squint(e3, NAMES, _eyes(0.5))[i["eyeSquint_L"]] == pytest.approx(0.95)
