"""A dropped jaw shows the upper incisors under the upper lip (issue 11 part 5): ICT's upper incisors end at the
rest upper lip's inner edge, so surprise and fear opened a black hole with no teeth ("mouth looks pasted");
they are drawn :data:`emoshift.render.reenact.UPPER_TEETH_DROP_CM` lower as the lips part (relaxed lips show
1.9-3.4 mm of them, Vig & Brundo 1978)."""

import numpy as np
import pytest

from emoshift.render.teeth import tooth_coordinates
from emoshift.render.view import TEETH


def _upper_incisor_pixels(model, fit_factory, texture_factory, drop: float) -> tuple[list[int], int]:
    """Pixels of the upper central and lateral incisors a 384-pixel photo's frame shows at jawOpen 0.35, 0.5,
    0.7, each alone and with the lips stretched (mouthStretch 0.5: fear), with the upper teeth dropped by
    ``drop`` cm; and the teeth pixels of the closed mouth."""
    import emoshift.render.reenact as reenact

    old, reenact.UPPER_TEETH_DROP_CM = reenact.UPPER_TEETH_DROP_CM, drop
    try:
        r = reenact.Reenactor(texture_factory(384, 384, seed=0), fit_factory(size=(384, 384)), model)
    finally:
        reenact.UPPER_TEETH_DROP_CM = old
    coords = tooth_coordinates(r.base, r.vertex_part == TEETH, r.triangles)
    incisor = (r.vertex_part == TEETH) & (coords[:, 2] == 0) & (coords[:, 3] >= 0) & (coords[:, 3] <= 1)

    def shown(e):
        f = r._raster_full(r.screens(np.float32(e)[None], np.zeros((1, 3), np.float32))[0], r.width, r.height)
        tri = f.tri_id[f.mask]
        return tri, int((incisor[r.triangles[tri]].all(1) & (r.tri_part[tri] == TEETH)).sum())

    counts = []
    for jaw in (0.35, 0.5, 0.7):
        for extra in ({}, {"mouthStretch_L": 0.5, "mouthStretch_R": 0.5}):
            counts.append(shown(model.expression_vector({"jawOpen": jaw, **extra}))[1])
    tri, _ = shown(np.zeros(53))
    return counts, int((r.tri_part[tri] == TEETH).sum())


@pytest.mark.parametrize("drop", ["model", 0.0])
def test_an_open_mouth_shows_the_upper_incisors_and_a_closed_one_none(full_model, fit_factory, texture_factory, drop):
    """Measured 18-32 pixels of upper incisors over the six open mouths (0 teeth pixels closed). Control: ICT's
    own teeth (drop 0) show none, which fails."""
    import emoshift.render.reenact as reenact

    counts, closed = _upper_incisor_pixels(full_model, fit_factory, texture_factory,
                                           reenact.UPPER_TEETH_DROP_CM if drop == "model" else drop)  # fmt: skip
    assert closed == 0
    if drop == "model":
        assert min(counts) >= 15, counts
    else:  # control
        assert max(counts) < 15, counts
