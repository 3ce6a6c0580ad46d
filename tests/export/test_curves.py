import csv
import json
import math

import numpy as np
import pytest

from emoshift.export.arkit import ARKIT_NAMES, EYE_PITCH_DEG, EYE_YAW_DEG, arkit_name, arkit_weights
from emoshift.export.curves import LIVELINK_HEADER, livelink_rate, timecode, write_livelink_csv, write_weights_json


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_livelink_layout(tmp_path, make_traj, head_model):
    traj = make_traj(40)
    out = write_livelink_csv(tmp_path / "c.csv", traj, head_model.expression_names)
    rows = _rows(out)
    header = rows[0]
    assert len(header) == 63 and len(rows) == 41
    assert header[:4] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft", "EyeLookDownLeft"]
    # Live Link Face's own ordering quirks
    assert header.index("JawRight") + 1 == header.index("JawLeft")
    assert header.index("MouthRight") + 1 == header.index("MouthLeft")
    assert header[53:57] == ["TongueOut", "HeadYaw", "HeadPitch", "HeadRoll"]
    assert header[-1] == "RightEyeRoll"
    assert all(r[1] == "61" and len(r) == 63 for r in rows[1:])
    assert [r[0] for r in rows[1:3]] == ["00:00:00:00.000", "00:00:00:01.000"]
    assert rows[31][0] == "00:00:01:00.000"
    assert rows[32][0] == "00:00:01:01.000"


def test_livelink_values(tmp_path, make_traj, head_model):
    names = head_model.expression_names
    traj = make_traj(3)
    e = np.zeros((3, 53), np.float32)
    e[1, names.index("mouthSmile_L")] = 0.8
    e[1, names.index("browInnerUp_L")] = 1.0  # R stays 0: ARKit's single channel gets the mean
    e[1, names.index("cheekPuff_L")] = e[1, names.index("cheekPuff_R")] = 0.4
    e[1, names.index("jawLeft")] = 0.3
    traj.expression = e
    traj.rotation = np.array([[0, 0, 0], [0, 0.3, 0], [-0.2, 0, 0]], np.float32)
    rows = _rows(write_livelink_csv(tmp_path / "c.csv", traj, names))
    col = {n: i for i, n in enumerate(rows[0])}
    r1 = {n: float(rows[2][i]) for n, i in col.items() if i > 1}
    assert r1["MouthSmileLeft"] == pytest.approx(0.8)
    assert r1["MouthSmileRight"] == 0
    assert r1["BrowInnerUp"] == pytest.approx(0.5)
    assert r1["CheekPuff"] == pytest.approx(0.4)
    assert r1["JawLeft"] == pytest.approx(0.3) and r1["JawRight"] == 0
    assert r1["TongueOut"] == 0
    assert r1["HeadYaw"] == pytest.approx(0.3, abs=1e-5)
    assert r1["HeadPitch"] == pytest.approx(0, abs=1e-5) and r1["HeadRoll"] == pytest.approx(0, abs=1e-5)
    r2 = {n: float(rows[3][i]) for n, i in col.items() if i > 1}
    # rotation about -X tilts the face up: negative pitch in the head model's convention
    assert r2["HeadPitch"] == pytest.approx(-0.2, abs=1e-5)
    assert sum(abs(v) for k, v in r2.items() if not k.startswith("Head")) == 0


def test_every_ict_name_maps_to_an_arkit_channel(head_model):
    cols = {arkit_name(n) for n in head_model.expression_names}
    assert len(cols) == 51  # 53 ICT shapes, two pairs merged
    assert cols | {"tongueOut"} == set(ARKIT_NAMES)
    assert [n[0].upper() + n[1:] for n in ARKIT_NAMES] == list(LIVELINK_HEADER[2:54])  # one name set
    assert arkit_name("eyeLookUp_R") == "eyeLookUpRight" and arkit_name("cheekPuff_L") == "cheekPuff"
    # spot checks against Apple's ARFaceAnchor.BlendShapeLocation spelling
    for n in ("eyeBlinkLeft", "eyeLookDownRight", "jawForward", "mouthRollUpper", "mouthShrugLower",
              "browInnerUp", "cheekPuff", "cheekSquintRight", "noseSneerLeft", "tongueOut"):  # fmt: skip
        assert n in ARKIT_NAMES


def _gaze_traj(make_traj, names, n=31, fps=30.0):
    """A clip whose photo (the source anchor, frame 0) looks up-left, then glances down-right."""
    traj = make_traj(n, fps)
    e = traj.expression
    e[:, [names.index(k) for k in names if k.startswith("eyeLook")]] = 0
    e[:, names.index("eyeLookUp_L")] = e[:, names.index("eyeLookUp_R")] = 0.66  # the photo's gaze
    e[:, names.index("eyeLookOut_L")] = e[:, names.index("eyeLookIn_R")] = 0.2
    half = np.arange(n) >= n // 2
    e[half, names.index("eyeLookDown_L")] = e[half, names.index("eyeLookDown_R")] = 0.3  # a glance down
    e[half, names.index("eyeLookIn_L")] = e[half, names.index("eyeLookOut_R")] = 0.4  # and to the right
    return traj, half


def test_gaze_is_relative_to_the_photo_and_turns_the_eyes(tmp_path, make_traj, head_model):
    names = head_model.expression_names
    traj, half = _gaze_traj(make_traj, names)
    rows = _rows(write_livelink_csv(tmp_path / "c.csv", traj, names))
    col = {n: i for i, n in enumerate(rows[0])}
    v = np.array([[float(x) for x in r[2:]] for r in rows[1:]])
    get = {n: v[:, i - 2] for n, i in col.items() if i > 1}
    # before the glance: the photo's own gaze is the rest pose, every eye channel 0
    for k in ("EyeLookUpLeft", "EyeLookOutLeft", "EyeLookInRight", "LeftEyeYaw", "LeftEyePitch", "RightEyeYaw"):
        assert np.allclose(get[k][~half], 0, atol=1e-6), k
    # during it: 0.3 down (0.66 up - 0.3 down vs the photo's 0.66 up), and 0.4 to the subject's right
    # (left eye: out 0.2 - in 0.4 vs the photo's out 0.2)
    assert np.allclose(get["EyeLookDownLeft"][half], 0.3, atol=1e-6)
    assert np.allclose(get["EyeLookInLeft"][half], 0.4, atol=1e-6)
    assert np.allclose(get["EyeLookOutRight"][half], 0.4, atol=1e-6)
    assert np.allclose(get["EyeLookUpLeft"][half], 0, atol=1e-6)
    assert np.allclose(get["LeftEyePitch"][half], math.radians(0.3 * EYE_PITCH_DEG), atol=1e-6)  # down: +
    assert np.allclose(get["LeftEyeYaw"][half], -math.radians(0.4 * EYE_YAW_DEG), atol=1e-6)  # right: -
    assert np.allclose(get["RightEyeYaw"][half], -math.radians(0.4 * EYE_YAW_DEG), atol=1e-6)
    assert np.allclose(get["RightEyeRoll"], 0)
    # control: without a source anchor the weights stay absolute (the photo's 0.66 up is kept)
    traj.labels = ["start", "happiness"]
    rows = _rows(write_livelink_csv(tmp_path / "abs.csv", traj, names))
    assert float(rows[1][col["EyeLookUpLeft"]]) == pytest.approx(0.66, abs=1e-6)
    assert float(rows[1][col["LeftEyePitch"]]) == pytest.approx(-math.radians(0.66 * EYE_PITCH_DEG), abs=1e-6)


def _seconds(tc: str, rate: float) -> float:
    h, m, s, f = tc.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s) + float(f) / rate


@pytest.mark.parametrize("fps, rate", [(24, 30), (25, 30), (30, 30), (50, 60), (60, 60)])
def test_timecodes_import_at_any_fps(tmp_path, make_traj, head_model, fps, rate):
    """Rows on a 30 or 60 fps grid (what Unreal's importer derives) covering the clip's duration: one
    row per CSV frame, the last starting less than one CSV frame before the video's end (n / fps)."""
    n = int(5 * fps)
    traj = make_traj(n, float(fps))
    traj.expression[:, 26] = np.linspace(0, 1, n)  # jawOpen ramps over the clip
    rows = _rows(write_livelink_csv(tmp_path / "c.csv", traj, head_model.expression_names))[1:]
    assert livelink_rate(fps) == rate
    frames = [int(r[0].split(":")[3].split(".")[0]) for r in rows]
    assert max(frames) == rate - 1 and all(r[0].endswith(".000") for r in rows)
    t = np.array([_seconds(r[0], rate) for r in rows])
    assert np.allclose(np.diff(t), 1 / rate, atol=1e-9)
    end = n / fps  # 5 s: the video's length (24 fps: 150 rows, not 149 ending 1/30 s short)
    assert len(rows) == round(end * rate) and t[-1] < end <= t[-1] + 1 / rate + 1e-9
    jaw = np.array([float(r[LIVELINK_HEADER.index("JawOpen")]) for r in rows])
    last = (n - 1) / fps  # the last frame starts here and holds until the end
    assert np.allclose(jaw, np.minimum(t / last, 1), atol=1e-5)  # values interpolated at the rows' times


def test_timecode():
    assert timecode(0, 30) == "00:00:00:00.000"
    assert timecode(3725 + 15 / 30, 30) == "01:02:05:15.000"
    assert timecode(1 / 60, 30) == "00:00:00:00.500"
    assert timecode(np.float32(39 / 30), 30) == "00:00:01:09.000"  # float32 times from a trajectory
    assert timecode(np.float32(60 / 30) - 1e-7, 30) == "00:00:02:00.000"
    assert timecode(np.arange(100, dtype=np.float32)[59] / np.float32(30), 30) == "00:00:01:29.000"


def test_weights_json(tmp_path, make_traj, head_model):
    traj = make_traj(5)
    out = write_weights_json(tmp_path / "w.json", traj, head_model.expression_names)
    doc = json.loads(out.read_text())
    assert doc["fps"] == 30 and doc["names"] == list(ARKIT_NAMES)
    assert doc["ict_names"]["cheekPuff"] == ["cheekPuff_L", "cheekPuff_R"]
    assert set(doc["gaze_reference"]) == {n for n in ARKIT_NAMES if n.startswith("eyeLook")}
    assert doc["anchor_frames"] == [0, 4] and doc["labels"] == ["source", "happiness"]
    assert len(doc["frames"]) == 5
    f = doc["frames"][4]
    assert f["time"] == pytest.approx(4 / 30, abs=1e-6)
    assert f["weights"]["jawOpen"] == pytest.approx(float(traj.expression[4, 26]), abs=1e-6)
    got = np.array([[fr["weights"][n] for n in doc["names"]] for fr in doc["frames"]])
    assert np.allclose(got, arkit_weights(traj.expression, head_model.expression_names), atol=1e-6)
    assert f["weights"]["browInnerUp"] == pytest.approx(float(traj.expression[4, 2:4].mean()), abs=1e-6)
    pitch, yaw, roll = f["head_pitch_yaw_roll_deg"]
    assert math.hypot(pitch, yaw) == pytest.approx(math.degrees(math.hypot(0.3, 0.1)), abs=0.2)


def test_wrong_width_writes_nothing(tmp_path, make_traj, head_model):
    traj = make_traj(4)
    traj.expression = traj.expression[:, :52]
    with pytest.raises(ValueError):
        write_livelink_csv(tmp_path / "c.csv", traj, head_model.expression_names)
    with pytest.raises(ValueError):
        write_weights_json(tmp_path / "w.json", traj, head_model.expression_names)
    assert list(tmp_path.iterdir()) == []
