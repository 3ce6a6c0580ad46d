"""Anger's brows against disgust's (emoshift.render.brows, emoshift.render.wrinkles.root_mask): AU4 lowers the
inner brow heads at least as far as the brows' middles (the angry V, not the raised inner ends of worry), the
lids stay put, AU1's brows (sadness, fear) are left alone, and horizontal lines at the nose root need the
nose's own wrinkling (AU9). Measured on ICT's mean head and two random identities (session 21): see each test."""

from dataclasses import replace

import numpy as np
import pytest

from emoshift.emotions import EMOTIONS, n_variants, prototype
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render.brows import BrowHeads
from emoshift.render.wrinkles import ICT_SKIN_VERTICES, WrinkleField

ANGER_BROWS = {"browDown_L": 0.94, "browDown_R": 0.94, "eyeSquint_L": 1.0, "eyeSquint_R": 1.0}  # anger's apex
DISGUST_NOSE = {"noseSneer_L": 0.93, "noseSneer_R": 0.93, "browDown_L": 0.23, "browDown_R": 0.23}  # disgust's


@pytest.fixture(scope="module")
def heads(full_model, three_heads):
    """(model, basis, skin triangles, [(neutral, BrowHeads, WrinkleField)] for the mean head and two identities)."""
    basis, skin, neutrals = three_heads
    out = [(n, BrowHeads.of(n, full_model.expression_names), WrinkleField.from_shapes(n, skin, n)) for n in neutrals]
    return full_model, basis, skin, out


def _shape(model, basis, neutral, brows, weights, corrective=True):
    e = model.expression_vector(weights)[None].astype(np.float32)
    s = (neutral + np.tensordot(e[0], basis, 1))[None].copy()
    if corrective:
        brows.apply(s, e)
    return s[0]


def test_lowered_brows_form_a_v(heads):
    """The inner heads (landmarks 21/22) drop further than the brows' middles (19/24): measured 0.21-0.22 cm
    further at anger's brows (-0.023 to -0.025 of the eye-corner distance), ICT's browDown alone leaves them
    0.25-0.27 cm higher (+0.029 to +0.031: the inner ends raised against the middles, the brow of worry): the
    control fails."""
    model, basis, _, rows = heads
    for neutral, brows, _ in rows:
        def v(corrective):
            d = _shape(model, basis, neutral, brows, ANGER_BROWS, corrective) - neutral
            return d[MULTIPIE_68[[21, 22]], 1].mean() - d[MULTIPIE_68[[19, 24]], 1].mean()

        assert v(True) < -0.12, v(True)
        assert v(False) > 0.15, v(False)  # control: the old, linear browDown
        # drawn together too: the heads' gap closes further than with browDown alone
        gap = lambda s: abs(s[MULTIPIE_68[22], 0] - s[MULTIPIE_68[21], 0])  # noqa: E731
        assert gap(_shape(model, basis, neutral, brows, ANGER_BROWS)) < gap(_shape(model, basis, neutral, brows, ANGER_BROWS, False)) - 0.1


def test_the_lids_do_not_move(heads):
    """The corrective fades out above the lids: the lid landmarks (36-47) move by under 0.01 mm."""
    _, _, _, rows = heads
    for neutral, brows, _ in rows:
        lids = np.isin(brows.idx, MULTIPIE_68[36:48])
        assert np.abs(brows.delta[:, lids]).max(initial=0.0) < 1e-3


@pytest.mark.parametrize("emotion", [e for e in EMOTIONS if e != "neutral"])
def test_raised_inner_brows_are_left_alone(heads, emotion):
    """AU1 (browInnerUp) at or past INNER_UP_OFF turns the corrective off: 1+4's inner corners are raised and
    drawn together (sadness, fear), so their prototypes get none; anger's gets it fully."""
    _, _, _, rows = heads
    brows = rows[0][1]
    for variant in range(3):
        if variant >= n_variants(emotion):
            break
        e = prototype(emotion, variant, 1.0)
        w = brows.weights(e[None])[0]
        if emotion in ("sadness", "fear"):
            assert np.all(w == 0.0), (variant, w)
        if emotion == "anger":
            assert np.all(w > 0.9), (variant, w)


def test_nose_root_lines_need_the_nose_wrinkled(heads):
    """Horizontal lines where :func:`root_mask` is above 0.9 (mean horizontal part of the fold tensor):
    anger's brows 0.048-0.052 (the oblique rest), without the nose gate 0.15-0.19 (control: the lowered
    heads push the nose root's skin down); disgust's nose wrinkle keeps them, 0.42-0.47. Anger's vertical
    lines between the brows stay 0.69-0.74."""
    model, basis, _, rows = heads
    for neutral, brows, field in rows:
        root = (field.rmask > 0.9) & (neutral[:, 2] > neutral[MULTIPIE_68[27], 2] - 1.5)
        x, y = neutral[:, 0] - neutral[MULTIPIE_68[27], 0], neutral[:, 1]
        brow_y = neutral[MULTIPIE_68[17:27], 1].mean()
        glabella = (np.abs(x) < 0.8) & (y > brow_y - 0.6) & (y < brow_y + 1.0) & (neutral[:, 2] > 0)
        assert root.sum() > 30
        anger = _shape(model, basis, neutral, brows, ANGER_BROWS)
        disgust = _shape(model, basis, neutral, brows, DISGUST_NOSE)
        horizontal = lambda f, s: np.maximum(-f.tensors(s)[root, 0], 0).mean()  # noqa: E731
        assert horizontal(field, anger) < 0.08, horizontal(field, anger)
        assert horizontal(replace(field, rmask=None), anger) > 0.11  # control: no gate
        assert horizontal(field, disgust) > 0.3, horizontal(field, disgust)
        assert np.maximum(field.tensors(anger)[glabella, 0], 0).mean() > 0.6


def test_reenactor_draws_the_corrective(synthetic_reenactor):
    """The renderer's shapes carry it: the reenactor's shape of anger's brows is the linear one plus the
    corrective, to the float; with no browDown (an open jaw) nothing is added."""
    r = synthetic_reenactor
    names = list(r.model.expression_names)
    e = np.zeros((2, len(names)), np.float32)
    e[0, [names.index("browDown_L"), names.index("browDown_R")]] = 0.94
    e[1, names.index("jawOpen")] = 0.5
    linear = (e @ r.expression_basis).reshape(2, -1, 3) + r.base
    shaped = r._shaped(e)
    moved = np.abs(shaped[0] - linear[0])[: ICT_SKIN_VERTICES].max(1)
    assert moved.max() > 0.3  # cm: the inner brow heads' extra drop
    np.testing.assert_allclose(shaped[0][r._brow_heads.idx] - linear[0][r._brow_heads.idx],
                               0.94 * r._brow_heads.delta.sum(0), atol=1e-4)
    skin = slice(0, ICT_SKIN_VERTICES)  # (the upper teeth drop as the lips part: not the brows')
    np.testing.assert_allclose(shaped[1][skin], linear[1][skin], atol=1e-5)


def _brow_moves(neutral, shape):
    """The inner brow heads' (landmarks 21/22) gap change and mean drop over the outer-eye-corner distance."""
    lm = MULTIPIE_68
    iod = float(np.linalg.norm(neutral[lm[45]] - neutral[lm[36]]))
    gap = lambda s: abs(s[lm[22], 0] - s[lm[21], 0])  # noqa: E731
    return (gap(shape) - gap(neutral)) / iod, (shape[lm[[21, 22]], 1] - neutral[lm[[21, 22]], 1]).mean() / iod


def test_disgust_lowers_the_brows_without_drawing_them_together(heads):
    """AU9's share of browDown (0.25 x noseSneer) gets no AU4 corrective and its medial pull is taken back: at
    disgust's apex (mean head and two identities) the inner heads' gap closes by 0.011-0.012 of the eye-corner
    distance (0.034-0.037 before: the control, the corrective on all of browDown without the pull taken back,
    fails) while they still drop 0.046-0.049 (0.059-0.063 before); anger's brows (no noseSneer) are drawn
    exactly as before."""
    model, basis, _, rows = heads
    for neutral, old, _ in rows:
        brows = BrowHeads.of(neutral, model.expression_names, basis)
        e = model.expression_vector({**DISGUST_NOSE, "eyeSquint_L": 0.42, "eyeSquint_R": 0.42})[None].astype(np.float32)
        linear = (neutral + np.tensordot(e[0], basis, 1))[None]
        new = linear.copy()
        brows.apply(new, e)
        control = linear.copy()  # the former corrective: all of browDown, no pull taken back
        control[:, old.idx] += np.einsum("s,skc->kc", e[0, list(old.cols[:2])], old.delta)
        closed, dropped = _brow_moves(neutral, new[0])
        assert closed > -0.02 and dropped < -0.04, (closed, dropped)
        assert _brow_moves(neutral, control[0])[0] < -0.03, _brow_moves(neutral, control[0])  # control
        a = model.expression_vector(ANGER_BROWS)[None].astype(np.float32)
        np.testing.assert_array_equal(brows.weights(a), old.weights(a))
        np.testing.assert_array_equal(brows.shares(a), 0.0)


def test_only_a_wrinkled_nose_takes_the_share(heads):
    """The share fades in over AU9_ON of noseSneer: at the photos' fitted traces (0.05 with browDown 0.37, dev05's
    fit) and anger's anchors (0.005) it is 0, so their brows are drawn as before (the control, the share without the
    ramp, is 0.0125 and 0.001); at disgust's apex (0.93, browDown 0.23) all of the 0.23 is AU9's. Every emotion's
    prototype but disgust's has none."""
    model, basis, _, rows = heads
    neutral = rows[0][0]
    brows = BrowHeads.of(neutral, model.expression_names, basis)
    names = list(model.expression_names)
    cases = ((0.05, 0.37, 0.0), (0.005, 0.94, 0.0), (0.93, 0.23, 0.23))
    for nose, down, want in cases:
        e = model.expression_vector({"noseSneer_L": nose, "noseSneer_R": nose, "browDown_L": down, "browDown_R": down})
        np.testing.assert_allclose(brows.shares(e[None].astype(np.float32)), want, atol=1e-6)
        ungated = min(down, 0.25 * nose)  # control
        assert (ungated > 1e-3) if want == 0.0 else ungated == pytest.approx(want, abs=1e-6)
    for emotion in EMOTIONS:
        for variant in range(n_variants(emotion)):
            s = brows.shares(prototype(emotion, variant, 1.0)[None])
            assert (s.min() > 0.15) if emotion == "disgust" else not s.any(), (emotion, variant, s)
    e = np.zeros((1, len(names)), np.float32)
    e[0, [names.index("noseSneer_L"), names.index("noseSneer_R")]] = 0.93
    e[0, [names.index("browDown_L"), names.index("browDown_R")]] = 0.23
    shaped = (neutral + np.tensordot(e[0], basis, 1))[None].copy()
    brows.apply(shaped, e)
    inner = MULTIPIE_68[[21, 22]]  # the renderer's shape takes the pull back: the heads no nearer than without browDown
    e0 = e.copy()
    e0[0, [names.index("browDown_L"), names.index("browDown_R")]] = 0.0
    bare = neutral + np.tensordot(e0[0], basis, 1)
    assert abs(abs(shaped[0][inner[1], 0] - shaped[0][inner[0], 0]) - abs(bare[inner[1], 0] - bare[inner[0], 0])) < 1e-3
