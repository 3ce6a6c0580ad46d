"""Per-frame meshes of a trajectory: a folder of OBJ (with UVs) or binary PLY files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from emoshift.export.folders import atomic_folder
from emoshift.headmodel.mesh import write_obj, write_ply
from emoshift.io import UserError

MESH_FORMATS = ("obj", "ply")


def trajectory_vertices(
    model: Any, identity: np.ndarray, trajectory: Any, translation: np.ndarray | None = None, chunk: int = 32
):
    """Yield (V, 3) float32 posed vertices (cm) of each frame, computed ``chunk`` frames at a time.

    Args:
        model: a :class:`emoshift.headmodel.HeadModel`.
        identity: (K,) identity weights.
        trajectory: ``expression (T, 53)``, ``rotation (T, 3)`` axis-angle.
        translation: None, (3,) or (T, 3) centimetres.
    """
    e = np.asarray(trajectory.expression, dtype=np.float32)
    r = np.asarray(trajectory.rotation, dtype=np.float32).reshape(-1, 3)
    n = len(e)
    t = np.zeros((n, 3), np.float32) if translation is None else np.asarray(translation, np.float32)
    t = np.broadcast_to(t.reshape(-1, 3), (n, 3))
    ident = np.asarray(identity, dtype=np.float32).reshape(1, -1)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        yield from model(np.broadcast_to(ident, (b - a, ident.shape[1])), e[a:b], r[a:b], t[a:b]).vertices


def write_meshes(
    folder: str | Path,
    model: Any,
    identity: np.ndarray,
    trajectory: Any,
    translation: np.ndarray | None = None,
    fmt: str = "obj",
    progress: bool = False,
) -> Path:
    """Write ``frame_00000.obj`` (with UVs) or ``.ply`` per frame into ``folder`` (replaced atomically)."""
    if fmt not in MESH_FORMATS:
        raise UserError(f"unknown mesh format '{fmt}'; use one of {', '.join(MESH_FORMATS)}")
    folder = Path(folder)
    verts = trajectory_vertices(model, identity, trajectory, translation)
    with atomic_folder(folder) as tmp:
        for i, v in enumerate(tqdm(verts, total=len(trajectory.expression), disable=not progress, desc="meshes")):
            if fmt == "obj":
                write_obj(tmp / f"frame_{i:05d}.obj", v, model.polygons, model.uvs, model.polygon_uvs)
            else:
                write_ply(tmp / f"frame_{i:05d}.ply", v, model.triangles)
    return folder
