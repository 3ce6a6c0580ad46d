"""Apex latents, the anchor check, per-anchor spans and order errors (issues 11.1, 13.1)."""

import numpy as np
import pytest
import torch

from emoshift.emotions import EMOTION_INDEX, EMOTIONS, n_variants, prototype
from emoshift.models.apex import anchor_consistent, apex_rows, at_apex, draw_latents
from emoshift.models.spans import parsed_spans, span_phrase, text_spans


def _slots(emotion, scale, intensity=1.0, variant=0):
    expr = np.zeros((len(scale), 3, 53), np.float32)
    expr[:, 0] = np.stack([prototype(emotion, variant) * s for s in scale])
    emo = np.full((len(scale), 3), -1)
    emo[:, 0] = EMOTION_INDEX[emotion]
    inten = np.zeros((len(scale), 3), np.float32)
    inten[:, 0] = intensity
    return expr, emo, inten


def test_apex_rows_keep_strong_clean_slots_without_intensity_words():
    scale = np.linspace(0.5, 1.1, 40)
    expr, emo, inten = _slots("disgust", scale)
    inten[::4, 0] = 0.5  # "slightly disgusted": never an apex latent
    blend = 0.5 * prototype("disgust") + 0.5 * prototype("happiness")
    expr[1, 0] = blend * 2  # strong but an in-the-wild blend
    rows = apex_rows(expr, emo, inten, EMOTION_INDEX["disgust"])
    kept = set(rows[:, 0].tolist())
    assert kept and all(inten[r, 0] == 1.0 for r in kept) and 1 not in kept
    strengths = scale[sorted(kept)]
    assert strengths.min() >= np.median(scale[inten[:, 0] == 1.0]) - 0.02  # the stronger half
    assert apex_rows(expr, emo, inten, EMOTION_INDEX["anger"]).shape == (0, 2)


def test_draw_latents_pick_the_slots_emotion_and_are_seeded():
    from emoshift.models.rng import TorchRNG

    bank = {"fear": np.full((3, 4), 7.0, np.float32) + np.arange(3.0, dtype=np.float32)[:, None],
            "happiness": -np.ones((2, 4), np.float32)}  # fmt: skip
    names = [["fear", "happiness"], ["surprise"]]
    z = draw_latents(bank, names, 3, 4, TorchRNG(0), 0.5)
    again = draw_latents(bank, names, 3, 4, TorchRNG(0), 0.5)
    assert z.dtype == np.float32 and np.array_equal(z, again)
    assert z[0, 0, 0] in (7.0, 8.0, 9.0) and (z[0, 0] == z[0, 0, 0]).all()
    assert (z[0, 1] == -1).all()
    assert np.abs(z[1, 0]).max() < 3 and z[1, 0].std() > 0  # no apex latent: the prior at τ 0.5
    seen = {float(draw_latents(bank, [["fear"]], 1, 4, TorchRNG(s), 1.0)[0, 0, 0]) for s in range(20)}
    assert seen == {7.0, 8.0, 9.0}  # seeds choose among the variants
    # torch tensors in the bank (a freshly trained model's apex latents) draw the same
    torch_bank = {k: torch.from_numpy(v) for k, v in bank.items()}
    assert np.array_equal(draw_latents(torch_bank, names, 3, 4, TorchRNG(0), 0.5), z)



def test_draw_latents_never_draw_the_outliers_and_keep_every_other_draw():
    """An outlier of the bank (:func:`apex_outliers`) is never drawn: a draw that lands on it takes a kept latent,
    and every other draw, of every seed and slot, is the one it was without outliers (the random stream does not
    move). Control: without the outliers the same seeds do draw it."""
    from emoshift.models.rng import TorchRNG

    bank = {"anger": np.arange(8, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)}
    names = [["anger", "anger", "anger"]] * 4
    out = {"anger": [3, 5]}
    hit = 0
    for s in range(40):
        free = draw_latents(bank, names, 3, 4, TorchRNG(s), 0.5)
        kept = draw_latents(bank, names, 3, 4, TorchRNG(s), 0.5, out)
        hit += int(np.isin(free[..., 0], [3.0, 5.0]).sum())  # control: the seeds draw them without the filter
        assert not np.isin(kept[..., 0], [3.0, 5.0]).any()
        same = ~np.isin(free[..., 0], [3.0, 5.0])
        np.testing.assert_array_equal(kept[same], free[same])  # the other draws stay
        rng = TorchRNG(s)
        draw_latents(bank, names, 3, 4, rng, 0.5, out)
        after = rng.randn(2)
        rng = TorchRNG(s)
        draw_latents(bank, names, 3, 4, rng, 0.5)
        np.testing.assert_array_equal(rng.randn(2), after)  # and the stream after them
    assert hit >= 40  # 2 of 8 latents, 480 draws: about 120
    assert set(np.unique(draw_latents(bank, [["anger"]] * 400, 1, 4, TorchRNG(0), 1.0, out)[..., 0])) == {
        0.0, 1.0, 2.0, 4.0, 6.0, 7.0}  # fmt: skip
    # an emotion not listed, or listed with nothing left, draws as before
    assert np.array_equal(draw_latents(bank, names, 3, 4, TorchRNG(0), 0.5, {"fear": [1]}),
                          draw_latents(bank, names, 3, 4, TorchRNG(0), 0.5))  # fmt: skip


def test_jaw_bound_is_one_facs_letter_past_the_widest_variant():
    """:func:`jaw_bound` is the emotion's widest prototype jaw plus one FACS letter on jawOpen's scale (0.2):
    anger 0.28 + 0.2 (its three variants 26B + 25D), surprise 0.6 + 0.2 (27C), the closed mouths 0.2."""
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.models.apex import JAW_LETTER, jaw_bound

    jaw = EXPRESSION_NAMES.index("jawOpen")
    assert JAW_LETTER == pytest.approx(0.2)
    want = {"anger": 0.48, "fear": 0.5, "surprise": 0.8, "happiness": 0.56, "disgust": 0.2, "contempt": 0.2,
            "sadness": 0.2, "neutral": 0.2}  # fmt: skip
    for e, b in want.items():
        assert jaw_bound(e) == pytest.approx(b, abs=1e-6), e
        assert jaw_bound(e) >= max(prototype(e, v)[jaw] for v in range(n_variants(e))) + 0.2 - 1e-6


class _FakeDecoder:
    """A generator whose apex latents decode to jawOpen = the latent's first value, plus ``extra`` for phrase ``x``."""

    def __init__(self, bank, extra=None):
        self.apex, self.extra, self.texts = bank, extra or {}, []

    def decode_latents(self, text, latents):
        from emoshift.emotions import EXPRESSION_NAMES

        self.texts.append(text)
        e = np.zeros((len(latents), 53), np.float32)
        e[:, EXPRESSION_NAMES.index("jawOpen")] = np.asarray(latents)[:, 0] + self.extra.get(text, 0.0)
        return e


def test_apex_outliers_are_the_latents_whose_jaw_leaves_the_prototypes():
    """A latent is an outlier when any of the three phrasings decodes it past :func:`jaw_bound` (anger 0.48,
    fear 0.5, disgust 0.2); the others, just under the bound, stay. Control: raising one phrasing's jaw by 0.1
    makes anger's 0.4 latent an outlier."""
    from emoshift.models.apex import APEX_PHRASES, apex_outliers

    z = np.zeros((4, 4), np.float32)
    bank = {"anger": z + np.float32([[0.3], [0.47], [0.55], [0.4]]), "fear": z + np.float32([[0.49], [0.2], [0], [0]]),
            "disgust": z + np.float32([[0.02], [0.25], [0.19], [0]])}  # fmt: skip
    gen = _FakeDecoder(bank)
    assert apex_outliers(gen, floor=False) == {"anger": [2], "disgust": [1]}
    assert len(gen.texts) == 3 * len(APEX_PHRASES)
    assert {"Make this face angry.", "Turn this face to anger.", "Show anger on this face."} <= set(gen.texts)
    assert apex_outliers(_FakeDecoder(bank, {"Show anger on this face.": 0.1}), floor=False) == {
        "anger": [1, 2, 3], "disgust": [1]}  # fmt: skip


class _FakeScaled:
    """A generator whose apex latents decode to their emotion's first prototype variant times the latent's first
    value (times ``extra[text]`` for phrase ``text``), with apex gains ``gain``."""

    def __init__(self, bank, gain=None, extra=None):
        from emoshift.emotions import ADJECTIVES, NOUNS

        self.apex, self.apex_gain, self.extra = bank, gain or {}, extra or {}
        self.words = {e: {ADJECTIVES[e][0], NOUNS[e][0]} for e in bank}

    def decode_latents(self, text, latents):
        emo = next(e for e, w in self.words.items() if w & set(text.rstrip(".").split()))
        scale = np.asarray(latents)[:, :1] * self.extra.get(text, 1.0)
        return np.clip(prototype(emo, 0)[None] * scale, 0.0, 1.0).astype(np.float32)


def test_apex_outliers_include_the_latents_below_the_strength_floor():
    """A latent is also an outlier when its anchor with the apex gain (clipped to [0, 1], as generated) has an apex
    strength below STRENGTH_FLOOR, one FACS letter (E 1.0 to D 0.8) under the prototype, in any phrasing: at gain
    1 the latents at 0.75 and 0.6 of the prototype; contempt's gain 1.2 lifts 0.75 to 0.9 (0.6 to 0.72 stays
    out). Controls: ``floor=False`` (the jaw alone, session 20's first rule) keeps them all; one phrasing at 0.9
    of the others puts the 0.85 latent out."""
    from emoshift.emotions import apex_strength
    from emoshift.models.apex import STRENGTH_FLOOR, apex_outliers

    assert STRENGTH_FLOOR == pytest.approx(0.8)
    z = np.zeros((4, 4), np.float32)
    scales = np.float32([[1.0], [0.75], [0.85], [0.6]])
    bank = {"contempt": z + scales, "sadness": z + scales}
    want = apex_strength(prototype("sadness", 0)[None] * 0.75, "sadness")[0]
    assert 0.7 < want < 0.8  # the fake decodes what it should: 0.75 of the prototype reads about 0.75
    assert apex_outliers(_FakeScaled(bank)) == {"contempt": [1, 3], "sadness": [1, 3]}
    assert apex_outliers(_FakeScaled(bank, {"contempt": 1.2})) == {"contempt": [3], "sadness": [1, 3]}
    assert apex_outliers(_FakeScaled(bank), floor=False) == {}  # control: the jaw rule alone
    assert apex_outliers(_FakeScaled(bank, extra={"Show sadness on this face.": 0.9})) == {
        "contempt": [1, 3], "sadness": [1, 2, 3]}  # fmt: skip

def test_anchor_check_reads_shape_and_strength():
    for e in EMOTIONS[1:]:
        for v in range(n_variants(e)):
            assert anchor_consistent(prototype(e, v), e)
            assert anchor_consistent(prototype(e, v) * 0.6, e, intensity=1.0)
            assert not anchor_consistent(prototype(e, v) * 0.3, e)  # weak: reads as neutral
            assert anchor_consistent(prototype(e, v) * 0.3, e, intensity=0.5)  # "slightly": fine
    assert not anchor_consistent(prototype("happiness"), "contempt")
    assert not anchor_consistent(prototype("surprise"), "fear")
    assert not anchor_consistent(prototype("disgust"), "anger")
    assert anchor_consistent(np.zeros(53), "neutral") and not anchor_consistent(prototype("fear"), "neutral")


def test_spans_are_the_parsers_words_with_their_intensity():
    assert span_phrase("furious", 1.2) == "very furious" and span_phrase("sad", 1.0) == "sad"
    assert span_phrase("sad", 0.5) == "slightly sad" and span_phrase("sad", 0.9) == "sad"
    assert text_spans("Turn this face from slightly sad to extremely happy.") == ["slightly sad", "extremely happy"]
    assert text_spans("The weather is nice.", fallback=["x"]) == ["x"]
    from emoshift.text.parser import parse_instruction

    assert parsed_spans(parse_instruction("First scared, then smiling.")) == ["scared", "smiling"]


def test_text_table_holds_each_sentences_spans(hash_encoder):
    from emoshift.models.data import encode_table
    from emoshift.models.spans import encode_phrases

    table = encode_table(["Turn this face from fear to joy.", "Make her look very sad."], hash_encoder, progress=False)
    for text in table.texts:
        idx = table.span_index[table.index[text]]
        spans = text_spans(text)
        assert (idx[len(spans):] == -1).all()
        np.testing.assert_allclose(table.span_features[idx[: len(spans)]], encode_phrases(hash_encoder, spans), atol=1e-6)


def test_order_errors_count_swaps_and_shifts():
    from emoshift.eval.evaluate import order_errors

    true = np.array([[1, 2, -1], [1, 2, -1], [3, 4, 5], [3, 4, 5], [6, -1, -1]])
    pred = np.array([[1, 2, -1], [2, 1, -1], [4, 5, 0], [3, 4, 5], [0, -1, -1]])
    r = order_errors(true, pred)
    assert r == {"n": 4, "swap": 0.25, "shift": 0.25}


def test_loading_a_folder_or_garbage_is_one_user_error(tmp_path):
    from emoshift.io import UserError
    from emoshift.models.generator import Generator

    with pytest.raises(UserError, match="is a folder"):
        Generator.load(tmp_path)
    (tmp_path / "x.pt").write_bytes(b"\x00" * 10)
    with pytest.raises(UserError) as err:
        Generator.load(tmp_path / "x.pt")
    assert "\n" not in str(err.value) and "x.pt" in str(err.value)


# ------------------------------------------------------------------------------ the shipped model
# bench/bench_apex.py, seeds 0-7, shipped models of the 2026-12-02 retrains: per emotion mean 0.95-1.02, 10th percentile 0.745-0.97 (happiness lowest: its closed and open smiles);
# the previous model (prior samples): mean 0.24-0.65; the same weights with prior samples: contempt 0.39
STRENGTH_P10, STRENGTH_MEAN = 0.65, 0.8
@pytest.fixture(scope="module")
def shipped():
    from emoshift.models.generator import Generator

    return Generator.load_default()


def test_shipped_bank_sets_aside_the_latent_that_opens_angers_jaw(shipped):
    """The shipped checkpoint's apex outliers (stored by scripts/mark_apex_outliers.py in session 20, weights and
    latents untouched) are what :func:`apex_outliers` finds in its weights: one of anger's 256 latents, decoded at
    jawOpen 0.55-0.58 in the three phrasings (the other 255: 0.26-0.42, its variants 0.28), none of any other
    emotion's. With it set aside, anger's anchors for seeds 0-7 of "Make this face look angry / furious / mad."
    open the jaw 0.26-0.35 (median 0.32), at most 0.40 here. Control: the same weights drawing from the whole bank
    (session 19) give seed 1 0.53-0.56 in all three, and every other seed's anchors are the same either way."""
    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.models.apex import apex_outliers, jaw_bound
    from emoshift.models.generator import Generator

    assert shipped.apex_outliers == apex_outliers(shipped)
    out = apex_outliers(shipped, floor=False)["anger"]  # the jaw's; the strength floor's: the next test
    assert list(apex_outliers(shipped, floor=False)) == ["anger"] and len(out) == 1
    assert set(out) <= set(shipped.apex_outliers["anger"])
    jaw = EXPRESSION_NAMES.index("jawOpen")
    opened = shipped.decode_latents("Make this face angry.", shipped.apex["anger"])[:, jaw]
    assert (opened[out] > jaw_bound("anger")).all() and (np.delete(opened, out) <= jaw_bound("anger") - 0.03).all()
    whole = Generator(shipped.model, shipped.ned, shipped.text_encoder,
                      {k: v for k, v in shipped.meta.items() if k != "apex_outliers"}, shipped.apex)  # fmt: skip
    assert whole.apex_outliers == {}
    for word in ("angry", "furious", "mad"):
        kept = np.stack([shipped.generate(f"Make this face look {word}.", seed=s)[0].expressions[0] for s in range(8)])
        free = np.stack([whole.generate(f"Make this face look {word}.", seed=s)[0].expressions[0] for s in range(8)])
        assert kept[:, jaw].max() <= 0.40 and np.median(kept[:, jaw]) <= 0.34, (word, kept[:, jaw])
        assert free[1, jaw] > 0.5, (word, free[:, jaw])  # control: seed 1 drew the outlier
        np.testing.assert_allclose(np.delete(kept, 1, 0), np.delete(free, 1, 0), atol=1e-6)  # the other seeds stay

def test_shipped_bank_sets_aside_the_latents_below_the_strength_floor(shipped):
    """The shipped checkpoint's apex outliers also hold the latents whose anchor (apex gain applied) falls below
    STRENGTH_FLOOR (0.8) in any of the three phrasings (stored by scripts/mark_apex_outliers.py in session 20):
    contempt 31 of 256, happiness 8, anger 2 (with the jaw's 1), fear 1, sadness 1. Over seeds 0-63 of the
    three phrasings contempt's anchors then reach 0.80-1.15 (10th percentile 0.92; bench/bench_apex.py), every
    emotion's 0.80 or more. Only the anchors that drew a set-aside latent change (42 of contempt's 192: seeds 3,
    9, 10, 13, 15, 18, 21, 24, 25, 38, 46, 48, 54, 63). Control: the same weights with session 20's first
    outliers (the jaw's alone) give contempt 0.665 at its least (seed 9) and a 10th percentile of 0.78."""
    from emoshift.emotions import apex_strength
    from emoshift.models.apex import STRENGTH_FLOOR, apex_outliers, apex_texts
    from emoshift.models.generator import Generator

    n_out = {e: len(v) for e, v in shipped.apex_outliers.items()}
    assert n_out["contempt"] >= 20 and all(v <= 10 for e, v in n_out.items() if e != "contempt"), n_out
    jaw_only = {**shipped.meta, "apex_outliers": apex_outliers(shipped, floor=False)}
    old = Generator(shipped.model, shipped.ned, shipped.text_encoder, jaw_only, shipped.apex)
    for emo in ("contempt", "happiness", "fear", "sadness"):
        texts = apex_texts(emo)
        seeds = range(64 if emo == "contempt" else 32)
        new = np.stack([[shipped.generate(t, seed=s)[0].expressions[0] for s in seeds] for t in texts])
        st = apex_strength(new.reshape(-1, 53), emo)
        assert st.min() >= STRENGTH_FLOOR - 0.01, (emo, st.min())
        if emo != "contempt":
            continue
        assert np.quantile(st, 0.1) >= 0.88, np.quantile(st, 0.1)
        was = np.stack([[old.generate(t, seed=s)[0].expressions[0] for s in seeds] for t in texts])
        st_was = apex_strength(was.reshape(-1, 53), emo)
        assert st_was.min() < 0.7 and np.quantile(st_was, 0.1) < 0.8, (st_was.min(), np.quantile(st_was, 0.1))
        # only the anchors whose latent is set aside change: the old anchor is the gained decoding of a latent
        g = shipped.apex_gain.get(emo, 1.0)
        bank = np.stack([at_apex(shipped.decode_latents(t, shipped.apex[emo]), g) for t in texts])
        drawn = (((was[:, :, None] - bank[:, None]) ** 2).sum(-1)).argmin(-1)  # (3, 64) bank index
        changed = np.abs(new - was).max(-1) > 1e-4
        np.testing.assert_array_equal(changed, np.isin(drawn, shipped.apex_outliers[emo]))
        assert 20 <= changed.sum() <= 70, changed.sum()


class _Scaled:
    """A control generator: the shipped anchors scaled by ``k`` (what a model at k of the apex gives)."""

    def __init__(self, gen, k):
        self.gen, self.k = gen, k

    def generate(self, text, seed=0):
        plans = self.gen.generate(text, seed=seed)
        for p in plans:
            p.expressions = p.expressions * self.k
        return plans


def test_shipped_one_emotion_anchors_are_at_apex_and_vary(shipped):
    """Issue 11.1: "Make this face <emotion>" (3 phrasings × 8 seeds) gives the emotion's apex, like a CK+
    apex frame: every anchor reads as its emotion, the weakest tenth reaches STRENGTH_P10 of the
    prototype's defining activation and the mean STRENGTH_MEAN; seeds still choose between variants.
    Thresholds: measured over seeds 0-7 (bench/bench_apex.py) minus a margin. Control: the same anchors
    at 0.7 (the previous model's level: 0.24-0.65) fail."""
    from emoshift.models.apex import measure_apex

    res = measure_apex(shipped, seeds=8)  # 4 seeds: a variant drawn 1 time in 4 is often missed
    for emo, r in res.items():
        assert r["reads_as_emotion"] == 1.0, (emo, r)
        assert r["strength_p10"] >= STRENGTH_P10 and r["strength_mean"] >= STRENGTH_MEAN, (emo, r)
    assert sum(r["variants_used"] >= 2 for r in res.values()) >= 5  # variety between seeds stays
    weak = measure_apex(_Scaled(shipped, 0.7), seeds=2)
    assert sum(r["strength_mean"] < STRENGTH_MEAN for r in weak.values()) >= 6


def test_apex_gain_brings_the_shipped_anchors_to_their_prototypes():
    """The shipped checkpoint's apex gains (measured after training, models/apex.apex_gains) bring each
    emotion's one-emotion anchors to its prototypes' strength: 0.94-1.00 measured over these 3 seeds (contempt
    0.94 with session 11's weights, whose 8-seed mean is 1.00 with the same 10th percentile, 0.86, as the
    weights before, which gave 0.98 here: the 3 seeds draw its weaker variants; 1.01 here, 0.98 over 8 seeds,
    since session 18's apex strength leaves out the whole mouth's sideways pull, which these weights give at
    0.77-0.92 against the prototype's 0.25: counted, 1.35; session 19's weights: anger 1.05 here and 1.01 over 8
    seeds at gain 1.00, its anchors at or above the prototype without help, so its bound is 1.07); without them (the
    control: the same generator with the gains removed) lower by more than 0.03 for every emotion whose
    gain is 1.05 or more (5 of 7 in the shipped model)."""
    from emoshift.models.apex import MAX_APEX_GAIN, measure_apex
    from emoshift.models.generator import Generator

    g = Generator.load_default()
    assert set(g.apex_gain) == set(EMOTIONS[1:]) and all(1.0 <= v <= MAX_APEX_GAIN for v in g.apex_gain.values())
    with_gain, gains = measure_apex(g, seeds=3), dict(g.apex_gain)
    g.apex_gain = {}
    without = measure_apex(g, seeds=3)
    for e in EMOTIONS[1:]:
        # a gain of 1 (the least) cannot have overshot: such an emotion's anchors may sit a little above
        assert 0.92 <= with_gain[e]["strength_mean"] <= (1.05 if gains[e] > 1.0 else 1.07), (e, with_gain[e])
        if gains[e] >= 1.05:  # the control where the gain is needed (anger's 1.02: its anchors reach 0.98 alone)
            assert without[e]["strength_mean"] < with_gain[e]["strength_mean"] - 0.03, (e, without[e])
    assert sum(v >= 1.05 for v in gains.values()) >= 4
