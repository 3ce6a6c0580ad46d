"""The numpy solver (the app's fitter, no torch) reproduces the torch solver it replaced.

tests/fitting/data/torch_fits.npz holds fits made by the torch solver (commit 00be673) from stored inputs:
the sample photo's MediaPipe landmarks (focal search included), a synthetic head's noisy landmarks through a
fixed camera, and a video-style warm fit of a second noisy view with the temporal prior. Measured
differences of the numpy port (float32, as the torch solver ran): identity <= 0.0027, expression <=
0.00066, fitted landmarks <= 0.004 px, focal 0.26% (the focal search's parabola moves with float rounding,
and the translation's depth with it: 0.55 cm at ~150 cm); rotations agree to < 0.01 degrees. The
tolerances below are ~5-10x those; the control (a Jacobian with its identity columns halved) must fail them.
"""

from pathlib import Path

import numpy as np
import pytest

from emoshift.camera import Camera
from emoshift.fitting.lids import smile_cheeks
from emoshift.fitting.solver import LandmarkSolver, with_config
from emoshift.rotations import axis_angle_to_matrix

REF = Path(__file__).parent / "data" / "torch_fits.npz"


def _degrees(a: np.ndarray, b: np.ndarray) -> float:
    c = (np.trace(np.asarray(a, np.float64).T @ np.asarray(b, np.float64)) - 1) / 2
    return float(np.degrees(np.arccos(np.clip(c, -1, 1))))


def _synthetic(solver, ref) -> dict:
    cam = Camera.default(512, 512)
    s1 = solver.fit(ref["synth_obs"], cam.focal, cam.cx, cam.cy)
    s2 = with_config(solver, temporal_weight=50.0).fit(ref["video_obs"], cam.focal, cam.cx, cam.cy, init=s1, prev=s1,
                                                       fix_identity=True)  # fmt: skip
    return {"synth": s1, "video": s2}


def _worst(states: dict, ref) -> dict:
    out = {"identity": 0.0, "expression": 0.0, "rotation_deg": 0.0, "translation_cm": 0.0}
    for name, s in states.items():
        out["identity"] = max(out["identity"], float(np.abs(s.identity - ref[f"{name}_identity"]).max()))
        out["expression"] = max(out["expression"], float(np.abs(s.expression - ref[f"{name}_expression"]).max()))
        out["rotation_deg"] = max(out["rotation_deg"], _degrees(s.rotation, ref[f"{name}_rotation"]))
        out["translation_cm"] = max(out["translation_cm"], float(np.abs(s.translation - ref[f"{name}_translation"]).max()))
    return out


SYNTH_TOL = {"identity": 0.02, "expression": 0.005, "rotation_deg": 0.05, "translation_cm": 0.005}


#: Calibration gains the reference fits were made with where they differ from today's
#: (:data:`emoshift.headmodel.calibration.EXPRESSION_GAIN`; eyeWide 1.5 until 2026-12-03, now 1.1).
REF_GAIN = {"eyeWide": 1.5}


@pytest.fixture(scope="module")
def ref():
    return np.load(REF)


@pytest.fixture(scope="module")
def fitter(fitter):
    """The app's fitter with the reference's expression basis: each re-calibrated shape's landmark deltas
    scaled back by its reference gain over today's (the solver is linear in the basis)."""
    import copy

    from emoshift.fitting.terms import corrected_landmark_bases
    from emoshift.headmodel.calibration import EXPRESSION_GAIN

    mu, ident, expr = corrected_landmark_bases(fitter.model)
    expr = np.array(expr, copy=True)
    for i, n in enumerate(map(str, fitter.model.expression_names)):
        stem = n[:-2] if n.endswith(("_L", "_R")) else n
        if stem in REF_GAIN:
            expr[i] *= REF_GAIN[stem] / EXPRESSION_GAIN[stem]
    f = copy.copy(fitter)
    f.solver = LandmarkSolver(mu, ident, expr, fitter.solver.config)
    return f


def test_photo_fit_matches_the_torch_solver(fitter, ref):
    fit, _ = fitter.fit_landmarks(ref["photo_landmarks"], tuple(int(x) for x in ref["photo_size"]))
    assert abs(fit.camera.focal / float(ref["photo_focal"]) - 1) < 0.02
    assert np.abs(fit.identity - ref["photo_identity"]).max() < 0.02
    # the smile's cheek raise (fitting.lids.smile_cheeks) is set after the solve, since the reference was recorded
    names = list(fit.expression_names)
    cheeks = [names.index("cheekSquint_L"), names.index("cheekSquint_R")]
    rest = np.delete(np.arange(len(names)), cheeks)
    assert np.abs(fit.expression[rest] - ref["photo_expression"][rest]).max() < 0.005
    for c, side in zip(cheeks, "LR"):
        want = max(float(ref["photo_expression"][c]), smile_cheeks(float(ref["photo_expression"][names.index("mouthSmile_" + side)])))
        assert abs(float(fit.expression[c]) - want) < 0.01
    assert _degrees(axis_angle_to_matrix(fit.rotation), axis_angle_to_matrix(ref["photo_rotation"])) < 0.05
    assert np.abs(fit.translation / ref["photo_translation"] - 1).max() < 0.02  # follows the focal length
    assert np.abs(fit.landmarks_fitted - ref["photo_fitted"]).max() < 0.05  # px


def test_synthetic_and_video_fits_match_the_torch_solver(fitter, ref):
    worst = _worst(_synthetic(fitter.solver, ref), ref)
    assert all(worst[k] < SYNTH_TOL[k] for k in SYNTH_TOL), worst


def test_control_a_wrong_jacobian_fails_the_comparison(fitter, ref):
    class Perturbed(LandmarkSolver):
        def _residuals_jacobian(self, *a, **kw):
            r, j = super()._residuals_jacobian(*a, **kw)
            if j is not None:
                j = j.copy()
                j[:, : self.k] *= 0.5
            return r, j

    bad = Perturbed.__new__(Perturbed)
    bad.__dict__.update(fitter.solver.__dict__)
    worst = _worst(_synthetic(bad, ref), ref)
    assert any(worst[k] >= SYNTH_TOL[k] for k in SYNTH_TOL), worst
