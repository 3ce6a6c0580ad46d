import csv
import json
import math

import numpy as np
import pytest

from emoshift.export.curves import LIVELINK_HEADER, arkit_name, timecode, write_livelink_csv, write_weights_json


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


def test_every_ict_name_maps_to_a_livelink_channel(head_model):
    cols = {arkit_name(n) for n in head_model.expression_names}
    assert len(cols) == 51  # 53 ICT shapes, two pairs merged
    assert cols | {"TongueOut"} == set(LIVELINK_HEADER[2:54])
    assert arkit_name("eyeLookUp_R") == "EyeLookUpRight"


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
    assert doc["fps"] == 30 and doc["names"] == head_model.expression_names
    assert doc["anchor_frames"] == [0, 4] and doc["labels"] == ["source", "happiness"]
    assert len(doc["frames"]) == 5
    f = doc["frames"][4]
    assert f["time"] == pytest.approx(4 / 30, abs=1e-6)
    assert f["weights"]["jawOpen"] == pytest.approx(float(traj.expression[4, 26]), abs=1e-6)
    got = np.array([[fr["weights"][n] for n in doc["names"]] for fr in doc["frames"]])
    assert np.allclose(got, traj.expression, atol=1e-6)
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
