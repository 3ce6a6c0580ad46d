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
from emoshift.options import AnimateOptions
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
    # 20 fps is resampled to Live Link's 30 fps grid (emoshift.export.curves), over the same duration
    assert rows[0].startswith("Timecode,BlendShapeCount")
    assert len(rows) - 1 == round(len(t.expression) / t.fps * 30)  # covering N / fps, as the video plays
    data = json.loads((tmp_path / "h.json").read_text())
    assert data  # per-frame weights by name


def test_photo_is_fitted_and_anchored_at_its_own_expression(pipe):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        photo = pipe.read_photo(sample_photo())
        fit = pipe.fit(photo)
        plans = pipe.plan(pipe.parse(DEFAULT_INSTRUCTION), fit, AnimateOptions(samples=2))
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


@pytest.fixture(scope="module")
def two_faces() -> np.ndarray:
    """The astronaut (left) beside Grace Hopper (right, her face the larger of the two) on grey."""
    from PIL import Image

    hopper = np.asarray(Image.fromarray(sample_photo("grace_hopper")).resize((300, 352)))
    img = np.full((512, 812, 3), 200, np.uint8)
    img[:, :512] = sample_photo("astronaut")
    img[80:432, 512:812] = hopper
    return img


def test_face_chooses_among_two_faces_and_crop_follows_it(pipe, two_faces):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = pipe.fit(two_faces)
        res = pipe.animate(two_faces, "happy", face=1, crop="face", seconds=0.5, fps=4)
    assert first.face_index == 0 and first.landmarks_detected[:, 0].min() > 512  # the largest: Hopper's
    fit = res.fit
    assert (fit.face_index, fit.faces_found) == (1, 2) and fit.landmarks_detected[:, 0].max() < 512  # the astronaut
    assert any("2 faces found; animating face 1" in str(w.message) for w in caught)
    x0, y0, x1, y1 = res.crop
    cx, cy = fit.landmarks_detected.mean(0)
    assert x1 - x0 == y1 - y0 == res.frames.shape[1] == res.frames.shape[2] and (x1 - x0) % 2 == 0
    assert x0 < cx < x1 and y0 < cy < y1 and x1 <= 512  # a square around the astronaut's face only
    assert np.abs(res.frames[0].astype(int) - res.shown_image()).mean() < 1.0  # frame 0 is the photo, cropped


def test_a_face_cut_off_at_the_edge_is_flagged(pipe):
    photo = sample_photo()
    assert not pipe.fit(photo).cut_off
    cut = pipe.fit(photo[:150])  # the chin is below the edge
    assert cut.cut_off and cut.landmarks_detected[:, 1].max() > 150


def test_the_spine_adds_nothing_to_its_stages(pipe):
    """The frames are exactly the stages composed by hand: fit -> make_plan -> trajectory -> Reenactor."""
    from emoshift.mouth_view import MouthView
    from emoshift.planning import make_plan
    from emoshift.render.reenact import Reenactor
    from emoshift.text.parser import parse_instruction
    from emoshift.trajectory import build_trajectory

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pipe.animate("astronaut", DEFAULT_INSTRUCTION, seconds=1.0, fps=8, seed=4)
    photo = sample_photo()
    fit = pipe.fitter.fit(photo)
    gen = pipe.planner.generate(pipe.parse(DEFAULT_INSTRUCTION), seed=4)[0]
    assert gen.parsed == parse_instruction(DEFAULT_INSTRUCTION)
    view = MouthView.of_fit(fit, pipe.renderer.model)  # the mouth as the photo's view shows it
    plan = make_plan(DEFAULT_INSTRUCTION, gen, fit.expression, fit.rotation, pipe.planner.neutral(4), pipe.planner.name,
                     view=view)  # fmt: skip
    traj = build_trajectory(plan.anchors(), fps=8, seconds=1.0, timing="natural", intensity=1.0, seed=4)
    frames = Reenactor(photo, fit, pipe.renderer.model).render_batch(traj.expression, traj.rotation)
    np.testing.assert_array_equal(res.frames, frames)
    assert np.abs(frames[-1].astype(int) - frames[0]).mean() > 0.5  # control: the frames do move


def test_variants_and_the_glb_texture_reuse_the_photo_reenactor(pipe, tmp_path, monkeypatch):
    """One Reenactor per photo and fit: the K variants of an animation and the .glb texture bake (through
    Pipeline.save) reuse it
    (control: a new fit of the same photo builds a second one); the baked texture equals a fresh bake."""
    import emoshift.render.reenact as reenact
    from emoshift.render.textured import TexturedHead

    built = []
    real_init = reenact.Reenactor.__init__

    def counting(self, *a, **k):
        built.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(reenact.Reenactor, "__init__", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pipe.animate("astronaut", "Show surprise", seconds=0.5, fps=8, samples=2, max_side=256)
        pipe.save(res, tmp_path / "a.glb")  # as the CLI and the web app save
    assert len(res.variants) == 2 and len(built) == 1
    glb_texture = pipe.writers.photo_texture(res)
    assert len(built) == 1
    monkeypatch.setattr(reenact.Reenactor, "__init__", real_init)
    np.testing.assert_array_equal(glb_texture, TexturedHead(res.image, res.fit, pipe.renderer.model).texture)
    monkeypatch.setattr(reenact.Reenactor, "__init__", counting)
    refit = pipe.fitter.fit(res.image)
    pipe.render(res.image, refit, res.trajectory)
    assert len(built) == 2  # control: another fit object is another reenactor
