"""Fear's brows are raised above its widened eyes and drawn together (FACS 1+2+4 with 5; Ekman & Friesen,
*Unmasking the Face*, 1975, ch. 5), on the grey head: :func:`emoshift.planning.with_brow_raise` lifts fear's
outer brows (browOuterUp >= WIDENED_BROW_RAISE x eyeWide) so the brow does not sit low over the risen lid.

Measure: each brow landmark's rise less the upper lid's rise (MediaPipe brow top 70/300 outer, 105/334 middle,
107/336 inner; lids 159/386), and the inner brows' gap change (107-336), in eye-corner distances of the neutral
head. Thresholds are set from the measured values (in the docstrings) with a margin; the controls are the anchors
without the rule (the plan before session 18) and surprise's anchors.
"""

import numpy as np
import pytest

from emoshift import emotions as em
from emoshift import planning as P

OUTER, MIDDLE, INNER = (70, 300), (105, 334), (107, 336)
LIDS = (159, 386)


@pytest.fixture(scope="module")
def brow(head_model):
    """expression (53,) -> (outer, middle, inner brow-over-lid rise, inner-brow gap change)."""
    def landmarks(e):
        return head_model(expression=np.asarray(e, np.float32)[None]).landmarks[0]

    rest = landmarks(np.zeros(53))
    eye = np.linalg.norm(rest[33] - rest[263])

    def f(e):
        dy = (landmarks(e)[:, 1] - rest[:, 1]) / eye
        lid = dy[list(LIDS)].mean()
        over = [float(dy[list(p)].mean() - lid) for p in (OUTER, MIDDLE, INNER)]
        lm = landmarks(e)
        gap = (np.linalg.norm(lm[107] - lm[336]) - np.linalg.norm(rest[107] - rest[336])) / eye
        return (*over, float(gap))

    return f


def _raised(outer, middle, inner, gap):
    """Fear's brow: above the risen lid along its length, still drawn together."""
    return outer >= 0.015 and middle >= 0.022 and inner >= middle - 0.005 and gap <= -0.015


def _anchors(emotion, words):
    from emoshift.models.generator import Generator, default_checkpoint_path

    rows = [em.prototype(emotion, v) for v in range(em.n_variants(emotion))]
    if default_checkpoint_path().is_file():
        gen = Generator.load_default()
        rows += [gen.generate(f"Make this face look {w}.", seed=s)[0].expressions[0] for w in words for s in range(8)]
    return rows


def test_fear_brows_rise_above_the_widened_lids(brow):
    """Fear's prototypes and the shipped generator's anchors ("afraid / scared / fearful", seeds 0-7) through
    the planner's rule: the brow over the lid rises +0.024 to +0.032 at the outer end, +0.032 to +0.046 in the
    middle, +0.041 to +0.057 at the inner end, the brows 0.023-0.036 together (thresholds 0.015, 0.022, gap
    -0.015). Control: the same anchors without the rule (the former plan) leave the outer brow -0.010 to +0.004
    and the middle -0.006 to +0.011 over the lid: every one fails."""
    for e in _anchors("fear", ("afraid", "scared", "fearful")):
        after = P.with_brow_raise(e[None], ["fear"])[0]
        assert _raised(*brow(after)), brow(after)
        assert not _raised(*brow(e)), brow(e)  # control: the former plan's brows


def test_fear_brows_stay_below_surprise_and_drawn_together(brow):
    """The raised fear brow is still fear's, not surprise's arch: its middle rises over the lid by at most
    0.046 (threshold 0.065) where surprise's prototypes and anchors rise 0.086-0.127 and part the brows
    (+0.029 to +0.032). Control: surprise passes the rule unchanged (not listed) and fails the fear test."""
    for e in _anchors("fear", ("afraid", "scared", "fearful")):
        _, middle, _, gap = brow(P.with_brow_raise(e[None], ["fear"])[0])
        assert middle < 0.065 and gap <= -0.015, (middle, gap)
    for e in _anchors("surprise", ("surprised", "astonished", "shocked")):
        after = P.with_brow_raise(e[None], ["surprise"])[0]
        np.testing.assert_array_equal(after, np.clip(e, 0.0, 1.0))
        _, middle, _, gap = brow(after)
        assert middle > 0.065 and gap > 0.01 and not _raised(*brow(after)), (middle, gap)
