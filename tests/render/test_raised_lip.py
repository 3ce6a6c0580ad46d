"""A raised upper lip (AU10: anger's shout, disgust) thinned from its outer edge (issue 11, anger's "mouth pasted /
oversized"): :data:`emoshift.render.source_parts.RAISED_LIP_REACH_CM` (switched by ``RAISED_LIP_THIN``, on;
bench/bench_raised_lip.py on the 12 development photos: anger's band 1.63 -> 1.09 x the photo's lip, disgust's
1.84 -> 1.24, medians).

The map itself (:func:`~emoshift.render.source_parts._raised_map`) and, on the synthetic closed-mouth photo
(tests/render/test_inner_lip_tuck.py's), the raised lip's rows at the middle column over the photo's lip with the
switch on vs off, the opening's top kept where it was (what the opening shows is unchanged: no bared gums).
"""

import numpy as np
import pytest

from emoshift.render import source_parts
from emoshift.render.source_parts import RAISED_LIP_REACH_CM, _raised_map

#: measured (1024 px synthetic photo, upper lip 12.7 px): thinned 0.71 / 0.78 x the photo's at jawOpen 0.3 / 0.5, not
#: thinned (the control) 1.41 / 1.41; the opening's top within 1 px of the control's
BOUND = 1.05
from test_inner_lip_tuck import OUTER_UP, SIZE, lip_rows, photo_lips


def test_raised_map_draws_the_band_to_the_photos_thickness_from_above():
    x = np.linspace(-2 * RAISED_LIP_REACH_CM, 2.0, 401).astype(np.float32)
    low, thick = np.float32(1.0), np.float32(0.6)
    f = _raised_map(x, low, thick)
    assert (np.diff(f) > 0).all()  # monotone: no triangle folds over
    at = lambda v: float(np.interp(v, x, f))  # noqa: E731
    assert at(0.0) == pytest.approx(low - thick, abs=1e-3)  # the outer contour lowered by D = low - thick
    assert at(0.5) == pytest.approx(1.0 - 0.5 * 0.6, abs=1e-3)  # the band compressed by thick / low
    assert at(1.0) == pytest.approx(1.0, abs=1e-3)  # the lip's lower edge stays (the opening is unchanged)
    assert at(1.6) == pytest.approx(1.6, abs=1e-5) and at(-RAISED_LIP_REACH_CM - 0.1) == pytest.approx(-1.1, abs=1e-5)
    assert 0.0 > at(-0.5) > -0.5  # the skin above follows part of the way
    # a deep lip is lowered by at most RAISED_LIP_MAX_CM
    deep = _raised_map(np.float32([0.0]), np.float32(2.0), np.float32(0.5))
    assert float(deep[0]) == pytest.approx(source_parts.RAISED_LIP_MAX_CM, abs=1e-5)
    # control: a lip no deeper than the photo's thickness is left as it is
    g = _raised_map(x, np.float32(0.5), np.float32(0.6))
    np.testing.assert_allclose(g, x, atol=1e-6)


@pytest.fixture(scope="module")
def closed(full_model, open_mouth_fit, texture_factory):
    from emoshift.render.reenact import Reenactor

    fit = open_mouth_fit(SIZE, 0.0)
    return Reenactor(texture_factory(SIZE, SIZE, seed=3), fit, full_model), fit


def opening_top(r, e) -> int:
    from emoshift.render.view import SOCKET, TEETH

    screen = r.screens(np.asarray(e, np.float32)[None], r.source_rotation[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    col = part[:, int(round(float(screen[OUTER_UP, 0])))]
    return int(np.flatnonzero((col >= SOCKET) & (col <= TEETH)).min())


@pytest.mark.parametrize("jaw", (0.3, 0.5))
def test_a_raised_upper_lip_keeps_the_photos_thickness(closed, full_model, jaw):
    r, fit = closed
    e = full_model.expression_vector({"jawOpen": jaw, "mouthUpperUp_L": 1.0, "mouthUpperUp_R": 1.0})
    photo = photo_lips(fit)[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(source_parts, "RAISED_LIP_THIN", True)
        got, top = lip_rows(r, e)[0] / photo, opening_top(r, e)
        mp.setattr(source_parts, "RAISED_LIP_THIN", False)  # control: as before, not thinned
        before, top0 = lip_rows(r, e)[0] / photo, opening_top(r, e)
    print(f"jawOpen {jaw} raised: upper lip / the photo's {got:.2f} (not thinned {before:.2f}); "
          f"opening top {top} ({top0})")
    assert got <= BOUND < before  # control: not thinned, the everted lip stands thicker
    assert abs(top - top0) <= 2  # the opening's top stays: no gums bared, no teeth hidden
