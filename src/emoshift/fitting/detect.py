"""Face detection and the 478 MediaPipe face-mesh landmarks (``mediapipe==0.10.21`` solutions API).

Photos use the face mesh in static-image mode (it runs MediaPipe's short-range face detector
internally). When it finds nothing, the full-range face detector looks for smaller or farther faces;
each one is cropped, enlarged and passed to the face mesh again, so group photos and distant faces
work too. Landmarks are returned in pixels of the input image: ``(x * W, y * H, z * W)``, where
``z`` is MediaPipe's relative depth (smaller = closer to the camera).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np

from emoshift.fitting.image import limit_size
from emoshift.headmodel.mp_indices import N_LANDMARKS  # noqa: F401 (re-exported)

#: Smallest face the fitter accepts: the landmark box must be at least this many pixels on its long side.
MIN_FACE_PX = 48


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


@contextlib.contextmanager
def native_logs_silenced():
    """Send file descriptor 2 to /dev/null for the duration: MediaPipe's C++ (absl/glog/TFLite) logs
    its set-up chatter straight to the process's stderr when a graph is built and first run, which
    Python-level logging settings cannot reach."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


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


def _first_run_quiet(graph):
    """Wrap ``graph.process`` so its first call (when MediaPipe logs its set-up) is silenced."""
    process = graph.process
    state = {"first": True}

    def wrapped(image):
        if state["first"]:
            state["first"] = False
            with native_logs_silenced():
                return process(image)
        return process(image)

    graph.process = wrapped
    return graph


def _landmarks_px(face_landmarks, width: int, height: int) -> np.ndarray:
    a = np.array([(p.x, p.y, p.z) for p in face_landmarks.landmark], dtype=np.float64)
    return a * np.array([width, height, width], dtype=np.float64)


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
        with native_logs_silenced():
            self.mesh = _first_run_quiet(
                mp.solutions.face_mesh.FaceMesh(
                    static_image_mode=static,
                    refine_landmarks=True,
                    max_num_faces=max_faces,
                    min_detection_confidence=0.5,
                    min_tracking_confidence=0.5,
                )
            )
        self._crop_mesh = None
        self._detector = None

    def close(self) -> None:
        for m in (self.mesh, self._crop_mesh, self._detector):
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

    def prepare(self) -> None:
        """Create the fallback graphs now (so their set-up is not counted in detection timings)."""
        with native_logs_silenced():
            if self._detector is None:
                self._detector = _first_run_quiet(
                    self._mp.solutions.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5)
                )
            if self._crop_mesh is None:
                self._crop_mesh = _first_run_quiet(
                    self._mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1)
                )

    def _detector_boxes(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        self.prepare()
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

        self.prepare()
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
            for lmk in self._mesh(crop, self._crop_mesh):
                out.append(lmk / k + np.array([l, t, 0.0]))
        return out
