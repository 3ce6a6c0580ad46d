"""Issue 11, "teeth blurred / smeared" (47 of ~1000 render labels in the last panels, at anger, disgust, fear): the
upper lip's shadow on the painted upper teeth (:data:`emoshift.render.mouth.TEETH_LIP_REACH`) is a narrow band right
under the lip, as on real teeth, not a ramp over the whole crown.

On the synthetic open mouths of :mod:`test_mouth_shading` (flat paint: an upper teeth band 0.4-0.45 of the opening's
height, 14-21 rows, the lip shadow's reach 6-12 px drawn from the seeds) run through
:func:`~emoshift.render.mouth.mouth_pass` (no blur), per column of the opening's middle half: the rows from the teeth's
top before their luma first reaches LIT x the column's brightest teeth pixel, over the reach. Control: the former
reach (TEETH_LIP_REACH 2.0, the kernels' Python code with the constant patched) ramps over most of the crown.
"""

import numpy as np
import pytest
from render_helpers import mouth_pass_as_before
from test_mouth_shading import LUMA, _mouth

LIT = 0.85
SEEDS = range(6)


def _band(seed: int, control: bool) -> float:
    """Median over the middle columns of the rows before the upper teeth reach LIT x their brightest, over the reach."""
    tri_id, part, frame, m, reach = _mouth(seed, band=(0.4, 0.45))
    out = frame.copy()
    paint = np.ones(tri_id.shape, np.float32)
    args = (tri_id, part, 1.0, reach, paint, 0.0, np.zeros(3, np.float32), 0.0, 0, 0, out, 1.0, 1.0)
    mouth_pass_as_before(args, **({"TEETH_LIP_REACH": 2.0} if control else {}))
    lum = out.astype(np.float32) @ LUMA
    teeth = m["teeth"]
    cols = np.flatnonzero(teeth.any(0))
    mid = cols[(cols > np.quantile(cols, 0.25)) & (cols < np.quantile(cols, 0.75))]
    rows_to_lit = []
    for j in mid:
        v = lum[np.flatnonzero(teeth[:, j]), j]
        rows_to_lit.append(float(np.argmax(v >= LIT * v.max())))
    return float(np.median(rows_to_lit)) / reach


@pytest.mark.parametrize("seed", SEEDS)
def test_the_lips_shadow_on_the_upper_teeth_is_a_narrow_band(seed):
    """The upper teeth are lit from 0.17-0.24 x the reach below the lip (bound 0.4; a real smile's at the blind
    panel's 256 px: 0-2 rows, ``bench_teeth_crisp.py`` ``shade``). Control: TEETH_LIP_REACH 2.0 (before session
    27), 0.58-0.73 x the reach (fails)."""
    assert _band(seed, False) < 0.4
    assert _band(seed, True) > 0.4  # control
