"""Disgust's mouth is an arch, its corners below the middle of its lips (EMFACS 9+10+15+17; Ekman & Friesen,
*Unmasking the Face*, 1975, ch. 6), on the grey head: :func:`emoshift.planning.with_wrinkled_nose_mouth` lowers
disgust's lip corners (mouthFrown >= 0.9 x noseSneer, AU15) and pushes its lower lip up (mouthShrugLower >= 1.0 x
noseSneer, AU17) with its nose wrinkle (session 23: the renders' level band of teeth read as anger).

Measure: the mouth corners' height (MediaPipe 61 / 291, mean) below the middle of the inner lips (13 / 14), in
eye-corner distances of the neutral head. Thresholds are set from the measured values (in the docstrings) with a
margin; the control is the same anchors without the rule (the plan before session 23).
"""

import numpy as np
import pytest

from emoshift import emotions as em
from emoshift import planning as P

#: the corners at least this far below the lips' middle (eye-corner distances): measured -0.095 to -0.086 with the
#: rule, -0.090 to -0.064 without it (the generator's seed 0, the panels', -0.064)
ARCH = -0.078


@pytest.fixture(scope="module")
def corners(head_model):
    """(N, 53) expressions -> (N,) the corners' height above the inner lips' middle, eye-corner distances."""
    rest = head_model(expression=np.zeros((1, 53), np.float32)).landmarks[0]
    eye = np.linalg.norm(rest[33] - rest[263])

    def f(es):
        lm = np.asarray(head_model(expression=np.asarray(es, np.float32)).landmarks)
        return ((lm[:, 61, 1] + lm[:, 291, 1]) / 2 - (lm[:, 13, 1] + lm[:, 14, 1]) / 2) / eye

    return f


def _anchors(words):
    from emoshift.models.generator import Generator, default_checkpoint_path

    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint")
    gen = Generator.load_default()
    return np.stack([gen.generate(f"Make this face look {w}.", seed=s)[0].expressions[0]
                     for w in words for s in range(8)])  # fmt: skip


def test_disgust_anchors_lower_their_corners_below_the_lips(corners):
    """The shipped generator's disgust anchors ("disgusted / revolted / repulsed", seeds 0-7) through the rule: the
    corners -0.095 to -0.086 eye-corner distances below the lips' middle (threshold ARCH -0.078). Controls: the same
    anchors without the rule, -0.090 to -0.064 (seed 0's -0.064 among those above ARCH); anger's squared shout
    (-0.003 to -0.001) and happiness (+0.05 to +0.08), which the rule leaves as they are."""
    words = ("disgusted", "revolted", "repulsed")
    es = _anchors(words)
    after = corners(P.with_wrinkled_nose_mouth(es, ["disgust"] * len(es)))
    assert (after <= ARCH).all(), after
    before = corners(es)  # control: the former plan
    assert not (before <= ARCH).all() and before.max() > ARCH + 0.01, before
    for emo, ws in (("anger", ("angry", "furious")), ("happiness", ("happy",))):
        other = _anchors(ws)
        kept = P.with_wrinkled_nose_mouth(other, [emo] * len(other))
        np.testing.assert_array_equal(kept, other.clip(0.0, 1.0))
        assert (corners(kept) > ARCH + 0.05).all()


def test_disgust_prototypes_through_the_rule_make_the_arch(corners):
    """The three disgust prototype variants through the rule: -0.094 to -0.086 (without it -0.069, -0.061, -0.027: the
    third variant, 9E+10B+17D, has no AU15)."""
    protos = np.stack([em.prototype("disgust", v) for v in range(em.n_variants("disgust"))])
    after = corners(P.with_wrinkled_nose_mouth(protos, ["disgust"] * len(protos)))
    assert (after <= ARCH).all(), after
    assert (corners(protos) > ARCH).all()  # control
