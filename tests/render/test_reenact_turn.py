"""Head turns: the strip the face turns away from shows the photo's background, not a ghost of the face."""

import numpy as np
from scipy.ndimage import binary_dilation

from emoshift.headmodel.regions import vertex_indices
from emoshift.render.reenact import SKIN, Reenactor

BACKGROUND = np.array([40, 150, 220])


def is_face(r: Reenactor) -> np.ndarray:
    """(T,) bool: the face's triangles (narrow_face skin and the inner parts)."""
    return (r.tri_part != SKIN) | np.isin(r.triangles, vertex_indices("narrow_face")).all(1)


def face_on_flat_background(model, fit, texture):
    """A photo: flat BACKGROUND, the source render's face (narrow_face skin and the inner parts) textured
    with a reddish ``texture``."""
    probe = Reenactor(np.zeros(texture.shape, np.uint8), fit, model)
    tri = probe.src_tri
    face = np.zeros(texture.shape[:2], bool)
    (x0, y0), (h, w) = probe.src_origin, tri.shape
    face[y0 : y0 + h, x0 : x0 + w] = (tri >= 0) & is_face(probe)[np.maximum(tri, 0)]
    photo = np.empty(texture.shape, np.uint8)
    photo[:] = BACKGROUND
    photo[face] = (0.5 * texture[face] + [120, 40, 10]).astype(np.uint8)
    return photo


def test_turned_head_leaves_background_not_a_ghost(full_model, fit_factory, texture_factory):
    fit = fit_factory((256, 256))
    photo = face_on_flat_background(full_model, fit, texture_factory(256, 256, seed=3))
    r = Reenactor(photo, fit, full_model)
    e = r.source_expression
    assert np.array_equal(r.render(e, r.source_rotation), photo)  # the source pose is still the photo

    rot = np.array([0.0, np.radians(25.0), 0.0], np.float32)
    frags = r._raster_full(r.screens(e[None], rot[None])[0], r.width, r.height)
    # 5 px clear of the turned head: the photographed outline rides with the silhouette up to OUTLINE_DEPTH x its
    # band past the mesh's edge (fill.rim_over; 2.4-4.8 px here, 11 pixels beyond 3 px at 25 degrees, 0 beyond 4)
    off_head = ~binary_dilation(frags.tri_id >= 0, iterations=5)

    def ghost(frame):
        """Pixels off the turned head that are not the background (the photo's face dragged along)."""
        return off_head & (np.abs(frame.astype(int) - BACKGROUND).max(2) > 15)

    assert ghost(r.render(e, rot)).sum() <= 5
    # without the clean plate the coarse flow drags the face's rim off the head (the test can tell)
    (x0, y0), (h, w) = r.src_origin, r.plate.shape[:2]
    r.plate[..., :3] = photo[y0 : y0 + h, x0 : x0 + w]
    r.plate[..., 3] = 0
    assert ghost(r.render(e, rot)).sum() > 100


def test_small_turns_change_little(full_model, fit_factory, texture_factory):
    """A 4 degree turn: the clean plate changes at most a strip about two pixels wide along the face's rim."""
    fit = fit_factory((256, 256))
    photo = texture_factory(256, 256, seed=4)
    r = Reenactor(photo, fit, full_model)
    rot = np.array([0.0, np.radians(4.0), 0.0], np.float32)
    frame = r.render(r.source_expression, rot)
    (x0, y0), (h, w) = r.src_origin, r.plate.shape[:2]
    r.plate[..., :3] = photo[y0 : y0 + h, x0 : x0 + w]
    r.plate[..., 3] = 0
    plain = r.render(r.source_expression, rot)
    diff = np.abs(frame.astype(int) - plain.astype(int)).max(2)
    height = np.ptp(np.nonzero(r.src_tri >= 0)[0])  # the head's height in pixels
    # at most a strip about two pixels wide: the plate also fills the photographed rim past the mesh (fill.face_rim),
    # which on this photo (a smooth texture across the mesh's edge, no outline) reaches past the grown face
    assert (diff > 10).sum() < 2 * height and diff.mean() < 0.1
