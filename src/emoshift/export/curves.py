"""Blendshape curves: a Live Link Face CSV (Epic's iPhone app layout) and a per-frame weights JSON.

Both use the 52 ARKit names of :mod:`emoshift.export.arkit` (the ``.glb``'s morph target names); the
CSV capitalises them as Live Link Face does (``EyeBlinkLeft``).

The CSV has Live Link Face's 63 columns: ``Timecode`` (``HH:MM:SS:FF.fff``), ``BlendShapeCount`` (61),
the 52 ARKit channels in the app's order, then HeadYaw/HeadPitch/HeadRoll and the six eye rotations.

* Rate: Unreal's Live Link Face importer derives the frame rate from the timecodes and knows only 30
  and 60 fps, so the curves are resampled (linear interpolation between frames) to 30 fps for clips of
  30 fps or less and 60 fps above; frame ``FF`` counts from 0 to 29 (59), the fraction is ``.000``.
* Duration: as in Live Link Face's own recordings, each row is one frame, starting at its timecode and
  lasting one CSV frame (1/30 or 1/60 s). The rows cover the clip as the video plays it, N frames of
  1/fps = N/fps seconds (the video's, the ``.glb`` animation's length): rows start from the first frame's
  time while they start before ``N / fps`` (rows * (1 / rate) = N/fps when that is a whole number of
  CSV frames, else up to one CSV frame more); a row after the last frame's start holds its values
  (24 fps, 120 frames: 150 rows at 30 fps, the last at 4.967 s showing frame 119 of 4.958 s).
* Gaze is relative to the source photo: the photo's fitted gaze (the ``source`` anchor's eyeLook
  weights) is taken out of every frame (:func:`emoshift.export.arkit.relative_gaze`), so a rig looks
  ahead where the photo looked and moves its eyes only where the animation does (e.g. sadness's
  downcast eyes). The eye rotation columns are those relative gaze weights as angles
  (:func:`emoshift.export.arkit.eye_angles`: 30 degrees of yaw, 25 of pitch per unit weight).
* ``TongueOut`` is 0: the head model has no tongue shape.

Angles are in radians: yaw turns the face (eye) towards the subject's left, pitch looks down, roll
tilts the top of the head towards the subject's right (``emoshift.headmodel.ops`` conventions).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from emoshift.export.arkit import (
    ARKIT_NAMES,
    arkit_raw_value,
    arkit_weights,
    eye_angles,
    ict_names_by_arkit,
    relative_gaze,
)
from emoshift.rotations import axis_angle_to_matrix, matrix_to_euler
from emoshift.io import atomic_write

#: the 52 ARKit blendshapes as Live Link Face's CSV columns (capitalised), in its order
LIVELINK_BLENDSHAPES: tuple[str, ...] = tuple(n[0].upper() + n[1:] for n in ARKIT_NAMES)
LIVELINK_ROTATIONS: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)  # fmt: skip
LIVELINK_HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount", *LIVELINK_BLENDSHAPES, *LIVELINK_ROTATIONS)
LIVELINK_RATES = (30.0, 60.0)  # the frame rates Unreal's importer derives from timecodes


def head_angles(rotation: np.ndarray) -> np.ndarray:
    """(T, 3) axis-angle → (T, 3) yaw, pitch, roll in radians (Live Link Face column order)."""
    r = axis_angle_to_matrix(np.asarray(rotation, dtype=np.float64).reshape(-1, 3))
    pyr = matrix_to_euler(r) * (math.pi / 180)
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


def livelink_rate(fps: float) -> float:
    """The CSV's frame rate for a clip at ``fps``: 30 up to 30 fps, else 60 (see the module notes)."""
    return LIVELINK_RATES[0] if fps <= LIVELINK_RATES[0] else LIVELINK_RATES[1]


def resample(times: np.ndarray, values: np.ndarray, rate: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """(T,) seconds and (T, K) values → the times ``times[0] + k / rate`` before ``end`` (at least one) and
    the values linearly interpolated there (held after ``times[-1]``), (N,) and (N, K)."""
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64).reshape(len(t), -1)
    n = max(1, int(math.ceil((end - t[0]) * rate - 1e-3)))  # 1e-3 frame: float32 times
    out_t = t[0] + np.arange(n) / rate
    return out_t, np.stack([np.interp(out_t, t, v[:, k]) for k in range(v.shape[1])], 1)


def _times(trajectory: Any) -> np.ndarray:
    t = getattr(trajectory, "times", None)
    n = len(trajectory.expression)
    return np.asarray(t, dtype=np.float64) if t is not None else np.arange(n) / float(trajectory.fps)


def source_frame(trajectory: Any) -> int | None:
    """Frame of the trajectory's ``source`` anchor (the photo's fitted face), or None without one."""
    labels = list(getattr(trajectory, "labels", []))
    frames = list(getattr(trajectory, "anchor_frames", []))
    return int(frames[labels.index("source")]) if "source" in labels and len(frames) == len(labels) else None


def livelink_rows(trajectory: Any, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(N,) seconds at :func:`livelink_rate` and (N, 61) Live Link Face values (blendshapes, head, eyes)."""
    arkit = arkit_weights(trajectory.expression, list(names))
    src = source_frame(trajectory)
    if src is not None:
        arkit = relative_gaze(arkit, arkit[src])
    values = np.concatenate([arkit, head_angles(trajectory.rotation), eye_angles(arkit)], 1)
    times = _times(trajectory)
    fps = float(trajectory.fps)
    return resample(times, values, livelink_rate(fps), end=times[-1] + 1 / fps)  # the last frame lasts 1/fps


def write_livelink_csv(path: str | Path, trajectory: Any, names: list[str]) -> Path:
    """Write a trajectory's weights, head and eye rotations as a Live Link Face CSV (see the module notes).

    Args:
        trajectory: with ``expression (T, 53)`` in the order of ``names``, ``rotation (T, 3)``
            axis-angle, ``times (T,)`` seconds, ``fps``, and ``anchor_frames``/``labels`` (a
            ``source`` anchor sets the gaze reference).
        names: the head model's blendshape names (``HeadModel.expression_names``).
    """
    times, values = livelink_rows(trajectory, names)
    rate = livelink_rate(float(trajectory.fps))
    buf = io.StringIO()
    buf.write(",".join(LIVELINK_HEADER) + "\n")
    count = len(LIVELINK_BLENDSHAPES) + len(LIVELINK_ROTATIONS)
    for t, row in zip(times, values):
        buf.write(f"{timecode(t, rate)},{count}," + ",".join(f"{v:.6f}" for v in row) + "\n")
    return atomic_write(path, buf.getvalue().encode())


def write_weights_json(path: str | Path, trajectory: Any, names: list[str]) -> Path:
    """Write per-frame ARKit weights (as the ``.glb`` plays them), head angles and the anchors, as JSON.

    Layout: ``{"fps", "names" (the 52 ARKit names), "arkit_raw_names" (ARKit's raw values, ``eyeBlink_L``,
    in the same order), "ict_names" {ARKit name: [head-model shapes]},
    "gaze_reference" {eyeLook name: weight} (the source photo's gaze, which the CSV takes out),
    "anchor_frames", "labels", "frames": [{"frame", "time", "weights": {name: w},
    "head_pitch_yaw_roll_deg": [p, y, r]}]}``.
    """
    w = arkit_weights(trajectory.expression, list(names))
    pyr = head_angles(trajectory.rotation)[:, [1, 0, 2]] * (180 / math.pi)
    frames = [
        {
            "frame": i,
            "time": round(float(t), 6),
            "weights": {n: round(float(v), 6) for n, v in zip(ARKIT_NAMES, w[i])},
            "head_pitch_yaw_roll_deg": [round(float(a), 4) for a in pyr[i]],
        }
        for i, t in enumerate(_times(trajectory))
    ]
    src = source_frame(trajectory)
    gaze = {} if src is None else {n: round(float(v), 6) for n, v in zip(ARKIT_NAMES, w[src]) if "eyeLook" in n}
    doc = {
        "fps": float(trajectory.fps),
        "names": list(ARKIT_NAMES),
        "arkit_raw_names": [arkit_raw_value(n) for n in ARKIT_NAMES],
        "ict_names": ict_names_by_arkit(list(names)),
        "gaze_reference": gaze,
        "anchor_frames": [int(a) for a in getattr(trajectory, "anchor_frames", [])],
        "labels": [str(s) for s in getattr(trajectory, "labels", [])],
        "frames": frames,
    }
    return atomic_write(path, json.dumps(doc, indent=1).encode())
