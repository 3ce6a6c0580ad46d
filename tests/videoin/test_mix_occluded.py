"""An occluded mouth at the instructed apex (a hand over it, :func:`emoshift.videoin.occlusion.fade_mouth`): the
speaker's opening is kept (the jaw, the lips' raise and lower: speech, and what would paint an opening and
teeth beside the occluder); behind a held pixel mask (:func:`emoshift.videoin.occlusion.mouth_masked`) the
mouth's shape follows the emotion as on an uncovered face (the corners: smile, frown, dimple, stretch;
press; the sideways pull of contempt's smirk), drawn behind the occluder; an occluder not (yet) masked
leaves the whole mouth the speaker's. Values of the mix on test_mix_apex's talking speaker with the real
trajectory, the mouth covered and masked all through; no rendering.

Measured (7 emotions, every prototype variant, speaker seeds 0-5): the apex strength over the prototype's
0.916-1.034 (the least: disgust, whose upper lip's raise, AU10, stays the speaker's; the mouth's shape
otherwise whole: contempt 0.997-1.003, fear 0.993-0.996, sadness 0.928-1.001, happiness 0.999-1.000);
the control, all of the mouth's channels the speaker's (the former rule, ``fade_mouth`` without
``masked``): contempt 0.33-0.39, sadness 0.54-0.70, fear 0.71-0.78, anger 0.74-0.84, happiness
0.79-0.83, disgust 0.69-0.87 (surprise, whose defining mouth is its jaw, 0.95-1.03 either way).
"""

import numpy as np
import pytest
from mixclip import mixed
from test_mix_apex import speaker

from emoshift.emotions import EMOTIONS, EXPRESSION_NAMES, apex_strength, n_variants, prototype
from emoshift.videoin import mix
from emoshift.videoin.occlusion import fade_mouth

NAMES = list(EXPRESSION_NAMES)
SEEDS = range(4)
MIN_RATIO = 0.85
#: The emotions whose defining shapes include the mouth's shape (not only its opening).
SHAPED = ("happiness", "anger", "fear", "contempt", "sadness")


def covered_ratios(masked: bool = True) -> dict[tuple[str, int, int], float]:
    """Apex strength of the targets with the mouth occluded and masked throughout / the prototype's, per
    (emotion, variant, seed); ``masked`` False: fade_mouth without the mask's extent (the former rule, every
    jaw and mouth channel the speaker's under an occluder)."""
    out = {}
    for emo in EMOTIONS[1:]:
        for v in range(n_variants(emo)):
            full = float(apex_strength(prototype(emo, v), emo)[0])
            for seed in SEEDS:
                own = speaker(seed)
                target, _, apex = mixed(own, emo, v)
                ones = np.ones(len(own), np.float32)
                got = fade_mouth(target, own, ones, NAMES, ones if masked else None)
                out[emo, v, seed] = float(apex_strength(got[apex], emo).mean()) / full
    return out


def test_an_occluded_mouth_keeps_the_emotions_shape_at_the_apex():
    r = covered_ratios()
    worst = min(r, key=r.get)
    assert r[worst] >= MIN_RATIO, (worst, r[worst])
    old = covered_ratios(masked=False)  # control: the whole mouth the speaker's
    for emo in SHAPED:
        assert np.median([v for k, v in old.items() if k[0] == emo]) < MIN_RATIO, emo


@pytest.mark.parametrize("emotion,variant", [("anger", 0), ("surprise", 1), ("contempt", 0)])
def test_an_occluded_mouth_keeps_the_speakers_opening(emotion, variant):
    own = speaker(1)
    target, _, apex = mixed(own, emotion, variant)
    covered = np.zeros(len(own), np.float32)
    covered[apex] = 1.0
    got = fade_mouth(target, own, covered, NAMES, covered)
    opening = [NAMES.index(n) for n in ("jawOpen", "mouthLowerDown_L", "mouthUpperUp_R", "mouthClose")]
    np.testing.assert_allclose(got[np.ix_(apex, opening)], own[np.ix_(apex, opening)], atol=1e-6)
    # the target there differed (the emotion's opening was laid over the speaker's)
    assert np.abs(target[np.ix_(apex, opening)] - own[np.ix_(apex, opening)]).max() > 0.05
    shape = [i for i, n in enumerate(NAMES) if not mix.opening_channels(NAMES)[i]]
    np.testing.assert_array_equal(got[:, shape], target[:, shape])  # the rest follows the emotion, untouched
    uncovered = np.setdiff1d(np.arange(len(own)), apex)
    np.testing.assert_array_equal(got[uncovered], target[uncovered])
    # an occluder not masked on those frames (arriving, blurred, found late): the whole mouth the speaker's
    late = fade_mouth(target, own, covered, NAMES, np.zeros(len(own), np.float32))
    mouth = [i for i, n in enumerate(NAMES) if n.startswith(mix.MOUTH_PREFIXES)]
    np.testing.assert_allclose(late[np.ix_(apex, mouth)], own[np.ix_(apex, mouth)], atol=1e-6)


def test_the_mouths_shape_waits_for_a_held_mask():
    """A hand found on frames 20-59 of 80 (fps 30): the mouth's fade is held and eased around them
    (mouth_fade), the masked share only inside them, eased in over MOUTH_HOLD_SECONDS after the mask
    appears, and out before it goes."""
    from emoshift.headmodel.mp_indices import OUTER_LIPS
    from emoshift.videoin.occlusion import MOUTH_HOLD_SECONDS, mouth_fade, mouth_masked

    w = np.zeros((80, 478), np.float32)
    w[20:60, list(OUTER_LIPS)] = 1.0
    fade, masked = mouth_fade(w, 30.0), mouth_masked(w, 30.0)
    k = int(round(MOUTH_HOLD_SECONDS * 30.0))
    assert fade[20 - k] > 0.3 and masked[: 20].max() == 0.0 and masked[60:].max() == 0.0
    assert masked[20] < 0.2 and masked[20 + 2 * k :60 - 2 * k].min() == 1.0
    assert np.abs(np.diff(masked)).max() <= 1.0 / (2 * k + 1) + 1e-6  # eased: no step
    assert (masked <= fade + 1e-6).all()


def test_the_opening_channels():
    opening = {n for n, o in zip(NAMES, mix.opening_channels(NAMES), strict=True) if o}
    assert {"jawOpen", "mouthLowerDown_L", "mouthUpperUp_R", "mouthClose", "mouthFunnel"} <= opening
    assert not opening & {"mouthLeft", "mouthRight", "mouthSmile_L", "mouthFrown_R", "mouthDimple_L",
                          "mouthStretch_R", "mouthPress_L", "mouthShrugUpper", "browDown_L", "eyeBlink_L", "cheekPuff_L"}  # fmt: skip
