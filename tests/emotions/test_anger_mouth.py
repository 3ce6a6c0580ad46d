"""Anger's open mouth is a squared shout, not an "O" (issue 11, session 12).

Ekman & Friesen's open-mouth anger (EMFACS 4+5+7+10+22+23+25+26) is a tensed, squarish opening, the upper
lip raised and the lower lip pushed down off the teeth; with AU22 at B and a C-E jaw drop ICT's mouthFunnel
rounded it into an "O" that read as surprise on photos. Measured on the grey head (the "head" region, where
an open mouth is a dark hole): the visible opening's *sides*, its height 12-25% in from each corner over its
tallest (a rectangle 1, an ellipse about 0.7, a diamond or an "O" with pinched corners less), and its height
between the inner lip centres (MediaPipe 13/14) in eye-corner distances. Thresholds are set from the measured
values (in the docstrings) with a margin; each test has a control that must fail it: anger's prototypes
before session 12, and surprise's prototypes and generated anchors.
"""

import numpy as np
import pytest
from scipy import ndimage

from emoshift import emotions as em

# anger's prototypes before session 12 (AU22 B, AU26 C-E, no AU11/16/20/24): the "O" mouth, the control
OLD_ANGER = ("4E+5A+7E+10D+22B+23B+25E+26D", "4E+5A+7D+10C+22B+23B+25E+26C", "4E+5A+7E+10E+22B+23B+25E+26E")
# anger's squared shout of sessions 12-18 (AU25 E, AU26 B-C: jawOpen 0.3-0.4), the jaw's control
SHOUT_BC = ("4E+5A+7E+10C+11D+16D+20C+23B+24B+25E+26B", "4E+5A+7D+10C+11C+16C+20B+23B+24B+25E+26C",
            "4E+5A+7E+10D+11E+16E+20C+23B+24B+25E+26C")
#: anger's jaw drop, at most, in every prototype variant: the first variant's jaw of sessions 12-18 (26B + 25E),
#: where session 18-19's planner capped the anchors
JAW_BOUND = 0.3
#: the generated anchors' jaw, at most (the retrained generator's 0.26-0.35 since its bank sets aside seed 1's
#: apex latent at 0.53-0.56)
JAW_GENERATED = 0.37
#: the generated anchors' inner-lip height, at most (eye-corner distances; measured 0.260-0.315)
HEIGHT_MAX = 0.34


@pytest.fixture(scope="module")
def opening(head_model):
    """(N, 53) expressions -> list of (sides, height, rise): the visible opening's height 12-25% in from its
    corners over its tallest column, the inner-lip height and the rise of the upper lip's midpoint, both in
    eye-corner distances of the neutral head."""
    from emoshift.render.shape import render_shape_images

    rest = head_model(expression=np.zeros((1, 53), np.float32)).landmarks[0]
    eye = np.linalg.norm(rest[33] - rest[263])

    def f(expressions):
        e = np.asarray(expressions, np.float32)
        out = head_model(expression=e)
        imgs = render_shape_images(out.vertices, head_model.triangles, size=640)
        res = []
        for im, lm in zip(imgs, np.asarray(out.landmarks)):
            g = (im[..., 0] if im.ndim == 3 else im).astype(float)[300:500, 200:440]  # the mouth
            lab, k = ndimage.label(g < 40)
            sizes = ndimage.sum(np.ones_like(g), lab, range(1, k + 1))
            centres = ndimage.center_of_mass(np.ones_like(g), lab, range(1, k + 1))
            cand = [(abs(cy - 90) + abs(cx - 120), i + 1) for i, ((cy, cx), n) in enumerate(zip(centres, sizes))
                    if n >= 30]
            cols = (lab == min(cand)[1]).sum(0)
            cols = cols[np.flatnonzero(cols)[0]: np.flatnonzero(cols)[-1] + 1]
            n = len(cols)
            sides = np.r_[cols[int(0.12 * n): int(0.25 * n)], cols[int(0.75 * n): int(0.88 * n)]].mean() / cols.max()
            rise = (lm[0, 1] - rest[0, 1]) / eye  # the upper lip's midpoint (MediaPipe 0) raised
            res.append((float(sides), float(np.linalg.norm(lm[13] - lm[14]) / eye), float(rise)))
        return res

    return f


def _squared_shout(sides, height, rise):
    return sides >= 0.695 and height >= 0.26


def test_anger_prototypes_open_a_squared_mouth(opening):
    """Each anger variant's opening keeps 0.711-0.727 of its height 12-25% in from the corners, 0.30-0.36
    eye-corner distances high; thresholds 0.695 and 0.26. Controls: anger's previous "O" prototypes
    (sides 0.574-0.600) and every surprise variant (0.668-0.680, a relaxed oval) fail; fear's and
    disgust's slits (0.13-0.20 high) fail the height."""
    n = em.n_variants("anger")
    got = opening([em.prototype("anger", v) for v in range(n)])
    assert all(_squared_shout(*g) for g in got), got
    old = opening([em.au_vector(s) for s in OLD_ANGER])
    assert not any(_squared_shout(*g) for g in old), old
    assert all(g[0] < 0.65 for g in old), old  # the pinched "O" corners
    others = opening([em.prototype(e, v) for e in ("surprise", "fear", "disgust") for v in range(em.n_variants(e))])
    assert not any(_squared_shout(*g) for g in others), others


def test_anger_mouth_has_no_funnel_and_a_moderate_jaw():
    """The squared shout: no mouthFunnel, the jaw at B with the lips parted at D in every variant (jawOpen 0.28,
    at most JAW_BOUND; the "O" variants 0.4-0.6), the upper lip raised across its width (mouthUpperUp, AU11)
    and the lower lip drawn down (mouthLowerDown, AU16). Controls: every "O" variant has the funnel and none
    raises the lateral upper lip to 0.6; the squared shout of sessions 12-18 (26B-C) passed the bound in two of
    its three variants (0.4), the one the generator drew its anchors from among them."""
    n = em.EXPRESSION_NAMES
    jaw = n.index("jawOpen")
    for v in range(em.n_variants("anger")):
        p = em.prototype("anger", v)
        assert p[n.index("mouthFunnel")] == 0 and 0.25 <= p[jaw] <= JAW_BOUND + 1e-6, (v, p)
        assert p[n.index("mouthUpperUp_L")] >= 0.6 and p[n.index("mouthLowerDown_R")] >= 0.6, (v, p)
    for s in OLD_ANGER:
        p = em.au_vector(s)
        assert p[n.index("mouthFunnel")] > 0 and p[n.index("mouthUpperUp_L")] < 0.6
    assert sum(em.au_vector(s)[jaw] > JAW_BOUND + 0.05 for s in SHOUT_BC) == 2


def _generated_shout(sides, height, rise):
    return sides >= 0.665 and rise >= 0.04


def test_shipped_generator_anger_anchors_are_squared(opening):
    """The shipped generator's anger anchors ("Make this face look angry / furious / mad.", seeds 0-7) open
    a squared mouth with the upper lip raised: sides 0.689-0.721, the upper lip's midpoint 0.079-0.105
    eye-corner distances up (session 12's weights); thresholds 0.665 and 0.04. Controls: the surprise
    anchors of the same seeds ("surprised / astonished / shocked": sides 0.613-0.676, the lip -0.016 to
    -0.003, not raised) fail, and so did the "O" anchors of the weights before (sides 0.576-0.604)."""
    from emoshift.models.generator import Generator, default_checkpoint_path

    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint")
    gen = Generator.load_default()
    for emotion, words in (("anger", ("angry", "furious", "mad")), ("surprise", ("surprised", "astonished", "shocked"))):
        es = [gen.generate(f"Make this face look {w}.", seed=s)[0].expressions[0] for w in words for s in range(8)]
        got = opening(es)
        if emotion == "anger":
            assert all(_generated_shout(*g) for g in got), got
        else:
            assert not any(_generated_shout(*g) for g in got), got


def test_generated_anger_anchors_drop_the_jaw_about_as_far_as_the_first_variant(opening,
                                                                             generator_before_session19):
    """The shipped generator, retrained in session 19 on prototypes whose jaw is at most JAW_BOUND (26B + 25D,
    jawOpen 0.28), keeps its anger anchors' jaw near that bound after its apex gain (1.00), with no planner limit:
    over seeds 0-7 of "angry / furious / mad" jawOpen 0.26-0.35 (median 0.32), the inner-lip height 0.260-0.315
    eye-corner distances (median 0.299; at most HEIGHT_MAX), a squared shout with the upper lip raised (sides
    0.698-0.712 >= 0.665, raise 0.077-0.097 >= 0.04; session 19's planner-capped anchors: height 0.289-0.308).
    Its bank sets aside the one apex latent (of 256) that opened seed 1's jaw to 0.53-0.56 (models.apex.
    apex_outliers), which session 19's planner had cut to 0.3 (``with_jaw_limit``, gone). Controls: the same
    weights drawing from the whole bank (seed 1's jawOpen 0.53-0.56, height 0.395-0.407 in all three words), and
    the generator before it (git 2c8c265, trained on the 26B-C variants), which the planner had to cut down to the
    bound on every seed: jawOpen 0.37-0.50 (median 0.46), height 0.307-0.387 (median 0.361, 16 of 24 above 0.325)."""
    from emoshift.models.generator import Generator, default_checkpoint_path

    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint")
    jaw = em.EXPRESSION_NAMES.index("jawOpen")

    def anchors(gen):
        return np.stack([gen.generate(f"Make this face look {w}.", seed=s)[0].expressions[0]
                         for w in ("angry", "furious", "mad") for s in range(8)])  # fmt: skip

    def near_the_bound(es, heights):
        return (np.median(es[:, jaw]) <= JAW_BOUND + 0.04 and (es[:, jaw] <= JAW_GENERATED).all()
                and np.median(heights) <= 0.325 and (heights <= HEIGHT_MAX).all())  # fmt: skip

    shipped = Generator.load_default()
    es = anchors(shipped)
    got = opening(es)
    heights = np.array([g[1] for g in got])
    assert near_the_bound(es, heights), (es[:, jaw], heights)
    assert all(_generated_shout(*g) and g[1] >= 0.24 for g in got), got
    whole = Generator(shipped.model, shipped.ned, shipped.text_encoder,
                      {k: v for k, v in shipped.meta.items() if k != "apex_outliers"}, shipped.apex)  # fmt: skip
    free = anchors(whole)  # control: the whole bank
    free_heights = np.array([g[1] for g in opening(free)])
    assert not near_the_bound(free, free_heights), (free[:, jaw], free_heights)
    old = anchors(generator_before_session19)  # control
    old_heights = np.array([g[1] for g in opening(old)])
    assert not near_the_bound(old, old_heights), (old[:, jaw], old_heights)
    assert np.median(old[:, jaw]) > 0.4 and np.median(old_heights) > 0.35, (old[:, jaw], old_heights)
