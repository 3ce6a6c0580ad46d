"""The one blendshape name set of every export: Apple ARKit's 52 ``ARFaceAnchor.BlendShapeLocation`` names.

The ``.glb`` morph targets, the weights JSON and the Live Link Face CSV (whose columns are the same
names with a capital first letter, ``EyeBlinkLeft``) all use these names: the Swift/Objective-C
symbol names (``eyeBlinkLeft``), the convention of Live Link Face, MetaHuman and most avatar tools.
ARKit's own dictionary keys, the symbols' raw string values, are spelt ``eyeBlink_L`` (``_L``/``_R``
for Left/Right, :func:`arkit_raw_value`); the files list them too (``.glb`` ``mesh.extras.arkit_raw_names``,
JSON ``arkit_raw_names``) for tools that match those. The head model (ICT FaceKit) has 53 shapes named
with those raw values but with ``browInnerUp`` and ``cheekPuff`` split into halves; they map as follows:

* ``name_L`` / ``name_R`` → ``nameLeft`` / ``nameRight`` (both conventions are the subject's sides);
* ARKit's unsplit ``browInnerUp`` and ``cheekPuff`` merge ICT's two halves: the merged weight is the
  mean of the halves' weights and the merged morph target the sum of their offsets. That is exact when
  both halves move together; a left/right difference d shows as d/2 of a half's offset on each side
  (a one-sided brow raise becomes a two-sided one of half the weight). Measured over real animations
  (``bench/bench_export_names.py --photos DIR``: the 2 packaged and 12 development photos x 3
  instructions) d has a median of 0.03 (brow) and 0.06 (cheek), at most 0.24 / 0.21, nearly all of it
  from the photo's fit;
* ``tongueOut``: ICT FaceKit has no tongue shape (its 53 shapes and 4 extras: cheekRaiser, PupilDilate),
  so the channel is present with zero offsets and zero weight, so rigs that match channels by name find
  all 52.

Gaze. ICT's ``eyeLook*`` shapes move only the lids and the skin around the eyes (the eyeballs do not
turn), so eye angles are a convention, written here once: a weight of 1 on ``eyeLookOut``/``eyeLookIn``
is :data:`EYE_YAW_DEG` degrees of yaw, on ``eyeLookUp``/``eyeLookDown`` :data:`EYE_PITCH_DEG` degrees of
pitch (about the range ARKit's eye transforms reach at full weight). Angle signs follow the head's
(``emoshift.export.curves``): yaw turns the eye towards the subject's left, pitch looks down; the
shapes have no roll.
"""

from __future__ import annotations

import math

import numpy as np

#: Apple's 52 ARKit blendshape names, in Live Link Face's CSV order
ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawRight", "jawLeft", "jawOpen", "mouthClose", "mouthFunnel",
    "mouthPucker", "mouthRight", "mouthLeft", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft", "mouthPressRight",
    "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight", "browDownLeft",
    "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff", "cheekSquintLeft",
    "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)  # fmt: skip
MERGED = ("browInnerUp", "cheekPuff")  # ARKit has one channel where ICT has two halves
EYE_YAW_DEG = 30.0
EYE_PITCH_DEG = 25.0
_INDEX = {n: i for i, n in enumerate(ARKIT_NAMES)}


def arkit_name(ict_name: str) -> str:
    """ICT name → ARKit name: ``mouthSmile_L`` → ``mouthSmileLeft``, ``browInnerUp_R`` → ``browInnerUp``."""
    base, side = ict_name, ""
    if ict_name.endswith(("_L", "_R")):
        base, side = ict_name[:-2], "Left" if ict_name.endswith("_L") else "Right"
    return base if base in MERGED else base + side


def arkit_raw_value(name: str) -> str:
    """ARKit symbol name → its raw string value (ARKit's dictionary key): ``eyeBlinkLeft`` → ``eyeBlink_L``."""
    for side, short in (("Left", "_L"), ("Right", "_R")):
        if name.endswith(side) and name not in ("jawLeft", "jawRight", "mouthLeft", "mouthRight"):
            return name[: -len(side)] + short
    return name


def arkit_sources(names: list[str]) -> np.ndarray:
    """(52, len(names)) 0/1 matrix: row ``i`` marks the head-model shapes that make ARKit channel ``i``."""
    m = np.zeros((len(ARKIT_NAMES), len(names)))
    for j, name in enumerate(names):
        a = arkit_name(str(name))
        if a not in _INDEX:
            raise ValueError(f"blendshape '{name}' has no ARKit channel")
        m[_INDEX[a], j] = 1.0
    return m


def arkit_matrix(names: list[str]) -> np.ndarray:
    """(52, len(names)) matrix taking head-model weights to ARKit weights (merged halves averaged)."""
    m = arkit_sources(names)
    return m / np.maximum(m.sum(1, keepdims=True), 1.0)


def arkit_weights(weights: np.ndarray, names: list[str]) -> np.ndarray:
    """(T, len(names)) head-model weights → (T, 52) ARKit weights."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != len(names):
        raise ValueError(f"weights must be (T, {len(names)}), got {w.shape}")
    return w @ arkit_matrix(list(names)).T


def ict_names_by_arkit(names: list[str]) -> dict[str, list[str]]:
    """ARKit name → the head model's shapes behind it (empty for ``tongueOut``), for the files' extras."""
    m = arkit_sources(list(names))
    return {a: [str(names[j]) for j in np.nonzero(m[i])[0]] for i, a in enumerate(ARKIT_NAMES)}


def _gaze_columns(side: str) -> tuple[int, int, int, int]:
    """Columns (out, in, up, down) of one eye (``Left`` / ``Right``) in :data:`ARKIT_NAMES`."""
    return tuple(_INDEX[f"eyeLook{d}{side}"] for d in ("Out", "In", "Up", "Down"))  # type: ignore[return-value]


def gaze_axes(arkit: np.ndarray) -> np.ndarray:
    """(T, 52) ARKit weights → (T, 4) signed gaze per eye: left (out − in, up − down), right (same)."""
    a = np.asarray(arkit, dtype=np.float64).reshape(-1, len(ARKIT_NAMES))
    cols = []
    for side in ("Left", "Right"):
        o, i, u, d = _gaze_columns(side)
        cols += [a[:, o] - a[:, i], a[:, u] - a[:, d]]
    return np.stack(cols, 1)


def relative_gaze(arkit: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(T, 52) ARKit weights with the gaze of ``reference`` (52,) taken out (other channels unchanged).

    The signed gaze per eye and axis (:func:`gaze_axes`) minus the reference's is split back into the
    opposing pair (``eyeLookOut`` for a positive horizontal value, ``eyeLookIn`` for a negative one, ...),
    clipped to [0, 1]: a rig driven by the result looks ahead where the reference looked.
    """
    out = np.array(arkit, dtype=np.float64).reshape(-1, len(ARKIT_NAMES))
    g = gaze_axes(out) - gaze_axes(np.asarray(reference, dtype=np.float64).reshape(1, -1))
    for k, side in enumerate(("Left", "Right")):
        o, i, u, d = _gaze_columns(side)
        h, v = g[:, 2 * k], g[:, 2 * k + 1]
        out[:, o], out[:, i] = np.clip(h, 0, 1), np.clip(-h, 0, 1)
        out[:, u], out[:, d] = np.clip(v, 0, 1), np.clip(-v, 0, 1)
    return out


def eye_angles(arkit: np.ndarray) -> np.ndarray:
    """(T, 52) ARKit weights → (T, 6) radians: LeftEyeYaw, LeftEyePitch, LeftEyeRoll, RightEyeYaw, ... (roll 0).

    Yaw towards the subject's left: the left eye's ``eyeLookOut`` and the right eye's ``eyeLookIn``;
    pitch down: ``eyeLookDown``. Scales :data:`EYE_YAW_DEG`, :data:`EYE_PITCH_DEG` per unit weight.
    """
    g = gaze_axes(arkit)
    yaw_l, yaw_r = g[:, 0] * EYE_YAW_DEG, -g[:, 2] * EYE_YAW_DEG
    pitch_l, pitch_r = -g[:, 1] * EYE_PITCH_DEG, -g[:, 3] * EYE_PITCH_DEG
    zero = np.zeros(len(g))
    return np.stack([yaw_l, pitch_l, zero, yaw_r, pitch_r, zero], 1) * (math.pi / 180)
