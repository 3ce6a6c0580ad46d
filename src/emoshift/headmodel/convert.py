"""Convert an ICT FaceKit release's ``FaceXModel`` folder (OBJ files) into ``ict_facekit_light.npz``.

The release holds ``generic_neutral_mesh.obj``, one OBJ per identity mode (``identity000.obj`` ...)
and one per expression shape (named as in ``vertex_indices.json``'s ``expressions`` list), all with the
same vertex order. Deltas are stored relative to the neutral mesh, exactly the layout described in the
shared asset's README, so the result loads like the prepared copy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from emoshift.headmodel.mesh import read_obj
from emoshift.io import UserError, atomic_write_with

EXTRA_EXPRESSIONS = ("cheekRaiser_L", "cheekRaiser_R", "PupilDilate_L", "PupilDilate_R")


def read_obj_uv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Texture coordinates (N,2) and per-corner uv indices (F,4), -1 padded, of an OBJ."""
    uvs, face_uvs = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("vt "):
                uvs.append([float(x) for x in line.split()[1:3]])
            elif line.startswith("f "):
                toks = line.split()[1:]
                idx = [int(t.split("/")[1]) - 1 if len(t.split("/")) > 1 and t.split("/")[1] else -1 for t in toks]
                face_uvs.append((idx + [-1] * 4)[:4])
    return np.asarray(uvs, np.float32).reshape(-1, 2), np.asarray(face_uvs, np.int32).reshape(-1, 4)


def build_head_model(folder: str | Path, out: str | Path) -> Path:
    """Read a FaceXModel folder and write the npz to ``out`` atomically. Raises UserError on bad input."""
    folder = Path(folder)
    neutral_path = folder / "generic_neutral_mesh.obj"
    index_path = folder / "vertex_indices.json"
    if not folder.is_dir():
        raise UserError(f"not a folder: {folder}")
    for p in (neutral_path, index_path):
        if not p.is_file():
            raise UserError(f"{folder} is not an ICT FaceKit FaceXModel folder: missing {p.name}")
    try:
        index_text = index_path.read_text(encoding="utf-8")
        expressions = list(json.loads(index_text)["expressions"])
    except (ValueError, KeyError) as err:
        raise UserError(f"{index_path}: not a valid vertex_indices.json ({err})") from None
    neutral, faces = read_obj(neutral_path)
    uvs, face_uvs = read_obj_uv(neutral_path)

    def deltas(names: list[str]) -> np.ndarray:
        out_arr = np.zeros((len(names), *neutral.shape), np.float32)
        for i, name in enumerate(names):
            p = folder / f"{name}.obj"
            if not p.is_file():
                raise UserError(f"{folder}: missing shape file {p.name}")
            v, _ = read_obj(p)
            if v.shape != neutral.shape:
                raise UserError(f"{p}: {len(v)} vertices, but the neutral mesh has {len(neutral)}")
            out_arr[i] = v - neutral
        return out_arr

    identity_names = sorted(
        (p.stem for p in folder.glob("identity*.obj") if re.fullmatch(r"identity\d+", p.stem)),
        key=lambda s: int(s[8:]),
    )
    if not identity_names:
        raise UserError(f"{folder}: no identity###.obj files")
    extras = [n for n in EXTRA_EXPRESSIONS if (folder / f"{n}.obj").is_file()]
    arrays = dict(
        neutral_vertices=neutral,
        faces=faces,
        uvs=uvs,
        face_uvs=face_uvs,
        expression_names=np.asarray(expressions),
        expression_deltas=deltas(expressions),
        identity_names=np.asarray(identity_names),
        identity_deltas=deltas(identity_names),
        extra_expression_names=np.asarray(extras, dtype="<U13"),
        extra_expression_deltas=deltas(extras),
        vertex_indices_json=np.asarray(index_text),
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_with(out, lambda tmp: np.savez_compressed(open(tmp, "wb"), **arrays))
