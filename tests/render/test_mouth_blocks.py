"""Blocks in the open mouth's interior (session 18, "mouth looks pasted"): the light the bounce and the tongue add
(CAVITY_BOUNCE*, TONGUE_*) switched off per part and per column, so where a dropped jaw's lower teeth show dim at the
bottom of the opening (a turned face: dev07's and dev10's surprise) they lay as a dark block with hard vertical
sides between the lit socket and the lit tongue. That light is now blurred in 2-D over the pixels between the lips
(:data:`emoshift.render.mouth.LIFT_SMOOTH`, not the lit teeth) before it is added.

Control: the previous rule (LIFT_SMOOTH 0: no blur; LIFT_TEETH 0: the teeth their own floor only), run as the
kernels' pure-Python code with the module's constants patched.
"""

import numpy as np
import pytest
from render_helpers import mouth_pass_as_before
from test_mouth_tongue import _mouth

LUMA = np.float32([0.299, 0.587, 0.114])
DIM_TEETH = (30, 27, 24)


def _block(seed):
    """A dropped jaw (:func:`test_mouth_tongue._mouth`) whose lower teeth show dim in 11 columns left of the middle,
    over the lowest 45 % of the opening."""
    tri_id, part, frame, m, reach = _mouth(seed)
    tri_id, frame = tri_id.copy(), frame.copy()
    cols = np.flatnonzero(m["inside"].any(0))
    mid = int(np.median(cols)) - 8
    t = (m["rows"] - m["top"]) / np.maximum(m["bottom"] - m["top"], 1e-3)
    blk = m["inside"] & (t > 0.55)
    blk[:, : mid - 5] = False
    blk[:, mid + 6 :] = False
    tri_id[blk] = 2
    frame[blk] = DIM_TEETH
    return tri_id, part, frame, blk, reach


def _step(seed, control: bool) -> float:
    """The largest horizontal luma step (levels, the mean over the block's rows) within 4 columns of the block."""
    tri_id, part, frame, blk, reach = _block(seed)
    out = frame.copy()
    paint = np.ones(tri_id.shape, np.float32)
    args = (tri_id, part, 1.0, reach, paint, 0.0, np.zeros(3, np.float32), 0.0, 0, 0, out, 1.0, 1.0)
    mouth_pass_as_before(args, **({"LIFT_SMOOTH": 0.0, "LIFT_TEETH": 0.0} if control else {}))
    lum = out.astype(np.float32) @ LUMA
    rows = np.flatnonzero(blk.any(1))
    rows = rows[blk[rows].sum(1) == blk.any(0).sum()][:-2]  # the rows the block spans in full, not the lip's edge
    cols = np.flatnonzero(blk.any(0))
    d = np.abs(np.diff(lum[rows], axis=1)).mean(0)
    return float(d[cols[0] - 4 : cols[-1] + 4].max())


@pytest.mark.parametrize("seed", range(6))
def test_dim_lower_teeth_leave_no_hard_edged_block_in_the_cavity(seed):
    """The largest step at the block's sides: measured 12.6-13.0 levels over the seeds against 22.2-23.5 for
    the control (the lit socket and tongue switched off at the teeth's first column); bound 17."""
    assert _step(seed, False) < 17.0
    assert _step(seed, True) > 17.0  # control
