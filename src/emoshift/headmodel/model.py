"""The ICT FaceKit Light head: its arrays (numpy, float32) and the head equation on them.

``vertices = R (neutral + identity·B_id + expression·B_exp) + t``, batched (:mod:`emoshift.headmodel.ops`;
the app runs it in numpy without importing torch; training takes the arrays as tensors,
``torch.from_numpy(model.neutral)``, and runs the same ops on them, differentiably).

Identity modes: the default :data:`DEFAULT_N_IDENTITY` = 50 of the 100 keeps 98.1% of the identity
variance of the face region (sum of squared deltas; 40 keep 97.0%, 60 keep 98.8%) while halving the
identity cost in fitting and training loops; pass ``n_identity=100`` for the full model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from emoshift.assets import find_asset, read_npz
from emoshift.headmodel import ops
from emoshift.headmodel.calibration import calibrate
from emoshift.headmodel.landmarks import LandmarkEmbedding, load_embedding
from emoshift.headmodel.mesh import submesh, triangulate
from emoshift.headmodel.regions import MULTIPIE_68, polygon_indices, vertex_indices

DEFAULT_N_IDENTITY = 50
N_EXPRESSION = 53
#: the modules whose code builds a :class:`HeadModel` from the asset (the key of its cached arrays)
_BUILDERS = ("emoshift.headmodel.model", "emoshift.headmodel.ops", "emoshift.headmodel.calibration",
             "emoshift.headmodel.landmarks", "emoshift.headmodel.mesh", "emoshift.headmodel.regions",
             "emoshift.headmodel.mp_indices")  # fmt: skip


@lru_cache(maxsize=2)
def _raw_arrays(path: str | None = None) -> dict[str, np.ndarray]:
    """The ICT npz as a dict of arrays (cached in memory, and uncompressed on disk: :func:`emoshift.assets.read_npz`)."""
    return read_npz(Path(path) if path else find_asset("ict-facekit"))


@lru_cache(maxsize=4)
def load_arrays(path: str | None = None, calibrated: bool = True) -> dict[str, np.ndarray]:
    """The ICT npz as a dict of arrays (:func:`_raw_arrays`), its expression deltas FACS-calibrated
    (:mod:`emoshift.headmodel.calibration`) unless ``calibrated=False`` (the raw ICT shapes)."""
    arrays = _raw_arrays(path)
    return calibrate(arrays) if calibrated else arrays


def clear_cache() -> None:
    """Forget the loaded arrays (tests that swap the asset folder)."""
    load_arrays.cache_clear()
    _raw_arrays.cache_clear()


@dataclass
class HeadOutput:
    """Output of :meth:`HeadModel.forward`.

    vertices: (B, V, 3) region vertices, centimetres, posed.
    landmarks: (B, 478, 3) MediaPipe face-mesh points on the posed surface.
    """

    vertices: np.ndarray
    landmarks: np.ndarray


def _f32(x) -> np.ndarray | None:
    """An input of the head equation as a float32 numpy array (numpy arrays, lists or CPU tensors)."""
    return None if x is None else np.asarray(x, dtype=np.float32)


class HeadModel:
    """The linear ICT head restricted to one region, with its landmark bases precomputed.

    Arrays (float32 numpy; ``triangles`` int64): ``neutral`` (V,3), ``identity_basis`` (K,V,3), ``expression_basis`` (53,V,3),
    ``triangles`` (T,3) into the region's vertices, ``lmk_neutral`` (478,3), ``lmk_identity`` (K,478,3),
    ``lmk_expression`` (53,478,3), and the same three for the 68 Multi-PIE points (``lmk68_*``).
    """

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        n_identity: int = DEFAULT_N_IDENTITY,
        region: str = "head",
        embedding: LandmarkEmbedding | None = None,
    ) -> None:
        self.cache_key: tuple[Path, str, str] | None = None  # (asset, tag, version) of a loaded model's cache (load)
        if not 0 <= n_identity <= arrays["identity_deltas"].shape[0]:
            raise ValueError(f"n_identity must be in 0..{arrays['identity_deltas'].shape[0]}, got {n_identity}")
        self.region = region
        self.n_identity = n_identity
        self.expression_names: list[str] = [str(n) for n in arrays["expression_names"]]
        self._name_to_index = {n: i for i, n in enumerate(self.expression_names)}
        keep = vertex_indices(region)
        self.vertex_ids = keep  # full-mesh index of each region vertex
        n_full = arrays["neutral_vertices"].shape[0]

        neutral = np.ascontiguousarray(arrays["neutral_vertices"], dtype=np.float32)
        id_full = np.ascontiguousarray(arrays["identity_deltas"][:n_identity], dtype=np.float32)
        exp_full = np.ascontiguousarray(arrays["expression_deltas"], dtype=np.float32)
        self.neutral = neutral[keep]
        self.identity_basis = id_full[:, keep]
        self.expression_basis = exp_full[:, keep]

        tris_full, src = triangulate(arrays["faces"])
        self.triangles = submesh(tris_full, keep, n_full).astype(np.int64)
        # polygons with UVs for OBJ export (region polygons re-indexed)
        polys = arrays["faces"]
        try:
            pidx = polygon_indices(region)
        except KeyError:
            pidx = np.arange(len(polys))
        remap = np.full(n_full, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        sub = polys[pidx]
        ok = ((sub < 0) | (remap[np.maximum(sub, 0)] >= 0)).all(1)
        self.polygons = np.where(sub[ok] >= 0, remap[np.maximum(sub[ok], 0)], -1)
        self.polygon_uvs = arrays["face_uvs"][pidx][ok]
        self.uvs = arrays["uvs"]

        emb = embedding or load_embedding()
        vid, bary = emb.vertex_ids, emb.bary.astype(np.float32)
        self.lmk_neutral = ops.embed_basis(neutral[None], vid, bary)[0]
        self.lmk_identity = ops.embed_basis(id_full, vid, bary)
        self.lmk_expression = ops.embed_basis(exp_full, vid, bary)
        self.lmk68_neutral = neutral[MULTIPIE_68]
        self.lmk68_identity = id_full[:, MULTIPIE_68]
        self.lmk68_expression = exp_full[:, MULTIPIE_68]
        self.landmark_embedding = emb

    @classmethod
    def load(
        cls, n_identity: int = DEFAULT_N_IDENTITY, region: str = "head", path: str | None = None,
        calibrated: bool = True,
    ) -> HeadModel:  # fmt: skip
        """Load from the ICT asset (found by :func:`emoshift.assets.find_asset`); ``calibrated``: see
        :func:`load_arrays`.

        The model's arrays are kept in the user cache (:func:`emoshift.assets.cached_arrays`, keyed on the
        asset file, the arguments and the source of the code that builds them) and read from there: building
        them from the asset (reading 52 MB of arrays, calibrating, sampling the landmark bases) took
        0.3-0.5 s of every command that draws a face."""
        from emoshift.assets import cached_arrays, source_stamp

        from importlib import resources

        from emoshift.headmodel.landmarks import EMBEDDING_FILE

        src = Path(path) if path else find_asset("ict-facekit")
        emb = resources.files("emoshift.resources").joinpath(EMBEDDING_FILE)
        code = source_stamp(*_BUILDERS) + hashlib.sha256(emb.read_bytes()).hexdigest()[:8]
        tag = f"{region}.{n_identity}.{'calibrated' if calibrated else 'raw'}"
        build = lambda _: cls(load_arrays(path, calibrated), n_identity, region)._state()  # noqa: E731
        model = cls._from_state(cached_arrays(src, build, f"model.{tag}", code))
        model.cache_key = (src, tag, code)
        return model

    #: the attributes that :meth:`load` keeps in the cache (besides the landmark embedding's arrays)
    _ARRAYS = ("neutral", "identity_basis", "expression_basis", "triangles", "polygons", "polygon_uvs", "uvs",
               "vertex_ids", "lmk_neutral", "lmk_identity", "lmk_expression", "lmk68_neutral", "lmk68_identity",
               "lmk68_expression")  # fmt: skip

    def _state(self) -> dict[str, np.ndarray]:
        """Everything the model holds, as arrays (:meth:`_from_state` rebuilds it)."""
        emb = self.landmark_embedding
        return {
            **{k: np.asarray(getattr(self, k)) for k in self._ARRAYS},
            "expression_names": np.asarray(self.expression_names, dtype=str),
            "region_and_identity": np.asarray([self.region, str(self.n_identity)], dtype=str),
            "emb_vertex_ids": emb.vertex_ids, "emb_bary": emb.bary, "emb_residual_cm": emb.residual_cm,
        }  # fmt: skip

    @classmethod
    def _from_state(cls, state: dict[str, np.ndarray]) -> HeadModel:
        self = cls.__new__(cls)
        self.cache_key = None
        for k in cls._ARRAYS:
            setattr(self, k, state[k])
        self.region, n = (str(x) for x in state["region_and_identity"])
        self.n_identity = int(n)
        self.expression_names = [str(n) for n in state["expression_names"]]
        self._name_to_index = {n: i for i, n in enumerate(self.expression_names)}
        self.landmark_embedding = LandmarkEmbedding(state["emb_vertex_ids"], state["emb_bary"], state["emb_residual_cm"])
        return self

    # ----------------------------------------------------------------------------------------- naming
    def expression_index(self, name: str) -> int:
        try:
            return self._name_to_index[name]
        except KeyError:
            raise KeyError(f"unknown blendshape '{name}'; known: {', '.join(self.expression_names)}") from None

    def expression_vector(self, weights: dict[str, float] | None = None) -> np.ndarray:
        """(53,) float32 weights from a name → weight mapping (unnamed shapes are 0)."""
        e = np.zeros(N_EXPRESSION, np.float32)
        for name, w in (weights or {}).items():
            e[self.expression_index(name)] = float(w)
        return e

    def expression_dict(self, e: np.ndarray) -> dict[str, float]:
        """Name → weight for one (53,) vector."""
        return {n: float(w) for n, w in zip(self.expression_names, np.asarray(e, dtype=np.float64).reshape(-1))}

    # ------------------------------------------------------------------------------------------ maths
    def _defaults(self, identity, expression, rotation, translation) -> tuple[np.ndarray, ...]:
        identity, expression, rotation, translation = map(_f32, (identity, expression, rotation, translation))
        b = next((x.shape[0] for x in (identity, expression, rotation, translation) if x is not None), 1)
        z = np.zeros
        return (
            z((b, self.n_identity), np.float32) if identity is None else identity,
            z((b, N_EXPRESSION), np.float32) if expression is None else expression,
            z((b, 3), np.float32) if rotation is None else rotation,
            z((b, 3), np.float32) if translation is None else translation,
        )

    def forward(
        self,
        identity: np.ndarray | None = None,
        expression: np.ndarray | None = None,
        rotation: np.ndarray | None = None,
        translation: np.ndarray | None = None,
    ) -> HeadOutput:
        """Posed region vertices and 478 landmarks (float32 numpy; array-like inputs).

        Args:
            identity: (B, K) identity weights (~N(0, 1)); default zeros.
            expression: (B, 53) blendshape weights in [0, 1]; default zeros.
            rotation: (B, 3) axis-angle about the model origin; default zeros.
            translation: (B, 3) centimetres; default zeros.
        """
        identity, expression, rotation, translation = self._defaults(identity, expression, rotation, translation)
        verts = ops.head_points(
            self.neutral, self.identity_basis, self.expression_basis, identity, expression, rotation, translation
        )
        return HeadOutput(verts, self.landmarks(identity, expression, rotation, translation))

    __call__ = forward

    def landmarks(
        self,
        identity: np.ndarray | None = None,
        expression: np.ndarray | None = None,
        rotation: np.ndarray | None = None,
        translation: np.ndarray | None = None,
        kind: str = "mediapipe",
    ) -> np.ndarray:
        """(B, 478, 3) MediaPipe points, or (B, 68, 3) with ``kind="multipie68"``; cheap (no full mesh)."""
        identity, expression, rotation, translation = self._defaults(identity, expression, rotation, translation)
        pre = "lmk" if kind == "mediapipe" else "lmk68"
        return ops.head_points(
            getattr(self, f"{pre}_neutral"),
            getattr(self, f"{pre}_identity"),
            getattr(self, f"{pre}_expression"),
            identity,
            expression,
            rotation,
            translation,
        )
