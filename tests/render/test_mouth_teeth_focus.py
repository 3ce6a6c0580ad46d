"""Issue 11 part 5, "teeth blurry" (blind labellers on the open mouths of closed-mouth photos): the painted
interior's own edges (the teeth against the cavity and each other) are blurred to INNER_FOCUS x the photo's blur,
its edge with the lips to the full blur (:data:`emoshift.render.mouth.INNER_FOCUS`, :func:`~.mouth.focus_paint`).

On the synthetic open mouth of :mod:`test_mouth_shading` (flat paint: teeth band, cavity, lips; sizes and the lip
shadow's reach drawn from the seeds), run through :func:`~.mouth.mouth_pass` with the photo's blur s, the edge blur
(:func:`~.teeth.photo_blur`) is measured along the teeth's lower (incisal) edge, at least INCISAL_CLEAR pixels from the
lips, and along the lower lip's edge with the cavity. Control: the former pass (INNER_FOCUS 1: everything blurred
as the lips), run as the kernels' Python code with the constant patched.
"""

import numpy as np
import pytest
from render_helpers import mouth_pass_as_before
from scipy.ndimage import binary_dilation, distance_transform_edt
from test_mouth_shading import _mouth

from emoshift.render.teeth import photo_blur

BLUR = 2.2
INCISAL_CLEAR = 7


def _edges(seed, control: bool) -> tuple[float, float]:
    """(the incisal edge's measured blur, the lower lip edge's) of the seed's mouth rendered at BLUR."""
    tri_id, part, frame, m, reach = _mouth(seed, half_h=(20, 26), band=(0.4, 0.45))
    out = frame.copy()
    paint = np.ones(tri_id.shape, np.float32)
    args = (tri_id, part, 1.0, reach, paint, BLUR, np.zeros(3, np.float32), 0.0, 0, 0, out, 1.0, 1.0)
    mouth_pass_as_before(args, **({"INNER_FOCUS": 1.0} if control else {}))
    inside, teeth = m["inside"], m["teeth"]
    from_lips = distance_transform_edt(inside)
    incisal = binary_dilation(teeth, iterations=2) & binary_dilation(inside & ~teeth, iterations=2)
    incisal &= from_lips >= INCISAL_CLEAR
    lower_lip = binary_dilation(inside, iterations=2) & ~inside & (m["rows"] > m["top"] + (m["bottom"] - m["top"]) / 2)
    lower_lip = binary_dilation(lower_lip, iterations=2) & (m["rows"] > m["bottom"] - 6)
    return photo_blur(out, incisal), photo_blur(out, lower_lip)


@pytest.mark.parametrize("seed", range(4))
def test_the_teeths_edges_are_sharper_than_the_lips_edge(seed):
    """At s = 2.2 px, the teeth's incisal edge measures 0.93-1.00 px over 6 seeds (INNER_FOCUS 0.5: 1.1 px with the
    paint's own 0.45 in quadrature; bound 1.45) and the lower lip's edge 2.25-2.38 (within 25 % of s: the edge with
    the lips keeps the photo's blur; 2.29-2.45 before). Control: the former pass blurs the teeth as the lips,
    1.96-2.05 px (fails)."""
    incisal, lip = _edges(seed, False)
    assert incisal < 1.45 and abs(lip / BLUR - 1) < 0.25, (incisal, lip)
    incisal, lip = _edges(seed, True)
    assert incisal > 1.45 and abs(lip / BLUR - 1) < 0.25, (incisal, lip)  # control
