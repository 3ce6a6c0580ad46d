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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    import numpy as np

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


class AssetDamagedError(AssetMissingError):
    """An asset file was found but cannot be read (truncated, not the format expected): no usable copy is
    at hand, so it is reported as a missing one is (one line, a user error)."""


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


CACHE_ENV_VAR = "EMOSHIFT_CACHE"  # a folder for the uncompressed copies below; "off" disables them


def array_cache_dir() -> Path | None:
    """Where :func:`read_npz` keeps uncompressed copies (None: disabled by ``EMOSHIFT_CACHE=off``)."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env == "off":
        return None
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("emoshift")) / "arrays"


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """Every array of an .npz asset, as a dict.

    Decompressing the ICT head (22 MB deflated, 52 MB of arrays) took ~0.3 s of CPU in every process
    that draws a face. The arrays are therefore also kept uncompressed (:func:`cached_arrays`) and read
    from there in a few milliseconds.
    """
    import zipfile
    import zlib

    import numpy as np

    def load(p: Path) -> dict[str, np.ndarray]:
        key = next((k for k, spec in ASSETS.items() if spec.filename == p.name), None)
        try:
            with np.load(p, allow_pickle=False) as d:
                arrays = {k: d[k] for k in d.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
            detail = str(err).splitlines()[0] if str(err) else "unreadable"
            raise _damaged(key, p, f"{type(err).__name__}: {detail}") from None
        problems = [f"member '{k}' is not an array" for k, a in arrays.items() if not isinstance(a, np.ndarray)]
        if key == "ict-facekit":  # the arrays a HeadModel reads (what `emoshift assets` checks)
            from emoshift.cli.cmd_assets import EXPECTED_ICT

            problems += [f"array '{k}' missing or of another shape than {shape}" for k, shape in EXPECTED_ICT.items()
                         if getattr(arrays.get(k), "shape", None) != shape]  # fmt: skip
        if problems:
            raise _damaged(key, p, problems[0])
        return arrays

    return cached_arrays(path, load)


def _damaged(key: str | None, path: Path, detail: str) -> AssetDamagedError:
    what = f"asset '{key}'" if key else "asset"
    return AssetDamagedError(f"{what} {path} is damaged ({detail}); `emoshift assets` checks it -- replace the file, "
                             f"or set {ENV_VAR} to a folder with a good copy")  # fmt: skip


def cached_arrays(
    path: str | Path, load: Callable[[Path], dict[str, np.ndarray]], tag: str = "", version: str = ""
) -> dict[str, np.ndarray]:
    """``load(path)`` (a dict of arrays made from the file ``path``), kept uncompressed, one ``.npy`` each,
    in the user cache folder (:func:`array_cache_dir`) and read from there by later calls.

    The copy is keyed on the file's resolved path, size, modification time and inode and on ``tag`` (what
    ``load`` makes of it, no "-" in it) and ``version`` (e.g. a :func:`source_stamp` of the code in ``load``):
    a replaced or edited file, or another version, is read afresh. It is written whole into a temporary
    folder and renamed into place, and an older copy of the same file is removed; with any problem
    (read-only or full disk, a damaged copy) ``load`` runs.
    """
    import numpy as np

    p = Path(path).resolve()
    st = p.stat()
    root = array_cache_dir()
    stamp = f"{p}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}" + (f"|{tag}" if tag else "") + (f"|{version}" if version else "")
    name = p.stem + (f".{tag}" if tag else "")
    folder = None if root is None else root / f"{name}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"
    if folder is not None:
        try:
            names = (folder / "names.txt").read_text().split("\n")
            return {n: np.load(folder / f"{i}.npy", allow_pickle=False) for i, n in enumerate(names)}
        except (OSError, ValueError):
            pass
    arrays = load(p)
    if folder is not None:
        _write_copy(folder, arrays)
    return arrays


def source_stamp(*modules: str) -> str:
    """A short hash of the source files of ``modules`` (dotted names): the ``tag`` of a :func:`cached_arrays`
    copy of arrays that those modules compute, so that a change to the code computes them afresh."""
    import importlib.util

    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        h.update(name.encode())
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:12]


def _write_copy(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Best effort: ``folder`` appears complete (renamed from a temporary folder) or not at all."""
    import shutil

    import numpy as np

    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for i, a in enumerate(arrays.values()):
            np.save(tmp / f"{i}.npy", a, allow_pickle=False)
        (tmp / "names.txt").write_text("\n".join(arrays))
        for old in folder.parent.glob(f"{folder.name.rsplit('-', 1)[0]}-*"):  # earlier copies of this asset
            if old != folder and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:  # another process won the rename, or the disk refused: the .npz stays the source
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
