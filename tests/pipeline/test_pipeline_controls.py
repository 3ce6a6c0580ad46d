"""Options, photo inputs, face choice, crop, the parse-once rule and the neutral-only-when-used rule,
on the fake pipeline (and the CLI around it)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from fake_components import FakeFitter, FakePlanner, fake_parse, fake_pipeline, photo
from PIL import Image

from emoshift.cli import cmd_animate, main
from emoshift.fitting.result import face_crop_box
from emoshift.io import UserError
from emoshift.options import RANGES, AnimateOptions
from emoshift.planning import Instruction

# ------------------------------------------------------------------------------------------ options


@pytest.mark.parametrize("name", sorted(RANGES))
def test_every_range_is_enforced_at_both_ends(name):
    lo, hi = RANGES[name]
    assert getattr(AnimateOptions(**{name: lo}), name) == lo
    assert getattr(AnimateOptions(**{name: hi}), name) == hi
    step = 1 if name in ("samples", "seed", "face", "max_side") else 0.01
    for bad in (lo - step, hi + step):
        with pytest.raises(UserError, match=f"{name} must lie in"):
            AnimateOptions(**{name: bad})


def test_options_are_frozen_and_replace_revalidates():
    o = AnimateOptions()
    with pytest.raises(AttributeError):
        o.fps = 10  # type: ignore[misc]
    assert o.replace(seed=3).seed == 3 and o.seed == 0
    with pytest.raises(UserError, match="intensity"):
        o.replace(intensity=5)
    for kw, msg in [({"seed": 1.5}, "whole number"), ({"fps": "x"}, "must be a number"), ({"neutral": "no"}, "neutral"),
                    ({"crop": "square"}, "crop must be"), ({"fps": float("nan")}, "fps must lie")]:  # fmt: skip
        with pytest.raises(UserError, match=msg):
            AnimateOptions(**kw)


def test_from_form_reads_text_fields():
    o = AnimateOptions.from_form({"seconds": "3", "neutral": "off", "seed": "", "intensity": "auto", "other": "x",
                                  "face": "1", "crop": "face"})  # fmt: skip
    assert (o.seconds, o.neutral, o.seed, o.intensity, o.face, o.crop) == (3.0, False, 0, 1.0, 1, "face")
    with pytest.raises(UserError, match="seed must be a whole number, got 'abc'"):
        AnimateOptions.from_form({"seed": "abc"})


@pytest.mark.parametrize(
    "argv, msg",
    [(["--seed", "-1"], "--seed must lie in [0, 4294967295], got -1"),
     (["--seed", str(2**70)], "--seed must lie in"),
     (["--max-side", "5000"], "--max-side must lie in [64, 4096]"),
     (["--face", "-1"], "--face must lie in"),
     (["--model", "OUT/none.pt"], "model checkpoint not found")],
)  # fmt: skip
def test_cli_option_errors_name_the_flag(monkeypatch, tmp_path, capsys, argv, msg):
    pipe = fake_pipeline()
    monkeypatch.setattr(cmd_animate, "_PIPELINE", pipe)
    img = tmp_path / "me.png"
    Image.fromarray(photo()).save(img)
    argv = [a.replace("OUT", str(tmp_path)) for a in argv]
    assert main(["animate", str(img), "happy", "--out", str(tmp_path / "a.mp4"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1
    assert pipe.writers.calls == [] and pipe.fitter.calls == []


# ------------------------------------------------------------------------------------------ stages


def test_instruction_is_parsed_once_and_passed_on():
    calls = []

    def counting_parse(text):
        calls.append(text)
        return fake_parse(text)

    planner = FakePlanner()
    fake_pipeline(parse=counting_parse, planner=planner).animate(photo(), "from sad to happy", samples=2)
    assert calls == ["from sad to happy"]
    assert planner.calls == [("from sad to happy", 0, 2)]
    ins = Instruction("sad then happy", fake_parse("sad then happy"))  # a parsed instruction is not parsed again
    res = fake_pipeline(parse=counting_parse).animate(photo(), ins)
    assert calls == ["from sad to happy"] and res.plan.instruction == "sad then happy"


class NoNeutralPlanner(FakePlanner):
    """A planner without a neutral face (like a generator checkpoint without NED)."""

    def neutral(self, seed=0):
        raise UserError("this model checkpoint has no neutral encoder-decoder (NED)")


def test_neutral_is_asked_for_only_when_used():
    planner = FakePlanner()
    fake_pipeline(planner=planner).animate(photo(), "from disgust to happy", neutral=False)
    fake_pipeline(planner=planner).animate(photo(), "happy")  # one emotion: nothing to put a neutral between
    fake_pipeline(planner=planner).animate(photo(), "from sad to neutral to happy")  # the text's own neutral
    assert planner.neutral_calls == 0
    fake_pipeline(planner=planner).animate(photo(), "from disgust to happy")
    assert planner.neutral_calls == 1
    res = fake_pipeline(planner=NoNeutralPlanner()).animate(photo(), "from disgust to happy", neutral=False)
    assert res.plan.labels == ["source", "disgust", "happiness"]
    with pytest.raises(UserError, match="NED"):
        fake_pipeline(planner=NoNeutralPlanner()).animate(photo(), "from disgust to happy")


# ------------------------------------------------------------------------------------------ photo inputs


def _inputs():
    base = photo(24, 32, 100)
    rgba = np.concatenate([base, np.full((24, 32, 1), 255, np.uint8)], 2)
    return {
        "uint8": base,
        "float 0-1": base.astype(np.float32) / 255,
        "float64": base.astype(np.float64) / 255,
        "uint16": base.astype(np.uint16) * 257,
        "grey": base[:, :, 0],
        "grey (H,W,1)": base[:, :, :1],
        "RGBA": rgba,
        "PIL RGB": Image.fromarray(base),
        "PIL L": Image.fromarray(base[:, :, 0]),
        "PIL RGBA": Image.fromarray(rgba),
        "PIL I;16": Image.fromarray(base[:, :, 0].astype(np.uint16) * 257),
    }


@pytest.mark.parametrize("kind", list(_inputs()))
def test_any_photo_dtype_and_pil_images_are_read_alike(kind):
    from emoshift.fitting import load_image

    pipe = fake_pipeline(load_image=load_image)
    res = pipe.animate(_inputs()[kind], "happy")
    assert res.image.dtype == np.uint8 and res.image.shape == (24, 32, 3)
    np.testing.assert_array_equal(res.image, photo(24, 32, 100))


def test_half_transparent_photo_is_composited_on_white_and_bad_types_are_user_errors():
    from emoshift.fitting import load_image

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 128
    res = fake_pipeline(load_image=load_image).animate(Image.fromarray(rgba), "happy")
    assert 125 <= res.image.min() and res.image.max() <= 129
    with pytest.raises(UserError, match="a photo is a path, a PIL image or an array"):
        fake_pipeline().animate([[1, 2], [3, 4]], "happy")


# ------------------------------------------------------------------------------------------ faces


def test_face_choice_is_passed_reported_and_warned():
    big, small = (40, 20, 120, 100), (150, 30, 190, 70)
    fitter = FakeFitter(boxes=[big, small])
    with pytest.warns(UserWarning, match="2 faces found; animating face 1"):
        res = fake_pipeline(fitter=fitter).animate(photo(120, 200), "happy", face=1)
    assert fitter.faces == [1] and res.summary()["face"] == {"index": 1, "found": 2, "cut_off": False, "edge_note": None}
    with pytest.raises(UserError, match="face 2 asked for"):
        fake_pipeline(fitter=FakeFitter(boxes=[big, small])).animate(photo(120, 200), "happy", face=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one face inside the image: nothing to say
        fake_pipeline(fitter=FakeFitter(boxes=[big])).animate(photo(120, 200), "happy")


def test_cli_reports_which_face_and_a_cut_off_face(monkeypatch, tmp_path, capsys):
    img = tmp_path / "two.png"
    Image.fromarray(photo(120, 200)).save(img)
    pipe = fake_pipeline(fitter=FakeFitter(boxes=[(-20, 20, 120, 100), (150, 30, 190, 70)]))
    monkeypatch.setattr(cmd_animate, "_PIPELINE", pipe)
    assert main(["animate", str(img), "happy", "--out", str(tmp_path / "a.mp4")]) == 0
    err = capsys.readouterr().err
    assert "2 faces found; animated face 0 (the largest); --face N picks another" in err
    assert "the face is cut off at the left edge of the photo" in err
    assert main(["animate", str(img), "happy", "--out", str(tmp_path / "b.mp4"), "--face", "1"]) == 0
    err = capsys.readouterr().err
    assert "animated face 1 (number 1 by size, 0 = largest)" in err and "cut off" not in err


def test_face_crop_box_is_square_even_centred_and_inside():
    lmk = np.array([[100, 50], [140, 110]], np.float32)  # box 40 x 60, centre (120, 80)
    x0, y0, x1, y1 = face_crop_box(lmk, (400, 300), scale=2.0)
    assert x1 - x0 == y1 - y0 == 120 and (x0 + x1) / 2 == 120 and (y0 + y1) / 2 == 80
    x0, y0, x1, y1 = face_crop_box(lmk + [260, 0], (400, 300))  # near the right edge: shifted inside
    assert (x1, x1 - x0) == (400, 120)
    x0, y0, x1, y1 = face_crop_box(lmk, (400, 101), scale=3.0)  # larger than the short side: capped, even
    assert (x1 - x0, y1 - y0) == (100, 100) and y0 >= 0 and y1 <= 101


def test_crop_face_frames_are_the_same_square_of_every_full_frame():
    fitter = FakeFitter(boxes=[(40, 20, 80, 60)])
    full = fake_pipeline(fitter=fitter).animate(photo(100, 160), "from sad to happy")
    crop = fake_pipeline(fitter=FakeFitter(boxes=[(40, 20, 80, 60)])).animate(photo(100, 160), "from sad to happy",
                                                                              crop="face")  # fmt: skip
    x0, y0, x1, y1 = crop.crop
    assert (x1 - x0, y1 - y0) == (80, 80) and crop.frames.shape[1:3] == (80, 80)
    np.testing.assert_array_equal(crop.frames, full.frames[:, y0:y1, x0:x1])
    np.testing.assert_array_equal(crop.shown_image(), full.image[y0:y1, x0:x1])
    assert crop.summary()["crop"] == [x0, y0, x1, y1] and full.crop is None


def test_max_side_limits_the_photo_once():
    fitter = FakeFitter()
    res = fake_pipeline(fitter=fitter).animate(photo(300, 120), "happy", max_side=100)
    assert fitter.calls == [(100, 40)] and res.image.shape == (100, 40, 3)
    res = fake_pipeline(fitter=fitter).animate(photo(300, 120), "happy", max_side=4096)
    assert fitter.calls[-1] == (300, 120)  # never upscaled


# ------------------------------------------------------------------------------------------ API


def test_package_import_is_lazy_and_cheap():
    code = ("import sys, emoshift; P = emoshift.Pipeline; O = emoshift.AnimateOptions; "
            "heavy = [m for m in ('torch', 'mediapipe', 'transformers', 'numba', 'PIL', 'matplotlib') if m in sys.modules]; "
            "print(P.__module__, O.__module__, heavy)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "emoshift.pipeline emoshift.options []"
    with pytest.raises(AttributeError):
        import emoshift

        emoshift.NoSuchThing  # noqa: B018


def test_result_is_plain_data_saved_through_export(tmp_path):
    from dataclasses import fields

    pipe = fake_pipeline()
    res = pipe.animate(photo(), "happy")
    assert "pipeline" not in {f.name for f in fields(res)}
    (tmp_path / "a.csv").write_text("old")
    with pytest.raises(UserError, match="pass force=True to overwrite") as err:
        res.save(tmp_path / "a.csv")
    assert "--force" not in str(err.value) and (tmp_path / "a.csv").read_text() == "old"
