"""The face-api judge (Node + @vladmandic/face-api on tfjs-wasm): real faces, label mapping, bad input.

Needs ``npm ci --prefix tools`` (``make test`` does it) and Node 20.
"""

import numpy as np
import pytest

from emoshift.eval.faceapi import FACEAPI_LABELS, FACEAPI_TO_EMOTION, FaceApiJudge, as_rgb
from emoshift.io import UserError


@pytest.fixture(scope="module")
def judge():
    return FaceApiJudge()


@pytest.fixture(scope="module")
def hopper():
    import matplotlib.cbook
    from PIL import Image

    return np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))


def test_label_map_covers_seven_emotions():
    assert sorted(FACEAPI_TO_EMOTION) == sorted(FACEAPI_LABELS)
    assert set(FACEAPI_TO_EMOTION.values()) == {"neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise"}


def test_astronaut_happy_hopper_and_blank_not(judge, hopper):
    import skimage.data

    astro, blank = skimage.data.astronaut(), np.full((240, 240, 3), 128, np.uint8)
    a, h, b = judge.judge_batch([astro, hopper, blank], whole_if_no_face=False)
    assert judge.versions["backend"] == "wasm" and judge.versions["face_api"] == "1.7.15"
    # the astronaut smiles: happy, on her face (not the flag or the helmet)
    assert a is not None and a.emotion == "happiness" and a.prob("happiness") > 0.9 and a.score > 0.5
    x, y, w, hh = a.box
    assert 150 < x + w / 2 < 260 and 80 < y + hh / 2 < 180
    assert a.prob("contempt") == 0.0
    # Grace Hopper's face is found and is not read as happy
    assert h is not None and h.emotion != "happiness" and h.prob("happiness") < 0.2
    assert abs(h.probs.sum() - 1) < 1e-3
    # a flat grey image has no face
    assert b is None


def test_face_crop_read_whole_when_detector_misses(judge):
    import skimage.data

    crop = skimage.data.astronaut()[60:200, 160:290]  # a tight face crop: read as a whole if not detected
    r = judge.judge_batch([crop])[0]
    assert r is not None and r.emotion == "happiness"


def test_broken_image_file_is_a_clear_error(tmp_path, judge):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(UserError, match="broken.jpg: not a readable image"):
        judge.judge(bad)
    with pytest.raises(UserError, match=r"image 1: expected an \(H, W, 3\) uint8"):
        judge.judge_batch([np.zeros((64, 64, 3), np.uint8), np.zeros((64, 64, 3), np.float32)])


def test_as_rgb_accepts_grey_and_rgba():
    g = np.arange(32 * 32, dtype=np.uint8).reshape(32, 32)
    assert as_rgb(g).shape == (32, 32, 3) and (as_rgb(g)[..., 2] == g).all()
    rgba = np.zeros((20, 20, 4), np.uint8)
    assert as_rgb(rgba).shape == (20, 20, 3)


def test_missing_install_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="npm ci --prefix tools"):
        FaceApiJudge(tools=tmp_path)


def test_grey_mean_head_neutral_vs_smile(judge):
    """The grey shaded mean head (no photo): neutral is not read as happy; the happiness prototype is."""
    from emoshift.emotions import prototype
    from emoshift.headmodel import HeadModel
    from emoshift.render.shape import render_shape_images

    model = HeadModel.load(region="head")
    e = np.stack([prototype("neutral"), prototype("happiness")])
    z = np.zeros((2, 3))
    verts = model(np.zeros((2, model.n_identity)), e, z, z).vertices
    grey = [np.repeat(g[..., None], 3, -1) for g in render_shape_images(verts, model.triangles, size=256)]
    neutral, smile = judge.judge_batch(grey, whole_if_no_face=True)
    assert neutral.emotion != "happiness" and neutral.prob("happiness") < 0.2
    assert smile.emotion == "happiness" and smile.prob("happiness") > 0.8
