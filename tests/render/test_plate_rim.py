"""The clean plate fills the photographed face's rim beyond the fitted mesh (render/fill.face_rim, clean_plate):
a face that moves in shows background beside it, not a detached light edge of its own former rim.

Synthetic: a bright face photographed a few pixels wider than the mesh's face, on a striped background and
beside dark hair. Controls: the former plate (the mesh's face grown 2 px: ``reach`` = ``grow``) keeps the rim.
"""

import numpy as np
import pytest
from scipy.ndimage import binary_dilation

from emoshift.render.fill import clean_plate, face_rim
from emoshift.render.reenact import Reenactor

SKIN = np.array([225, 180, 150], np.float32)
BACK = np.array([70, 100, 140], np.float32)
HAIR = np.array([45, 30, 25], np.float32)


def scene(size=128, mesh_r=36.0, photo_r=42.0, soft=1.5, seed=0):
    """(photo uint8, mesh face bool, ring of the rim beyond the mesh's face grown 2 px, background beyond the
    rim, hair clear of the face's fringe, background colours): a disc face of radius ``photo_r`` (edge
    blurred over ``soft`` px) whose mesh has radius ``mesh_r``; background stripes of +-12 levels; a dark hair
    block touching the face's top right."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    r = np.hypot(yy - size / 2, xx - size / 2)
    alpha = np.clip((photo_r - r) / soft + 0.5, 0.0, 1.0)[..., None]
    back = BACK + 12.0 * np.sin(xx / 3.0)[..., None] * np.array([1.0, 0.6, -0.4])
    block = (xx > size / 2 + 10) & (yy < size / 2 - 10) & (r > photo_r) & (r < photo_r + 14)
    back[block] = HAIR
    hair = block & (r > photo_r + 4)  # the hair clear of the face's fringe (RIM_FRINGE_PX)
    img = alpha * SKIN + (1 - alpha) * back + rng.normal(0, 2.0, (size, size, 3))
    face = r <= mesh_r
    ring = (r > mesh_r + 3) & (r < photo_r - 1)
    beyond = r > photo_r + 3
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), face, ring, beyond & ~block, hair, back


@pytest.mark.parametrize("seed", [0, 1])
def test_rim_beyond_the_mesh_is_filled_and_the_background_kept(seed):
    photo, face, ring, beyond, hair, back = scene(seed=seed)
    plate = clean_plate(photo, face, reach=10, grow=2)[..., :3].astype(np.float32)
    # the rim away from the hair: background-like (within 35 levels of the stripes' mean), not the skin
    # (>= 150 levels from it); beside the hair the fill takes the hair's colour too
    ring = ring & ~binary_dilation(hair, iterations=20)
    dist_back = np.abs(plate[ring] - BACK).max(1)
    assert np.median(dist_back) < 35 and np.quantile(dist_back, 0.95) < 60
    # beyond the rim, and the hair beside it, the photo itself
    assert np.abs(plate[beyond] - photo[beyond]).max(1).mean() < 3.0
    assert np.abs(plate[hair] - photo[hair]).max(1).mean() < 6.0
    # control: the former plate (mesh grown 2 px) keeps the rim's skin
    old = clean_plate(photo, face, reach=2, grow=2)[..., :3].astype(np.float32)
    assert np.median(np.abs(old[ring] - BACK).max(1)) > 100


def test_rim_share_is_a_matte():
    """face_rim: 1 on the mesh's grown face, ~1 on the rim's skin, ~0 on the background and the hair, soft
    across the photographed edge."""
    photo, face, ring, beyond, hair, _ = scene(soft=3.0)
    rim = face_rim(photo, face, reach=12, grow=2)
    assert rim[face].min() == 1.0
    assert np.median(rim[ring]) > 0.85
    near = binary_dilation(face, iterations=12) & ~binary_dilation(face, iterations=2)
    assert np.median(rim[near & beyond]) < 0.05 and np.median(rim[near & hair]) < 0.05
    edge = near & (rim > 0.1) & (rim < 0.9)  # the blurred edge: partial shares
    assert edge.sum() > 50


def test_face_grown_past_the_mesh_leaves_no_rim_when_turned(full_model, fit_factory, texture_factory):
    """Whole renderer: the photographed face reaches a few pixels past the mesh's face (as a fit's outline
    does); turned 25 degrees, the strip the face leaves shows the background, not the rim (control: the
    former plate, the mesh's face grown 2 px)."""
    from test_reenact_turn import BACKGROUND, face_on_flat_background

    fit = fit_factory((256, 256))
    texture = texture_factory(256, 256, seed=3)
    photo = face_on_flat_background(full_model, fit, texture)
    probe = Reenactor(photo, fit, full_model)
    reach = int(round(0.04 * probe._face_h))
    assert reach >= 4
    face = (np.abs(photo.astype(int) - BACKGROUND).max(2) > 0)
    wider = binary_dilation(face, iterations=reach - 1) & ~face
    photo[wider] = (0.5 * texture[wider] + [120, 40, 10]).astype(np.uint8)
    r = Reenactor(photo, fit, full_model)
    e = r.source_expression
    rot = np.array([0.0, np.radians(25.0), 0.0], np.float32)
    frags = r._raster_full(r.screens(e[None], rot[None])[0], r.width, r.height)
    # 5 px clear: the photographed outline, rim included, rides with the silhouette up to OUTLINE_DEPTH x its band
    # past the mesh's edge (fill.rim_over: the rim is the face's outline wherever the face goes, not left behind)
    off_head = ~binary_dilation(frags.tri_id >= 0, iterations=5)

    def ghost(frame):
        return off_head & (np.abs(frame.astype(int) - BACKGROUND).max(2) > 30)

    new = ghost(r.render(e, rot)).sum()
    (x0, y0), (h, w) = r.src_origin, r.plate.shape[:2]
    from emoshift.render.fill import clean_plate as cp

    src_face = np.zeros((h, w), bool)
    cov = r.src_tri >= 0
    src_face[cov] = r._region_triangles("plate")[r.src_tri[cov]]
    r.plate[:] = cp(photo[y0 : y0 + h, x0 : x0 + w], src_face, 2, 2)  # the former plate ...
    r.plate[..., 3] = 0  # ... shown alone off the head
    old = ghost(r.render(e, rot)).sum()
    print(new, old)
    assert new <= 10 and old > 40


def test_connected_to_matches_scipy_label():
    """fill.connected_to (the rim's core, without scipy on the render path) keeps exactly the components of a
    random mask that scipy.ndimage.label (4-connected, or 8-connected with ``eight``) finds touching the seeds;
    control: the 8-connected components are larger on the same masks."""
    from scipy.ndimage import label

    from emoshift.render.fill import connected_to

    rng = np.random.default_rng(0)
    bigger = 0
    for _ in range(10):
        m, s = rng.random((60, 70)) > 0.45, rng.random((60, 70)) > 0.995
        lab, _ = label(m)
        ref = np.isin(lab, np.unique(lab[s & (lab > 0)])) & (lab > 0)
        np.testing.assert_array_equal(connected_to(m, s), ref)
        lab8, _ = label(m, structure=np.ones((3, 3)))
        ref8 = np.isin(lab8, np.unique(lab8[s & (lab8 > 0)])) & (lab8 > 0)
        np.testing.assert_array_equal(connected_to(m, s, eight=True), ref8)
        bigger += int(ref8.sum() > ref.sum())
    assert bigger >= 8, bigger
