"""All-or-nothing outputs of one run, signal clean-up, and one-line messages for write failures.

An :class:`OutputSet` stages every output of a run (``out.mp4``, ``out.glb``, ``out.csv``, a frames
folder, ...) under a hidden temporary name beside its target; :meth:`OutputSet.commit` renames them
all into place at the end. On an exception -- a full disk, a failing writer, Ctrl+C, SIGTERM -- every
staged file and anything a writer left beside it is removed, so a run leaves all of its outputs or
none of them::

    with OutputSet() as outs:
        for final in (Path("out.mp4"), Path("out.glb")):
            outs.write(final, lambda tmp: result.save(tmp))
        outs.commit()

:func:`install_signal_handlers` turns SIGTERM into :class:`Terminated` (a ``KeyboardInterrupt``, so
the same clean-up paths run) and restores the default SIGINT behaviour; the CLI then exits 130
(SIGINT) or 143 (SIGTERM) after the clean-up.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from emoshift.io import UserError

#: errno values that mean "this output cannot be written" (shown as one line, exit 2).
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.ENAMETOOLONG}
TMP_TAG = "emoshift-tmp"


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM; the CLI exits with :attr:`exit_code` after clean-up."""

    exit_code = 143

    def __str__(self) -> str:
        return "terminated"


def write_error(err: OSError, path: str | Path | None = None) -> UserError:
    """A one-line :class:`UserError` for an OSError raised while writing ``path``."""
    what = err.strerror or err.__class__.__name__
    where = path if path is not None else (err.filename or "output")
    hint = "; free some space or write elsewhere" if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else ""
    return UserError(f"cannot write {where}: {what}{hint}")


def temp_name(final: Path, token: str) -> Path:
    """The hidden staging path of ``final``: same folder and suffix (writers pick the format by suffix)."""
    return final.with_name(f".{final.stem}-{TMP_TAG}-{token}{final.suffix}")


class OutputSet:
    """Outputs written under temporary names and renamed together by :meth:`commit` (see module doc)."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.staged: list[tuple[Path, Path]] = []  # (temporary, final)
        self.committed = False

    def __enter__(self) -> OutputSet:
        with _LOCK:
            _ACTIVE.add(self)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self.committed:
                self.discard()
        finally:
            with _LOCK:
                _ACTIVE.discard(self)

    def stage(self, final: str | Path) -> Path:
        """Reserve the temporary path for ``final`` (nothing is written yet)."""
        final = Path(final)
        tmp = temp_name(final, self.token)
        self.staged.append((tmp, final))
        return tmp

    def write(self, final: str | Path, writer: Callable[[Path], object]) -> Path:
        """``writer(tmp)`` fills the temporary path of ``final``; OSErrors become one-line UserErrors."""
        tmp = self.stage(final)
        try:
            writer(tmp)
        except OSError as err:
            raise write_error(err, final) from None
        return tmp

    def commit(self) -> list[Path]:
        """Rename every staged output into place (an existing target is replaced); returns the finals.

        If a rename fails, the outputs already moved are removed again and the rest discarded.
        """
        done: list[Path] = []
        try:
            for tmp, final in self.staged:
                if not tmp.exists():
                    continue
                if final.is_dir() and not final.is_symlink():
                    old = final.with_name(f".{final.name}-{TMP_TAG}-{self.token}-old")
                    os.replace(final, old)
                    os.replace(tmp, final)
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    os.replace(tmp, final)
                done.append(final)
        except OSError as err:
            for final in done:
                _remove(final)
            self.discard()
            raise write_error(err) from None
        self.committed = True
        return done

    def discard(self) -> None:
        """Remove every staged path and anything else carrying this set's token (writers' own temps)."""
        folders = {tmp.parent for tmp, _ in self.staged}
        for folder in folders:
            try:
                names = [p for p in folder.iterdir() if self.token in p.name and TMP_TAG in p.name]
            except OSError:
                continue
            for p in names:
                _remove(p)
        for tmp, _ in self.staged:
            _remove(tmp)


def _remove(p: Path) -> None:
    try:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    except OSError:
        pass


def remove_staged(folder: str | Path) -> int:
    """Remove every staged (temporary) output in ``folder`` -- left by a worker process that was
    stopped; returns how many were removed."""
    try:
        names = [p for p in Path(folder).iterdir() if f"-{TMP_TAG}-" in p.name]
    except OSError:
        return 0
    for p in names:
        _remove(p)
    return len(names)


_ACTIVE: set[OutputSet] = set()
_LOCK = threading.Lock()


def discard_all() -> None:
    """Remove the staged files of every open :class:`OutputSet` (used on fatal signals)."""
    with _LOCK:
        sets = list(_ACTIVE)
    for s in sets:
        s.discard()


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def install_signal_handlers() -> None:
    """SIGTERM -> :class:`Terminated`, SIGINT -> ``KeyboardInterrupt`` (main thread only; no-op elsewhere).

    Both unwind the stack, so ``with OutputSet()`` blocks and the writers' ``except BaseException``
    clean-ups remove partial files before the process exits.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def divert_native_stderr() -> bool:
    """Point file descriptor 2 at /dev/null for the rest of the process; ``sys.stderr`` keeps the real
    stream (a duplicate of the old fd 2). Returns True when done.

    MediaPipe/TFLite/absl write log lines straight to fd 2 -- some from background threads, some when
    their graphs are destroyed at exit -- and would break the CLI's promise of one line on stderr.
    Python output (errors, warnings, progress bars, tracebacks) is unaffected. Only done when
    ``sys.stderr`` is the process's own stream on fd 2 (not under a test's capture);
    ``EMOSHIFT_NATIVE_LOGS=1`` keeps the native logs.
    """
    if os.environ.get("EMOSHIFT_NATIVE_LOGS") or sys.stderr is None or sys.stderr is not sys.__stderr__:
        return False
    try:
        if sys.stderr.fileno() != 2:
            return False
    except (AttributeError, OSError, ValueError):
        return False
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    enc = sys.stderr.encoding
    sys.stderr = sys.__stderr__ = open(saved, "w", buffering=1, encoding=enc, errors="backslashreplace")  # noqa: SIM115
    return True
