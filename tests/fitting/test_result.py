import json

import numpy as np
import pytest

from emoshift.fitting import FaceFit, load_fits
from emoshift.io import UserError


def test_json_fields_and_round_trip(astronaut_fit, tmp_path):
    d = astronaut_fit.to_json()
    for key in ("identity", "expression", "rotation", "translation", "camera", "landmark_rmse_px", "time_ms"):
        assert key in d
    assert set(d["rotation"]) == {"pitch", "yaw", "roll"}
    assert len(d["identity"]) == 50 and len(d["expression"]) == 53
    assert d["expression"]["mouthSmile_L"] == pytest.approx(astronaut_fit.weight("mouthSmile_L"), abs=1e-5)
    p = astronaut_fit.save(tmp_path / "f.json")
    json.loads(p.read_text())
    back = FaceFit.load(p)
    np.testing.assert_allclose(back.expression, astronaut_fit.expression, atol=1e-5)
    np.testing.assert_allclose(back.rotation, astronaut_fit.rotation, atol=1e-6)
    np.testing.assert_allclose(back.landmarks_fitted, astronaut_fit.landmarks_fitted, atol=1e-3)
    assert back.camera == astronaut_fit.camera and back.image_size == astronaut_fit.image_size
    np.testing.assert_allclose(back.rotation_euler_deg, astronaut_fit.rotation_euler_deg, atol=1e-3)


def test_euler_only_json_and_npz(astronaut_fit, tmp_path):
    d = astronaut_fit.to_json()
    del d["rotation_axis_angle"]
    back = FaceFit.from_json(d)
    np.testing.assert_allclose(back.rotation, astronaut_fit.rotation, atol=1e-4)
    p = astronaut_fit.save(tmp_path / "f.npz")
    back = FaceFit.load(p)
    np.testing.assert_allclose(back.identity, astronaut_fit.identity)
    np.testing.assert_allclose(back.landmarks_detected, astronaut_fit.landmarks_detected)
    assert back.expression_dict()["mouthSmile_R"] == pytest.approx(astronaut_fit.weight("mouthSmile_R"))
    assert len(load_fits(p)) == 1


def test_bad_files(tmp_path, astronaut_fit):
    with pytest.raises(UserError):
        FaceFit.load(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text('{"identity": []}')
    with pytest.raises(UserError):
        FaceFit.load(tmp_path / "bad.json")
    with pytest.raises(UserError):
        astronaut_fit.save(tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()
