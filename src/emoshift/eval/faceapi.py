"""A second independent expression judge: face-api (``@vladmandic/face-api``, MIT) run by Node.

face-api's SSD-MobileNetV1 face detector and its 7-way expression net (weights inside the npm
package) run on ``@tensorflow/tfjs`` with the WebAssembly backend, so nothing is compiled or fetched.
The packages are pinned by ``tools/package-lock.json`` and installed with ``npm ci --prefix tools``
(``make test`` does it). ``tools/faceapi.mjs`` reads a batch of raw RGB images and prints JSON; this
module writes the batch, runs it once per batch (Node start-up and model loading cost ~3 s) and maps
the labels to emoshift's emotion names.

Like :mod:`emoshift.eval.fer`, this judge is an instrument: it never trains and renders are never
tuned against it (``bench/bench_legibility.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoshift.eval.fer import Top1
from emoshift.io import UserError

FACEAPI_LABELS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
"""face-api's expression names (the order used for :attr:`FaceApiResult.probs`)."""
FACEAPI_TO_EMOTION = dict(zip(FACEAPI_LABELS, ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise")))
"""face-api label -> emoshift emotion name (face-api has no contempt)."""
INSTALL_HINT = "install it with: npm ci --prefix tools (Node 20)"
SCRIPT = "faceapi.mjs"


def tools_dir() -> Path:
    """The folder holding ``faceapi.mjs`` and its ``node_modules``: $EMOSHIFT_TOOLS or the checkout's tools/."""
    env = os.environ.get("EMOSHIFT_TOOLS")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "tools"


@dataclass
class FaceApiResult(Top1):
    """One judged image: ``probs`` (7,) in :data:`FACEAPI_LABELS` order; ``box`` (x, y, w, h) px of the
    detected face, or None when no face was detected and the whole image was read as the face."""

    LABELS = FACEAPI_LABELS
    TO_EMOTION = FACEAPI_TO_EMOTION
    probs: np.ndarray
    box: tuple[float, float, float, float] | None
    score: float | None


def as_rgb(image: np.ndarray | str | Path, name: str = "image") -> np.ndarray:
    """(H, W, 3) uint8 RGB from an array (grey or RGBA accepted) or an image file; UserError otherwise."""
    if isinstance(image, (str, Path)):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(image) as im:
                return np.asarray(im.convert("RGB"))
        except (OSError, UnidentifiedImageError) as e:
            raise UserError(f"{image}: not a readable image ({e.__class__.__name__})") from None
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, -1)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or min(a.shape[:2]) < 16 or a.dtype != np.uint8:
        raise UserError(f"{name}: expected an (H, W, 3) uint8 image of at least 16 px, got {a.dtype} {a.shape}")
    return np.ascontiguousarray(a[..., :3])


class FaceApiJudge:
    """Run ``tools/faceapi.mjs`` on batches of images.

    Args:
        tools: folder with ``faceapi.mjs`` and ``node_modules`` (default :func:`tools_dir`).
        min_confidence: the SSD detector's score threshold.
        node: the Node executable.
    """

    def __init__(self, tools: str | Path | None = None, min_confidence: float = 0.3, node: str = "node") -> None:
        self.tools = Path(tools) if tools else tools_dir()
        self.min_confidence = float(min_confidence)
        self.node = shutil.which(node)
        if self.node is None:
            raise UserError(f"the face-api judge needs Node.js (20+) on PATH; {INSTALL_HINT}")
        if not (self.tools / SCRIPT).is_file() or not (self.tools / "node_modules" / "@vladmandic" / "face-api").is_dir():
            raise UserError(f"face-api is not installed in {self.tools}; {INSTALL_HINT}")
        self.versions: dict[str, str] = {}

    def judge_batch(self, images: list, whole_if_no_face: bool = True) -> list[FaceApiResult | None]:
        """Judge the most confident face of each image (arrays or image files), in one Node run.

        Without a detected face: the whole image read as the face when ``whole_if_no_face`` (meant for
        face crops), else None.
        """
        rgbs = [as_rgb(im, f"image {i}") for i, im in enumerate(images)]
        if not rgbs:
            return []
        with tempfile.TemporaryDirectory(prefix="emoshift-faceapi-") as tmp:
            req = []
            for i, a in enumerate(rgbs):
                p = Path(tmp) / f"{i}.rgb"
                p.write_bytes(a.tobytes())
                req.append({"path": str(p), "width": int(a.shape[1]), "height": int(a.shape[0])})
            payload = json.dumps({"images": req, "min_confidence": self.min_confidence})
            proc = subprocess.run(
                [self.node, str(self.tools / SCRIPT)], input=payload, capture_output=True, text=True, cwd=self.tools
            )
        if proc.returncode != 0:
            msg = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"face-api failed (exit {proc.returncode}): {msg}")
        out = json.loads(proc.stdout)
        self.versions = {k: out[k] for k in ("face_api", "tfjs", "backend")}
        return [self._result(r, whole_if_no_face) for r in out["results"]]

    def judge(self, image, whole_if_no_face: bool = False) -> FaceApiResult | None:
        """Judge one image (its most confident face); None when no face is detected (by default)."""
        return self.judge_batch([image], whole_if_no_face)[0]

    @staticmethod
    def _result(r: dict, whole_if_no_face: bool) -> FaceApiResult | None:
        if "error" in r:
            raise RuntimeError(f"face-api: {r['error']}")
        if r["expressions"] is None and not whole_if_no_face:
            return None
        ex = r["expressions"] if r["expressions"] is not None else r["whole"]
        probs = np.array([ex[k] for k in FACEAPI_LABELS], np.float64)
        box = tuple(float(v) for v in r["box"]) if r["box"] is not None else None
        return FaceApiResult(probs=probs, box=box, score=r["score"])
