"""Shape images: analytic Lambert shading, silhouettes, expression changes, batch consistency."""

import numpy as np
import torch

from emoshift.render import shape
from emoshift.render.shape import render_shape_images


def test_flat_plane_gets_the_analytic_lambert_value():
    c, h = shape.FRAME_CENTER, shape.FRAME_HALF * 2
    v = np.array([[c[0] - h, c[1] - h, 0], [c[0] + h, c[1] - h, 0], [c[0] + h, c[1] + h, 0], [c[0] - h, c[1] + h, 0]])
    img = render_shape_images(v[None], np.array([[0, 1, 2], [0, 2, 3]]), size=32)[0]
    l = shape.LIGHTS / np.linalg.norm(shape.LIGHTS, axis=1, keepdims=True)
    expected = shape.ALBEDO * (shape.AMBIENT + (shape.LIGHT_INTENSITY * np.maximum(l[:, 2], 0)).sum()) * 255
    assert np.abs(img.astype(float) - expected).max() <= 1.0
    # the same plane facing away is culled: black
    assert render_shape_images(v[None], np.array([[0, 2, 1], [0, 3, 2]]), size=32).max() == 0


def test_head_silhouette_symmetry_and_expressions(head_model):
    m = head_model
    e = np.stack([m.expression_vector({}), m.expression_vector({"jawOpen": 1.0})])
    v = m(expression=e).vertices
    imgs = render_shape_images(v, m.triangles, size=96)
    assert imgs.shape == (2, 96, 96) and imgs.dtype == np.uint8
    neutral, open_ = imgs
    assert neutral[0, 0] == 0 and neutral[48, 48] > 60  # black background, lit face in the middle
    # the ICT head is left-right symmetric: the silhouette mirrors
    mask = neutral > 0
    assert (mask == mask[:, ::-1]).mean() > 0.99
    # an open mouth darkens the lower-middle of the face (culled opening)
    lower = slice(60, 80), slice(38, 58)
    assert (open_[lower] < 20).sum() > (neutral[lower] < 20).sum() + 20
    # yaw +30 and -30 give mirrored silhouettes
    left = render_shape_images(v[0], m.triangles, size=96, rotation_deg=30) > 0
    right = render_shape_images(v[0], m.triangles, size=96, rotation_deg=-30) > 0
    assert (left == right[:, ::-1]).mean() > 0.99 and (left != mask).mean() > 0.01


def test_batch_equals_single(head_model):
    m = head_model
    e = torch.rand(3, 53, generator=torch.Generator().manual_seed(0)).numpy() * 0.5
    v = m(expression=e).vertices
    batch = render_shape_images(v, m.triangles, size=64)
    for k in range(3):
        assert np.array_equal(batch[k], render_shape_images(v[k], m.triangles, size=64))


def test_full_mesh_draws_eyes_without_the_transparent_shells(full_model):
    v = full_model(expression=full_model.expression_vector({})[None]).vertices
    full = render_shape_images(v, full_model.triangles, size=96)[0]
    skin_only = full_model.triangles
    skin_only = skin_only[(skin_only < 11248).all(1)]
    head = render_shape_images(v, skin_only, size=96)[0]
    holes = head == 0
    holes[:, :24] = holes[:, -24:] = False  # look between the temples only
    eye_rows = slice(18, 28)
    assert holes[eye_rows].sum() > 20  # the skin alone has eye openings
    assert (full[eye_rows][holes[eye_rows]] > 60).mean() > 0.9  # eyeballs fill them (shells not drawn)
