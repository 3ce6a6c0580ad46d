"""Photo -> 3D face coefficients (the paper's DECA stage, on CPU).

Pipeline: :func:`load_image` (any PIL-readable photo; EXIF orientation, grayscale, RGBA, 16-bit) ->
MediaPipe face mesh, 478 landmarks (:mod:`.detect`; static mode for photos, tracking for video) ->
a bounded Levenberg–Marquardt fit of the ICT head's landmarks (:mod:`.solver`): identity (50 modes,
Gaussian prior), 53 expression weights in [0, 1] (sparsity prior), rotation, translation, plus a
MediaPipe relative-depth term. Videos share one identity and smooth expression and pose (:mod:`.video`).

Camera model (:class:`emoshift.camera.Camera`, shared with rendering): a pinhole looking down -Z with
``focal = focal_factor * max(width, height)`` and the principal point at the image centre. Unless the
``Fitter`` is given a ``focal_factor``, it is the one in 0.7..6 whose fit has the lowest energy
(:func:`emoshift.fitting.fitter.estimate_focal_factor`; once per video): perspective is weakly
observable from one face, but a wrong one is absorbed by identity and eye blendshapes (a cropped
portrait such as skimage's astronaut fits best near 3). Head vertices in camera space are
``HeadModel(identity, expression, rotation, translation).vertices``, centimetres.

Limits: faces below :data:`MIN_FACE_PX` (48 px, long side of the landmark box) are refused as too
small; photos above :data:`MAX_SIDE` (4096 px) are detected on a downscaled copy (coefficients still
refer to the full image); files above 200 Mpx are refused. Faces are numbered by size, 0 = largest, and
counted with the full-range detector too (group photos). An upside-down face (the mesh fits an upright face
over its eyes and forehead) is refused, as is a photo whose only face lies on its side or upside down
where the mesh finds none, with the turn that makes it upright (:meth:`Fitter.check_upright`).

Saved JSON (:meth:`FaceFit.to_json`): ``identity`` (list), ``expression`` (name -> weight),
``rotation`` (pitch/yaw/roll degrees) and ``rotation_axis_angle``, ``translation`` (cm), ``camera``,
``image_size``, ``landmark_rmse_px``, ``landmark_rmse_interocular``, ``time_ms`` (+ detect/fit split),
``landmarks_detected``, ``landmarks_fitted``, ``residuals_px``. NPZ holds the same as arrays.

    >>> fit = Fitter().fit("photo.jpg")          # doctest: +SKIP
    >>> fit.weight("mouthSmile_L"), fit.landmark_rmse_px
"""

from importlib import import_module

# Lazy exports (PEP 562): `import emoshift.fitting.image` (the cheap image checks run before any model
# loads) must not pull in torch and MediaPipe through this package's __init__.
_EXPORTS = {
    "MIN_FACE_PX": "detect", "DetectedFace": "detect", "LandmarkDetector": "detect", "Fitter": "fitter",
    "MAX_SIDE": "image", "load_image": "image", "FaceFit": "result", "load_fits": "result", "save_npz": "result",
    "FitConfig": "solver", "FitState": "solver", "LandmarkSolver": "solver",
}  # fmt: skip


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f"emoshift.fitting.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'emoshift.fitting' has no attribute {name!r}")


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
