"""The textured head: baking puts the photo's colours where they belong; pull-push fills holes."""

import numpy as np
import pytest

from emoshift.render import textured
from emoshift.render.fill import pull_push
from emoshift.render.textured import TexturedHead


def test_pull_push_keeps_known_texels_and_fills_holes():
    rng = np.random.default_rng(0)
    col = np.zeros((32, 32, 3), np.float32)
    col[:, :16] = (200, 20, 20)
    col[:, 16:] = (20, 20, 200)
    w = (rng.uniform(size=(32, 32)) > 0.7).astype(np.float32)
    w[8:24, 4:12] = 0  # a hole inside the red half
    out = pull_push(np.where(w[..., None] > 0, col, 0), w)
    assert np.allclose(out[w > 0], col[w > 0])
    hole = out[10:22, 5:10]
    assert (hole[..., 0] > 150).all() and (hole[..., 2] < 70).all()


@pytest.fixture(scope="module")
def split_head(full_model, fit_factory):
    photo = np.zeros((256, 256, 3), np.uint8)
    photo[:, :128] = (210, 40, 40)  # the viewer's left half red
    photo[:, 128:] = (40, 40, 210)  # the right half blue
    return TexturedHead(photo, fit_factory(), full_model, texture_size=256)


def test_baked_texture_follows_the_photo(split_head):
    frame = split_head.render(np.zeros(53), np.zeros(3), size=128)
    assert frame.shape == (128, 128, 3) and frame.dtype == np.uint8
    assert np.array_equal(frame[0, 0], textured.BACKGROUND)
    head = np.any(frame != np.asarray(textured.BACKGROUND), axis=2)
    rows = slice(40, 80)  # the face, cheek to cheek
    left = frame[rows, 30:60][head[rows, 30:60]].astype(int)
    right = frame[rows, 68:98][head[rows, 68:98]].astype(int)
    assert len(left) > 200 and len(right) > 200
    assert np.mean(left[:, 0] > left[:, 2] + 80) > 0.9  # red on the viewer's left
    assert np.mean(right[:, 2] > right[:, 0] + 80) > 0.9  # blue on the right
    tile = split_head.face_texture
    assert tile.shape == (256, 256, 3)


def test_turntable_turns(split_head):
    frames = split_head.turntable(n_frames=8, yaw_deg=30, size=64)
    assert frames.shape == (8, 64, 64, 3)
    assert np.abs(frames[0].astype(int) - frames[4]).mean() < 2  # yaw 0 at both
    assert np.abs(frames[2].astype(int) - frames[6]).mean() > 10  # +30 vs -30 degrees
    with pytest.raises(ValueError):
        split_head.render(np.zeros(53), np.zeros(3), size=4)


def test_baking_an_existing_renderer_builds_no_second_one(split_head, full_model, fit_factory, monkeypatch):
    """``from_renderer`` bakes the reenactor it is given (the pipeline's, for the .glb) into the same texture
    as a head built from the photo; no other Reenactor is constructed. Control: another photo's renderer
    bakes another texture."""
    from emoshift.render.reenact import Reenactor

    r = split_head.reenactor
    built = []
    monkeypatch.setattr(Reenactor, "__init__", lambda self, *a, **k: built.append(a))
    again = TexturedHead.from_renderer(r, texture_size=256)
    assert built == [] and again.reenactor is r
    assert np.array_equal(again.texture, split_head.texture)
    monkeypatch.undo()
    grey = Reenactor(np.full((256, 256, 3), 128, np.uint8), fit_factory(), full_model)
    assert np.abs(TexturedHead.from_renderer(grey, texture_size=256).texture.astype(int) - split_head.texture).max() > 50
