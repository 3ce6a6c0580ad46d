"""A photo's soft part masks (Reenactor._photo_masks) are filtered over each part's box only (issue 17: per
video frame); they must equal the filters over the whole source box. An open mouth at three openings (teeth
and eyes show). Control: the same filters over the part's box without the margin the filters reach into
differ (the dilation and the box filter are cut at the box's edge)."""

import numpy as np
import pytest

from emoshift.headmodel.mp_indices import INNER_LIPS
from emoshift.render.eyes import polygon_coverage
from emoshift.render.filters import binary_dilation, uniform_filter
from emoshift.render.reenact import Reenactor
from emoshift.render.source_parts import PART_GROW_PX
from emoshift.render.view import EYE, IRIS, TEETH
from render_helpers import smooth_texture


def _whole(parts, code):
    shown = (parts == code) | ((parts == EYE) & (code == IRIS))
    grown = binary_dilation(shown, np.ones((3, 3), bool), iterations=PART_GROW_PX)
    return uniform_filter(grown.astype(np.float32), 3, mode="constant"), shown


@pytest.mark.parametrize("jaw", [0.15, 0.3, 0.5])
def test_part_masks_over_the_parts_boxes_are_the_whole_boxs(full_model, open_mouth_fit, jaw):
    fit = open_mouth_fit(384, jaw)
    r = Reenactor(smooth_texture(384, 384, 1), fit, full_model)
    poly = np.asarray(fit.landmarks_detected, np.float64)[list(INNER_LIPS)]
    masks = r._photo_masks(poly)
    opening = polygon_coverage(poly, r.src_origin, r.src_tri.shape)
    for code in (TEETH, IRIS):
        ref, shown = _whole(r._parts_in_box, code)
        if code == TEETH:
            ref = ref * opening
        assert shown.sum() > 10 and (ref > 0).sum() > 50
        np.testing.assert_array_equal(masks[code - 1], np.clip(ref, 0, 1))
        # the control: the part's box without the margin
        rows, cols = np.flatnonzero(shown.any(1)), np.flatnonzero(shown.any(0))
        crop = shown[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        cut = uniform_filter(binary_dilation(crop, np.ones((3, 3), bool), iterations=PART_GROW_PX).astype(np.float32), 3,
                             mode="constant")  # fmt: skip
        whole = _whole(r._parts_in_box, code)[0][rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        assert np.abs(cut - whole).max() > 0.3
