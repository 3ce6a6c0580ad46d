"""The video mix's lids at the instructed apex: eyes held shut for seconds (a crying face) are expression and
open to the emotion's lids, as the still photo's apex of the same frame opens them, while a speaker's blinks
ride on the emotion's lids (values of emoshift.videoin.mix on synthetic clips, with the real trajectory; no
rendering).

Thresholds from the measured distribution (the emotions whose prototype widens the eyes, fear and surprise,
every variant; the 7 emotions for the blinks; 6 seeds each):

* eyes held shut through the clip (eyeBlink 0.85-0.95; 30 cases): at the apex the target's eyeWide reached
  >= 0.96 of the emotion's (MIN_WIDE_SHARE 0.8) and its eyeBlink was within 0.044 of the emotion's
  (MAX_LID_ERR 0.1); the control, the previous rule (blinks kept as the speaker's: ROLE_KEEP), left the
  eyes shut (eyeBlink error >= 0.87) and eyeWide at <= 0.22 of the emotion's;
* a speaker with open eyes who blinks every 0.8-1.6 s (0.2 s closures to 0.9; 114 cases): the lids' range
  at the apex (max - min) was >= 0.91 of the speaker's (MIN_BLINK_RANGE 0.8); the control, the lids of the
  emotion's trajectory as on a still photo, has none of the blinks (0).
"""

import numpy as np

from emoshift.emotions import EMOTIONS, EXPRESSION_NAMES, n_variants, prototype
from emoshift.videoin import mix
from mixclip import FPS, mixed

NAMES = list(EXPRESSION_NAMES)
SEEDS = range(6)
MIN_WIDE_SHARE = 0.8
MAX_LID_ERR = 0.1
MIN_BLINK_RANGE = 0.8
BLINK = [NAMES.index("eyeBlink_L"), NAMES.index("eyeBlink_R")]
WIDE = [NAMES.index("eyeWide_L"), NAMES.index("eyeWide_R")]


def shut(seed: int, t: int = 120) -> np.ndarray:
    """(t, 53) a face that keeps its eyes shut through the clip (eyeBlink 0.85-0.95); fit noise."""
    rng = np.random.default_rng(seed)
    own = np.repeat(rng.uniform(0, 0.1, 53)[None], t, 0).astype(np.float32)
    own[:, BLINK] = rng.uniform(0.85, 0.95, 2)
    own += 0.02 * rng.standard_normal(own.shape).astype(np.float32)
    return np.clip(own, 0, 1)


def blinker(seed: int, t: int = 120) -> np.ndarray:
    """(t, 53) open eyes (eyeBlink ~0.1) that blink every 0.8-1.6 s, each a 0.2 s closure to 0.9; fit noise."""
    rng = np.random.default_rng(seed)
    own = np.repeat(rng.uniform(0, 0.1, 53)[None], t, 0).astype(np.float32)
    own[:, BLINK] = 0.1
    k = int(rng.integers(0, 10))
    while k < t:
        n = int(0.2 * FPS)
        closing = 0.1 + 0.8 * np.sin(np.linspace(0, np.pi, n))[: t - k, None]
        own[k : k + len(closing), BLINK] = closing
        k += int(rng.uniform(0.8, 1.6) * FPS)
    own += 0.02 * rng.standard_normal(own.shape).astype(np.float32)
    return np.clip(own, 0, 1)


def with_lids(role):
    """The mix with the lids (eyeBlink) given ``role``: a control rule."""

    def rule(own, traj, rest, roles, *args):
        roles = np.array(roles)
        roles[BLINK] = role
        return mix.targets(own, traj, rest, roles, *args)

    return rule


def opened(rule):
    """{(emotion, variant, seed): (eyeWide at the apex over the emotion's, |eyeBlink - the emotion's|)}
    for a face with its eyes held shut, over the variants that widen the eyes."""
    out = {}
    for e in ("fear", "surprise"):
        for v in range(n_variants(e)):
            if prototype(e, v)[WIDE].mean() < 0.2:
                continue
            for seed in SEEDS:
                target, traj, apex = mixed(shut(seed), e, v, rule)
                wide = float(target[apex][:, WIDE].mean() / traj[apex][:, WIDE].mean())
                out[e, v, seed] = (wide, float(np.abs(target[apex][:, BLINK] - traj[apex][:, BLINK]).mean()))
    return out


def test_eyes_held_shut_open_to_the_emotions_lids_at_its_apex():
    got = opened(mix.targets)
    assert len(got) >= 12
    assert min(w for w, _ in got.values()) >= MIN_WIDE_SHARE, min(got.items(), key=lambda kv: kv[1][0])
    assert max(err for _, err in got.values()) <= MAX_LID_ERR, max(got.items(), key=lambda kv: kv[1][1])
    old = opened(with_lids(mix.ROLE_KEEP))  # control: the previous rule kept the shut eyes
    assert max(w for w, _ in old.values()) < MIN_WIDE_SHARE
    assert min(err for _, err in old.values()) > MAX_LID_ERR


def photo_lids(own, traj, rest, roles, *args):
    """Control: the lids of the emotion's trajectory (the still photo's), the speaker's blinks dropped."""
    out = mix.targets(own, traj, rest, roles, *args)
    out[:, BLINK] = traj[:, BLINK]
    return out


def blink_ranges(rule):
    """{(emotion, variant, seed): the lids' range at the apex, target over the speaker's}."""
    out = {}
    for e in EMOTIONS[1:]:
        for v in range(n_variants(e)):
            for seed in SEEDS:
                own = blinker(seed)
                target, _, apex = mixed(own, e, v, rule)
                span = lambda x: float(x.max() - x.min())  # noqa: E731
                out[e, v, seed] = span(target[apex][:, BLINK].mean(1)) / span(own[apex][:, BLINK].mean(1))
    return out


def test_a_speakers_blinks_ride_on_the_emotions_lids():
    r = blink_ranges(mix.targets)
    assert len(r) > 20
    worst = min(r, key=r.get)
    assert r[worst] >= MIN_BLINK_RANGE, (worst, r[worst])
    gone = blink_ranges(photo_lids)  # control: the emotion's lids replace the blinks
    assert max(gone.values()) < MIN_BLINK_RANGE


def test_eyes_at_rest_shut_stay_shut_before_the_emotion():
    own = shut(0)
    target, _, _ = mixed(own, "surprise", 0)
    np.testing.assert_allclose(target[:10][:, BLINK], own[:10][:, BLINK], atol=1e-6)
