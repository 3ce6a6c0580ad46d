"""The result of fitting one face: :class:`FaceFit`, saved and loaded as JSON or NPZ."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emoshift.camera import Camera
from emoshift.headmodel.mp_indices import OUTER_EYE_CORNERS
from emoshift.io import UserError, atomic_write, atomic_write_with

FORMAT = "emoshift.facefit/1"

CAMERA_DOC = (
    "pinhole camera looking down -Z (head at negative Z), pixels with y down: u = cx + focal*X/(-Z), "
    "v = cy - focal*Y/(-Z); focal = focal_factor*max(width, height) (estimated per photo unless given), "
    "principal point at the centre"
)


def _expression_names() -> list[str]:
    from emoshift.headmodel import load_arrays

    return [str(n) for n in load_arrays()["expression_names"]]


def face_crop_box(landmarks: np.ndarray, image_size: tuple[int, int], scale: float = 2.0) -> tuple[int, int, int, int]:
    """A square crop around a face, inside the image: (x0, y0, x1, y1) pixels, x1/y1 exclusive.

    landmarks: (L, 2) pixels; image_size: (width, height). The square is centred on the landmark box,
    ``scale`` times its long side (2: the face fills about half of it), at most the image's short side
    and at least 16 px, shifted to lie inside the image; its side is even (video encoders need even sizes).
    """
    w, h = (int(v) for v in image_size)
    p = np.asarray(landmarks, np.float64)[:, :2]
    (x0, y0), (x1, y1) = p.min(0), p.max(0)
    side = int(round(scale * max(x1 - x0, y1 - y0)))
    side = max(16, min(side, w, h))
    side -= side % 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(np.clip(round(cx - side / 2), 0, w - side))
    top = int(np.clip(round(cy - side / 2), 0, h - side))
    return left, top, left + side, top + side


@dataclass
class FaceFit:
    """One fitted face.

    identity: (K,) float32 ICT identity weights (K = 50 by default). expression: (53,) float32 in [0, 1],
    ICT order (``expression_names``). rotation: (3,) axis-angle radians; translation: (3,) cm. Camera-space
    head vertices are ``HeadModel(identity, expression, rotation, translation).vertices``.
    landmarks_detected / landmarks_fitted: (478, 2) pixels of the original image; landmarks_depth:
    (478,) MediaPipe relative depth in pixels (smaller = closer).
    """

    identity: np.ndarray
    expression: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    camera: Camera
    image_size: tuple[int, int]
    landmarks_detected: np.ndarray
    landmarks_fitted: np.ndarray
    landmark_rmse_px: float
    time_ms: float
    time_detect_ms: float = 0.0
    time_fit_ms: float = 0.0
    landmarks_depth: np.ndarray | None = None
    face_index: int = 0
    faces_found: int = 1
    frame: int | None = None
    expression_names: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------------------ derived values
    @property
    def residuals_px(self) -> np.ndarray:
        """(478,) distance between detected and fitted landmarks, pixels."""
        return np.linalg.norm(self.landmarks_fitted - self.landmarks_detected, axis=1)

    @property
    def interocular_px(self) -> float:
        a, b = OUTER_EYE_CORNERS
        return float(np.linalg.norm(self.landmarks_detected[a] - self.landmarks_detected[b]))

    @property
    def landmark_rmse_iod(self) -> float:
        """Landmark RMSE as a fraction of the inter-ocular (outer eye corner) distance."""
        return self.landmark_rmse_px / max(self.interocular_px, 1e-9)

    @property
    def edge_note(self) -> str | None:
        """A one-line warning when the face runs off the image (MediaPipe extrapolates the landmarks
        there, so the fit is a guess): :func:`~emoshift.fitting.image.edge_warning`; else None."""
        from emoshift.fitting.image import edge_warning

        return edge_warning(self.landmarks_detected, *self.image_size)

    @property
    def cut_off(self) -> bool:
        """True when :attr:`edge_note` warns."""
        return self.edge_note is not None

    def crop_box(self, scale: float = 2.0) -> tuple[int, int, int, int]:
        """A square (x0, y0, x1, y1) around the face: :func:`face_crop_box` of the detected landmarks."""
        return face_crop_box(self.landmarks_detected, self.image_size, scale)

    @property
    def focal_factor(self) -> float:
        """The camera's focal length in units of the image's long side."""
        return float(self.camera.focal) / max(self.camera.width, self.camera.height)

    @property
    def rotation_euler_deg(self) -> np.ndarray:
        """(3,) pitch, yaw, roll in degrees (see :func:`emoshift.headmodel.ops.euler_to_matrix`)."""
        from emoshift.rotations import axis_angle_to_matrix, matrix_to_euler

        return matrix_to_euler(axis_angle_to_matrix(np.asarray(self.rotation, np.float64)[None]))[0]

    def names(self) -> list[str]:
        if not self.expression_names:
            self.expression_names = _expression_names()
        return self.expression_names

    def expression_dict(self) -> dict[str, float]:
        return {n: float(w) for n, w in zip(self.names(), self.expression)}

    def weight(self, name: str) -> float:
        return float(self.expression[self.names().index(name)])

    # ------------------------------------------------------------------------------------- JSON
    def to_json(self) -> dict:
        """A JSON-ready dict (see the module docstring of :mod:`emoshift.fitting`)."""
        p, y, r = (float(v) for v in self.rotation_euler_deg)
        d = {
            "format": FORMAT,
            "identity": [round(float(v), 6) for v in self.identity],
            "expression": {k: round(v, 6) for k, v in self.expression_dict().items()},
            "rotation": {"pitch": round(p, 4), "yaw": round(y, 4), "roll": round(r, 4)},
            "rotation_axis_angle": [float(v) for v in self.rotation],
            "translation": [float(v) for v in self.translation],
            "translation_units": "cm",
            "camera": {**self.camera.to_dict(), "model": CAMERA_DOC},
            "image_size": [int(v) for v in self.image_size],
            "landmark_rmse_px": round(float(self.landmark_rmse_px), 4),
            "landmark_rmse_interocular": round(float(self.landmark_rmse_iod), 5),
            "time_ms": round(float(self.time_ms), 2),
            "time_detect_ms": round(float(self.time_detect_ms), 2),
            "time_fit_ms": round(float(self.time_fit_ms), 2),
            "face_index": int(self.face_index),
            "landmarks_detected": np.round(self.landmarks_detected, 3).tolist(),
            "landmarks_fitted": np.round(self.landmarks_fitted, 3).tolist(),
            "residuals_px": np.round(self.residuals_px, 3).tolist(),
        }
        if self.landmarks_depth is not None:
            d["landmarks_depth"] = np.round(self.landmarks_depth, 3).tolist()
        if self.frame is not None:
            d["frame"] = int(self.frame)
        return d

    @classmethod
    def from_json(cls, d: dict) -> FaceFit:
        try:
            names = list(d["expression"].keys())
            cam = {k: d["camera"][k] for k in ("focal", "cx", "cy", "width", "height")}
            if "rotation_axis_angle" in d:
                rot = np.asarray(d["rotation_axis_angle"], dtype=np.float32)
            else:
                from emoshift.rotations import euler_to_axis_angle

                pyr = [d["rotation"][k] for k in ("pitch", "yaw", "roll")]
                rot = euler_to_axis_angle(np.asarray(pyr, np.float64)).astype(np.float32)
            return cls(
                identity=np.asarray(d["identity"], dtype=np.float32),
                expression=np.asarray([d["expression"][n] for n in names], dtype=np.float32),
                rotation=rot,
                translation=np.asarray(d["translation"], dtype=np.float32),
                camera=Camera(**cam),
                image_size=tuple(int(v) for v in d["image_size"]),
                landmarks_detected=np.asarray(d.get("landmarks_detected", np.zeros((0, 2))), dtype=np.float32),
                landmarks_fitted=np.asarray(d.get("landmarks_fitted", np.zeros((0, 2))), dtype=np.float32),
                landmark_rmse_px=float(d.get("landmark_rmse_px", float("nan"))),
                time_ms=float(d.get("time_ms", 0.0)),
                time_detect_ms=float(d.get("time_detect_ms", 0.0)),
                time_fit_ms=float(d.get("time_fit_ms", 0.0)),
                landmarks_depth=np.asarray(d["landmarks_depth"], dtype=np.float32) if "landmarks_depth" in d else None,
                face_index=int(d.get("face_index", 0)),
                frame=d.get("frame"),
                expression_names=names,
            )
        except (KeyError, TypeError, ValueError) as err:
            raise UserError(f"not an emoshift face fit: missing or bad field {err}") from None

    # -------------------------------------------------------------------------------- save/load
    def save(self, path: str | Path) -> Path:
        """Write ``.json`` or ``.npz`` atomically."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            return atomic_write(path, (json.dumps(self.to_json(), indent=1) + "\n").encode())
        if suffix == ".npz":
            return atomic_write_with(path, lambda tmp: save_npz(tmp, [self]))
        raise UserError(f"unknown face-fit extension '{path.suffix}' for {path}; use .json or .npz")

    @classmethod
    def load(cls, path: str | Path) -> FaceFit:
        fits = load_fits(path)
        if len(fits) != 1:
            raise UserError(f"{path} holds {len(fits)} face fits; use emoshift.fitting.load_fits")
        return fits[0]




_ARRAYS = ("identity", "expression", "rotation", "translation", "landmarks_detected", "landmarks_fitted")
_SCALARS = ("landmark_rmse_px", "time_ms", "time_detect_ms", "time_fit_ms", "face_index")


def save_npz(path: str | Path, fits: list[FaceFit]) -> None:
    """Stack several fits (same sizes) into one NPZ: arrays with a leading (N,) axis plus a JSON ``meta``."""
    arrays = {k: np.stack([np.asarray(getattr(f, k), dtype=np.float32) for f in fits]) for k in _ARRAYS}
    for k in _SCALARS:
        arrays[k] = np.asarray([getattr(f, k) for f in fits], dtype=np.float64)
    arrays["frame"] = np.asarray([-1 if f.frame is None else f.frame for f in fits], dtype=np.int64)
    if all(f.landmarks_depth is not None for f in fits):
        arrays["landmarks_depth"] = np.stack([f.landmarks_depth for f in fits]).astype(np.float32)
    meta = {
        "format": FORMAT,
        "cameras": [f.camera.to_dict() for f in fits],
        "image_sizes": [list(f.image_size) for f in fits],
        "expression_names": fits[0].names(),
        "camera_model": CAMERA_DOC,
    }
    arrays["meta"] = np.asarray(json.dumps(meta))
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load_fits(path: str | Path) -> list[FaceFit]:
    """Read a ``.json`` (one fit, or ``{"faces": [...]}`` / ``{"frames": [...]}``) or ``.npz`` file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"face-fit file not found: {path}")
    try:
        if path.suffix.lower() == ".json":
            d = json.loads(path.read_text())
            items = d.get("faces") or d.get("frames") or [d]
            return [FaceFit.from_json(x) for x in items]
        with np.load(path) as z:
            meta = json.loads(str(z["meta"]))
            out = []
            for i in range(len(z["identity"])):
                depth = z["landmarks_depth"][i] if "landmarks_depth" in z.files else None
                frame = int(z["frame"][i])
                out.append(
                    FaceFit(
                        **{k: z[k][i] for k in _ARRAYS},
                        camera=Camera(**meta["cameras"][i]),
                        image_size=tuple(meta["image_sizes"][i]),
                        landmark_rmse_px=float(z["landmark_rmse_px"][i]),
                        time_ms=float(z["time_ms"][i]),
                        time_detect_ms=float(z["time_detect_ms"][i]),
                        time_fit_ms=float(z["time_fit_ms"][i]),
                        face_index=int(z["face_index"][i]),
                        landmarks_depth=depth,
                        frame=None if frame < 0 else frame,
                        expression_names=list(meta["expression_names"]),
                    )
                )
            return out
    except UserError:
        raise
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        raise UserError(f"cannot read face fit {path}: {str(err).splitlines()[0] if str(err) else 'corrupt'}") from None
