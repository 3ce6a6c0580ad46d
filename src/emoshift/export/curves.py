"""Blendshape curves: a Live Link Face CSV (Epic's iPhone app layout) and a per-frame JSON by ICT name.

The CSV has Live Link Face's 63 columns: ``Timecode`` (``HH:MM:SS:FF.fff``, frame ``FF`` at the
trajectory's fps plus its fraction), ``BlendShapeCount`` (61), the 52 ARKit channels in the app's
order, then HeadYaw/HeadPitch/HeadRoll and the six eye rotations. ICT's split ``_L/_R`` names map
to ARKit's ``Left/Right`` (both are the subject's sides); ARKit's unsplit ``BrowInnerUp`` and
``CheekPuff`` are the mean of ICT's two halves; ``TongueOut`` (not in ICT) and the eye rotations
(ICT moves the eyes through the eyeLook* shapes) are written as 0.

Head angles are in radians: yaw turns the face towards the subject's left, pitch looks down,
roll tilts the top of the head towards the subject's right (``emoshift.headmodel.ops`` conventions).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emoshift.headmodel import ops
from emoshift.io import atomic_write

#: the 52 ARKit blendshapes in Live Link Face's CSV order
LIVELINK_BLENDSHAPES: tuple[str, ...] = (
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft", "EyeSquintLeft",
    "EyeWideLeft", "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
    "EyeSquintRight", "EyeWideRight", "JawForward", "JawRight", "JawLeft", "JawOpen", "MouthClose", "MouthFunnel",
    "MouthPucker", "MouthRight", "MouthLeft", "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft",
    "MouthFrownRight", "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper", "MouthPressLeft", "MouthPressRight",
    "MouthLowerDownLeft", "MouthLowerDownRight", "MouthUpperUpLeft", "MouthUpperUpRight", "BrowDownLeft",
    "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight", "CheekPuff", "CheekSquintLeft",
    "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight", "TongueOut",
)  # fmt: skip
LIVELINK_ROTATIONS: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)  # fmt: skip
LIVELINK_HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount", *LIVELINK_BLENDSHAPES, *LIVELINK_ROTATIONS)


def arkit_name(ict_name: str) -> str:
    """ICT name → Live Link column: ``mouthSmile_L`` → ``MouthSmileLeft``, ``browInnerUp_R`` → ``BrowInnerUp``.
    """
    base, side = ict_name, ""
    if ict_name.endswith(("_L", "_R")):
        base, side = ict_name[:-2], "Left" if ict_name.endswith("_L") else "Right"
    if base in ("browInnerUp", "cheekPuff"):
        side = ""
    return base[0].upper() + base[1:] + side


def arkit_matrix(names: list[str]) -> np.ndarray:
    """(52, len(names)) float64 matrix taking ICT weights to the 52 Live Link channels (pairs averaged)."""
    m = np.zeros((len(LIVELINK_BLENDSHAPES), len(names)))
    index = {n: i for i, n in enumerate(LIVELINK_BLENDSHAPES)}
    for j, name in enumerate(names):
        col = arkit_name(name)
        if col not in index:
            raise ValueError(f"blendshape '{name}' has no Live Link Face channel")
        m[index[col], j] = 1.0
    return m / np.maximum(m.sum(1, keepdims=True), 1.0)


def head_angles(rotation: np.ndarray) -> np.ndarray:
    """(T, 3) axis-angle → (T, 3) yaw, pitch, roll in radians (Live Link Face column order)."""
    r = ops.axis_angle_to_matrix(torch.as_tensor(np.asarray(rotation, dtype=np.float64)).reshape(-1, 3))
    pyr = ops.matrix_to_euler(r).numpy() * (math.pi / 180)
    return pyr[:, [1, 0, 2]]


def timecode(t: float, fps: float) -> str:
    """Seconds → ``HH:MM:SS:FF.fff`` (frame within the second at ``fps``, then its fraction).

    Rounded to a thousandth of a frame, so float32 times such as 1.2999999 give ``...:01:09.000``.
    """
    t = max(float(t), 0.0)
    whole = math.floor(t)
    q = round((t - whole) * fps * 1000)  # thousandths of a frame within the second
    if q >= round(fps * 1000):
        whole, q = whole + 1, 0
    ff, frac = divmod(q, 1000)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{ff:02d}.{frac:03d}"


def _times(trajectory: Any) -> np.ndarray:
    t = getattr(trajectory, "times", None)
    n = len(trajectory.expression)
    return np.asarray(t, dtype=np.float64) if t is not None else np.arange(n) / float(trajectory.fps)


def write_livelink_csv(path: str | Path, trajectory: Any, names: list[str]) -> Path:
    """Write a trajectory's weights and head rotation as a Live Link Face CSV.

    Args:
        trajectory: with ``expression (T, 53)`` in the order of ``names``, ``rotation (T, 3)``
            axis-angle, ``times (T,)`` seconds, ``fps``.
        names: the ICT blendshape names (``HeadModel.expression_names``).
    """
    w = np.asarray(trajectory.expression, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != len(names):
        raise ValueError(f"expression must be (T, {len(names)}), got {w.shape}")
    arkit = w @ arkit_matrix(list(names)).T
    angles = head_angles(trajectory.rotation)
    eyes = np.zeros((len(w), 6))
    values = np.concatenate([arkit, angles, eyes], 1)
    buf = io.StringIO()
    buf.write(",".join(LIVELINK_HEADER) + "\n")
    count = len(LIVELINK_BLENDSHAPES) + len(LIVELINK_ROTATIONS)
    for t, row in zip(_times(trajectory), values):
        buf.write(f"{timecode(t, float(trajectory.fps))},{count}," + ",".join(f"{v:.6f}" for v in row) + "\n")
    return atomic_write(path, buf.getvalue().encode())


def write_weights_json(path: str | Path, trajectory: Any, names: list[str]) -> Path:
    """Write per-frame blendshape weights by ICT name, plus head angles and the anchors, as JSON.

    Layout: ``{"fps", "names", "anchor_frames", "labels", "frames": [{"frame", "time", "weights":
    {name: w}, "head_pitch_yaw_roll_deg": [p, y, r]}]}``.
    """
    w = np.asarray(trajectory.expression, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != len(names):
        raise ValueError(f"expression must be (T, {len(names)}), got {w.shape}")
    pyr = head_angles(trajectory.rotation)[:, [1, 0, 2]] * (180 / math.pi)
    frames = [
        {
            "frame": i,
            "time": round(float(t), 6),
            "weights": {n: round(float(v), 6) for n, v in zip(names, w[i])},
            "head_pitch_yaw_roll_deg": [round(float(a), 4) for a in pyr[i]],
        }
        for i, t in enumerate(_times(trajectory))
    ]
    doc = {
        "fps": float(trajectory.fps),
        "names": list(names),
        "anchor_frames": [int(a) for a in getattr(trajectory, "anchor_frames", [])],
        "labels": [str(s) for s in getattr(trajectory, "labels", [])],
        "frames": frames,
    }
    return atomic_write(path, json.dumps(doc, indent=1).encode())
