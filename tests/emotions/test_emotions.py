import numpy as np
import pytest

from emoshift import emotions as em


def test_label_order_and_ckplus():
    assert em.EMOTIONS == ("neutral", "happiness", "disgust", "anger", "fear", "surprise", "contempt", "sadness")
    assert em.CKPLUS_EMOTIONS == em.EMOTIONS[1:]


def test_expression_names_match_head_model():
    from emoshift.headmodel import load_arrays

    assert tuple(str(n) for n in load_arrays()["expression_names"]) == em.EXPRESSION_NAMES


def named(vec):
    return {em.EXPRESSION_NAMES[i]: float(vec[i]) for i in np.flatnonzero(vec)}


def test_prototypes_follow_emfacs_action_units():
    happy = named(em.prototype("happiness"))  # AU6 + AU12
    assert set(happy) == {"cheekSquint_L", "cheekSquint_R", "mouthSmile_L", "mouthSmile_R"}
    assert happy["mouthSmile_L"] == pytest.approx(em.FACS_LETTER["E"])  # apex: the defining AU at E
    sad = named(em.prototype("sadness"))  # AU1 + AU4 + AU15
    assert {"browInnerUp_L", "browDown_R", "mouthFrown_L"} <= set(sad) and "mouthSmile_L" not in sad
    surprise = named(em.prototype("surprise"))  # 1E+2E+5C+26D
    assert surprise["eyeWide_L"] == pytest.approx(0.6) and surprise["jawOpen"] > 0
    assert "browDown_L" not in surprise and "mouthStretch_L" not in surprise  # what separates it from fear
    fear = named(em.prototype("fear"))
    assert {"mouthStretch_L", "eyeWide_R", "browDown_L", "browInnerUp_R", "browOuterUp_R", "jawOpen"} <= set(fear)
    disgust_variants = [named(em.prototype("disgust", v)) for v in range(em.n_variants("disgust"))]
    assert all("noseSneer_L" in d and "mouthShrugUpper" in d for d in disgust_variants)  # AU9 + AU10 in each
    assert all(d["noseSneer_R"] >= 0.8 for d in disgust_variants)
    # AU9 narrows the eye (FACS 2002: the lower lid pushed up), never widens it; surprise's eye is not narrowed
    assert all(0.3 <= d["eyeSquint_L"] == d["eyeSquint_R"] <= 0.5 and "eyeWide_L" not in d for d in disgust_variants)
    assert "eyeSquint_L" not in surprise  # control
    anger = [named(em.prototype("anger", v)) for v in range(em.n_variants("anger"))]
    assert all("browDown_L" in a and "eyeWide_L" in a and "mouthPress_L" in a for a in anger)  # AU4 + AU5 + AU23
    # EMFACS's open anger 10+23+25+26 as a squared shout (session 12): the upper lip raised across its width,
    # the lower lip drawn down, the lips tensed, the jaw dropped part way; no funnel (it rounds the mouth into
    # an "O" that read as surprise); tests/emotions/test_anger_mouth.py measures the opening's shape
    assert all(a["mouthUpperUp_L"] >= 0.6 and a["mouthLowerDown_L"] >= 0.6 and 0.25 < a["jawOpen"] <= 0.4 + 1e-6
               and "mouthFunnel" not in a for a in anger)
    assert not em.prototype("neutral").any()


def test_contempt_is_unilateral():
    right, left = em.prototype("contempt", 0), em.prototype("contempt", 1)
    i_r, i_l = em.EXPRESSION_NAMES.index("mouthSmile_R"), em.EXPRESSION_NAMES.index("mouthSmile_L")
    assert right[i_r] > 0 and right[i_l] == 0 and left[i_l] > 0 and left[i_r] == 0
    d_r = em.EXPRESSION_NAMES.index("mouthDimple_R")
    assert right[d_r] == 1.0 and right[i_r] < 0.3  # AU14 dominant, a trace of lip corner (not a smile)
    u_r, u_l = em.EXPRESSION_NAMES.index("mouthUpperUp_R"), em.EXPRESSION_NAMES.index("mouthUpperUp_L")
    assert right[u_r] > 0 and right[u_l] == 0  # the one-sided sneer (AU10)


def test_apex_strength_of_prototypes_variant_blends_and_scaled_faces():
    for e in em.EMOTIONS[1:]:
        protos = np.stack([em.prototype(e, v) for v in range(em.n_variants(e))])
        np.testing.assert_allclose(em.apex_strength(protos, e), 1.0, atol=1e-5)
        np.testing.assert_allclose(em.apex_strength(protos * 0.6, e), 0.6, atol=1e-5)
        assert em.apex_strength(np.zeros((1, 53)), e)[0] == 0
    # control: a blend of contempt's left and right variants is half of either side's apex
    blend = 0.5 * (em.prototype("contempt", 0) + em.prototype("contempt", 1))
    assert em.apex_strength(blend, "contempt")[0] == pytest.approx(0.5, abs=0.01)
    assert np.isnan(em.apex_strength(np.zeros(53), "neutral")[0])


def test_all_prototypes_valid_and_distinct():
    seen = []
    for e in em.EMOTIONS:
        for v in range(em.n_variants(e)):
            p = em.prototype(e, v)
            assert p.shape == (53,) and p.dtype == np.float32
            assert p.min() >= 0 and p.max() <= 1
            seen.append(p)
    flat = np.stack(seen)
    d = np.abs(flat[:, None] - flat[None]).sum(-1)
    assert (d + np.eye(len(flat)) * 10 > 0.3).all()  # every pair of variants differs


def test_intensity_scales_and_clips():
    p = em.prototype("happiness")
    np.testing.assert_allclose(em.prototype("happiness", intensity=0.5), p * 0.5, atol=1e-6)
    assert em.prototype("happiness", intensity=2.0).max() == 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown emotion"):
        em.prototype("joyish")
    with pytest.raises(ValueError, match="variants"):
        em.prototype("happiness", variant=9)
    with pytest.raises(ValueError, match="action unit"):
        em.au_vector("99C")


def test_pose_priors_directions():
    assert em.pose_prior("sadness")[0][0] > 3  # looks down (positive pitch)
    assert em.pose_prior("surprise")[0][0] < -2  # looks up
    assert abs(em.pose_prior("disgust")[0][1]) > 3  # turns away
    for e in em.EMOTIONS:
        mean, std = em.pose_prior(e)
        assert mean.shape == std.shape == (3,) and (std > 0).all() and np.abs(mean).max() < 15


@pytest.mark.parametrize(
    "word,emotion",
    [("Joyful", "happiness"), ("smiling", "happiness"), ("furious", "anger"), ("angrily", "anger"),
     ("scared", "fear"), ("terrified", "fear"), ("afraid", "fear"), ("astonished", "surprise"),
     ("disgusted", "disgust"), ("sneering", "contempt"), ("smirks", "contempt"), ("sorrowful", "sadness"),
     ("calm", "neutral"), ("Happiness.", "happiness"), ("sadness", "sadness")],
)  # fmt: skip
def test_emotion_from_word(word, emotion):
    assert em.emotion_from_word(word) == emotion


def test_non_emotion_words():
    for w in ("face", "turn", "from", "table", "the", ""):
        assert em.emotion_from_word(w) is None
    assert len(em.word_table()) > 100


def test_nearest_prototype_recovers_each_variant():
    from emoshift.emotions import EMOTIONS, n_variants, nearest_prototype, prototype

    for i, e in enumerate(EMOTIONS[1:], start=1):
        ex = np.stack([prototype(e, v, intensity=0.7) for v in range(n_variants(e))])
        assert (nearest_prototype(ex) == i).all(), e


def test_contempt_pulls_the_mouth_to_its_side_on_the_head(head_model):
    """Unilateral AU14 (issue 11): the lip corner on the contempt side moves sideways and the mouth's
    midline shifts towards it; control: the symmetric happiness prototype leaves the midline in place."""
    def mouth(e):
        lm = head_model(expression=np.asarray(e, np.float32)[None]).landmarks[0]
        return lm[61], lm[291], (lm[0] + lm[17]) / 2  # corners (61: subject's right), midline

    r0, l0, m0 = mouth(np.zeros(53))
    for v, sign in ((0, -1.0), (1, 1.0)):  # variant 0 is the subject's right side (-x), 1 the left (+x)
        r, l, m = mouth(em.prototype("contempt", v))
        assert sign * (m[0] - m0[0]) > 0.15  # cm towards the contempt side (0.39; 1.26 with mouthSide 0.8)
        side, other = (r - r0, l - l0) if v == 0 else (l - l0, r - r0)
        assert np.linalg.norm(side) > 1.5 * np.linalg.norm(other)  # measured 3.31 (1.63 with mouthSide 0.8, 1.9 with AU15 B and mouthSide 0.6)
        assert other[1] < -0.1 and side[1] > other[1] + 0.3  # a lopsided outline: the other corner lowered
    _, _, m = mouth(em.prototype("happiness"))
    assert abs(m[0] - m0[0]) < 0.02


def test_contempt_lowers_both_upper_lids_on_the_head(head_model):
    """AU43 B (Darwin 1872, ch. XI: contempt "partially closing the eyelids"): both eyes' openings (upper to
    lower lid, landmarks 159-145 and 386-374) are at most 0.8 of the neutral head's (measured 0.66-0.68);
    control: the same prototype without AU43 keeps them at 0.98-1.0 (the smirk alone leaves the eyes)."""
    def openings(e):
        lm = head_model(expression=np.asarray(e, np.float32)[None]).landmarks[0]
        return np.array([np.linalg.norm(lm[159] - lm[145]), np.linalg.norm(lm[386] - lm[374])])

    rest = openings(np.zeros(53))
    blink = [em.EXPRESSION_NAMES.index(n) for n in ("eyeBlink_L", "eyeBlink_R")]
    for v in range(em.n_variants("contempt")):
        p = em.prototype("contempt", v)
        assert (openings(p) / rest < 0.8).all()
        p[blink] = 0.0
        assert (openings(p) / rest > 0.95).all()


def test_word_variants_follow_the_prototypes_and_keep_the_jaw_state():
    """display_prototypes: the prototype variants in order, then the word-only ones; with ``open_jaw`` an
    emotion with word-only variants keeps only displays whose jaw is as asked (anger's shouts are open, its
    pressed lips and clenched teeth closed); emotions without word variants are never filtered."""
    rows = em.display_prototypes("anger")
    n = em.n_variants("anger")
    assert len(rows) == n + len(em.WORD_VARIANTS["anger"])
    for v in range(n):
        np.testing.assert_array_equal(rows[v], em.prototype("anger", v))
    jaw = em.EXPRESSION_NAMES.index("jawOpen")
    assert (em.display_prototypes("anger", open_jaw=True)[:, jaw] >= em.OPEN_JAW).all()
    closed = em.display_prototypes("anger", open_jaw=False)
    assert len(closed) == len(em.WORD_VARIANTS["anger"]) and (closed[:, jaw] < em.OPEN_JAW).all()
    assert len(em.display_prototypes("fear", open_jaw=False)) == em.n_variants("fear")  # no filter
