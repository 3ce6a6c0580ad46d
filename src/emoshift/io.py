"""Small file helpers shared by every writer: atomic writes and output-path checks."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


class UserError(Exception):
    """An error caused by the user's input; the CLI prints ``str(err)`` as one line and exits non-zero."""


def user_error_types() -> tuple[type[BaseException], ...]:
    """The exceptions that are the user's to fix (one line, exit code 2 / HTTP 400): :class:`UserError`
    and a missing asset (:class:`emoshift.assets.AssetMissingError`)."""
    from emoshift.assets import AssetMissingError

    return (UserError, AssetMissingError)


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    return atomic_write_with(path, lambda tmp: Path(tmp).write_bytes(data))


def umask_mode(full: int = 0o666) -> int:
    """``full`` minus the process umask: the mode ``open(path, "w")`` (0o666) or ``mkdir`` (0o777) would
    give a new file or folder; for the temporaries (mkstemp 0600, mkdtemp 0700) renamed into place."""
    mask = os.umask(0o022)
    os.umask(mask)
    return full & ~mask


def writable_parent(path: str | Path) -> Path:
    """The folder ``path`` would be written into; :class:`UserError` if it is missing or read-only."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"output folder does not exist: {folder}")
    try:  # a real probe: os.access says yes to root even on read-only or virtual file systems (/proc)
        fd, probe = tempfile.mkstemp(prefix=".emoshift-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        why = "cannot create files there" if err.errno == errno.ENOENT else (err.strerror or err.__class__.__name__)
        raise UserError(f"output folder is not writable: {folder} ({why})") from None
    return folder


def atomic_write_with(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` to fill a temporary file beside ``path``, then rename it into place.

    On any failure the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    folder = writable_parent(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        writer(tmp_path)
        if tmp_path.is_file():  # mkstemp makes 0600 files; give the output the usual umask-based mode
            os.chmod(tmp_path, umask_mode())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def check_output(
    path: str | Path, allowed_suffixes: tuple[str, ...], force: bool = False, hint: str = "--force",
    option: str | None = None,
) -> Path:  # fmt: skip
    """Validate an output path before any work: known extension, writable folder, no clobbering.

    Raises :class:`UserError` with a one-line message; ``hint`` names the way to overwrite in the
    caller's words (``--force`` on the command line, ``force=True`` in Python); ``option`` (``--sheet``)
    names the option the path was given to.
    """
    path = Path(path)
    if path.suffix.lower() not in allowed_suffixes:
        where = f"{option} {path}" if option else str(path)
        valid = ", ".join(allowed_suffixes)
        raise UserError(f"unknown output extension '{path.suffix or '(none)'}' for {where}; use one of {valid}")
    folder = writable_parent(path)
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass {hint} to overwrite it")
    return path
