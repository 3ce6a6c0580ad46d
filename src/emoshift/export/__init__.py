"""Writers for everything emoshift produces: videos, sheets, meshes, glTF rigs and blendshape curves.

An animation (:class:`emoshift.pipeline.AnimationResult`) is written by :func:`save_animation` (the
kind by extension, through a :class:`Writers` object; :mod:`.animation`); the format writers are
:mod:`.video`, :mod:`.sheet`, :mod:`.meshes`, :mod:`.gltf` and :mod:`.curves`.

Every writer goes through :mod:`emoshift.io`'s atomic writes: a file (or a frame folder) appears
whole or not at all. Call :func:`check_export_path` before expensive work to fail early on a bad path.
"""

from __future__ import annotations

from pathlib import Path

from emoshift.export.animation import Writers, save_animation  # noqa: F401 (the API of this package)
from emoshift.io import UserError, check_output, writable_parent

#: output kinds → accepted suffixes ("" = a folder of numbered files)
SUFFIXES: dict[str, tuple[str, ...]] = {
    "video": (".mp4", ".gif", ""),
    "sheet": (".png", ".jpg", ".jpeg"),
    "meshes": ("",),
    "glb": (".glb",),
    "curves": (".csv", ".json"),
}


def check_export_path(path: str | Path, kind: str, force: bool = False) -> Path:
    """Validate an output path for ``kind`` (a key of :data:`SUFFIXES`) before any work.

    A path without a suffix names a folder (PNG frames, per-frame meshes). Raises
    :class:`emoshift.io.UserError` (one line) on an unknown extension, a missing or read-only folder,
    or an existing output without ``force``.
    """
    path = Path(path)
    allowed = SUFFIXES[kind]
    if path.suffix == "" and "" in allowed:
        if path.exists() and not path.is_dir():
            raise UserError(f"{path} exists and is not a folder")
        writable_parent(path)
        if path.exists() and any(path.iterdir()) and not force:
            raise UserError(f"{path} exists; pass --force to overwrite it")
        return path
    shown = tuple(s if s else "a folder (no extension)" for s in allowed)
    if path.suffix.lower() not in allowed:
        raise UserError(
            f"unknown output extension '{path.suffix or '(none)'}' for {path}; use one of {', '.join(shown)}"
        )
    return check_output(path, tuple(s for s in allowed if s), force=force)
