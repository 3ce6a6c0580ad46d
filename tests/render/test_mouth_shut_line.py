"""A photo's open mouth painted shut (source_parts._closed_mouth): its seam is a line as narrow as the photo's
blur, and warm-lit teeth left beside the detected opening are painted over, not kept in the lips. Each test has
a control that fails on the former behaviour."""

import numpy as np
import pytest

from emoshift.render import source_parts

LUMA = np.float32([0.299, 0.587, 0.114])


def test_the_seam_core_is_as_narrow_as_the_photo_blur():
    """The seam's core is a Gaussian of the photo's blur (clipped to SEAM_CORE_MIN_PX..SEAM_CORE_MAX_PX): on a
    200-pixel mouth its darkest row is at least 0.45 darker than 2 rows away from it (a line 2-3 pixels wide).
    Control: the former seam (sigma 0.012 mouth widths = 2.4 px) was 0.10 darker there."""
    mask = np.zeros((60, 220), bool)
    mask[10:51, 10:210] = True  # 41 rows: the middle row 30

    def contrast(gain):
        c = gain[:, 110]
        return float(c[32] - c[30]) / float(c[32])

    assert contrast(source_parts.lip_seam(mask, 200.0, 1.0)) >= 0.3
    old = np.where(mask, 1.0 - 0.35 * np.exp(-0.5 * ((np.arange(60)[:, None] - 30.0) / 2.4) ** 2), 1.0)
    assert contrast(old) < 0.15


def _lips_with_tooth(rng, tooth=(215, 175, 120), lit=(240, 170, 165)):
    """(60, 120, 3) float32 lips (red, with grain) inside an outer ellipse, the detected opening (a smaller
    ellipse), a warm-lit tooth tip just outside the opening's upper-left edge and a lit lip patch (brighter than
    the lips, as red) beside its upper-right edge; returns (patch, hole, lips, tooth mask, lit mask)."""
    h, w = 60, 120
    yy, xx = np.mgrid[0:h, 0:w]
    lips = ((xx - 60) / 50.0) ** 2 + ((yy - 30) / 24.0) ** 2 <= 1.0
    hole = ((xx - 60) / 38.0) ** 2 + ((yy - 30) / 8.0) ** 2 <= 1.0
    patch = np.empty((h, w, 3), np.float32)
    patch[:] = (200, 110, 105)
    patch += rng.normal(0, 4, (h, w, 1))
    patch[~lips] = (210, 170, 150)
    patch[hole] = (40, 25, 25)  # the dark cavity
    ring = lips & ~hole
    tooth_m = ring & (np.abs(xx - 40) <= 5) & (yy >= 20) & (yy <= 24)
    tooth_m &= np.roll(hole, -3, 0) | np.roll(hole, -2, 0) | np.roll(hole, -1, 0)  # touching the opening
    lit_m = ring & (np.abs(xx - 80) <= 5) & (yy >= 19) & (yy <= 24)
    lit_m &= np.roll(hole, -3, 0) | np.roll(hole, -2, 0) | np.roll(hole, -1, 0)
    patch[tooth_m] = tooth
    patch[lit_m] = lit
    return patch, hole, lips, tooth_m, lit_m


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warm_lit_teeth_beside_the_opening_are_painted_over(seed, monkeypatch):
    """A yellow tooth tip (as bright as or brighter than the lips, (G - B) / luma 0.3 against the lips' 0.04, more
    colourful than the lips: OPENING_GREY's test misses it) touching the detected opening is taken into the
    opening before it is painted shut (all of it), and a lit part of the lips (brighter, but as red) is not (none
    of it). Control: without the yellow test (the former growth) none of the tooth is taken (dev06's yellow blob
    at the mouth's corner)."""
    patch, hole, lips, tooth, lit = _lips_with_tooth(np.random.default_rng(seed))
    assert tooth.sum() >= 15 and lit.sum() >= 15
    grown = source_parts.grow_opening(patch, hole, lips, 6)
    assert grown[tooth].mean() >= 0.95, grown[tooth].mean()
    assert grown[lit].mean() <= 0.05, grown[lit].mean()
    monkeypatch.setattr(source_parts, "OPENING_YELLOW", 99.0)
    old = source_parts.grow_opening(patch, hole, lips, 6)
    assert old[tooth].mean() <= 0.05, old[tooth].mean()


def test_a_grey_photo_grows_its_opening_as_before(monkeypatch):
    """A black-and-white photo (no hue) is grown exactly as without the yellow test."""
    patch, hole, lips, _, _ = _lips_with_tooth(np.random.default_rng(3))
    grey = np.repeat((patch @ LUMA)[..., None], 3, 2)
    new = source_parts.grow_opening(grey, hole, lips, 6)
    monkeypatch.setattr(source_parts, "OPENING_YELLOW", 99.0)
    assert (source_parts.grow_opening(grey, hole, lips, 6) == new).all()
