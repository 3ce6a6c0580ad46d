"""What the reenactor needs from a head model, independent of the photo, computed once per model: the drawn
vertices and triangles (skin first) with their part codes, the neutral shape (the upper front gums raised,
:data:`GUMS_RAISE_CM`), the identity and expression bases flattened and the teeth's albedo detail
(:func:`emoshift.render.teeth.teeth_detail`) (:func:`model_tables`); ICT's mouthStretch drawn as FACS's AU20
(:func:`lateral_stretch`)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from emoshift.headmodel import HeadModel
from emoshift.headmodel.mesh import submesh, vertex_normals
from emoshift.headmodel.regions import vertex_indices
from emoshift.render.ramp import smoothstep
from emoshift.render.teeth import teeth_detail, tooth_coordinates
from emoshift.render.view import EYE, GUMS, IRIS, SKIN, SOCKET, TEETH

#: The head model's regions drawn by the reenactor and their part codes.
PART_REGIONS = (("head", SKIN), ("mouth_socket", SOCKET), ("gums_tongue", GUMS), ("teeth", TEETH), ("eyeballs", EYE))
#: ICT's gums reach down over the upper front teeth to leave 0.65 cm of the incisors' crowns (about 1 cm
#: in people), so a raised upper lip (disgust) bared a band of gum over stubby teeth. The upper gums within
#: GUMS_FRONT_CM of the teeth's front (above the incisal edge) are drawn GUMS_RAISE_CM higher: the gum
#: line moves up, the papillae between the teeth keep their shape; the lower gums and tongue are unchanged.
GUMS_FRONT_CM = 1.0
GUMS_RAISE_CM = 0.4
#: AU20 (lip stretcher, fear's stretched lips): FACS's risorius / platysma pull the lip corners laterally, the lips
#: elongated and flattened, the skin beside the corners bunched (Ekman, Friesen & Hager, *FACS Manual*, 2002, AU20;
#: Ekman & Friesen, *Unmasking the Face*, 1975, ch. 5: fear's lips stretched back). ICT's mouthStretch (gain 1.3)
#: carries the lower face with it (ARKit's shape tenses the neck too): per unit of both sides the cheek 1.6-2.6 cm
#: lateral to the corner 0.36 cm outwards (median), the jaw and the skin under it 0.25-0.42 cm 1-3 cm beside the chin,
#: the face's outline up to 0.23, the neck 0.2-0.4. On the photos the lower face widened at fear ("face stretched",
#: "face warped": dev03, dev09, fear's realism 2.0 of 5 in panels 60-63, the lowest). The drawn mouthStretch fades out
#: with the distance (in the face's x-y plane) from the line between the neutral head's mouth corners (68-point 48,
#: 54) over STRETCH_REACH_CM: the lips and the corners move as ICT's, the skin bunched beside them, the cheek, the jaw
#: and the neck stay. (Faded with |x| alone, 3.5-5.5 cm, the neck under the chin kept its pull beside the faded jaw:
#: a grey streak ran down from dev09's chin.) STRETCH_DOWN_KEPT is the share of the shape's downward pull (negative
#: head-frame y deltas; 0.046 eye-corner distances at the corner per unit, 0.45 x its lateral pull) that is in the
#: drawn basis: 1 (ICT's). At 0 fear's stretched mouth is horizontal instead of a drooping grimace (the drawn mesh's
#: mouth curve face-on -0.027..-0.068 -> -0.014..+0.023 mouth widths at fear on dev01, dev04, dev05, dev06, dev11,
#: dev12), but anger's corners (AU20 B-C) rise as much (+0.04 mouth widths face-on) and the round trip of
#: tests/render/test_unsmiled.py reads anger's level corners as a smile (refit mouthSmile 0.123 -> 0.278 > 0.25):
#: session 27 tried it at 0 for every weight. Instead the pull is taken back per frame by the weight of each side's
#: mouthStretch (:class:`StretchDown`, :func:`stretch_down_taken`): all of it kept up to STRETCH_DOWN_DROP[0], the
#: weight the planner's lowering may reach (:data:`emoshift.mouth_view.LOWERING_MAX` 0.8, above anger's AU20 B-C,
#: 0.4-0.6, and fear's view variant's AU20 D), dropped by a smoothstep up to STRETCH_DOWN_DROP[1] (fear's AU20 E:
#: the generator's apex 0.989 keeps 0.9% of it), so anger and every mouthStretch up to 0.8 is drawn as ICT's while
#: fear's strong stretch pulls the corners out and not down. On the 12 development photos' fear apexes (the drawn
#: mesh on screen, 256-px crop, apex minus the photo's own expression at the apex rotation; bench_lower_face droop)
#: the corners' drop below the upper inner lip's middle 8.93 -> 6.21 px median (dev09 6.47 -> 3.38, dev07 8.76 ->
#: 5.93, dev06 8.33 -> 5.37, dev10 8.73 -> 5.64, dev03 13.86 -> 11.11; the rest is the jaw's drop: surprise's 7.59;
#: dev05 and dev11, seen from above, take fear's view variant, mouthStretch 0.8, and keep the pull), anger's 10.33
#: as before (every photo's, and surprise's; anger's panel crops byte-identical). On the way up the pull grows with
#: the weight to 0.8 x its full, then eases back to none by 1: at fear's onset the corners dip and rise again by
#: about 0.8 / 0.99 of the 2.4 px the pull is worth at the apex. The planner's view of the mouth
#: (:class:`emoshift.mouth_view.MouthView`) takes the same pull back. Drawing only: the fit, the exported morph
#: targets and the textured head keep ICT's shape (the photo is reproduced at its own expression either way).
STRETCH_SHAPES = ("mouthStretch_L", "mouthStretch_R")
STRETCH_REACH_CM = (1.0, 3.0)
STRETCH_DOWN_KEPT = 1.0
STRETCH_DOWN_DROP: tuple[float, float] | None = (0.8, 1.0)


def mesh_adjacency(tris: np.ndarray, n: int, self_loops: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) int64 of the binary vertex adjacency of triangles ``tris`` (T, 3) over ``n`` vertices
    (with each vertex its own neighbour when ``self_loops``), each pair once, sorted by row then column: the
    nonzeros of scipy's CSR matrix of the same edges in their stored order (``indices`` = cols)."""
    i = [tris[:, 0], tris[:, 1], tris[:, 2], tris[:, 1], tris[:, 2], tris[:, 0]]
    j = [tris[:, 1], tris[:, 2], tris[:, 0], tris[:, 0], tris[:, 1], tris[:, 2]]
    if self_loops:
        i, j = [*i, np.arange(n)], [*j, np.arange(n)]
    pairs = np.unique(np.concatenate(i).astype(np.int64) * n + np.concatenate(j))
    return pairs // n, pairs % n


def mesh_neighbours(tris: np.ndarray, n: int) -> np.ndarray:
    """(n, max degree) int32: each vertex's neighbours in ``tris`` (T, 3) and itself, in increasing index order,
    padded with -1 (what :func:`smooth_on_mesh` sums)."""
    rows, cols = mesh_adjacency(tris, n, self_loops=True)
    deg = np.bincount(rows, minlength=n)
    start = np.concatenate([[0], np.cumsum(deg)[:-1]])
    rank = np.arange(len(rows)) - start[rows]  # position of each neighbour within its row
    nb = np.full((n, int(deg.max(initial=1))), -1, np.int32)
    nb[rows, rank] = cols
    return nb


def smooth_on_mesh(values: np.ndarray, tris: np.ndarray, iterations: int, neighbours: np.ndarray | None = None) -> np.ndarray:
    """Average a (V,) per-vertex field with its mesh neighbours (and itself) ``iterations`` times, in float32.

    Each vertex's neighbours are summed in increasing index order, one after another, as scipy's CSR
    product of the binary adjacency does (the same float32 result, without importing scipy.sparse on
    the animate path). ``neighbours``: :func:`mesh_neighbours` of ``tris`` when known (the model tables keep
    the drawn mesh's)."""
    n = len(values)
    nb = mesh_neighbours(tris, n) if neighbours is None else neighbours
    degf = (nb >= 0).sum(1).astype(np.float32)
    cols = np.ascontiguousarray(np.where(nb >= 0, nb, n).T)  # padding points at a 0 appended to the values
    v = np.zeros(n + 1, np.float32)
    v[:n] = values
    for _ in range(iterations):
        acc = np.zeros(n, np.float32)
        for k in range(len(cols)):
            acc += v[cols[k]]  # + 0.0 where a vertex has fewer neighbours (acc, from +0.0, is never -0.0)
        v[:n] = acc / degf
    return v[:n].copy()


@dataclass
class ModelTables:
    """What the reenactor needs from a head model, independent of the photo (cached per model)."""

    vertex_ids: np.ndarray  # (V,) full-mesh indices of the drawn vertices
    triangles: np.ndarray  # (T, 3) int32 into vertex_ids, skin first
    tri_part: np.ndarray  # (T,) int8
    n_skin: int
    vertex_part: np.ndarray  # (V,) int8
    neutral: np.ndarray  # (V, 3)
    identity_basis: np.ndarray  # (K, V*3)
    expression_basis: np.ndarray  # (53, V*3)
    teeth_detail: np.ndarray  # (V, 3) albedo factors of the teeth's vertices (1 elsewhere), render.teeth
    front_teeth: np.ndarray  # (V,) bool: the labial faces of the upper central and lateral incisors
    upper_tooth_rank: np.ndarray  # (V,) float32: an upper tooth's rank from the arch's middle (0 central incisor, 2 canine), -1 elsewhere
    neighbours: np.ndarray  # (V, max degree) int32: mesh_neighbours of triangles (smooth_on_mesh)


TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def model_tables(model: HeadModel) -> ModelTables:
    """The tables of ``model``, computed once per model; for a model from :meth:`HeadModel.load` also kept in
    the user cache beside its arrays (:func:`emoshift.assets.cached_arrays`: 0.1-0.2 s a process)."""
    if model not in TABLES:
        if model.cache_key is None:
            TABLES[model] = _build_tables(model)
        else:
            from dataclasses import asdict, fields

            from emoshift.assets import cached_arrays, source_stamp

            src, tag, version = model.cache_key
            build = lambda _: {k: np.asarray(v) for k, v in asdict(_build_tables(model)).items()}  # noqa: E731
            arrays = cached_arrays(src, build, f"tables.{tag}", version + source_stamp(*_BUILDERS) + _constants_stamp())
            TABLES[model] = ModelTables(**{f.name: arrays[f.name] for f in fields(ModelTables)})
            TABLES[model].n_skin = int(TABLES[model].n_skin)
    return TABLES[model]


#: the modules whose code computes :func:`model_tables` (the key of its cached copy)
_BUILDERS = ("emoshift.render.mesh_tables", "emoshift.render.teeth", "emoshift.render.view", "emoshift.headmodel.mesh",
             "emoshift.headmodel.regions")  # fmt: skip


def _constants_stamp() -> str:
    """A hash of the module-level constants (upper-case names: numbers, strings, tuples) of the loaded
    :data:`_BUILDERS`: their values at run time, so that a copy made with other values (a test that sets
    GUMS_RAISE_CM, say) is not taken for these."""
    import hashlib
    import sys

    mods = [sys.modules[m] for m in _BUILDERS if m in sys.modules]
    consts = [(m.__name__, k, v) for m in mods for k, v in sorted(vars(m).items())
              if k.isupper() and isinstance(v, (int, float, str, tuple))]  # fmt: skip
    return hashlib.sha256(repr(consts).encode()).hexdigest()[:8]


def _build_tables(model: HeadModel) -> ModelTables:
    """The tables of ``model`` (:func:`model_tables`), computed."""
    keep = np.sort(np.concatenate([vertex_indices(r) for r, _ in PART_REGIONS]))
    tris = submesh(model.triangles, keep, model.neutral.shape[0])
    vpart = part_of_vertices(keep)
    tpart = vpart[tris].min(1)  # parts are separate meshes except eyeball/iris: mixed counts as eyeball
    order = np.argsort(tpart != SKIN, kind="stable")

    def flat(basis: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(basis[:, keep].reshape(basis.shape[0], -1), np.float32)

    neutral = gums_up(model.neutral[keep].astype(np.float32), vpart)
    triangles = np.ascontiguousarray(tris[order], np.int32)
    detail = np.ones((len(keep), 3), np.float32)
    teeth = vpart == TEETH
    coords = tooth_coordinates(neutral, teeth, triangles)
    detail[teeth] = teeth_detail(coords[teeth])
    normals = vertex_normals(neutral, triangles)
    front = teeth & (coords[:, 2] == 0) & (coords[:, 3] <= 1) & (normals[:, 2] > 0.5)
    return ModelTables(
        vertex_ids=keep,
        triangles=triangles,
        tri_part=np.ascontiguousarray(tpart[order], np.int8),
        n_skin=int((tpart == SKIN).sum()),
        vertex_part=vpart,
        neutral=neutral,
        identity_basis=flat(model.identity_basis),
        expression_basis=flat(lateral_stretch(model.expression_basis, model.neutral, model.expression_names,
                                              model.lmk68_neutral[[48, 54]])),
        teeth_detail=detail,
        front_teeth=front,
        upper_tooth_rank=np.where(teeth & (coords[:, 2] == 0), coords[:, 3], -1.0).astype(np.float32),
        neighbours=mesh_neighbours(triangles, len(keep)),
    )


def lateral_stretch(basis: np.ndarray, neutral: np.ndarray, names, corners: np.ndarray) -> np.ndarray:
    """(53, V, 3) ``basis`` with the :data:`STRETCH_SHAPES` drawn as AU20 (see STRETCH_REACH_CM): faded out with the
    (V, 3) ``neutral`` head's distance in x-y from the line between its (2, 3) mouth ``corners`` over
    STRETCH_REACH_CM, STRETCH_DOWN_KEPT of the downward pull (a copy; the others unchanged)."""
    out = basis.copy()
    (x0, y0), (x1, y1) = corners[0, :2], corners[1, :2]
    t = np.clip(((neutral[:, 0] - x0) * (x1 - x0) + (neutral[:, 1] - y0) * (y1 - y0)) / ((x1 - x0) ** 2 + (y1 - y0) ** 2), 0, 1)
    r = np.hypot(neutral[:, 0] - (x0 + t * (x1 - x0)), neutral[:, 1] - (y0 + t * (y1 - y0)))
    keep = (1.0 - smoothstep((r - STRETCH_REACH_CM[0]) / (STRETCH_REACH_CM[1] - STRETCH_REACH_CM[0])))[:, None]
    for i in (list(names).index(n) for n in STRETCH_SHAPES):
        d = out[i]
        d[:, 1] = np.where(d[:, 1] < 0, STRETCH_DOWN_KEPT * d[:, 1], d[:, 1])
        d *= keep.astype(d.dtype)
    return out


def stretch_down(basis: np.ndarray, names) -> np.ndarray:
    """(53, V, 3) drawn ``basis`` -> (2, V) the downward pull of the :data:`STRETCH_SHAPES` (their negative y deltas,
    cm per unit; zeros without them)."""
    names = list(names)
    rows = [np.minimum(basis[names.index(n)][:, 1], 0.0) for n in STRETCH_SHAPES if n in names]
    return np.stack(rows) if len(rows) == 2 else np.zeros((2, basis.shape[1]), basis.dtype)


def stretch_down_taken(weights: np.ndarray) -> np.ndarray:
    """(..., 2) mouthStretch weights -> (..., 2) float32 units of each side's downward pull taken back:
    w x smoothstep((w - lo) / (hi - lo)) over :data:`STRETCH_DOWN_DROP` (none at or below its lo: anger's AU20 B-C,
    the lowering's cap; all of it at hi: fear's E); zeros when STRETCH_DOWN_DROP is None."""
    w = np.clip(np.asarray(weights, np.float32), 0.0, 1.0)
    if STRETCH_DOWN_DROP is None:
        return np.zeros_like(w)
    lo, hi = STRETCH_DOWN_DROP
    return (w * smoothstep((w - np.float32(lo)) / np.float32(hi - lo))).astype(np.float32)


@dataclass
class StretchDown:
    """The renderer's corrective of the drawn mouthStretch (see STRETCH_DOWN_KEPT): ``idx`` (K,) vertices its
    downward pull moves, ``pull`` (2, K) float32 their y deltas (cm) per unit of mouthStretch_L / _R, ``cols`` those
    expression columns."""

    idx: np.ndarray
    pull: np.ndarray
    cols: tuple[int, int]

    @classmethod
    def of(cls, names, basis: np.ndarray) -> StretchDown | None:
        """From the 53 expression ``names`` and the drawn (53, V * 3) or (53, V, 3) expression ``basis``; None without
        the :data:`STRETCH_SHAPES` or when they pull nothing down."""
        names = [str(n) for n in names]
        if not STRETCH_SHAPES or any(n not in names for n in STRETCH_SHAPES):
            return None
        pull = stretch_down(np.asarray(basis, np.float32).reshape(len(names), -1, 3), names)
        idx = np.flatnonzero(np.abs(pull).max(0) > 1e-6)
        if not len(idx):
            return None
        cols = tuple(names.index(n) for n in STRETCH_SHAPES)
        return cls(idx.astype(np.int64), np.ascontiguousarray(pull[:, idx], np.float32), cols)  # type: ignore[arg-type]

    def apply(self, shaped: np.ndarray, expressions: np.ndarray) -> None:
        """Take back :func:`stretch_down_taken` of the pull from (T, V, 3) shapes of (T, 53) expressions, in place."""
        e = np.asarray(expressions, np.float32).reshape(len(shaped), -1)
        taken = stretch_down_taken(e[:, list(self.cols)])
        if taken.any():
            shaped[:, self.idx, 1] -= (taken @ self.pull).astype(shaped.dtype)

    def lift(self, expressions: np.ndarray, vertices) -> np.ndarray:
        """(T, 53) expressions, (N,) vertex indices -> (T, N) float32 y (cm) :meth:`apply` adds to those vertices
        (the renderer's lip gap and upper lip raise read the drawn lips: ``Reenactor.lip_gaps``)."""
        e = np.asarray(expressions, np.float32).reshape(len(expressions), -1)
        v = np.asarray(vertices, np.int64)
        k = np.minimum(np.searchsorted(self.idx, v), len(self.idx) - 1)  # idx is sorted (flatnonzero)
        pull = np.where(self.idx[k] == v, self.pull[:, k], np.float32(0.0))  # (2, N): 0 where the pull moves nothing
        return -(stretch_down_taken(e[:, list(self.cols)]) @ pull).astype(np.float32)


def gums_up(neutral: np.ndarray, vpart: np.ndarray) -> np.ndarray:
    """(V, 3) neutral with the upper front gums raised GUMS_RAISE_CM (see GUMS_FRONT_CM)."""
    teeth = neutral[vpart == TEETH]
    front = float(teeth[:, 2].max())
    edge = float(teeth[teeth[:, 2] > front - 0.3, 1].min())  # lowest front tooth point (lower incisors)
    upper = neutral[:, 1] > edge + 1.0  # upper jaw: above the lower incisors' crowns
    gums = (vpart == GUMS) & (neutral[:, 2] > front - GUMS_FRONT_CM) & upper
    out = neutral.copy()
    out[gums, 1] += GUMS_RAISE_CM
    return out


def part_of_vertices(keep: np.ndarray) -> np.ndarray:
    part = np.full(len(keep), -1, np.int8)
    for region, code in PART_REGIONS:
        part[np.isin(keep, vertex_indices(region))] = code
    part[np.isin(keep, vertex_indices("irises"))] = IRIS
    return part
