"""Photo -> 3D face coefficients (the paper's DECA stage, on CPU).

MediaPipe's face mesh gives 478 landmarks (:mod:`.detect`); a bounded Levenberg–Marquardt fit of the
ICT head's landmark embedding recovers identity, expression (53 weights in [0, 1]), rotation and
translation for a fixed perspective camera (:mod:`.solver`, :class:`emoshift.camera.Camera`: focal =
``max(width, height)``, principal point at the centre). Videos share one identity across frames and
smooth expressions over time (:mod:`.video`).

    >>> fit = Fitter().fit("photo.jpg")          # doctest: +SKIP
    >>> fit.weight("mouthSmile_L"), fit.landmark_rmse_px
"""

from emoshift.fitting.detect import MIN_FACE_PX, DetectedFace, LandmarkDetector
from emoshift.fitting.fitter import Fitter
from emoshift.fitting.image import MAX_SIDE, load_image
from emoshift.fitting.result import FaceFit, load_fits, save_npz
from emoshift.fitting.solver import FitConfig, FitState, LandmarkSolver

__all__ = [
    "MAX_SIDE",
    "MIN_FACE_PX",
    "DetectedFace",
    "FaceFit",
    "FitConfig",
    "FitState",
    "Fitter",
    "LandmarkDetector",
    "LandmarkSolver",
    "load_fits",
    "load_image",
    "save_npz",
]
