"""The pipeline with the real Generator (I2FET + NED, untrained weights) as its planner; other stages fake."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from fake_components import FakeFitter, fake_pipeline, photo

from emoshift import planning as P
from emoshift.io import UserError
from emoshift.models import NED, NEDConfig, TrainConfig, build_model
from emoshift.models.generator import Generator
from emoshift.text.parser import parse_instruction


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return Generator(build_model(TrainConfig()), NED(NEDConfig()))


def test_generator_plans_are_recorded_seeded_and_composed(generator):
    fitter = FakeFitter(yaw=0.3)
    pipe = fake_pipeline(planner=P.TrainedPlanner(generator), parse=parse_instruction, fitter=fitter)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no prototype warning with a trained planner
        res = pipe.animate(photo(), "Turn this face from disgust to happiness", seed=7, samples=2)
    plan = res.plan
    assert plan.generator == "generator:i2fet"
    assert plan.labels == ["source", "disgust", "neutral", "happiness"]
    assert plan.expressions.min() >= 0 and plan.expressions.max() <= 1
    gen = generator.generate("Turn this face from disgust to happiness", seed=7, n_samples=2)
    np.testing.assert_allclose(plan.generated_expressions, gen[0].expressions, atol=1e-6)
    np.testing.assert_allclose(plan.expressions[2], generator.neutral(7)[0], atol=1e-6)  # NED's neutral
    np.testing.assert_allclose(plan.rotations[1], P.compose_rotations(fitter.yaw * np.eye(3)[1], gen[0].rotations)[0],
                               atol=1e-5)  # fmt: skip
    assert not np.allclose(res.variants[1].plan.generated_expressions, plan.generated_expressions)
    again = fake_pipeline(planner=P.TrainedPlanner(generator), parse=parse_instruction).animate(photo(), plan.instruction,
                                                                                              seed=7)  # fmt: skip
    np.testing.assert_array_equal(again.frames, res.frames)


def test_auto_falls_back_to_prototypes_loudly_and_generator_mode_fails(monkeypatch):
    def missing(cls):
        raise UserError("model checkpoint not found: x.pt")

    monkeypatch.setattr(Generator, "load_default", classmethod(missing))
    with pytest.warns(UserWarning, match="prototypes"):
        planner = P.load_planner("auto")
    assert planner.name == "prototype"
    with pytest.raises(UserError, match="not available"):
        P.load_planner("generator")
    assert P.load_planner("prototype").name == "prototype"
    with pytest.raises(UserError, match="auto, generator or prototype"):
        P.load_planner("gpt")


def test_checkpoint_without_ned_plans_without_neutral(tmp_path):
    from emoshift.models.generator import save_checkpoint

    torch.manual_seed(1)
    path = save_checkpoint(tmp_path / "g.pt", build_model(TrainConfig()))  # no NED
    planner = P.load_planner("auto", checkpoint=str(path))
    assert planner.name == "generator:i2fet"
    pipe = fake_pipeline(planner=planner, parse=parse_instruction)
    res = pipe.animate(photo(), "Turn this face from disgust to happiness", neutral=False, seed=2)
    assert res.plan.labels == ["source", "disgust", "happiness"]
    want = Generator.load(path).generate("Turn this face from disgust to happiness", seed=2)[0]
    np.testing.assert_allclose(res.plan.generated_expressions, want.expressions, atol=1e-6)
    with pytest.raises(UserError, match="NED"):
        pipe.animate(photo(), "Turn this face from disgust to happiness")
    with pytest.raises(UserError, match="exclude"):
        P.load_planner("prototype", checkpoint=str(path))


def test_generator_encodes_the_sentence_as_the_parser_read_it(generator):
    """A misspelt emotion word reaches the sentence encoder corrected: the plan equals the correctly spelt
    instruction's, and differs from the raw misspelt text's (the control)."""
    typo = "Turn this face from disgust to HAPYNESS"
    pipe = fake_pipeline(planner=P.TrainedPlanner(generator), parse=parse_instruction)
    res = pipe.animate(photo(), typo, seed=3)
    got = res.plan.generated_expressions
    assert res.summary()["read_as"] == [["hapyness", "happiness"]]  # shown by --json and the web page
    right = generator.generate("Turn this face from disgust to happiness", seed=3)[0].expressions
    raw = generator.generate(typo, seed=3)[0].expressions
    np.testing.assert_allclose(got, right, atol=1e-6)
    assert not np.allclose(raw, right, atol=1e-3)
