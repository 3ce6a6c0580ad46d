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


@pytest.mark.skipif(not default_checkpoint_path().is_file(), reason="no shipped checkpoint yet")
def test_shipped_model_generates_the_named_emotions(capsys):
    """The shipped default: each generated anchor is closest to its own emotion's prototype."""
    from emoshift.emotions import EMOTIONS, n_variants, prototype

    gen = Generator.load_default()
    protos = {e: np.stack([prototype(e, v) for v in range(n_variants(e))]) for e in EMOTIONS}

    def nearest(x):
        return min(protos, key=lambda e: np.min(((protos[e] - x) ** 2).sum(-1)))

    for text in ("Turn this face from fear to happiness.", "Change this face from anger to surprise.",
                 "Make him look sad, then disgusted, then happy."):
        plan = gen.generate(text, seed=0)[0]
        assert [nearest(x) for x in plan.expressions] == plan.parsed.emotions
    assert main(["generate", "Turn this face from disgust to happiness", "--seed", "2", "--json", "--neutral"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["emotions"] == ["disgust", "happiness"] and len(d["samples"][0]) == 2 and "neutral" in d
