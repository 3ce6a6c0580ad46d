"""Expression wrinkles driven by skin compression: the per-frame fold field of a per-pixel shading.

The ICT mesh is too coarse to fold, so the fine lines of an expression (forehead lines when the brows
rise, glabellar furrows when they lower, bunny lines on the nose root, crow's feet and lower-lid lines
with a cheek raise) are added as shading, driven by the surface strain between the photo's (source)
expression and the frame's, as in animated wrinkle maps (Bando, Kuratate & Nishita 2002; Bickel,
Lang, Botsch, Otaduy & Gross 2008, "Pose-space animation and transfer of facial details"): skin that is
compressed buckles into folds perpendicular to the compression, a few millimetres apart.

1. **Chart.** Each vertex gets 2D coordinates ``(u, v)`` (cm) on the rest surface (the identity's
   neutral head): a cylindrical unwrap about the head's vertical axis (:func:`chart`), nearly isometric
   over the front of the face, so folds are attached to the skin and move with it.
2. **Strain** (:class:`WrinkleField`). Per skin triangle the source and frame shapes are maps from the
   chart to 3D; their metrics ``Ms, Md`` (2x2) give the principal stretches relative to the SOURCE
   (generalised eigenproblem ``Md e = l^2 Ms e``). The smaller stretch ``l`` makes the amplitude
   ``ramp((1 - l - DEAD_ZONE) / (SATURATION - DEAD_ZONE))``; the fold lines run perpendicular (in the
   skin's metric) to its direction ``e``, i.e. the phase gradient is the covector ``Ms e``. Amplitude and
   direction are stored as a doubled-angle tensor ``a (cos 2t, sin 2t)`` (a line field has no sign),
   averaged to the vertices, smoothed over the mesh (disagreeing directions cancel) and multiplied by
   an anatomical mask of fold-prone skin (:func:`wrinkle_mask`); vertical lines form only between the
   brows (:func:`vertical_mask`), horizontal ones at the nose root and between the brows only as the nose
   itself shortens (:func:`root_mask`: the nose wrinkler's lines, not the lowered brows'), and crow's feet at the
   lateral canthi only as far as the frame raises its cheeks (:func:`canthus_mask`, :func:`cheek_raise`: AU6's, AU9's
   and a smile's lines, not those of anger's lowered brows over tightened lids, AU4+7). At the source expression, and where
   the expression only stretches or relaxes the skin, nothing is added: the photo already shows its own
   lines and none are removed.
3. **Shading** (:mod:`emoshift.render.wrinkle_shader`): a shader over the frame's fragments (rasterized
   once per frame by :func:`emoshift.render.warp.render_frame`): each skin pixel is darkened by folds
   whose phase runs along the tensor's direction in the chart, :data:`SPACING_CM` apart, at most
   :data:`MAX_DARKEN` deep; :meth:`WrinkleField.view` makes its per-frame input.

Parameters (our choices, tuned by eye on the packaged photos, not measured; the shading's in
:mod:`emoshift.render.wrinkle_shader`): ICT's brow, nose and squint shapes compress the skin by 10-30 % at
full weight (1.3-1.8 times that with the FACS calibration of :mod:`emoshift.headmodel.calibration`): folds
start above a 9 % dead zone (mesh noise and small motions stay clean) and saturate at 35 % (issue 11's
blind panels and a retoucher's critique named lines that start early and saturate as "drawn on").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.jit import njit
from emoshift.render.mesh_tables import mesh_adjacency
from emoshift.render.ramp import smoothstep
from emoshift.render.wrinkle_shader import MAX_DARKEN, SPACING_CM, FoldView

#: Compression (1 - smaller principal stretch) where folds start and where they saturate.
DEAD_ZONE = 0.09
SATURATION = 0.35
#: Height (cm) above the brows up to which vertical (glabellar) lines form (:func:`vertical_mask`).
GLABELLA_HEIGHT_CM = 1.8
#: The nose's own shortening (1 - nasion-to-tip length over the photo's, MultiPIE landmarks 27-30) over which
#: horizontal lines at the nose root and between the brows fade in (:func:`root_mask`): ICT's noseSneer (AU9)
#: shortens it by 4.7 % at weight 0.5 and 8.9 % at disgust's apex, browDown (AU4) by 1.3 % at weight 1.
NOSE_GATE = (0.025, 0.065)
#: The cheek raise a frame's crow's feet need (:func:`canthus_mask`, :func:`cheek_raise`): per side, the largest of
#: cheekSquint (AU6), noseSneer (AU9) and mouthSmile (AU12) over which lines at the lateral canthus fade in.
CHEEK_GATE = (0.1, 0.4)
#: Mesh-smoothing passes of the per-vertex field.
SMOOTHING = 3
#: Eyelid exclusion: an ellipse about each eye, raised by EYELID_LIFT_CM, its half-axes the eye's half
#: width plus EYELID_MARGIN_CM[0] and EYELID_MARGIN_CM[1] (cm) (covers the upper lid to its crease and
#: the lower lid's margin; lower-lid lines form below it).
EYELID_LIFT_CM = 0.25
EYELID_MARGIN_CM = (0.25, 0.8)
#: Crow's feet phases are measured from this far (cm) lateral of the outer eye corner (:func:`phase_chart`).
CANTHUS_OFFSET_CM = 1.0
#: Number of ICT skin vertices (face + head + neck), which come first in every ICT vertex order used here.
ICT_SKIN_VERTICES = 11248


def chart(rest: np.ndarray, origin: np.ndarray | None = None) -> np.ndarray:
    """(V, 3) head-frame rest vertices (cm) -> (V, 2) float32 ``(u, v)`` cm: cylindrical unwrap about the
    vertical axis ``x = 0, z = 0`` (``u`` = arc length at the face's median radius, ``v = y``), minus
    ``origin`` (2,) (default: the chart point of ICT's nose-root landmark when the mesh is ICT's, else 0),
    so phases stay small where the folds are."""
    rest = np.asarray(rest, np.float64)
    n = min(len(rest), ICT_SKIN_VERTICES)
    front = rest[:n][rest[:n, 2] > 0]
    radius = float(np.median(np.hypot(front[:, 0], front[:, 2]))) if len(front) else 1.0
    uv = np.stack([radius * np.arctan2(rest[:, 0], rest[:, 2]), rest[:, 1]], 1)
    if origin is None:
        origin = uv[MULTIPIE_68[27]] if len(rest) >= ICT_SKIN_VERTICES else np.zeros(2)
    return np.ascontiguousarray(uv - np.asarray(origin, np.float64), np.float32)


def phase_chart(rest: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """(V, 2) float32 chart in which fold phases are measured: ``uv`` minus a local origin, so that where
    the fold direction turns (crow's feet fan around the eye corner) the lines bend gently instead of
    curling (a phase ``p . k`` far from its origin turns fast with ``k``). The origin is the nose root,
    blending below the brows, between the eye's centre and its outer corner, to a point CANTHUS_OFFSET_CM
    lateral of each outer eye corner. Non-ICT meshes: ``uv`` unchanged."""
    uv = np.asarray(uv, np.float64)
    if len(uv) < ICT_SKIN_VERTICES:
        return np.ascontiguousarray(uv, np.float32)
    lm = uv[MULTIPIE_68]
    brow_v = lm[17:27, 1].mean()
    origin = np.zeros_like(uv)
    for inner, outer in ((39, 36), (42, 45)):
        side = np.sign(lm[outer, 0] - lm[inner, 0])
        centre = 0.5 * (lm[inner, 0] + lm[outer, 0])
        w = smoothstep(side * (uv[:, 0] - centre) / abs(lm[outer, 0] - centre))
        w *= smoothstep((brow_v - 0.5 - uv[:, 1]) / 0.8)
        target = lm[outer] + np.array([side * CANTHUS_OFFSET_CM, 0.0]) - lm[27]
        origin += w[:, None] * target
    return np.ascontiguousarray(uv - origin, np.float32)


def _brow_frame(rest: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The 68 landmark vertices, x and y of every vertex and the brows' mean height of an ICT ``rest``."""
    lm = rest[MULTIPIE_68]
    return lm, rest[:, 0], rest[:, 1], float(lm[17:27, 1].mean())


def vertical_mask(rest: np.ndarray) -> np.ndarray:
    """(V,) float32 in [0, 1]: where vertical lines (folds from horizontal compression) may form: the
    glabella between the inner brow heads, up to GLABELLA_HEIGHT_CM above the brows and down to the nose
    root (corrugator lines, Ekman & Friesen's AU4). Elsewhere a horizontal compression (the brows drawn
    together stretch the skin above them obliquely) makes no lines: a fan of vertical lines across the
    forehead reads as drawn on, and as worry. Soft edges. Non-ICT meshes get 1 everywhere."""
    rest = np.asarray(rest, np.float64)
    if len(rest) < ICT_SKIN_VERTICES:
        return np.ones(len(rest), np.float32)
    lm, x, y, brow_y = _brow_frame(rest)
    inner_x = np.abs(lm[[21, 22], 0]).mean()
    w = smoothstep((inner_x + 0.3 - np.abs(x)) / 0.6)
    w *= smoothstep((brow_y + GLABELLA_HEIGHT_CM - y) / 0.8)
    w[ICT_SKIN_VERTICES:] = 0.0
    return w.astype(np.float32)


def root_mask(rest: np.ndarray) -> np.ndarray:
    """(V,) float32 in [0, 1]: where horizontal lines need the nose's own wrinkling: the nose root and the
    glabella between the inner brow heads, from the eyes' level up to 0.3 cm above the brows (fading over
    0.6 cm below and above). Lines across the root of the nose are the nose wrinkler's (AU9: "wrinkles appear along the
    sides and across the root of the nose", Ekman, Friesen & Hager, *FACS Manual*, 2002), the lines between
    the brows of the brow lowerer (AU4) vertical ones (its corrugator drawing the brows together); lowered
    brows alone push the skin there down into a bulge, which this mesh cannot fold into anything but lines.
    So where this mask is 1 horizontal lines form in proportion to the nose's shortening
    (:data:`NOSE_GATE`, :meth:`WrinkleField.horizontal`). Non-ICT meshes get 0 everywhere."""
    rest = np.asarray(rest, np.float64)
    if len(rest) < ICT_SKIN_VERTICES:
        return np.zeros(len(rest), np.float32)
    lm, x, y, brow_y = _brow_frame(rest)
    inner_x = np.abs(lm[[21, 22], 0] - lm[27, 0]).mean()
    eye_y = lm[36:48, 1].mean()
    w = smoothstep((inner_x + 0.3 - np.abs(x - lm[27, 0])) / 0.6)
    w *= smoothstep((y - eye_y + 0.6) / 0.6) * smoothstep((brow_y + 0.9 - y) / 0.6)
    w[ICT_SKIN_VERTICES:] = 0.0
    return w.astype(np.float32)


def canthus_mask(rest: np.ndarray) -> np.ndarray:
    """(2, V) float32 in [0, 1]: the skin lateral of each outer eye corner (subject's left, +x, first), from the corner
    out 2 cm and from 1.5 cm below its height to 0.2 cm above (fading over 0.5 cm), where crow's-feet lines form.
    Crow's feet are the cheek raiser's (AU6, orbicularis oculi pars orbitalis; a strong smile's and the nose
    wrinkler's raised cheek too: Ekman, Friesen & Hager, *FACS Manual*, 2002), not the brow lowerer's or the lid
    tightener's (AU4, AU7: anger), so there lines form in proportion to the frame's cheek raise
    (:func:`cheek_raise`, :meth:`WrinkleField.tensors`). Non-ICT meshes get 0 everywhere."""
    rest = np.asarray(rest, np.float64)
    out = np.zeros((2, len(rest)), np.float32)
    if len(rest) < ICT_SKIN_VERTICES:
        return out
    lm = rest[MULTIPIE_68]
    x, y = rest[:, 0], rest[:, 1]
    for k, (outer, inner) in enumerate(((45, 42), (36, 39))):
        side = np.sign(lm[outer, 0] - lm[inner, 0])
        lat = side * (x - lm[outer, 0])
        dy = y - lm[outer, 1]
        w = smoothstep((lat + 0.1) / 0.4) * smoothstep((2.0 - lat) / 0.5)
        w *= smoothstep((dy + 1.5) / 0.5) * smoothstep((0.2 - dy) / 0.5)
        w *= rest[:, 2] > lm[27, 2] - 4.0
        w[ICT_SKIN_VERTICES:] = 0.0
        out[k] = w
    return out


def cheek_raise(expressions: np.ndarray, names) -> np.ndarray:
    """(T, 53) expressions -> (T, 2) float32 in [0, 1] per side (``_L`` first): how far the frame's crow's feet form,
    smoothstep of the largest of cheekSquint, noseSneer and mouthSmile over :data:`CHEEK_GATE`."""
    names = [str(n) for n in names]
    e = np.asarray(expressions, np.float32).reshape(-1, len(names))
    cols = [[names.index(f"{n}_{s}") for n in ("cheekSquint", "noseSneer", "mouthSmile")] for s in "LR"]
    raise_ = np.stack([e[:, c].max(1) for c in cols], 1)
    return smoothstep((raise_ - CHEEK_GATE[0]) / (CHEEK_GATE[1] - CHEEK_GATE[0])).astype(np.float32)


def _nose_length(shape: np.ndarray) -> float:
    """Nasion-to-tip distance (cm) of an ICT shape (MultiPIE landmarks 27 and 30)."""
    return float(np.linalg.norm(np.asarray(shape[MULTIPIE_68[30]], np.float64) - shape[MULTIPIE_68[27]]))


def wrinkle_mask(rest: np.ndarray) -> np.ndarray:
    """(V,) float32 in [0, 1]: where expression lines form, from ICT's landmark vertices on ``rest``.

    Forehead (up to 6 cm above the brows), glabella, nose root, eyelids' surroundings and the lateral
    canthus down to 1.5 cm below the eyes (crow's feet, lower-lid lines); 0 on the cheeks, nose tip,
    lips and chin (the nasolabial fold is a single fold, left to the reenactment's shading ratio) and
    over the skull, ears and neck. Soft edges (1-1.5 cm ramps). Non-ICT meshes get 1 everywhere."""
    rest = np.asarray(rest, np.float64)
    if len(rest) < ICT_SKIN_VERTICES:
        return np.ones(len(rest), np.float32)
    lm, x, y, brow_y = _brow_frame(rest)
    eye_y = lm[36:48, 1].mean()
    outer_x = np.abs(lm[[36, 45], 0]).mean()
    w = smoothstep((y - (eye_y - 2.0)) / 1.0)  # from 1-2 cm below the eyes up
    w *= smoothstep((brow_y + 6.5 - y) / 1.5)  # the forehead, not the scalp
    w *= smoothstep((outer_x + 3.0 - np.abs(x)) / 1.2)  # not the temples' sides and ears
    for corners in ((36, 39), (42, 45)):  # the eyelids: a lid fold is not a line pattern
        a, b = lm[corners[0]], lm[corners[1]]
        cx, cy = 0.5 * (a[0] + b[0]), 0.5 * (a[1] + b[1]) + EYELID_LIFT_CM
        rx, ry = 0.5 * abs(b[0] - a[0]) + EYELID_MARGIN_CM[0], EYELID_MARGIN_CM[1]
        w *= smoothstep((np.hypot((x - cx) / rx, (y - cy) / ry) - 1.0) / 0.4)
    w *= rest[:, 2] > 0
    w[ICT_SKIN_VERTICES:] = 0.0
    return w.astype(np.float32)


# ------------------------------------------------------------------------------------------ strain
@njit(cache=True, nogil=True)
def _field_into(src_metric, inv_uv, tris, dst, vert_area, adj_ptr, adj_idx, verts, mask, vmask, hmask, dead, sat, passes, out):  # pragma: no cover - jitted
    """Per-vertex doubled-angle tensor (V, 2) of one frame ``dst`` (V, 3) into ``out`` (see the module);
    only ``tris`` and the vertices ``verts`` near fold-prone skin are evaluated, ``out`` is 0 elsewhere.
    Vertical lines (fold normal along u: cos 2t > 0) are weighted by ``vmask`` in proportion to cos 2t,
    horizontal ones (cos 2t < 0) by ``hmask`` (this frame's, :meth:`WrinkleField.tensors`) in proportion to -cos 2t."""
    nv = out.shape[0]
    acc = np.zeros((nv, 2), np.float32)
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        # frame edges (3x2) times the inverse chart edges (2x2): the chart -> frame map Fd (3x2)
        e1x, e1y, e1z = dst[b, 0] - dst[a, 0], dst[b, 1] - dst[a, 1], dst[b, 2] - dst[a, 2]
        e2x, e2y, e2z = dst[c, 0] - dst[a, 0], dst[c, 1] - dst[a, 1], dst[c, 2] - dst[a, 2]
        i00, i01, i10, i11 = inv_uv[t, 0], inv_uv[t, 1], inv_uv[t, 2], inv_uv[t, 3]
        f0x, f0y, f0z = e1x * i00 + e2x * i10, e1y * i00 + e2y * i10, e1z * i00 + e2z * i10
        f1x, f1y, f1z = e1x * i01 + e2x * i11, e1y * i01 + e2y * i11, e1z * i01 + e2z * i11
        d00 = f0x * f0x + f0y * f0y + f0z * f0z
        d01 = f0x * f1x + f0y * f1y + f0z * f1z
        d11 = f1x * f1x + f1y * f1y + f1z * f1z
        s00, s01, s11 = src_metric[t, 0], src_metric[t, 1], src_metric[t, 2]
        det_s = s00 * s11 - s01 * s01
        if not det_s > 1e-12:
            continue
        # M = Ms^-1 Md; eigenvalues are the squared principal stretches
        m00 = (s11 * d00 - s01 * d01) / det_s
        m01 = (s11 * d01 - s01 * d11) / det_s
        m10 = (-s01 * d00 + s00 * d01) / det_s
        m11 = (-s01 * d01 + s00 * d11) / det_s
        tr = m00 + m11
        disc = max((m00 - m11) * (m00 - m11) + 4 * m01 * m10, 0.0)
        l2 = 0.5 * (tr - math.sqrt(disc))
        comp = 1.0 - math.sqrt(max(l2, 0.0))
        amp = (comp - dead) / (sat - dead)
        if amp <= 0:
            continue
        amp = min(amp, 1.0)
        amp = amp * (2 - amp)  # ease into saturation
        # eigenvector of the smaller eigenvalue, in chart coordinates
        ex, ey = m01, l2 - m00
        gx, gy = l2 - m11, m10
        if gx * gx + gy * gy > ex * ex + ey * ey:
            ex, ey = gx, gy
        if ex * ex + ey * ey < 1e-20:
            continue  # isotropic: no preferred fold direction
        # phase gradient = the covector Ms e (level lines perpendicular to e on the skin)
        kx = s00 * ex + s01 * ey
        ky = s01 * ex + s11 * ey
        kn = kx * kx + ky * ky
        c2 = (kx * kx - ky * ky) / kn
        s2 = 2 * kx * ky / kn
        for k in range(3):
            v = tris[t, k]
            w = src_metric[t, 3]  # triangle area weight
            acc[v, 0] += w * amp * c2
            acc[v, 1] += w * amp * s2
    for v in verts:
        if vert_area[v] > 0:
            acc[v, 0] /= vert_area[v]
            acc[v, 1] /= vert_area[v]
    nxt = acc.copy()
    for _ in range(passes):
        for v in verts:
            sx = acc[v, 0]
            sy = acc[v, 1]
            n = 1.0
            for q in range(adj_ptr[v], adj_ptr[v + 1]):
                sx += acc[adj_idx[q], 0]
                sy += acc[adj_idx[q], 1]
                n += 1.0
            nxt[v, 0] = sx / n
            nxt[v, 1] = sy / n
        acc, nxt = nxt, acc
    out[:] = 0.0
    for v in verts:
        a = math.sqrt(acc[v, 0] * acc[v, 0] + acc[v, 1] * acc[v, 1])
        f = mask[v]
        if a > 0 and acc[v, 0] > 0:
            f *= 1.0 - (1.0 - vmask[v]) * acc[v, 0] / a
        elif a > 0 and acc[v, 0] < 0:
            f *= 1.0 - (1.0 - hmask[v]) * -acc[v, 0] / a
        out[v, 0] = acc[v, 0] * f
        out[v, 1] = acc[v, 1] * f


@dataclass
class WrinkleField:
    """Everything about a source shape that the per-frame wrinkle field needs (see the module).

    uv: (V, 2) chart of the strain; phase_uv: (V, 2) chart of the fold phases (what the shader reads);
    mask: (V,) fold-prone weight; vmask: (V,) where vertical lines may form; tris: (T, 3) int32 skin triangles near the mask, used for strain;
    spacing (cm), strength: of the folds the shader draws (:meth:`view`; strength 0: none).
    """

    uv: np.ndarray
    phase_uv: np.ndarray
    mask: np.ndarray
    vmask: np.ndarray
    tris: np.ndarray
    _src_metric: np.ndarray  # (T, 4): Ms00, Ms01, Ms11, area
    _inv_uv: np.ndarray  # (T, 4) inverse chart edge matrix, row-major
    _vert_area: np.ndarray  # (V,)
    _adj_ptr: np.ndarray
    _adj_idx: np.ndarray
    _verts: np.ndarray  # vertices within SMOOTHING + 1 rings of the mask (the field is exact on the mask)
    spacing: float = SPACING_CM
    strength: float = MAX_DARKEN
    #: (inv, ok) of :func:`_chart_inverse` on :attr:`tris`: the same for every source shape, made once by
    #: :meth:`from_shapes` and shared by the fields :meth:`with_source` returns (a video's frames)
    _chart: tuple | None = field(default=None, repr=False, compare=False)
    #: (V,) :func:`root_mask` (None: no gate) and the source's nasion-to-tip length (cm)
    rmask: np.ndarray | None = field(default=None, repr=False, compare=False)
    _nose_len: float = 0.0
    #: (2, V) :func:`canthus_mask` (None: crow's feet need no cheek raise)
    cmask: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_shapes(
        cls, source: np.ndarray, triangles: np.ndarray, rest: np.ndarray,
        uv: np.ndarray | None = None, mask: np.ndarray | None = None,
    ) -> WrinkleField:  # fmt: skip
        """Args: source (V, 3) shape of the photo's expression and rest (V, 3) neutral shape, both head
        frame cm; triangles (T, 3) skin triangles (outward faces counter-clockwise); uv (V, 2) chart
        (default :func:`chart` of rest); mask (V,) (default :func:`wrinkle_mask` of rest)."""
        tris = np.ascontiguousarray(triangles, np.int32)
        uv = chart(rest) if uv is None else np.ascontiguousarray(uv, np.float32)
        mask = wrinkle_mask(rest) if mask is None else np.ascontiguousarray(mask, np.float32)
        inv, ok = _chart_inverse(tris, uv)
        metric, _, vert_area = _source_metric(source, tris, uv, (inv, ok))
        rows, cols = mesh_adjacency(tris, len(uv))
        near = np.zeros(len(uv), bool)
        near[: len(mask)] = mask > 0
        for _ in range(SMOOTHING + 1):  # grown by one ring of neighbours each time
            hit = np.zeros_like(near)
            hit[rows[near[cols]]] = True
            near = near | hit
        used = near[tris].any(1)
        tris, metric, inv, ok = tris[used], metric[used], np.ascontiguousarray(inv[used]), ok[used]
        return cls(
            uv=uv, phase_uv=phase_chart(rest, uv), mask=mask, vmask=vertical_mask(rest), tris=tris, _verts=np.flatnonzero(near).astype(np.int64),
            _src_metric=np.ascontiguousarray(metric, np.float32),
            _inv_uv=np.ascontiguousarray(inv.reshape(-1, 4), np.float32),
            _vert_area=vert_area.astype(np.float32),
            _adj_ptr=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(uv)))]).astype(np.int64),
            _adj_idx=cols.astype(np.int64),
            _chart=(inv, ok),
            rmask=root_mask(rest) if len(rest) >= ICT_SKIN_VERTICES else None,
            _nose_len=_nose_length(source) if len(source) >= ICT_SKIN_VERTICES else 0.0,
            cmask=canthus_mask(rest) if len(rest) >= ICT_SKIN_VERTICES else None,
        )  # fmt: skip

    def with_source(self, source: np.ndarray) -> WrinkleField:
        """This field for another source shape (V, 3) of the same mesh and chart (a video frame's): the
        source metric and the vertex areas recomputed on :attr:`tris` (the areas are read on the vertices
        near the mask only, all of whose triangles are there), the chart, mask and adjacency shared."""
        from dataclasses import replace

        metric, _, area = _source_metric(source, self.tris, self.uv, self._chart)
        nose = _nose_length(source) if self.rmask is not None else 0.0
        return replace(self, _src_metric=np.ascontiguousarray(metric, np.float32), _vert_area=area.astype(np.float32),
                       _nose_len=nose)  # fmt: skip

    def horizontal(self, frame: np.ndarray) -> np.ndarray:
        """(V,) float32 weight of horizontal lines for one frame shape (V, 3): 1 but on :attr:`rmask`, where it
        is the nose's shortening against the source's ramped over :data:`NOSE_GATE` (0 below, 1 above)."""
        if self.rmask is None or not self._nose_len > 0:
            return np.ones(len(self.uv), np.float32)
        short = 1.0 - _nose_length(frame) / self._nose_len
        gate = float(smoothstep((short - NOSE_GATE[0]) / (NOSE_GATE[1] - NOSE_GATE[0])))
        out = np.ones(len(self.uv), np.float32)
        n = len(self.rmask)
        out[:n] = 1.0 - self.rmask * np.float32(1.0 - gate)
        return out

    def tensors(self, frames: np.ndarray, cheek: np.ndarray | None = None) -> np.ndarray:
        """(B, V, 3) or (V, 3) frame shapes (head frame cm) -> (B, V, 2) or (V, 2) float32 per-vertex
        doubled-angle tensors ``a (cos 2t, sin 2t)``: amplitude ``a`` in [0, 1], fold-line normal at
        angle ``t`` in the chart. ``cheek`` (B, 2) or (2,): the frames' :func:`cheek_raise`, which the lines on
        :attr:`cmask` need (None: formed as everywhere else)."""
        d = np.asarray(frames, np.float32)
        single = d.ndim == 2
        d = np.ascontiguousarray(d[None] if single else d)
        gates = None if cheek is None or self.cmask is None else np.asarray(cheek, np.float32).reshape(len(d), 2)
        out = np.zeros((len(d), len(self.uv), 2), np.float32)
        for b in range(len(d)):
            mask = self.mask
            if gates is not None:
                mask = mask * np.clip(1.0 - ((1.0 - gates[b])[:, None] * self.cmask).sum(0), 0.0, 1.0).astype(np.float32)
            _field_into(
                self._src_metric, self._inv_uv, self.tris, d[b], self._vert_area, self._adj_ptr, self._adj_idx,
                self._verts, mask, self.vmask, self.horizontal(d[b]), DEAD_ZONE, SATURATION, SMOOTHING, out[b],
            )  # fmt: skip
        return out[0] if single else out

    def view(self, tensor: np.ndarray, camera) -> FoldView:
        """The shader's input (:class:`~emoshift.render.wrinkle_shader.FoldView`) for one frame's ``tensor``
        (V, 2) (one frame of :meth:`tensors`) seen through ``camera``, at :attr:`spacing` and :attr:`strength`."""
        return FoldView(
            self.phase_uv, np.ascontiguousarray(tensor, np.float32), np.float32(camera.focal), np.float32(camera.cx),
            np.float32(camera.cy), np.float32(self.spacing), np.float32(self.strength),
        )  # fmt: skip


def _chart_inverse(tris: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2, 2) float64 inverse chart edge matrices of the triangles (0 where the chart is degenerate) and
    (T,) bool: not degenerate. Depends on the chart only: a video's frames share it
    (:meth:`WrinkleField.with_source`)."""
    uvd = uv.astype(np.float64)
    du = np.stack([uvd[tris[:, 1]] - uvd[tris[:, 0]], uvd[tris[:, 2]] - uvd[tris[:, 0]]], 2)  # (T, 2, 2) cols
    det = du[:, 0, 0] * du[:, 1, 1] - du[:, 0, 1] * du[:, 1, 0]
    ok = np.abs(det) > 1e-10
    adj2 = np.stack([du[:, 1, 1], -du[:, 0, 1], -du[:, 1, 0], du[:, 0, 0]], 1).reshape(-1, 2, 2)  # closed-form
    inv = np.where(ok[:, None, None], adj2 / np.where(ok, det, 1.0)[:, None, None], 0.0)  # 2x2 inverse
    return np.ascontiguousarray(inv), ok


def _source_metric(source: np.ndarray, tris: np.ndarray, uv: np.ndarray, chart: tuple | None = None):
    """The source shape's strain metric over the chart: (T, 4) float64 [Ms00, Ms01, Ms11, area] per
    triangle, (T, 2, 2) inverse chart edge matrices (0 where the chart is degenerate), (V,) vertex areas
    (the areas of the triangles around each vertex summed). ``chart``: (inv, ok) of :func:`_chart_inverse`
    when known (the same for every frame of a video)."""
    inv, ok = _chart_inverse(tris, uv) if chart is None else chart
    src, tris = np.ascontiguousarray(source, np.float64), np.ascontiguousarray(tris)
    es = np.empty((len(tris), 3, 2))
    _edges_into(src, tris, es)
    fs = es @ inv  # numpy's own (T, 3, 2) @ (T, 2, 2): its rounding differs from a plain a b + c d
    metric = np.empty((len(tris), 4))
    vert_area = np.zeros(len(uv))
    _metric_into(es, fs, tris, ok, metric, vert_area)
    return metric, inv, vert_area


@njit(cache=True, nogil=True)
def _edges_into(src, tris, es):  # pragma: no cover - compiled
    """es[t] = the (3, 2) edge matrix [v1 - v0, v2 - v0] (as columns) of triangle t of ``src``."""
    for t in range(tris.shape[0]):
        a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
        for r in range(3):
            es[t, r, 0] = src[b, r] - src[a, r]
            es[t, r, 1] = src[c, r] - src[a, r]


@njit(cache=True, nogil=True)
def _metric_into(es, fs, tris, ok, metric, vert_area):  # pragma: no cover - compiled
    """:func:`_source_metric`'s per-triangle work after fs = es inv, in one pass: fs^T fs's three entries
    summed over the rows in order ((x + y) + z), the area 0.5 |e0 x e1| (zero where the chart is
    degenerate), and the vertex areas summed triangle by triangle for corner 0, then 1, then 2: the
    operations, and their order, of the former numpy code (np.cross, np.linalg.norm's sum of squares,
    np.add.at), so the values are the same to the bit (``tests/render/test_wrinkle_metric.py``). The numpy
    code spent most of its time making (T, ...) temporaries."""
    n = tris.shape[0]
    for t in range(n):
        f0x, f0y, f0z = fs[t, 0, 0], fs[t, 1, 0], fs[t, 2, 0]
        f1x, f1y, f1z = fs[t, 0, 1], fs[t, 1, 1], fs[t, 2, 1]
        metric[t, 0] = (f0x * f0x + f0y * f0y) + f0z * f0z
        metric[t, 1] = (f0x * f1x + f0y * f1y) + f0z * f1z
        metric[t, 2] = (f1x * f1x + f1y * f1y) + f1z * f1z
        e0x, e0y, e0z = es[t, 0, 0], es[t, 1, 0], es[t, 2, 0]
        e1x, e1y, e1z = es[t, 0, 1], es[t, 1, 1], es[t, 2, 1]
        cx = e0y * e1z - e0z * e1y
        cy = e0z * e1x - e0x * e1z
        cz = e0x * e1y - e0y * e1x
        metric[t, 3] = 0.5 * math.sqrt((cx * cx + cy * cy) + cz * cz) * (1.0 if ok[t] else 0.0)
    for k in range(3):
        for t in range(n):
            vert_area[tris[t, k]] += metric[t, 3]
