"""FACS calibration of the ICT shapes (emoshift.headmodel.calibration)."""

import numpy as np

from emoshift.emotions import EXPRESSION_NAMES
from emoshift.headmodel import HeadModel, load_arrays
from emoshift.headmodel.calibration import EXPRESSION_GAIN, expression_gains


def test_gains_cover_both_sides_and_leave_the_rest():
    g = expression_gains(EXPRESSION_NAMES)
    for stem, k in EXPRESSION_GAIN.items():
        idx = [i for i, n in enumerate(EXPRESSION_NAMES) if n == stem or n[:-2] == stem]
        assert idx, stem  # every stem names real shapes
        assert np.all(g[idx] == np.float32(k))
    untouched = [i for i, n in enumerate(EXPRESSION_NAMES) if n.startswith(("mouthSmile", "jawOpen", "eyeBlink"))]
    assert np.all(g[untouched] == 1.0)
    assert (g > 1).sum() == sum(2 if f"{s}_L" in EXPRESSION_NAMES else 1 for s in EXPRESSION_GAIN)


def test_calibrated_deltas_are_the_raw_ones_times_the_gain():
    raw, cal = load_arrays(calibrated=False), load_arrays()
    g = expression_gains(raw["expression_names"])
    np.testing.assert_allclose(cal["expression_deltas"], raw["expression_deltas"] * g[:, None, None], rtol=1e-6)
    assert cal["neutral_vertices"] is raw["neutral_vertices"]  # everything else shared, not copied
    assert cal["identity_deltas"] is raw["identity_deltas"]


def test_brow_lowering_moves_the_brow_further_and_landmarks_follow():
    raw, cal = (HeadModel.load(region="face", calibrated=c) for c in (False, True))
    e = np.zeros((2, 53), np.float32)
    e[1, [EXPRESSION_NAMES.index("browDown_L"), EXPRESSION_NAMES.index("browDown_R")]] = 1.0
    moved = []
    for m in (raw, cal):
        out = m(np.zeros((2, m.n_identity)), e)
        # mid-brow (105) minus upper lid (159), vertical, cm
        gap = out.landmarks[:, 105, 1] - out.landmarks[:, 159, 1]
        moved.append(gap[0] - gap[1])
    assert moved[0] > 0.2  # the raw shape lowers the brow towards the lid (cm) ...
    np.testing.assert_allclose(moved[1], EXPRESSION_GAIN["browDown"] * moved[0], rtol=0.02)  # ... the calibrated further
