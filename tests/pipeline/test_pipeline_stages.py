"""The pipeline's data flow, with fake components injected through the constructor."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from fake_components import FakeFitter, FakePlanner, FakeRenderer, fake_pipeline, photo

from emoshift.headmodel.ops import axis_angle_to_matrix
from emoshift.io import UserError
from emoshift.fitting.image import limit_size
from emoshift.planning import Instruction, PrototypePlanner, compose_rotations, make_plan


def test_anchors_source_then_emotions_via_neutral():
    pipe = fake_pipeline()
    res = pipe.animate(photo(value=102), "from disgust to happy")
    plan = res.plan
    assert plan.labels == ["source", "disgust", "neutral", "happiness"]
    assert plan.generator == "fake"
    # source anchor = the fitted expression (mean pixel / 255 in slot 0)
    assert plan.expressions[0, 0] == pytest.approx(102 / 255)
    assert plan.expressions[1, 3] == 1.0  # disgust one-hot (index 2 + 1)
    assert plan.expressions[2, 50] == 0.25  # the planner's neutral
    assert plan.expressions[3, 2] == 1.0  # happiness
    # every anchor becomes a frame of the trajectory, and frames follow the trajectory
    t = res.trajectory
    np.testing.assert_allclose(t.expression[t.anchor_frames], plan.expressions, atol=1e-6)
    assert res.frames.shape == (len(t.expression), 24, 32, 3)
    want = (102 + 100 * t.expression[:, 1:4]).astype(np.int32).clip(0, 255)
    np.testing.assert_array_equal(res.frames[:, 5, 7, :], want)


def test_no_neutral_goes_directly():
    res = fake_pipeline().animate(photo(), "from disgust to happy", neutral=False)
    assert res.plan.labels == ["source", "disgust", "happiness"]
    # a neutral named in the text stays, and is not doubled
    res = fake_pipeline().animate(photo(), "from sad to neutral to happy", neutral=True)
    assert res.plan.labels == ["source", "sadness", "neutral", "happiness"]


def test_generated_rotation_is_composed_with_photo_pose():
    src = np.array([0.0, 0.4, 0.0], np.float32)  # photo: head turned 0.4 rad
    rel = np.array([[0.0, 0.0, 0.0], [0.2, 0.0, 0.0]], np.float32)
    out = compose_rotations(src, rel)
    np.testing.assert_allclose(out[0], src, atol=1e-6)  # no relative motion keeps the photo pose
    r = axis_angle_to_matrix(torch.tensor(out[1:]))[0]  # the torch formula: an independent check
    want = axis_angle_to_matrix(torch.tensor(src[None]))[0] @ axis_angle_to_matrix(torch.tensor(rel[1:]))[0]
    np.testing.assert_allclose(r.numpy(), want.numpy(), atol=1e-5)
    # in the pipeline: sample 1 has relative pitch 0.1 on top of the fitted yaw 0.3
    res = fake_pipeline(fitter=FakeFitter(yaw=0.3)).animate(photo(), "happy", samples=2)
    np.testing.assert_allclose(res.plan.rotations[1], [0, 0.3, 0], atol=1e-6)
    rot = res.variants[1].plan.rotations[1]
    r = axis_angle_to_matrix(torch.tensor(rot[None]))[0].numpy()
    forward = r @ np.array([0, 0, 1.0])  # the face's forward axis: turned (x>0) and looking down (y<0)
    assert forward[0] > 0.25 and forward[1] < -0.05


def test_bad_instruction_fails_before_fitting():
    fitter = FakeFitter()
    pipe = fake_pipeline(fitter=fitter)
    with pytest.raises(UserError, match="no emotion"):
        pipe.animate(photo(), "make it purple")
    with pytest.raises(UserError, match="empty"):
        pipe.animate(photo(), "   ")
    assert fitter.calls == []


def test_no_face_is_a_user_error():
    with pytest.raises(UserError, match="no face"):
        fake_pipeline().animate(photo(value=0), "happy")


def test_without_photo_3d_only(tmp_path):
    fitter = FakeFitter()
    pipe = fake_pipeline(fitter=fitter)
    res = pipe.animate(None, "from disgust to happy")
    assert fitter.calls == [] and res.frames is None and res.fit is None
    assert res.plan.expressions[0, 50] == 0.25  # starts from the neutral face
    np.testing.assert_array_equal(res.identity, np.zeros(50))
    with pytest.raises(UserError, match="need a photo"):
        pipe.save(res, tmp_path / "a.mp4")
    assert not (tmp_path / "a.mp4").exists()
    pipe.save(res, tmp_path / "a.glb")
    assert pipe.writers.calls == [("glb", tmp_path / "a.glb")]


def test_save_dispatches_by_extension(tmp_path):
    pipe = fake_pipeline()
    res = pipe.animate(photo(), "happy")
    for name, kind in [("v.mp4", "video"), ("v.gif", "video"), ("frames", "video"), ("h.glb", "glb"),
                       ("c.csv", "csv"), ("w.json", "json"), ("s.png", "sheet"), ("s.jpg", "sheet")]:  # fmt: skip
        pipe.save(res, tmp_path / name)
        assert pipe.writers.calls[-1] == (kind, tmp_path / name)
    pipe.save(res, tmp_path / "m", kind="meshes")
    assert pipe.writers.calls[-1] == ("meshes", tmp_path / "m")
    with pytest.raises(UserError, match="unknown output extension"):
        pipe.save(res, tmp_path / "x.avi")
    with pytest.raises(UserError, match="exists; pass force=True") as err:
        pipe.save(res, tmp_path / "v.mp4", force=False)
    assert "--force" not in str(err.value)  # Python words for a Python caller


def test_seed_reproducible_and_samples_differ():
    a = fake_pipeline().animate(photo(), "sad then happy", seed=3, samples=3)
    b = fake_pipeline().animate(photo(), "sad then happy", seed=3, samples=3)
    c = fake_pipeline().animate(photo(), "sad then happy", seed=4)
    assert len(a.variants) == 3 and a.variants[0] is a
    for x, y in zip(a.variants, b.variants, strict=True):
        np.testing.assert_array_equal(x.frames, y.frames)
    assert not np.array_equal(a.variants[0].plan.rotations, a.variants[1].plan.rotations)
    assert a.plan.expressions[1, 40] != c.plan.expressions[1, 40]  # the seed reaches the planner
    assert [v.plan.variant for v in a.variants] == [0, 1, 2]


def test_pipeline_default_seed_is_used():
    planner = FakePlanner()
    fake_pipeline(planner=planner, seed=5).animate(photo(), "happy")
    fake_pipeline(planner=planner, seed=5).animate(photo(), "happy", seed=2)
    assert [c[1] for c in planner.calls] == [5, 2]


def test_large_photo_is_limited_and_chunked_render_matches():
    fitter = FakeFitter()
    pipe = fake_pipeline(fitter=fitter, max_side=64)
    res = pipe.animate(photo(200, 100), "happy", intensity=0.5)
    assert fitter.calls == [(64, 32)] and res.image.shape == (64, 32, 3)
    FakeRenderer.instances = 0
    whole = fake_pipeline(render_chunk=1000).render(res.image, res.fit, res.trajectory)
    np.testing.assert_array_equal(whole, res.frames)
    assert FakeRenderer.instances == 1
    # intensity halves the deviation from the source at the apex
    assert res.trajectory.expression[-1, 2] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "kw, msg",
    [({"fps": 0}, "fps"), ({"seconds": 0.1}, "seconds"), ({"timing": "fast"}, "timing"),
     ({"intensity": 3}, "intensity"), ({"samples": 0}, "samples")],
)  # fmt: skip
def test_option_errors(kw, msg):
    with pytest.raises(UserError, match=msg):
        fake_pipeline().animate(photo(), "happy", **kw)


def test_limit_size_keeps_small_and_shrinks_large():
    small = photo(10, 20)
    assert limit_size(small, 64)[0] is small
    big = np.zeros((300, 120, 3), np.uint8)
    big[:, 60:] = 200
    out, scale = limit_size(big, 100)
    assert out.shape == (100, 40, 3) and scale == pytest.approx(1 / 3)
    assert out[:, :17].max() <= 2 and out[:, 23:].min() >= 198  # the edge stays where it was


def test_make_plan_checks_planner_output():
    from types import SimpleNamespace

    parsed = SimpleNamespace(emotions=["happiness", "sadness"], intensities=[1, 1])
    bad = SimpleNamespace(parsed=parsed, expressions=np.zeros((1, 53)), rotations=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="1 expressions for 2 emotions"):
        make_plan("x", bad, np.zeros(53), np.zeros(3), None, "fake")


def test_prototype_planner_is_recorded_and_warned():
    from emoshift.emotions import prototype
    from emoshift.text.parser import parse_instruction

    planner = PrototypePlanner()
    pipe = fake_pipeline(planner=planner, parse=parse_instruction)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = pipe.animate(photo(), "Turn this face from disgust to happiness")
    assert res.plan.generator == "prototype"
    assert any("prototypes" in str(w.message) for w in caught)
    assert res.plan.labels == ["source", "disgust", "neutral", "happiness"]
    np.testing.assert_allclose(res.plan.expressions[1], prototype("disgust"), atol=1e-6)
    np.testing.assert_allclose(res.plan.expressions[3], prototype("happiness"), atol=1e-6)
    two = planner.generate(Instruction("happy", parse_instruction("happy")), seed=1, n_samples=2)
    assert not np.allclose(two[0].rotations, two[1].rotations)


def test_sample_names_are_photos(tmp_path, monkeypatch):
    fitter = FakeFitter()
    fake_pipeline(fitter=fitter).animate("astronaut", "happy")
    assert fitter.calls == [(512, 512)]
    monkeypatch.chdir(tmp_path)  # a file of that name wins
    from PIL import Image

    Image.fromarray(photo(8, 9)).save(tmp_path / "astronaut", format="PNG")
    fake_pipeline(fitter=fitter).animate("astronaut", "happy")
    assert fitter.calls[-1] == (8, 9)


def test_frame_memory_budget(monkeypatch):
    import emoshift.pipeline as P

    monkeypatch.setattr(P, "MAX_FRAME_BYTES", 24 * 32 * 3 * 10)  # ten frames of the test photo
    renderer_calls = []
    pipe = fake_pipeline(renderer=lambda im, fit: renderer_calls.append(1))
    with pytest.raises(UserError, match="shorten seconds, lower fps"):
        pipe.animate(photo(), "sad then happy")  # 13 frames
    assert renderer_calls == []
    assert len(fake_pipeline().animate(photo(), "happy").frames) == 5  # 5 frames fit


def test_photo_gaze_carries_into_every_anchor():
    from types import SimpleNamespace

    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.planning import gaze_channels

    names = list(EXPRESSION_NAMES)
    up, down, smile = names.index("eyeLookUp_L"), names.index("eyeLookDown_L"), names.index("mouthSmile_L")
    assert sorted(names[i] for i in gaze_channels()) == sorted(n for n in names if n.startswith("eyeLook"))
    gen_e = np.zeros((2, 53), np.float32)
    gen_e[0, smile] = 0.9
    gen_e[1, down] = 0.3  # a generated downcast gaze (sadness)
    parsed = SimpleNamespace(emotions=["happiness", "sadness"], intensities=[1, 1])
    g = SimpleNamespace(parsed=parsed, expressions=gen_e, rotations=np.zeros((2, 3)))
    src = np.zeros(53, np.float32)
    src[up], src[down], src[smile] = 0.4, 0.8, 0.2
    neutral = (np.zeros(53, np.float32), np.zeros(3, np.float32))
    plan = make_plan("x", g, src, np.zeros(3), neutral, "fake")
    assert plan.labels == ["source", "happiness", "neutral", "sadness"]
    np.testing.assert_allclose(plan.expressions[1:, up], 0.4)  # the photo's gaze stays
    np.testing.assert_allclose(plan.expressions[1:, down], [0.8, 0.8, 1.0])  # generated gaze adds, clipped
    np.testing.assert_allclose(plan.expressions[1:, smile], [0.9, 0.0, 0.0])  # expressions are absolute


def test_with_source_gaze_adds_only_gaze_and_clips():
    from emoshift.planning import gaze_channels, with_source_gaze

    rng = np.random.default_rng(0)
    targets, src = rng.uniform(0, 1, (3, 53)).astype(np.float32), rng.uniform(0, 1, 53).astype(np.float32)
    out = with_source_gaze(targets, src)
    gaze = gaze_channels()
    rest = np.setdiff1d(np.arange(53), gaze)
    np.testing.assert_array_equal(out[:, rest], targets[:, rest])
    np.testing.assert_allclose(out[:, gaze], np.minimum(targets[:, gaze] + src[gaze], 1.0), rtol=1e-6)
    assert out[:, gaze].max() == 1.0  # sums above one are clipped
