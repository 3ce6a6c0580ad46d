"""Anger's lower lids against disgust's cheeks (emoshift.render.lids, wrinkles.canthus_mask): AU7 tightens and raises
the lower lid and leaves the cheek below it, AU6 and AU9 raise the cheek and bring out crow's feet. Measured on ICT's
mean head and two random identities (session 26): see each test."""

import numpy as np
import pytest

from emoshift.emotions import EMOTIONS, n_variants, prototype
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render.lids import LidTightener, cheek_mask
from emoshift.render.wrinkles import ICT_SKIN_VERTICES, WrinkleField, cheek_raise

ANGER_LIDS = {"eyeSquint_L": 0.94, "eyeSquint_R": 0.94, "browDown_L": 0.94, "browDown_R": 0.94}  # anger's apex
DISGUST = {"noseSneer_L": 0.93, "noseSneer_R": 0.93, "browDown_L": 0.23, "browDown_R": 0.23,
           "eyeSquint_L": 0.42, "eyeSquint_R": 0.42}  # fmt: skip


@pytest.fixture(scope="module")
def heads(full_model, three_heads):
    """(model, basis, [(neutral, LidTightener, WrinkleField)] for the mean head and two identities)."""
    basis, skin, neutrals = three_heads
    out = [(n, LidTightener.of(n, full_model.expression_names, full_model.expression_basis), WrinkleField.from_shapes(n, skin, n))
           for n in neutrals]  # fmt: skip
    return full_model, basis, out


def _shape(model, basis, neutral, lids, weights, corrective=True):
    e = model.expression_vector(weights)[None].astype(np.float32)
    s = (neutral + np.tensordot(e[0], basis, 1))[None].copy()
    if corrective:
        lids.apply(s, e)
    return s[0]


def _below_lids(neutral, lo, hi):
    """Skin vertices ``lo``-``hi`` cm below the lower lids' margins, within the middle 80 % of each eye's width."""
    lm = neutral[MULTIPIE_68]
    x, y = neutral[:, 0], neutral[:, 1]
    out = np.zeros(len(neutral), bool)
    for outer, inner, margin in ((36, 39, (40, 41)), (45, 42, (46, 47))):
        cx, half = 0.5 * (lm[outer, 0] + lm[inner, 0]), 0.5 * abs(lm[outer, 0] - lm[inner, 0])
        below = lm[list(margin), 1].mean() - y
        out |= (np.abs(x - cx) < 0.8 * half) & (below > lo) & (below < hi)
    out &= neutral[:, 2] > lm[27, 2] - 4.0
    out[ICT_SKIN_VERTICES:] = False
    return out


def test_anger_keeps_its_cheeks_down(heads):
    """The skin 0.5-2.5 cm below the lower lids at anger's lids (eyeSquint 0.94): measured 0.003-0.004 cm up with the
    corrective, 0.35 with ICT's eyeSquint alone (the control fails); the lid margins (landmarks 40/41, 46/47) rise as
    before, 0.32 cm."""
    model, basis, rows = heads
    for neutral, lids, _ in rows:
        cheek = _below_lids(neutral, 0.5, 2.5)
        margin = MULTIPIE_68[[40, 41, 46, 47]]
        new = _shape(model, basis, neutral, lids, ANGER_LIDS) - neutral
        old = _shape(model, basis, neutral, lids, ANGER_LIDS, False) - neutral
        assert new[cheek, 1].mean() < 0.08, new[cheek, 1].mean()
        assert old[cheek, 1].mean() > 0.2, old[cheek, 1].mean()  # control: ICT's eyeSquint raises the cheek
        np.testing.assert_allclose(new[margin], old[margin], atol=1e-3)
        assert new[margin, 1].mean() > 0.1


def test_no_lines_under_angry_lids(heads):
    """Folds 0.3-1.3 cm below the lower lids (mean amplitude of the wrinkle field): anger's lids 0.0006-0.0011, without
    the corrective 0.11-0.16 (the control); disgust's nose wrinkle keeps them, 0.51-0.65."""
    model, basis, rows = heads
    for neutral, lids, field in rows:
        infra = _below_lids(neutral, 0.3, 1.3)
        amp = lambda s: np.hypot(*field.tensors(s)[infra].T).mean()  # noqa: E731
        a, c = amp(_shape(model, basis, neutral, lids, ANGER_LIDS)), amp(_shape(model, basis, neutral, lids, ANGER_LIDS, False))
        d = amp(_shape(model, basis, neutral, lids, DISGUST))
        assert a < 0.03, a
        assert c > 0.08, c  # control
        assert d > 0.3, d


def test_only_a_squint_of_its_own(heads):
    """The weight is AU7's own squint: anger's prototypes get 0.9 and more on a neutral photo; disgust's (its lower lid
    pushed up by AU9) and happiness's (AU6) none; a photo's own squint keeps its cheek (a smiling photo's fitted
    0.77: anger's 0.94 weighs 0.17, the photo's own expression 0)."""
    model, _, rows = heads
    lids = rows[0][1]
    for emotion in EMOTIONS:
        for variant in range(n_variants(emotion)):
            w = lids.weights(prototype(emotion, variant, 1.0)[None])[0]
            if emotion == "anger":
                assert w.min() > 0.75, (variant, w)
            elif emotion in ("disgust", "happiness"):
                assert w.max() < 1e-6, (emotion, variant, w)
    names = list(model.expression_names)
    src = np.zeros(len(names), np.float32)
    src[[names.index("eyeSquint_L"), names.index("eyeSquint_R")]] = 0.77
    src[[names.index("cheekSquint_L"), names.index("cheekSquint_R")]] = 0.8
    anger = model.expression_vector(ANGER_LIDS)[None].astype(np.float32)
    np.testing.assert_allclose(lids.weights(anger, src), 0.17, atol=1e-6)
    np.testing.assert_array_equal(lids.weights(src[None], src), 0.0)
    np.testing.assert_allclose(lids.weights(anger), 0.94, atol=1e-6)


def test_the_mask_spares_the_lids_and_brows(heads):
    """Nothing moves within LID_KEEP_CM of the lower lids' margins or above them: the brow and lid landmarks (17-26,
    36-47) get no corrective."""
    _, _, rows = heads
    marks = MULTIPIE_68[np.r_[17:27, 36:48]]
    for neutral, lids, _ in rows:
        assert cheek_mask(neutral)[marks].max() == 0.0
        assert np.abs(lids.delta[:, np.isin(lids.idx, marks)]).max(initial=0.0) == 0.0


def test_reenactor_draws_the_corrective(synthetic_reenactor):
    """The renderer's shapes carry it: a frame's eyeSquint beyond the photo's own is drawn without its cheek."""
    r = synthetic_reenactor
    names = list(r.model.expression_names)
    e = np.array(r.source_expression, np.float32)[None].copy()
    for side in "LR":
        e[0, names.index(f"eyeSquint_{side}")] = min(1.0, float(e[0, names.index(f"eyeSquint_{side}")]) + 0.5)
    w = r._lids.weights(e, r.source_expression)
    assert (w > 0.4).all(), w
    linear = (e @ r.expression_basis).reshape(1, -1, 3) + r.base
    shaped = r._shaped(e)
    np.testing.assert_allclose(shaped[0][r._lids.idx] - linear[0][r._lids.idx],
                               np.einsum("s,skc->kc", w[0], r._lids.delta), atol=1e-4)  # fmt: skip


def _canthi(neutral):
    """Skin vertices 0.3-1.8 cm lateral of the outer eye corners, from 1.2 cm below their height to 0.2 cm above."""
    lm = neutral[MULTIPIE_68]
    out = np.zeros(len(neutral), bool)
    for outer, inner in ((36, 39), (45, 42)):
        lat = np.sign(lm[outer, 0] - lm[inner, 0]) * (neutral[:, 0] - lm[outer, 0])
        dy = neutral[:, 1] - lm[outer, 1]
        out |= (lat > 0.3) & (lat < 1.8) & (dy > -1.2) & (dy < 0.2)
    out &= neutral[:, 2] > lm[27, 2] - 4.0
    out[ICT_SKIN_VERTICES:] = False
    return out


def test_crows_feet_need_a_raised_cheek(heads):
    """Folds 0.3-1.8 cm lateral of the outer eye corners (wrinkles.canthus_mask, cheek_raise; the band above the corner
    keeps the lowered brow's lines over the lid): anger's brows and lids (AU4+7, no cheek raise) 0.11-0.17, formed as
    elsewhere 0.26-0.42 (the control fails); happiness's cheek raise and smile (0.71-0.77) and disgust's nose wrinkle
    (0.27-0.33) keep theirs exactly."""
    model, basis, rows = heads
    happy = {"cheekSquint_L": 0.8, "cheekSquint_R": 0.8, "mouthSmile_L": 1.0, "mouthSmile_R": 1.0}
    for neutral, lids, field in rows:
        crow = _canthi(neutral)
        assert crow.sum() > 50

        def amp(weights, gated=True):
            e = model.expression_vector(weights)[None].astype(np.float32)
            t = field.tensors(_shape(model, basis, neutral, lids, weights), cheek_raise(e, model.expression_names) if gated else None)
            return np.hypot(*t[crow].T).mean()

        a, c = amp(ANGER_LIDS), amp(ANGER_LIDS, False)
        h, d = amp(happy), amp(DISGUST)
        assert a < 0.2, a
        assert c > 0.23, c  # control: formed as elsewhere
        assert h == amp(happy, False) and h > 0.6, h
        assert d == amp(DISGUST, False) and d > 0.2, d
