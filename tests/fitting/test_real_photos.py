"""The issue's real-photo checks on the photos shipped in scikit-image and matplotlib."""

import numpy as np


def test_reprojection_within_3_percent_of_interocular(astronaut_fit, hopper_fit):
    for fit in (astronaut_fit, hopper_fit):
        assert fit.landmarks_detected.shape == (478, 2)
        rmse = np.sqrt(((fit.landmarks_fitted - fit.landmarks_detected) ** 2).sum(1).mean())
        assert abs(rmse - fit.landmark_rmse_px) < 1e-3
        assert fit.interocular_px > 40
        assert rmse <= 0.03 * fit.interocular_px, (rmse, fit.interocular_px)


def test_astronaut_smiles_more_than_hopper(astronaut_fit, hopper_fit):
    for side in ("mouthSmile_L", "mouthSmile_R"):
        a, h = astronaut_fit.weight(side), hopper_fit.weight(side)
        assert a >= h + 0.3, (side, a, h)


def test_expression_bounds_and_pose_plausible(astronaut_fit, hopper_fit):
    for fit in (astronaut_fit, hopper_fit):
        assert fit.expression.min() >= 0 and fit.expression.max() <= 1
        pitch, yaw, roll = fit.rotation_euler_deg
        assert abs(yaw) < 15 and abs(roll) < 15 and abs(pitch) < 30  # both look roughly at the camera
        assert -400 < fit.translation[2] < -20  # in front of the camera, cm (the distance scales with the focal)
        assert 0.7 <= fit.focal_factor <= 6.0
        assert np.abs(fit.identity).max() < 8  # the Gaussian prior keeps modes near N(0, 1)


def test_iris_boundary_order_matches_mediapipe(fitter, astronaut):
    """MediaPipe's iris points 469/474 lie at +x of the centre, 470/475 up, 471/476 -x, 472/477 down."""
    lm = fitter.detect(astronaut)[0].landmarks[:, :2]
    for centre, bounds in ((468, (469, 470, 471, 472)), (473, (474, 475, 476, 477))):
        d = lm[list(bounds)] - lm[centre]
        assert d[0, 0] > 0 and d[2, 0] < 0 and d[1, 1] < 0 and d[3, 1] > 0


def test_face_oval_matches_mediapipe():
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_FACE_OVAL

    from emoshift.fitting.solver import FACE_OVAL

    assert set(FACE_OVAL) == {i for e in FACEMESH_FACE_OVAL for i in e}


def test_rotated_and_mirrored_photo(fitter, astronaut, astronaut_fit):
    from PIL import Image

    base_pitch, base_yaw, base_roll = astronaut_fit.rotation_euler_deg
    rotated = np.asarray(Image.fromarray(astronaut).rotate(30, resample=Image.BILINEAR, expand=True))
    fit = fitter.fit(rotated)
    assert abs(fit.rotation_euler_deg[2] - (base_roll + 30)) < 4  # in-plane rotation -> roll
    assert abs(fit.rotation_euler_deg[0] - base_pitch) < 5
    assert fit.landmark_rmse_iod < 0.03 and fit.weight("mouthSmile_L") > 0.3
    mirrored = fitter.fit(np.ascontiguousarray(astronaut[:, ::-1]))
    assert abs(mirrored.rotation_euler_deg[2] + base_roll) < 2  # roll and yaw change sign
    assert abs(mirrored.rotation_euler_deg[1] + base_yaw) < 4


def _aperture(p) -> np.ndarray:
    """(2,) lid height / eye width of the subject's right (159-145 / 33-133) and left eye (386-374 / 362-263)."""
    d = lambda i, j: np.linalg.norm(p[i] - p[j])  # noqa: E731
    return np.array([d(159, 145) / d(33, 133), d(386, 374) / d(362, 263)])


def test_ordinary_open_eyes_do_not_fit_as_wide(astronaut_fit, hopper_fit):
    """Neither sample photo shows widened eyes, and the fitted eyes must be as open as the detected ones.
    (With MediaPipe's canonical, narrower eyelids as the fitter's neutral, the astronaut fitted eyeWide
    1.0/1.0 and Grace Hopper 0.17/0.72, and even then the astronaut's fitted eyes stayed narrower than
    detected: 0.32/0.34 vs 0.37/0.38.)"""
    for fit in (astronaut_fit, hopper_fit):
        wide = [fit.weight("eyeWide_L"), fit.weight("eyeWide_R")]
        assert max(wide) < 0.6 and sum(wide) < 0.8, wide
        err = np.abs(_aperture(fit.landmarks_fitted) - _aperture(fit.landmarks_detected))
        assert (err < 0.045).all(), err
    assert max(hopper_fit.weight("eyeWide_L"), hopper_fit.weight("eyeWide_R")) < 0.2  # her eyes are narrower
