"""Generator: checkpoints, seeded plans for 1-3 emotions, NED neutrals, JSON, and the generate/train CLIs."""

import json

import numpy as np
import pytest
import torch
from modelkit import HashEncoder, tiny_config

from emoshift.cli import main
from emoshift.io import UserError
from emoshift.models import I2FET, NED
from emoshift.models.generator import Generator, default_checkpoint_path, save_checkpoint


@pytest.fixture
def generator(tmp_path):
    torch.manual_seed(0)
    path = save_checkpoint(tmp_path / "m.pt", I2FET(tiny_config()), NED(), {"note": "test"})
    return Generator.load(path, text_encoder=HashEncoder()), path


def test_checkpoint_round_trip(generator, tmp_path):
    gen, path = generator
    again = Generator.load(path, text_encoder=HashEncoder())
    assert again.meta == {"note": "test"}
    sa, sb = gen.model.state_dict(), again.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert gen.model.cfg == again.model.cfg
    with pytest.raises(UserError):
        Generator.load(tmp_path / "missing.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(UserError):
        Generator.load(tmp_path / "bad.pt")


@pytest.mark.parametrize(
    "text,emotions",
    [("Make her look happy.", ["happiness"]),
     ("Turn this face from fear to happiness.", ["fear", "happiness"]),
     ("Show anger, then surprise, then sadness.", ["anger", "surprise", "sadness"])],
)
def test_plans_follow_the_parsed_slots(generator, text, emotions):
    gen, _ = generator
    plans = gen.generate(text, seed=3, n_samples=2)
    assert len(plans) == 2
    for p in plans:
        assert p.parsed.emotions == emotions
        assert p.expressions.shape == (len(emotions), 53) and p.rotations.shape == (len(emotions), 3)
        assert p.expressions.min() >= 0 and p.expressions.max() <= 1
    again = gen.generate(text, seed=3)[0]
    np.testing.assert_array_equal(again.expressions, plans[0].expressions)  # sample i uses seed + i
    np.testing.assert_array_equal(gen.generate(text, seed=4)[0].expressions, plans[1].expressions)
    assert not np.array_equal(plans[0].expressions, plans[1].expressions)


def test_generate_batch_matches_single_generation_layout(generator):
    gen, _ = generator
    e, r = gen.generate_batch(["Turn this face from fear to happiness.", "Make her look happy."], [2, 1], seed=0)
    assert e.shape == (2, 3, 53) and r.shape == (2, 3, 3)
    assert np.all(e[0, 2] == 0) and np.all(e[1, 1:] == 0) and np.all(e[:, 0].sum(-1) > 0)


def test_bad_instructions_and_neutral(generator):
    gen, _ = generator
    for bad in ("", "x" * 400, "Turn this face into a potato."):
        with pytest.raises(UserError):
            gen.generate(bad)
    with pytest.raises(UserError):
        gen.generate("Make her look happy.", n_samples=0)
    e, r = gen.neutral(seed=1)
    e2, _ = gen.neutral(seed=1)
    assert e.shape == (53,) and r.shape == (3,) and np.array_equal(e, e2)
    assert not np.array_equal(e, gen.neutral(seed=2)[0])
    assert Generator(gen.model, None, HashEncoder()).neutral is not None
    with pytest.raises(UserError):
        Generator(gen.model, None, HashEncoder()).neutral()


def test_plan_json_names_every_blendshape(generator):
    gen, _ = generator
    from emoshift.emotions import EXPRESSION_NAMES

    d = gen.generate("Turn this face from fear to happiness.")[0].to_json()
    assert d["emotions"] == ["fear", "happiness"] and len(d["anchors"]) == 2
    a = d["anchors"][0]
    assert list(a["expression"]) == list(EXPRESSION_NAMES) and len(a["rotation"]) == 3
    assert len(a["pitch_yaw_roll_deg"]) == 3


def test_generate_cli_json_and_errors(generator, capsys):
    _, path = generator
    # the checkpoint's text encoder spec is "minilm" with text_dim 16: loading must fail cleanly
    assert main(["generate", "Turn this face from fear to joy", "--model", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "text encoder" in err
    assert main(["generate", "", "--json"]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["generate", "Be happy", "--samples", "0"]) == 2


@pytest.fixture(scope="module")
def shipped():
    if not default_checkpoint_path().is_file():
        pytest.skip("no shipped checkpoint yet")
    return Generator.load_default()


def _nearest_variant_cosine(x: np.ndarray, emotion: str) -> np.ndarray:
    """(S,53) -> (S,) cosine similarity to the nearest single EMFACS variant of ``emotion``."""
    from emoshift.emotions import n_variants, prototype

    p = np.stack([prototype(emotion, v) for v in range(n_variants(emotion))])
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    return (x / np.linalg.norm(x, axis=1, keepdims=True) @ p.T).max(1)


def test_shipped_model_samples_differ_and_each_is_near_one_variant(shipped):
    """--samples K is useful: other seeds give other anchors (no posterior collapse), and the samples land
    near ONE EMFACS variant (disgust 9+15+16 / 10+15+16 / 9+10+17; contempt right- or left-sided) rather
    than at the average of the variants, which is what the collapsed paper-loss model gave for every seed
    (weight std 0.001 across seeds; cosine to the nearest variant 0.86 for disgust, 0.78 for contempt,
    against 0.85 and 0.71 for the exact average)."""
    from emoshift.emotions import n_variants, prototype
    from emoshift.models.config import TrainConfig

    assert TrainConfig.from_dict(shipped.model.cfg.to_dict()).recon_loss == "gaussian"
    for text, emotion in (("Turn this face from disgust to happiness.", "disgust"),
                          ("Make him look contemptuous.", "contempt")):
        plans = shipped.generate(text, seed=0, n_samples=12)
        e = np.stack([p.expressions[0] for p in plans])  # (12, 53)
        std = e.std(0)
        assert std.mean() > 0.005 and std.max() > 0.1, (emotion, std.mean(), std.max())  # collapsed: 0.001, 0.009
        cos = _nearest_variant_cosine(e, emotion)
        average = np.mean([prototype(emotion, v) for v in range(n_variants(emotion))], 0)
        cos_average = _nearest_variant_cosine(average[None], emotion)[0]
        assert np.median(cos) > 0.97, (emotion, cos)  # near one variant (measured 0.992-0.994 and 0.99)
        # where the variants differ (contempt's sides average to 0.7): nearer a variant than their average is,
        # and half-way or more from that average to a single variant. Disgust's variants share AU9+AU10 and
        # differ by a few AUs at B-C, so their average is itself at 0.988: no such test there.
        if cos_average < 0.95:
            assert (cos > cos_average).sum() >= 11, (emotion, cos, cos_average)  # the prior's tail may fall between
            assert np.median(cos) > cos_average + 0.5 * (1 - cos_average), (emotion, cos, cos_average)
    assert cos_average < 0.95  # the last pair (contempt) did check it


def test_shipped_model_generates_the_named_emotions(shipped, capsys):
    """The shipped default, over several seeds: each generated anchor has the shape of its own emotion
    (cosine to the nearest variant, across the non-neutral emotions) at a clear intensity.

    Shape and intensity are checked apart because samples follow the data's intensity spread (weight sum
    0.6-1.3x the prototype's, 5th-95th percentile; ground truth 0.5-1.4x): by Euclidean distance the
    all-zero neutral prototype is nearer than any variant for the weaker quarter, ground truth included.
    """
    from emoshift.emotions import EMOTIONS, n_variants, prototype

    gen = shipped
    protos = {e: np.stack([prototype(e, v) for v in range(n_variants(e))]) for e in EMOTIONS[1:]}

    def nearest(x):
        return max(protos, key=lambda e: _nearest_variant_cosine(x[None], e)[0])

    for text in ("Turn this face from fear to happiness.", "Change this face from anger to surprise.",
                 "Make him look sad, then disgusted, then happy."):
        for plan in gen.generate(text, seed=0, n_samples=4):
            assert [nearest(x) for x in plan.expressions] == plan.parsed.emotions
            for x, e in zip(plan.expressions, plan.parsed.emotions):
                assert x.sum() > 0.4 * np.abs(protos[e]).sum(-1).mean(), (text, e, x.sum())
    assert main(["generate", "Turn this face from disgust to happiness", "--seed", "2", "--json", "--neutral"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["emotions"] == ["disgust", "happiness"] and len(d["samples"][0]) == 2 and "neutral" in d


def test_canonical_spans_and_anchor_score():
    """The redraw fallback's span words name the parser's reading in the training words; the score prefers
    an anchor closer to the reading (control: the wrong emotion scores lower)."""
    from emoshift.emotions import prototype
    from emoshift.models.generator import anchor_score, canonical_spans
    from emoshift.text import lexicon
    from emoshift.text.parser import parse_instruction

    p = parse_instruction("He looks livid, then slightly sad, then rolls his eyes.")
    assert canonical_spans(p, 1) == ["incensed", "slightly sad", "roll the eyes"]
    assert canonical_spans(p, 2) == ["angry", "slightly sad", "contemptuous"]
    assert anchor_score(prototype("anger"), "anger") > 0.5 > anchor_score(prototype("sadness"), "anger")
    assert anchor_score(prototype("anger") * 0.9, "anger") > anchor_score(prototype("anger") * 0.4, "anger")
    assert anchor_score(np.zeros(53), "neutral") > anchor_score(prototype("fear"), "neutral")
    t = lexicon.anchor_expression("contempt", ("roll the eyes",))
    assert anchor_score(t, "contempt", t) > 0.99 > anchor_score(prototype("happiness"), "contempt", t)


EVERYDAY = (("She rolls her eyes, then smiles.", ["contempt", "happiness"]), ("He looks livid.", ["anger"]),
            ("Make her look jittery.", ["fear"]), ("He weeps quietly.", ["sadness"]),
            ("She grimaces, then gapes.", ["disgust", "surprise"]), ("He scowls, then beams.", ["anger", "happiness"]),
            ("She looks crestfallen.", ["sadness"]), ("He smirks.", ["contempt"]),
            ("Make him look petrified.", ["fear"]), ("She wrinkles her nose.", ["disgust"]))  # fmt: skip


def test_shipped_model_follows_everyday_words(shipped):
    """Lexicon words, facial actions and other synonyms (from the thesaurus dev set's vocabulary, not the
    held-out sets): over seeds 0-2 every anchor's nearest prototype is its emotion, at apex strength
    above 0.4 (measured minimum 0.55 over these 30 plans; median 0.97). Control: the same anchors read
    against the labels of the next sentence fail."""
    from emoshift.emotions import EMOTIONS, apex_strength, nearest_prototype

    wrong, weak, control = [], [], 0
    for k, (text, labels) in enumerate(EVERYDAY):
        other = EVERYDAY[(k + 1) % len(EVERYDAY)][1]
        for seed in range(3):
            plan = shipped.generate(text, seed=seed)[0]
            got = [EMOTIONS[i] for i in nearest_prototype(plan.expressions)]
            if got != labels:
                wrong.append((text, seed, got))
            weak += [(text, seed, e) for x, e in zip(plan.expressions, labels) if apex_strength(x[None], e)[0] < 0.4]
            control += got[: len(other)] == other[: len(got)]
    assert not wrong and not weak, (wrong, weak)
    assert control <= 3
