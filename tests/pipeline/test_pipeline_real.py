"""The pipeline with its real components (Pipeline.load): fitting, parser, planner, trajectory, exports."""

from __future__ import annotations

import json
import os
import stat
import warnings

import numpy as np
import pytest

from emoshift.cli import main
from emoshift.io import UserError
from emoshift.pipeline import DEFAULT_INSTRUCTION, Pipeline, sample_photo


@pytest.fixture(scope="module")
def pipe():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Pipeline.load(seed=0)


def test_no_photo_animates_the_neutral_head_into_3d_files(pipe, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pipe.animate(None, "from anger to surprise", fps=20, timing="linear")
    assert res.frames is None and res.fit is None
    assert res.plan.labels == ["source", "anger", "neutral", "surprise"]
    t = res.trajectory
    assert t.expression.shape[1] == 53 and t.fps == 20
    np.testing.assert_allclose(t.expression[t.anchor_frames[1]], res.plan.expressions[1], atol=1e-5)
    browdown = pipe.model.expression_names.index("browDown_L")
    assert t.expression[t.anchor_frames[1], browdown] > 0.3  # anger lowers the brows
    res.save(tmp_path / "h.glb")
    res.save(tmp_path / "h.csv")
    res.save(tmp_path / "h.json")
    assert (tmp_path / "h.glb").read_bytes()[:4] == b"glTF"
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert len(rows) == len(t.expression) + 1 and rows[0].startswith("Timecode,BlendShapeCount")
    data = json.loads((tmp_path / "h.json").read_text())
    assert data  # per-frame weights by name


def test_photo_is_fitted_and_anchored_at_its_own_expression(pipe):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        photo = pipe.read_photo(sample_photo())
        fit = pipe.fit(photo)
        plans = pipe.plan(DEFAULT_INSTRUCTION, fit, seed=0, neutral=True, samples=2)
    assert fit.landmark_rmse_px < 3.0
    smile = [pipe.model.expression_names.index(n) for n in ("mouthSmile_L", "mouthSmile_R")]
    assert fit.expression[smile].mean() > 0.2  # the astronaut smiles
    p = plans[0]
    np.testing.assert_allclose(p.expressions[0], fit.expression, atol=1e-6)
    np.testing.assert_allclose(p.rotations[0], fit.rotation, atol=1e-6)
    assert p.labels == ["source", "disgust", "neutral", "happiness"]
    assert p.generator == "generator:i2fet"  # the shipped checkpoint, not the prototype fallback
    assert p.expressions[1][smile].mean() < p.expressions[3][smile].mean()  # disgust, then happiness
    assert not np.allclose(plans[0].rotations, plans[1].rotations)  # samples differ


@pytest.mark.parametrize(
    "image, msg",
    [(np.full((240, 320, 3), 128, np.uint8), "face"), ("/nonexistent/photo.jpg", "not found")],
)
def test_bad_photos_are_user_errors(pipe, image, msg):
    with pytest.raises(UserError, match=msg):
        pipe.animate(image, "happy")


def test_cli_without_photo_writes_glb_and_csv(tmp_path, capsys):
    out = tmp_path / "head.glb"
    assert main(["animate", "slightly sad then very happy", "--out", str(out), "--csv", "--seconds", "3"]) == 0
    assert out.read_bytes()[:4] == b"glTF" and (tmp_path / "head.csv").is_file()
    said = capsys.readouterr().out
    assert "sadness" in said and "happiness" in said and "planner:" in said


@pytest.mark.slow
def test_cli_batch_in_a_process_pool(tmp_path, capsys):
    lines = tmp_path / "lines.txt"
    lines.write_text("from fear to joy\nthis has no emotion word\nangry\n")
    out = tmp_path / "res"
    rc = main(["animate", "--instructions", str(lines), "--out", str(out), "--json", "--workers", "2",
               "--seconds", "2", "--quiet"])  # fmt: skip
    assert rc == 1
    table = capsys.readouterr().out
    assert "2 of 3 jobs succeeded" in table and "no emotion found" in table
    names = sorted(p.name for p in out.iterdir())
    assert names == ["head_00_from-fear-to-joy.glb", "head_00_from-fear-to-joy.json", "head_02_angry.glb",
                     "head_02_angry.json"]  # fmt: skip


def test_photo_animation_starts_at_the_photo_and_moves_the_face(pipe, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pipe.animate(sample_photo(), DEFAULT_INSTRUCTION, seconds=2, fps=15)
    f, t = res.frames, res.trajectory
    assert f.shape == (30, 512, 512, 3) and f.dtype == np.uint8
    assert np.abs(f[0].astype(int) - res.image).mean() < 1.0  # frame 0 = the source expression = the photo
    box = res.fit.landmarks_fitted.astype(int)  # the face's box in pixels
    (x0, y0), (x1, y1) = box.min(0), box.max(0)
    face = lambda i: f[i, y0:y1, x0:x1].astype(int)  # noqa: E731
    disgust, happy = t.anchor_frames[1], t.anchor_frames[-1]
    assert np.abs(face(disgust) - face(0)).mean() > 3  # the face changes
    assert np.abs(face(happy) - face(disgust)).mean() > 3
    outside = np.abs(f[disgust, 420:, :100].astype(int) - res.image[420:, :100]).mean()  # far from the head
    assert outside < 0.5
    res.save(tmp_path / "a.mp4")
    res.save(tmp_path / "frames")
    assert (tmp_path / "a.mp4").stat().st_size > 10_000 and len(list((tmp_path / "frames").iterdir())) == 30
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.mp4").stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600
