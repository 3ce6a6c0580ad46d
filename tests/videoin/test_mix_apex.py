"""The video mix at the instructed apex, over a talking speaker who smiles and raises the brows there
(values of emoshift.videoin.mix on a synthetic clip, with the real trajectory; no rendering).

The still-photo path shows the emotion's anchor itself at its apex; the video frame must show it as
strongly (the emotion's defining shapes, :func:`emoshift.emotions.apex_strength`), while the speaker's
jaw keeps moving with the input. Thresholds from the measured distribution (7 emotions, every prototype
variant, 4 speaker seeds): the ratio to the prototype's strength was >= 0.93 (sadness's third variant,
whose look down is the speaker's own gaze in a video; >= 0.98 for the others), the jaw's slope on the
speaker's 1.0 and its mean within 0.01 of the emotion's (anger's shouting variants: >= 0.998); the controls
measured 0.87 (contempt, 1.20-1.21 since session 18, above its strength; disgust 0.898, now 0.92-0.95; anger 0.82 with its earlier bared-teeth variants and 0.97 with the
shouting ones, whose defining mouthPress the speaker's smile no longer dilutes; the emotion added to the
speaker's face), a slope of 0.31-0.66 (jaw following the emotion) and 0.22-0.46 below the
emotion's jaw (jaw kept as the speaker's).
"""

import numpy as np
import pytest

from emoshift.emotions import EMOTIONS, EXPRESSION_NAMES, apex_strength, n_variants, prototype
from emoshift.trajectory import Anchor, build_trajectory
from emoshift.videoin import mix

NAMES = list(EXPRESSION_NAMES)
FPS = 30.0
SEEDS = range(4)
MIN_RATIO = 0.9
MIN_JAW_SLOPE = 0.85
JAW_TOL = 0.03


def idx(name):
    return NAMES.index(name)


def speaker(seed: int, t: int = 120) -> np.ndarray:
    """(t, 53) a talking speaker's fit: the jaw and lower lip at 1.5-3 Hz, fit noise, and over the second
    half a smile (0.6) with raised inner brows (0.3): their own expression where the apex falls."""
    rng = np.random.default_rng(seed)
    tt = np.arange(t) / FPS
    own = np.repeat(rng.uniform(0, 0.1, 53)[None], t, 0).astype(np.float32)
    f, ph = rng.uniform(1.5, 3.0), rng.uniform(0, 2 * np.pi)
    own[:, idx("jawOpen")] = 0.15 + 0.12 * np.sin(2 * np.pi * f * tt + ph)
    for c in ("mouthLowerDown_L", "mouthLowerDown_R"):
        own[:, idx(c)] = 0.1 + 0.08 * np.sin(2 * np.pi * f * tt + ph)
    late = tt > tt[-1] / 2
    for c, v in (("mouthSmile_L", 0.6), ("mouthSmile_R", 0.6), ("browInnerUp_L", 0.3), ("browInnerUp_R", 0.3)):
        own[late, idx(c)] += v
    own += 0.02 * rng.standard_normal(own.shape).astype(np.float32)
    return np.clip(own, 0, 1)


def mixed(emotion: str, variant: int, seed: int, present: bool = True, roles=None):
    """The speaker's clip with "emotion" planned from its rest as the video path does -> (own, target,
    trajectory expression, apex frames: the last anchor's hold)."""
    own = speaker(seed)
    t = len(own)
    rest = mix.baseline(own)
    zero = np.zeros(3, np.float32)
    anchors = [Anchor(rest, zero, "source"), Anchor(prototype(emotion, variant), zero, emotion)]
    traj = build_trajectory(anchors, fps=FPS, seconds=t / FPS, idle=False)
    s = mix.presence(traj.meta["frame_bounds"], t, traj.timing) if present else np.zeros(t, np.float32)
    roles = mix.channel_roles(NAMES) if roles is None else roles
    target = mix.targets(own, traj.expression, rest, roles, np.ones(t), NAMES, mix.SMOOTH_SECONDS * FPS, s,
                         mix.HOLD_SECONDS * FPS)
    k, half = traj.anchor_frames[-1], int(traj.meta["holds"][-1] * FPS) // 2
    return own, target, traj.expression, np.arange(k - half, min(t, k + half + 1))


def ratios(**kw) -> dict[tuple[str, int, int], float]:
    """apex strength of the target at the apex frames / the prototype's, per (emotion, variant, seed)."""
    out = {}
    for emo in EMOTIONS[1:]:
        for v in range(n_variants(emo)):
            full = float(apex_strength(prototype(emo, v), emo)[0])
            for seed in SEEDS:
                _, target, _, apex = mixed(emo, v, seed, **kw)
                out[emo, v, seed] = float(apex_strength(target[apex], emo).mean()) / full
    return out


def test_the_apex_frame_shows_the_emotions_defining_shapes_as_strongly_as_the_photo_anchor():
    r = ratios()
    worst = min(r, key=r.get)
    assert r[worst] >= MIN_RATIO, (worst, r[worst])
    # control: the emotion's change added to the speaker's own face (measured from the clip's rest at the
    # apex too), as before: the speaker's smile and brows dilute disgust (0.92-0.95) and inflate contempt, whose
    # smirk shares the smile's mouthSmile (1.20-1.21; diluted to 0.80-0.82 while contempt's sideways pull, not
    # counted since session 18, was a large defining shape): both off the emotion's own strength by over 0.05
    added = ratios(present=False)
    assert max(abs(v - 1.0) for k, v in added.items() if k[0] in ("contempt", "disgust")) > 0.05
    assert min(v for k, v in added.items() if k[0] == "disgust") < 0.96


def test_the_speakers_own_smile_does_not_survive_into_the_emotion():
    own, target, traj, apex = mixed("anger", 0, 0)
    c = idx("mouthSmile_L")
    assert own[apex, c].mean() > 0.5  # the speaker smiles there
    calm = mix.smooth(own, mix.SMOOTH_SECONDS * FPS)
    np.testing.assert_allclose(target[apex, c] - (own - calm)[apex, c], traj[apex, c], atol=1e-5)
    assert target[apex, c].mean() < 0.1
    _, added, _, _ = mixed("anger", 0, 0, present=False)  # control: added to the speaker's face
    assert added[apex, c].mean() > 0.3


@pytest.mark.parametrize("emotion,variant", [("surprise", 1), ("happiness", 1), ("fear", 2), ("anger", 1)])
def test_the_jaw_follows_the_speaker_around_the_emotions_opening(emotion, variant):
    j = idx("jawOpen")

    def jaw(roles=None):
        slopes, below = [], []
        for seed in SEEDS:
            own, target, traj, apex = mixed(emotion, variant, seed, roles=roles)
            slopes.append(np.polyfit(own[apex, j], target[apex, j], 1)[0])
            below.append(traj[apex, j].mean() - target[apex, j].mean())
        return min(slopes), max(below)

    slope, below = jaw()
    assert slope >= MIN_JAW_SLOPE and below <= JAW_TOL, (slope, below)
    roles = mix.channel_roles(NAMES)
    roles[j] = mix.ROLE_FOLLOW  # control: the emotion's jaw replaces the speaker's: speech lost
    assert jaw(roles)[0] < MIN_JAW_SLOPE
    roles[j] = mix.ROLE_KEEP  # control: the speaker's jaw only (the emotion's opening lost)
    if prototype(emotion, variant)[j] > 0.3:
        assert jaw(roles)[1] > JAW_TOL
