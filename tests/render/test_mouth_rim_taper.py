"""Issue 11, "mouth pasted": the lip rim (:func:`emoshift.render.mouth._lip_rim`, LIP_RIM_UPPER / LOWER) darkens
the lip pixels right above and below the opening column by column. Where the frame's lips meet part of the way
(a slightly open photo's lips shut at sadness: dev04, dev10) the darkening stopped at the last column with an
opening: a vertical step across the upper lip. It now fades out towards the opening's ends over
LIP_RIM_TAPER x the rim's rows (:func:`emoshift.render.mouth._rim_taper`).

A synthetic sloped slit (1-2 rows of teeth pixels between skin) on uniform skin of luma 150 through
:func:`emoshift.render.mouth.mouth_pass` at reach 8, 10, 14 px (the dev photos' lip shadow reach is about
0.045 of the face height, 8-14 px): the largest change of the rim's darkening between adjacent columns (the mean
over the rim rows above the slit) measured 1.25-2.5 levels with the taper (3.0 at reach 6), 11.7-13.8 without it
(the control: the step at the slit's ends); the rim's darkening in the slit's middle (the row right above it) is
unchanged, 26-30 levels either way. Thresholds: step < 4.5 (with), > 7 (control), middle > 18."""

import numpy as np
import pytest

from emoshift.render.mouth import mouth_pass
from emoshift.render.view import SKIN, TEETH

SKIN_LUMA = 150


def slit(reach: float, rim_taper: float | None):
    """(out, slit rows per column, x0, x1): a (60, 120) skin patch with a sloped slit of teeth over columns
    [x0, x1) after :func:`mouth_pass` (strength 1, no blur); ``rim_taper`` None: the default."""
    h, w = 60, 120
    x0, x1 = 25, 95
    part = np.array([SKIN, TEETH], np.int64)
    tri_id = np.zeros((h, w), np.int32)
    rows = {}
    for j in range(x0, x1):
        top = 30 + int(round(3 * np.sin((j - x0) / (x1 - x0) * np.pi)))  # the slit bends down in the middle
        n = 2 if x0 + 8 <= j < x1 - 8 else 1
        tri_id[top : top + n, j] = 1
        rows[j] = top
    out = np.full((h, w, 3), SKIN_LUMA, np.uint8)
    out[tri_id == 1] = (200, 195, 185)
    paint = np.zeros((h, w), np.float32)
    black = np.zeros(3, np.float32)
    kw = {} if rim_taper is None else {"rim_taper": float(rim_taper)}
    mouth_pass(tri_id, part, 1.0, float(reach), paint, 0.0, black, 0.0, 0, 0, out, **kw)
    return out, rows, x0, x1


def rim_profile(out, rows, reach: float) -> np.ndarray:
    """(w,) the darkening (levels below the skin's) per column, mean over the rim's rows right above the slit
    (where the slit is; 0 elsewhere: the lip's rows at the slit's level)."""
    luma = out.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    n = max(int(0.6 * reach), 1)
    prof = np.zeros(out.shape[1], np.float32)
    for j in range(out.shape[1]):
        top = rows.get(j)
        if top is None:
            top = rows[min(rows, key=lambda k: abs(k - j))]  # past the ends: the rows the rim would be on
        prof[j] = SKIN_LUMA - luma[top - n : top, j].mean()
    return prof


@pytest.mark.parametrize("reach", [8.0, 10.0, 14.0])
def test_the_lip_rim_fades_out_at_the_openings_ends(reach):
    out, rows, x0, x1 = slit(reach, None)
    prof = rim_profile(out, rows, reach)
    step = np.abs(np.diff(prof)).max()
    luma = out.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    mid = (x0 + x1) // 2
    middle = SKIN_LUMA - luma[rows[mid] - 1, mid]
    assert step < 4.5, step
    assert middle > 18, middle  # the rim is still there along the opening
    old, rows_o, _, _ = slit(reach, 0.0)  # control: no taper, the rim cut off at the slit's ends
    assert np.abs(np.diff(rim_profile(old, rows_o, reach))).max() > 7
