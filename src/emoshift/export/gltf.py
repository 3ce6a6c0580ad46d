"""glTF 2.0 binary (.glb): the head with the 52 ARKit morph targets, animated weights and head rotation.

What the file holds (metres, Y up, +Z out of the face, as glTF expects):

* one mesh, one primitive per part: ``face`` (textured with the photo texture when given), ``scalp``
  (head and neck skin), and by default the ``eyes`` (sclera, iris, pupil) and the mouth interior
  (``mouth_socket``, ``gums_tongue``, ``teeth``), so an open jaw shows teeth rather than a hole;
* 52 morph targets named with Apple's ARKit blendshape names exactly (``mesh.extras.targetNames``,
  the convention three.js, Blender and Babylon read; the names and the mapping from the head model's
  53 shapes are :mod:`emoshift.export.arkit`'s: ICT's ``browInnerUp``/``cheekPuff`` halves summed into
  one target, ``tongueOut`` present with zero offsets); in ``mesh.extras`` also ``ict_names`` (the head
  model's shapes behind each name) and ``arkit_raw_names`` (ARKit's raw string values, ``eyeBlink_L``);
  each target has POSITION and NORMAL offsets (the normal offset: the smooth vertex normals of the
  head with that target at weight 1 minus the base shape's, both from
  :func:`emoshift.headmodel.mesh.vertex_normals`, so engines that do not recompute normals shade an
  open jaw or a smile right; computed after the position offsets under ``min_delta_cm`` are dropped,
  so they match the stored geometry); stored as **sparse** float32 accessors holding only vertices
  that move more than ``min_delta_cm`` (normals: turn by more than :data:`MIN_NORMAL_DELTA`; a target
  switches to a dense accessor when that is smaller) — about 8.8 MB with a photo texture (positions
  ~5 MB, normals ~3.4 MB) instead of ~30 MB dense;
* one animation: the 52 weights per frame (:func:`emoshift.export.arkit.arkit_weights`) and the head
  rotation (quaternions, slerped by players), optionally the translation, on the node ``head``; times
  from the trajectory, plus a final key at ``t_last + 1 / fps`` (``N / fps`` for N frames) holding the
  last frame's pose. glTF players (three.js ``AnimationClip``, Babylon, Blender's importer) take the
  clip's duration to be its last key time, so the clip lasts as long as the video (N / fps) and loops
  without dropping the last frame's display time. In Blender the shape-key action then spans frames
  0..N at the clip's rate: a loop of the N rendered frames is frames 0..N-1.

The file passes the Khronos glTF validator with no errors (tested through ``tools/validate_gltf.js``).
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from emoshift.headmodel import load_arrays
from emoshift.headmodel.landmarks import IRIS_RADIUS_CM
from emoshift.headmodel.mesh import triangulate, vertex_normals
from emoshift.headmodel.regions import polygon_indices, vertex_indices
from emoshift.export.arkit import ARKIT_NAMES, arkit_raw_value, arkit_sources, arkit_weights, ict_names_by_arkit
from emoshift.io import UserError, atomic_write
from emoshift.trajectory import aa_to_quat

CM_TO_M = 0.01
FLOAT, USHORT, UINT = 5126, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
SKIN_SRGB = (224, 172, 150)
#: morph-target normal offsets shorter than this (0.17 degrees) are dropped from the sparse targets: about
#: the normal error the dropped position offsets (``min_delta_cm`` across a ~0.3 cm edge) cause anyway
MIN_NORMAL_DELTA = 3e-3


@dataclass(frozen=True)
class Part:
    """A primitive of the exported mesh: polygons of a named region and a colour (used when untextured)."""

    name: str
    region: str
    srgb: tuple[int, int, int]
    roughness: float = 0.6
    only_vertices: str | None = None  # keep polygons whose corners all lie in this vertex region
    eyeballs: bool = False  # vertex-coloured sclera/iris/pupil, or textured from the per-eye tiles


SKIN_PARTS = (
    Part("face", "face", SKIN_SRGB),
    Part("scalp", "head_neck", SKIN_SRGB),
)
# ICT's eyeballs are two nested shells: an outer cornea (drawn transparent by ICT, dropped here) and
# the eyeball proper (the "irises" vertex range), whose front carries a detailed iris disc
# (their UVs overlap the face tile's; a baked tile stack holds one tile per eye, see emoshift.render.textured)
EYE_PARTS = (Part("eyes", "eyeballs", (255, 255, 255), 0.15, only_vertices="irises", eyeballs=True),)
SCLERA_SRGB, IRIS_SRGB, PUPIL_SRGB = (236, 232, 226), (78, 56, 40), (12, 10, 10)
PUPIL_RADIUS_CM = 0.2
MOUTH_PARTS = (
    Part("mouth_socket", "mouth_socket", (92, 34, 36), 0.7),
    Part("gums_tongue", "gums_tongue", (190, 92, 96), 0.5),
    Part("teeth", "teeth", (236, 230, 212), 0.35),
)


def _linear(srgb: tuple[int, int, int] | np.ndarray) -> list[float]:
    """sRGB 0-255 → linear RGBA factors (glTF's baseColorFactor is linear)."""
    c = np.asarray(srgb, dtype=np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return [round(float(x), 5) for x in lin] + [1.0]


class _Glb:
    """Accumulates the binary chunk, buffer views and accessors of a glTF document."""

    def __init__(self) -> None:
        self.bin = bytearray()
        self.doc: dict[str, Any] = {"bufferViews": [], "accessors": []}

    def view(self, data: bytes, target: int | None = None) -> int:
        self.bin += b"\0" * (-len(self.bin) % 4)
        v = {"buffer": 0, "byteOffset": len(self.bin), "byteLength": len(data)}
        if target is not None:
            v["target"] = target
        self.bin += data
        self.doc["bufferViews"].append(v)
        return len(self.doc["bufferViews"]) - 1

    def accessor(self, array: np.ndarray | None, kind: str, minmax: bool = False, target: int | None = None,
                 count: int | None = None, sparse: tuple[np.ndarray, np.ndarray] | None = None,
                 full: np.ndarray | None = None) -> int:  # fmt: skip
        """Add an accessor over ``array`` (float32 / uint16 / uint32).

        With ``array=None`` the accessor is zeros of ``count`` elements, optionally overridden by
        ``sparse=(indices, values)``; ``full`` is then the expanded data, used for min/max.
        """
        acc: dict[str, Any] = {"type": kind}
        if array is not None:
            array = np.ascontiguousarray(array)
            acc["componentType"] = {np.dtype("float32"): FLOAT, np.dtype("uint16"): USHORT,
                                    np.dtype("uint32"): UINT}[array.dtype]  # fmt: skip
            acc["count"] = len(array)
            acc["bufferView"] = self.view(array.tobytes(), target)
            full = array
        else:
            acc["componentType"] = FLOAT
            acc["count"] = int(count)
            if sparse is not None and len(sparse[0]):
                idx, val = sparse
                acc["sparse"] = {
                    "count": len(idx),
                    "indices": {"bufferView": self.view(idx.tobytes()), "componentType": _index_type(idx)},
                    "values": {"bufferView": self.view(np.ascontiguousarray(val, np.float32).tobytes())},
                }
            if full is None:
                full = np.zeros((int(count), 3), np.float32)
        if minmax:
            f = np.asarray(full, np.float32).reshape(len(full), -1)
            acc["min"] = [float(x) for x in f.min(0)]
            acc["max"] = [float(x) for x in f.max(0)]
        self.doc["accessors"].append(acc)
        return len(self.doc["accessors"]) - 1

    def to_bytes(self) -> bytes:
        self.bin += b"\0" * (-len(self.bin) % 4)
        self.doc["buffers"] = [{"byteLength": len(self.bin)}]
        js = json.dumps(self.doc, separators=(",", ":")).encode()
        js += b" " * (-len(js) % 4)
        total = 12 + 8 + len(js) + 8 + len(self.bin)
        return b"".join([
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(js), b"JSON"), js,
            struct.pack("<I4s", len(self.bin), b"BIN\0"), bytes(self.bin),
        ])  # fmt: skip


def _index_type(idx: np.ndarray) -> int:
    return USHORT if idx.dtype == np.uint16 else UINT


def _compact(a: np.ndarray, n: int) -> np.ndarray:
    return a.astype(np.uint16 if n < 65536 else np.uint32)


def _part_triangles(arrays: dict[str, np.ndarray], part: Part) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) full-mesh vertex triangles and (T, 3) uv triangles of a part."""
    polys = polygon_indices(part.region)
    faces, face_uvs = arrays["faces"][polys], arrays["face_uvs"][polys]
    if part.only_vertices:
        inside = np.zeros(len(arrays["neutral_vertices"]), bool)
        inside[vertex_indices(part.only_vertices)] = True
        keep = np.where(faces >= 0, inside[np.maximum(faces, 0)], True).all(1)
        faces, face_uvs = faces[keep], face_uvs[keep]
    tris, _ = triangulate(faces)
    tuv, _ = triangulate(face_uvs)
    return tris, tuv


def _eye_colors(positions: np.ndarray, vid: np.ndarray) -> np.ndarray:
    """(len(vid), 3) linear RGB: pupil and iris discs around each eyeball's front-most point, sclera elsewhere.

    Args:
        positions: (V_full, 3) the template's neutral vertices, cm (the colouring belongs to the
            mesh topology, so it is found once on the template, whatever the identity);
        vid: full-mesh indices of the eye vertices.
    """
    out = np.tile(np.asarray(_linear(SCLERA_SRGB)[:3], np.float32), (len(vid), 1))
    for side in ("iris_left", "iris_right"):
        mine = np.isin(vid, vertex_indices(side))
        p = positions[vid[mine]]
        if not len(p):
            continue
        apex = p[np.argsort(p[:, 2])[-5:]].mean(0)
        rho = np.linalg.norm(p[:, :2] - apex[:2], axis=1)
        front = p[:, 2] > apex[2] - 1.0
        col = out[mine]
        col[front & (rho < IRIS_RADIUS_CM)] = _linear(IRIS_SRGB)[:3]
        col[front & (rho < PUPIL_RADIUS_CM)] = _linear(PUPIL_SRGB)[:3]
        out[mine] = col
    return out


def _eye_tiles(tris: np.ndarray) -> np.ndarray:
    """(T,) texture tile of each eyeball triangle in a baked tile stack (left and right eye differ)."""
    from emoshift.render.textured import EYE_TILES

    left = np.isin(tris[:, 0], vertex_indices("eyeball_left"))
    return np.where(left, EYE_TILES[0], EYE_TILES[1]).astype(np.int64)


def _quaternions(rotation: np.ndarray) -> np.ndarray:
    """(T, 3) axis-angle → (T, 4) unit quaternions xyzw (glTF order), sign-continuous for slerp."""
    q = aa_to_quat(np.asarray(rotation, np.float64).reshape(-1, 3))[:, [1, 2, 3, 0]]
    for i in range(1, len(q)):
        if q[i] @ q[i - 1] < 0:
            q[i] = -q[i]
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def _key_times(trajectory: Any, n: int) -> np.ndarray:
    """(n + 1,) float32 key times: the n frames' times, then the hold key one frame after the last."""
    t = getattr(trajectory, "times", None)
    t = np.arange(n) / float(trajectory.fps) if t is None else np.asarray(t, np.float64)
    if len(t) != n or (n > 1 and np.any(np.diff(t.astype(np.float32)) <= 0)):
        t = np.arange(n) / float(trajectory.fps)
    t = np.append(t, t[-1] + 1 / float(trajectory.fps))
    return (t - min(t[0], 0.0)).astype(np.float32)


def _hold(keys: np.ndarray) -> np.ndarray:
    """(n, ...) per-frame key values → (n + 1, ...): the last frame's value repeated for the hold key."""
    return np.concatenate([keys, keys[-1:]])


def _smooth_normals(vertices: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(V, 3) float32 unit vertex normals; (0, 0, 1) for vertices on no (or only degenerate) triangles."""
    normals = vertex_normals(vertices.astype(np.float64), tris).astype(np.float32)
    normals[np.linalg.norm(normals, axis=1) < 0.5] = (0.0, 0.0, 1.0)
    return normals


def _target_normals(base: np.ndarray, deltas: np.ndarray, tris: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(K, V, 3) morph-target normal offsets: the normals of ``base + deltas[k]`` minus ``normals``
    (the base's), zero for targets that move nothing."""
    out = np.zeros_like(deltas, dtype=np.float32)
    for k, d in enumerate(deltas):
        if np.any(d):
            out[k] = _smooth_normals(base + d, tris) - normals
    return out


def _target_accessor(g: _Glb, d: np.ndarray, min_length: float) -> int:
    """A morph-target VEC3 accessor of offsets ``d`` (nv, 3) without those shorter than ``min_length``:
    sparse, or dense when that is smaller."""
    nv = len(d)
    moving = np.linalg.norm(d, axis=1) > min_length
    d = np.where(moving[:, None], d, 0.0).astype(np.float32)
    idx = np.nonzero(moving)[0]
    if len(idx) * (12 + (2 if nv < 65536 else 4)) < nv * 12:
        return g.accessor(None, "VEC3", True, count=nv, sparse=(_compact(idx, nv), d[idx]), full=d)
    return g.accessor(d, "VEC3", True, ARRAY_BUFFER)


def _texture_image(texture: np.ndarray) -> tuple[np.ndarray, int]:
    """(image, n_tiles): a single (H, W, 3|4) face-tile image, or an (N, S, S, 3|4) tile stack laid
    side by side into one (S, N*S) atlas."""
    img = np.asarray(texture)
    if img.dtype != np.uint8 or img.ndim not in (3, 4) or img.shape[-1] not in (3, 4):
        raise ValueError(f"texture must be (H, W, 3|4) or (N, S, S, 3|4) uint8, got {img.shape} {img.dtype}")
    if img.ndim == 3:
        return img, 1
    return np.concatenate(list(img), axis=1), img.shape[0]


def _encode_image(img: np.ndarray) -> tuple[bytes, str]:
    from PIL import Image

    buf = io.BytesIO()
    if img.shape[2] == 4:
        Image.fromarray(img).save(buf, format="PNG")
        return buf.getvalue(), "image/png"
    Image.fromarray(img).save(buf, format="JPEG", quality=90)
    return buf.getvalue(), "image/jpeg"


def _skin_colour(texture: np.ndarray) -> tuple[int, int, int]:
    """Median colour of the texture's non-dark pixels, for the untextured skin (scalp, neck)."""
    rgb = np.asarray(texture)[..., :3].reshape(-1, 3)
    lit = rgb[rgb.sum(1) > 60]
    return tuple(int(x) for x in np.median(lit if len(lit) else rgb, 0))  # type: ignore[return-value]


def build_glb(
    model: Any,
    identity: np.ndarray,
    trajectory: Any,
    translation: np.ndarray | None = None,
    texture: np.ndarray | None = None,
    eyes: bool = True,
    mouth: bool = True,
    min_delta_cm: float = 1e-3,
) -> bytes:
    """The .glb file's bytes; see :func:`write_glb`."""
    arrays = load_arrays()
    names = list(model.expression_names)
    identity = np.asarray(identity, np.float32).reshape(-1)
    exp = np.asarray(trajectory.expression, np.float32)
    if exp.ndim != 2 or exp.shape[1] != len(names):
        raise ValueError(f"trajectory.expression must be (T, {len(names)}), got {exp.shape}")
    exp = arkit_weights(exp, names).astype(np.float32)  # (T, 52)
    n_frames = len(exp)
    if n_frames == 0:
        raise UserError("the trajectory has no frames")
    parts = SKIN_PARTS + (EYE_PARTS if eyes else ()) + (MOUTH_PARTS if mouth else ())
    geo = [_part_triangles(arrays, p) for p in parts]

    # base shape (identity applied) and smooth normals over all parts together, in full-mesh indexing
    used = np.unique(np.concatenate([t.ravel() for t, _ in geo]))
    base = np.zeros_like(arrays["neutral_vertices"])
    id_basis = arrays["identity_deltas"][: len(identity), used]
    base[used] = arrays["neutral_vertices"][used] + np.tensordot(identity, id_basis, 1)
    all_tris = np.concatenate([t for t, _ in geo])
    normals = _smooth_normals(base, all_tris)
    # (52, V, 3) ARKit targets: merged halves summed; tongueOut all zero (ICT has no tongue shape)
    sources = arkit_sources(list(arrays["expression_names"]))
    deltas = np.tensordot(sources, arrays["expression_deltas"], 1).astype(np.float32)
    deltas[np.linalg.norm(deltas, axis=2) <= min_delta_cm] = 0.0  # dropped before the normals: they match the file
    normal_deltas = _target_normals(base, deltas, all_tris, normals)
    uvs = arrays["uvs"]

    g = _Glb()
    doc = g.doc
    doc["asset"] = {"version": "2.0", "generator": "emoshift",
                    "copyright": "head geometry: ICT FaceKit (USC ICT), MIT license"}  # fmt: skip
    materials: list[dict[str, Any]] = []
    n_tiles = 0
    skin_srgb = SKIN_SRGB
    if texture is not None:
        atlas, n_tiles = _texture_image(texture)
        skin_srgb = _skin_colour(atlas)
        data, mime = _encode_image(atlas)
        doc["images"] = [{"bufferView": g.view(data), "mimeType": mime, "name": "photo_texture"}]
        doc["samplers"] = [{"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071}]
        doc["textures"] = [{"sampler": 0, "source": 0}]

    primitives = []
    for part, (tris, tuv) in zip(parts, geo):
        # ICT's UV tile of each triangle (UDIM-style: u in [tile, tile + 1)) and its tile in the texture
        ict_tile = np.floor(uvs[tuv, 0].mean(1)).astype(np.int64)
        if part.eyeballs:  # ICT's eye UVs overlap the face's: only a baked tile stack textures them
            tex_tile = _eye_tiles(tris) if n_tiles > 1 else np.full_like(ict_tile, 1 << 20)
        else:
            tex_tile = ict_tile
        textured = n_tiles > 0 and bool(np.all(tex_tile < n_tiles))
        if textured:  # split vertices along UV seams: one glTF vertex per (vertex, uv, tiles)
            key = ((tris.astype(np.int64) * len(uvs) + tuv) * 8 + ict_tile[:, None]) * 8 + tex_tile[:, None]
            uniq, inv = np.unique(key.ravel(), return_inverse=True)
            vid, uvid = uniq // (64 * len(uvs)), (uniq // 64) % len(uvs)
            v_ict, v_tex = (uniq // 8) % 8, uniq % 8
        else:
            vid, inv = np.unique(tris.ravel(), return_inverse=True)
        nv = len(vid)
        attrs = {
            "POSITION": g.accessor((base[vid] * CM_TO_M).astype(np.float32), "VEC3", True, ARRAY_BUFFER),
            "NORMAL": g.accessor(normals[vid], "VEC3", False, ARRAY_BUFFER),
        }
        if textured:
            uv = uvs[uvid].astype(np.float64)
            u = (uv[:, 0] - v_ict + v_tex) / n_tiles
            st = np.stack([u, 1.0 - uv[:, 1]], 1).astype(np.float32)
            attrs["TEXCOORD_0"] = g.accessor(st, "VEC2", False, ARRAY_BUFFER)
        elif part.eyeballs:
            attrs["COLOR_0"] = g.accessor(_eye_colors(arrays["neutral_vertices"], vid), "VEC3", False, ARRAY_BUFFER)
        targets = [
            {"POSITION": _target_accessor(g, deltas[j, vid] * CM_TO_M, min_delta_cm * CM_TO_M),
             "NORMAL": _target_accessor(g, normal_deltas[j, vid], MIN_NORMAL_DELTA)}
            for j in range(len(ARKIT_NAMES))
        ]  # fmt: skip
        mat: dict[str, Any] = {
            "name": part.name,
            "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": part.roughness,
                                     "baseColorFactor": _linear(skin_srgb if part.srgb == SKIN_SRGB else part.srgb)},
        }  # fmt: skip
        if textured:
            mat["pbrMetallicRoughness"]["baseColorFactor"] = [1.0, 1.0, 1.0, 1.0]
            mat["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}
        materials.append(mat)
        primitives.append({
            "attributes": attrs,
            "indices": g.accessor(_compact(inv.reshape(-1), nv), "SCALAR", False, ELEMENT_ARRAY_BUFFER),
            "material": len(materials) - 1,
            "targets": targets,
            "mode": 4,
        })  # fmt: skip
    doc["materials"] = materials
    extras = {"targetNames": list(ARKIT_NAMES), "arkit_raw_names": [arkit_raw_value(n) for n in ARKIT_NAMES],
              "ict_names": ict_names_by_arkit(names)}  # fmt: skip
    doc["meshes"] = [{"name": "head", "primitives": primitives, "weights": [0.0] * len(ARKIT_NAMES),
                      "extras": extras}]  # fmt: skip

    # animation: weights + rotation (+ translation) per frame, then the hold key (the module notes)
    quats = _quaternions(np.asarray(trajectory.rotation).reshape(n_frames, 3))
    node: dict[str, Any] = {"name": "head", "mesh": 0, "rotation": [float(x) for x in quats[0]]}
    times = g.accessor(_key_times(trajectory, n_frames), "SCALAR", True)
    samplers = [
        {"input": times, "output": g.accessor(_hold(exp).reshape(-1), "SCALAR"), "interpolation": "LINEAR"},
        {"input": times, "output": g.accessor(_hold(quats), "VEC4"), "interpolation": "LINEAR"},
    ]
    channels = [{"sampler": 0, "target": {"node": 0, "path": "weights"}},
                {"sampler": 1, "target": {"node": 0, "path": "rotation"}}]  # fmt: skip
    if translation is not None:
        tr = (np.broadcast_to(np.asarray(translation, np.float32).reshape(-1, 3), (n_frames, 3)) * CM_TO_M).astype(
            np.float32
        )
        node["translation"] = [float(x) for x in tr[0]]
        samplers.append({"input": times, "output": g.accessor(_hold(tr), "VEC3"), "interpolation": "LINEAR"})
        channels.append({"sampler": 2, "target": {"node": 0, "path": "translation"}})
    doc["nodes"] = [node]
    doc["scenes"] = [{"name": "emoshift", "nodes": [0]}]
    doc["scene"] = 0
    doc["animations"] = [{"name": "expression", "samplers": samplers, "channels": channels}]
    return g.to_bytes()


def write_glb(
    path: str | Path,
    model: Any,
    identity: np.ndarray,
    trajectory: Any,
    translation: np.ndarray | None = None,
    texture: np.ndarray | None = None,
    eyes: bool = True,
    mouth: bool = True,
    min_delta_cm: float = 1e-3,
) -> Path:
    """Write the animated head as a glTF 2.0 binary file, atomically.

    Args:
        path: ``*.glb``.
        model: the :class:`emoshift.headmodel.HeadModel` (its blendshape names map to the ARKit targets).
        identity: (K,) identity weights (K <= 100; the fit's identity).
        trajectory: ``expression (T, 53)`` weights in ``model.expression_names`` order,
            ``rotation (T, 3)`` axis-angle radians, ``times (T,)`` seconds, ``fps`` (the animation has
            T + 1 keys: the last holds frame T - 1's pose until ``times[-1] + 1 / fps``).
        translation: None (head at the origin), (3,) or (T, 3) centimetres.
        texture: either the face tile, an (H, W, 3|4) uint8 image laid out on the model's ``uvs``
            with ``u`` in [0, 1] (image row 0 is ``v = 1``, as for OBJ textures; the other parts
            then get plain colours, the scalp the texture's median colour), or a stack of tiles
            (N, S, S, 3|4) as :class:`emoshift.render.textured.TexturedHead` bakes them (``.texture``:
            0 face, 1 scalp/neck and mouth socket, 2 gums and tongue, 3 teeth, then the eyeballs'
            tiles, ``EYE_TILES``); each part whose tiles are in the stack is textured from it
            (one atlas image in the file).
        eyes, mouth: include the eyeballs and the mouth interior (socket, gums, tongue, teeth).
        min_delta_cm: morph-target offsets shorter than this are dropped from the sparse targets.
    """
    path = Path(path)
    if path.suffix.lower() != ".glb":
        raise UserError(f"unknown glTF extension '{path.suffix or '(none)'}' for {path}; use .glb")
    data = build_glb(model, identity, trajectory, translation, texture, eyes, mouth, min_delta_cm)
    return atomic_write(path, data)
