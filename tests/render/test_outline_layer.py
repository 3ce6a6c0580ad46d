"""The photographed face past the fitted mesh moves with the face's outline (render/fill.clean_plate's matte,
fill.rim_over): a frame whose outline moves keeps that rim beside its silhouette instead of the plate's fill.

Synthetic photos: a textured face painted RIM_PX wider than the fitted mesh's face (the nose's tip or a chin the fit
falls short of, as on dev05 looking down) on a flat background. Frames move the outline (the head nods or turns a
few degrees, the jaw drops). Control: the plate without its matte (the renderer before: off the head it showed the
plate only, which erased the rim wherever the face moved: a background-coloured bite out of the face's edge).
"""

import math

import numpy as np
import pytest
from scipy.ndimage import binary_dilation

from emoshift.render.fill import OUTLINE_DEPTH
from emoshift.render.flow import CELL
from emoshift.render.reenact import Reenactor

BACKGROUND = np.array([40, 150, 220])
RIM_PX = 4
#: Frames: (rotation change (rad), expression) from the source.
MOTIONS = {
    "nod": ((0.07, 0.0, 0.0), {}),
    "turn": ((0.0, 0.07, 0.0), {}),
    "jaw": ((0.0, 0.0, 0.0), {"jawOpen": 0.35}),
}


def photo_and_reenactor(model, fit, texture):
    """(photo, reenactor): flat BACKGROUND, the source render's face (the clean plate's region) grown by RIM_PX
    painted with a reddish ``texture``."""
    probe = Reenactor(np.zeros(texture.shape, np.uint8), fit, model)
    tri, face_tri = probe.src_tri, probe._region_triangles("plate")
    face = np.zeros(texture.shape[:2], bool)
    (x0, y0), (h, w) = probe.src_origin, tri.shape
    face[y0 : y0 + h, x0 : x0 + w] = (tri >= 0) & face_tri[np.maximum(tri, 0)]
    painted = binary_dilation(face, iterations=RIM_PX)
    photo = np.empty(texture.shape, np.uint8)
    photo[:] = BACKGROUND
    photo[painted] = (0.5 * texture[painted] + [120, 40, 10]).astype(np.uint8)
    return photo, Reenactor(photo, fit, model)


def rim_counts(r: Reenactor, frame: np.ndarray, tri_id: np.ndarray, reach: int) -> tuple[int, int]:
    """(kept, ghost): face-coloured pixels (> 60 levels off BACKGROUND) off the head within RIM_PX + 1 of the
    face's triangles; and beyond ``reach`` of the head (the face dragged away from its outline)."""
    face = (tri_id >= 0) & r._region_triangles("plate")[np.maximum(tri_id, 0)]
    coloured = np.abs(frame.astype(int) - BACKGROUND).max(2) > 60
    off = tri_id < 0
    ring = binary_dilation(face, iterations=RIM_PX + 1) & off
    beyond = ~binary_dilation(tri_id >= 0, iterations=reach)
    return int((coloured & ring).sum()), int((coloured & beyond).sum())


#: Source head poses (rotation, rad) and texture seeds: frontal, turned (as dev09), looking down (as dev05).
POSES = {"frontal": ((0.0, 0.0, 0.0), 0), "turned": ((0.0, 0.3, 0.0), 1), "down": ((-0.3, 0.0, 0.0), 2)}


@pytest.mark.parametrize("pose", sorted(POSES))
@pytest.mark.parametrize("motion", sorted(MOTIONS))
def test_rim_moves_with_the_outline(full_model, fit_factory, texture_factory, pose, motion):
    rotation, seed = POSES[pose]
    fit = fit_factory((256, 256), rotation=rotation)
    photo, r = photo_and_reenactor(full_model, fit, texture_factory(256, 256, seed=seed))
    e0, rot0 = r.source_expression, r.source_rotation
    assert np.array_equal(r.render(e0, rot0), photo)  # the source pose is still the photo
    turn, units = MOTIONS[motion]
    e = np.asarray(e0 + full_model.expression_vector(units), np.float32)
    rot = np.asarray(rot0 + np.array(turn), np.float32)
    tri_id = r._raster_full(r.screens(e[None], rot[None])[0], r.width, r.height).tri_id
    src_tri = r._raster_full(r.screens(e0[None], rot0[None])[0], r.width, r.height).tri_id
    radius = math.ceil(r.falloff_px / CELL)
    band = max(CELL, int(r.silhouette_band * radius * CELL))
    reach = RIM_PX + int(math.ceil(OUTLINE_DEPTH[1] * band)) + 2
    photo_rim, _ = rim_counts(r, photo, src_tri, reach)
    kept, ghost = rim_counts(r, r.render(e, rot), tri_id, reach)
    # the rim stays beside the moved outline (measured 0.86-1.00 of the photo's over the 9 cases; the control
    # 0.27-0.36) and nothing face-coloured lies past the outline's reach (measured 0)
    assert kept >= 0.75 * photo_rim
    assert ghost <= 5
    # control: the plate alone (its matte zeroed, the renderer before) erases most of the rim
    r.plate[..., 3] = 0
    before, _ = rim_counts(r, r.render(e, rot), tri_id, reach)
    assert before < 0.5 * photo_rim
