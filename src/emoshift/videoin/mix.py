"""The instructed emotion laid over a person's own, frame by frame (pure functions on weight arrays).

Each frame ``t`` of the clip has its own fitted expression ``own[t]`` (53 ICT weights). The instruction's
trajectory ``traj[t]`` starts at the clip's resting face (``baseline``: the median fitted expression) and
moves through the planned emotions. What the frame shows is its own expression plus the trajectory's
change from rest, per channel weighted by :func:`channel_weights`:

    change[t] = clip(smooth(own)[t] + fade[t] * w * (traj[t] - baseline), 0, 1) - smooth(own)[t]
    target[t] = clip(own[t] + change[t], -JITTER_ROOM, 1 + JITTER_ROOM)

* ``w = 1`` on the brows, eyes (wide, squint), cheeks and nose: they follow the emotion; but an eye
  the person has closed is not opened: the eyeWide change is scaled by the eye's own openness
  (1 - its eyeBlink), as the photo shows no eyeball to open onto (:func:`eye_openness`);
* ``w = 0`` on the speech channels (jaw, mouthClose, funnel, pucker, lip rolls, mouth sideways), on
  eyeBlink and on gaze: the speaker's own opening and closing, their own blinks and closed eyes, and
  where they look stay as they are;
* ``w = MOUTH_BLEND`` on the other mouth channels (smile, frown, stretch, press, dimple, shrug, lip raise
  and lower, cheek puff): the emotion's mouth shape blended with the speaker's own;
* ``fade`` (:func:`face_fade`) takes the change to zero over :data:`FADE_SECONDS` towards frames without a
  face, so the effect neither pops on when a face is found nor off when it is lost.

Because the change is added to each frame's own fit, the fit's frame-to-frame noise is not rendered twice:
the warp of frame ``t`` moves its face by ``target[t] - own[t] = change[t]``, which follows the smooth
trajectory. The clip to [0, 1] (a brow cannot be raised less than not at all) is taken on the fit smoothed
over time (:func:`smooth`, a Gaussian of :data:`SMOOTH_SECONDS`): clipped on the raw fit, the change would
be ``-own[t]`` there and carry the fit's jitter into the picture (flicker on a still face). For the same
reason the target may leave [0, 1] by the fit's deviation from its smoothed value (at most
:data:`JITTER_ROOM`): the blendshapes are linear, a few hundredths beyond the range are rendered as such.
"""

from __future__ import annotations

import numpy as np

#: Channels that carry speech: the speaker's own weights are kept.
SPEECH = ("jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthFunnel", "mouthPucker",
          "mouthRollLower", "mouthRollUpper", "mouthLeft", "mouthRight")  # fmt: skip
#: Where the eyes look, and their blinks, are the person's, not the emotion's.
GAZE_PREFIX = "eyeLook"
BLINK_PREFIX = "eyeBlink"
#: Channels that open an eye further, each with the blink channel of the same eye.
EYE_OPENERS = (("eyeWide_L", "eyeBlink_L"), ("eyeWide_R", "eyeBlink_R"))
#: Weight of the emotion's change on the mouth channels that are not speech.
MOUTH_BLEND = 0.6
FADE_SECONDS = 0.25
SMOOTH_SECONDS = 0.08
JITTER_ROOM = 0.1
#: A frame whose largest weight change is below this is passed through untouched (nothing to render).
MIN_CHANGE = 1e-3


def channel_weights(names: list[str]) -> np.ndarray:
    """(53,) float32: how much of the emotion's change each channel takes (see the module docstring)."""
    w = np.ones(len(names), np.float32)
    for i, n in enumerate(names):
        if n in SPEECH or n.startswith(GAZE_PREFIX) or n.startswith(BLINK_PREFIX):
            w[i] = 0.0
        elif n.startswith("mouth") or n.startswith("cheekPuff"):
            w[i] = MOUTH_BLEND
    return w


def baseline(own: np.ndarray) -> np.ndarray:
    """(T, 53) fitted expressions of the frames with a face -> (53,) the resting face: their median."""
    return np.median(np.asarray(own, np.float32).reshape(-1, 53), axis=0).astype(np.float32)


def face_fade(has_face: np.ndarray, fade_frames: float) -> np.ndarray:
    """(T,) bool -> (T,) float32 in [0, 1]: 0 on frames without a face, rising with the distance (frames)
    to the nearest one as a smoothstep over ``fade_frames``; 1 everywhere when every frame has a face."""
    has = np.asarray(has_face, bool)
    n = len(has)
    if has.all() or fade_frames <= 0:
        return has.astype(np.float32)
    dist = np.full(n, np.inf)
    last = -np.inf
    for i in range(n):  # distance to the nearest faceless frame, both directions
        last = i if not has[i] else last
        dist[i] = i - last
    last = np.inf
    for i in range(n - 1, -1, -1):
        last = i if not has[i] else last
        dist[i] = min(dist[i], last - i)
    x = np.clip(dist / fade_frames, 0.0, 1.0)
    return (x * x * (3 - 2 * x)).astype(np.float32)


def eye_openness(own: np.ndarray, names: list[str]) -> np.ndarray:
    """(T, 53) own expressions -> (T, 53) float32 per-frame factor on the change: 1 - eyeBlink on the
    :data:`EYE_OPENERS` channels (an eye closed in the video is not opened), 1 elsewhere."""
    own = np.asarray(own, np.float32)
    out = np.ones_like(own)
    for wide, blink in EYE_OPENERS:
        out[:, names.index(wide)] = 1.0 - np.clip(own[:, names.index(blink)], 0.0, 1.0)
    return out


def smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """(T, C) -> (T, C) float32 Gaussian-smoothed over time (sigma in frames; edges held)."""
    from scipy.ndimage import gaussian_filter1d

    x = np.asarray(x, np.float32)
    return x.copy() if sigma_frames <= 0 or len(x) < 2 else gaussian_filter1d(x, sigma_frames, axis=0, mode="nearest")


def targets(
    own: np.ndarray, traj: np.ndarray, rest: np.ndarray, weights: np.ndarray, fade: np.ndarray, names: list[str],
    sigma_frames: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """The formulas of the module docstring (w times :func:`eye_openness`). own, traj: (T, 53); rest,
    weights: (53,); fade: (T,); names: the 53 channel names; sigma_frames: of :func:`smooth`
    -> (T, 53) float32 in [-JITTER_ROOM, 1 + JITTER_ROOM]."""
    own = np.asarray(own, np.float32)
    calm = smooth(own, sigma_frames)
    w = weights * eye_openness(calm, names) * np.asarray(fade, np.float32)[:, None]
    change = np.clip(calm + (np.asarray(traj, np.float32) - rest) * w, 0.0, 1.0) - calm
    return np.clip(own + change, -JITTER_ROOM, 1.0 + JITTER_ROOM).astype(np.float32)


def changed(own: np.ndarray, target: np.ndarray, rot_change: np.ndarray | None = None) -> np.ndarray:
    """(T,) bool: frames with a face (finite ``own``) whose target differs from their own expression by at
    least :data:`MIN_CHANGE` in some channel (or whose head turns by that many radians, ``rot_change``
    (T,)), i.e. the frames to reenact (the others are copied)."""
    own, target = np.asarray(own, np.float32), np.asarray(target, np.float32)
    face = np.isfinite(own).all(1)
    diff = np.abs(np.where(face[:, None], target - own, 0.0)).max(1)
    if rot_change is not None:
        diff = np.maximum(diff, np.asarray(rot_change, np.float32))
    return face & (diff >= MIN_CHANGE)


def pose_targets(own_rot: np.ndarray, traj_rot: np.ndarray, source_rot: np.ndarray, fade: np.ndarray) -> np.ndarray:
    """The emotion's head-pose offset on top of the person's own pose (the ``pose`` option).

    own_rot, traj_rot: (T, 3) axis-angle (the fit's, the trajectory's absolute); source_rot: (3,) the
    trajectory's first anchor; fade: (T,). The offset ``R_source^-1 R_traj[t]`` (what the planner added
    to the source pose), its angle scaled by ``fade[t]``, is composed after the frame's own rotation:
    ``R_own[t] R_offset[t]`` -> (T, 3) float32."""
    from emoshift.planning import compose_rotations

    offsets = compose_rotations(-np.asarray(source_rot, np.float32), np.asarray(traj_rot, np.float32))
    offsets = offsets * np.asarray(fade, np.float32)[:, None]
    own_rot = np.asarray(own_rot, np.float32).reshape(-1, 3)
    out = [compose_rotations(r, o[None])[0] for r, o in zip(own_rot, offsets, strict=True)]
    return np.stack(out).astype(np.float32)
