"""Where the third-party assets live, and how to tell a user who lacks them.

emoshift never ships the ICT FaceKit head model or MediaPipe's canonical face mesh in its repository.
Each asset is looked for, in order, in:

1. ``$EMOSHIFT_ASSETS/<asset-dir>/`` (an environment variable naming a folder),
2. ``../shared/assets/<asset-dir>/`` beside the checkout (the developers' and CI's layout),
3. the user data folder, ``platformdirs.user_data_dir("emoshift")/assets/<asset-dir>/``.

``emoshift assets`` prints what was found and verifies it; a missing asset raises
:class:`AssetMissingError` whose message says what to obtain and how to convert it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "EMOSHIFT_ASSETS"


@dataclass(frozen=True)
class AssetSpec:
    """One asset: a file inside a folder of the assets root."""

    key: str
    folder: str
    filename: str
    sha256: str  # of the file as prepared for emoshift; a mismatch is reported, not fatal
    how_to_get: str


ICT_HOW = (
    "get the ICT FaceKit release (MIT license, github.com/ICT-VGL/ICT-FaceKit), take its "
    "'FaceXModel' folder and convert it with `emoshift assets build-head-model PATH/TO/FaceXModel` "
    "(writes ict_facekit_light.npz into the user data folder); keep its LICENSE beside it"
)
CANONICAL_HOW = (
    "get MediaPipe's canonical_face_model.obj (Apache-2.0; in the mediapipe repository under "
    "mediapipe/modules/face_geometry/data/) and put it in a folder 'mediapipe-canonical'"
)

ASSETS: dict[str, AssetSpec] = {
    "ict-facekit": AssetSpec(
        "ict-facekit",
        "ict-facekit",
        "ict_facekit_light.npz",
        "f8ef77dcdc771d98a0c8318f3fcbb0b67ee3db0acf913c4cb1e49f64f465ccac",
        ICT_HOW,
    ),
    "mediapipe-canonical": AssetSpec(
        "mediapipe-canonical",
        "mediapipe-canonical",
        "canonical_face_model.obj",
        "5ecc0627d2925a83da0dbf63ccdc245a62affbeb8872c34ae2e63e35763ee2a9",
        CANONICAL_HOW,
    ),
}


class AssetMissingError(FileNotFoundError):
    """An asset was not found in any of the searched places. ``str(err)`` is one line for a user."""


def user_assets_dir() -> Path:
    """The per-user folder where converted assets are written and looked up last."""
    return Path(platformdirs.user_data_dir("emoshift")) / "assets"


def search_roots() -> list[tuple[str, Path]]:
    """The folders searched for assets, in order, each with a label saying why it is searched."""
    roots: list[tuple[str, Path]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        roots.append((f"${ENV_VAR}", Path(env).expanduser()))
    checkout = Path(__file__).resolve().parents[2]  # src/emoshift/assets.py -> checkout root
    roots.append(("../shared/assets beside the checkout", checkout.parent / "shared" / "assets"))
    cwd_shared = Path.cwd().resolve().parent / "shared" / "assets"
    if cwd_shared != roots[-1][1]:
        roots.append(("../shared/assets beside the working folder", cwd_shared))
    roots.append(("user data folder", user_assets_dir()))
    return roots


def find_asset(key: str) -> Path:
    """Path of the asset file ``key`` (a key of :data:`ASSETS`), or :class:`AssetMissingError`."""
    spec = ASSETS[key]
    for _, root in search_roots():
        path = root / spec.folder / spec.filename
        if path.is_file():
            return path
    searched = ", ".join(str(root / spec.folder) for _, root in search_roots())
    raise AssetMissingError(
        f"asset '{key}' ({spec.filename}) not found (searched {searched}); to obtain it: {spec.how_to_get}; "
        f"or set {ENV_VAR} to a folder holding '{spec.folder}/{spec.filename}'"
    )


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
