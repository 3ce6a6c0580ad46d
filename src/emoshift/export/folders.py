"""Atomic folders: fill a temporary folder beside the target, then rename it into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emoshift.io import UserError, umask_mode, writable_parent


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``path`` (an old folder is removed).

    On any failure the temporary folder is deleted and ``path`` is left as it was.
    """
    path = Path(path)
    parent = writable_parent(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path} exists and is not a folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        os.chmod(tmp, umask_mode(0o777))  # mkdtemp makes 0700; the folder gets the mode mkdir would give
        yield tmp
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            os.replace(path, old / "x")
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
