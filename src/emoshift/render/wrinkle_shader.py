"""The wrinkle shader: expression folds drawn over a frame's fragments (the third step of
:mod:`emoshift.render.wrinkles`; called by the frame kernel :func:`emoshift.render.warp.render_frame` after
the warp, the inner parts and the anti-aliased edges, over the same fragments).

For each skin fragment the chart point and the fold tensor (:meth:`WrinkleField.tensors
<emoshift.render.wrinkles.WrinkleField.tensors>`) are interpolated with its barycentrics; ``phase = (u, v) .
k / spacing`` with ``k`` the tensor's direction, measured from a local origin
(:func:`~emoshift.render.wrinkles.phase_chart`), and ``shade = 1 - MAX_DARKEN * a * fold(phase)``.
``fold`` is a periodic sum of narrow Gaussian valleys (a crease is a thin shadow, the skin between stays
lit) with a faint highlight on the bulge below each crease (light from above), each fold's depth varying
along it (smooth value noise: folds start, fade and differ) and the lines wandering slightly, so the
pattern reads as skin, not as a stamped grating. The profile is even under ``(phase, along) -> (-phase,
-along)`` (the direction has no sign). Crease width is widened to the pixel footprint and the contrast
fades to its mean when a period covers fewer than :data:`MIN_PERIOD_PX` pixels (no aliasing); everything
fades out towards the silhouette (the triangle's camera-space normal against the view ray). A crease
darkens red least (:data:`CREASE_TINT`).

Parameters (our choices, tuned by eye on the packaged photos, not measured): one spacing serves all
regions, :data:`SPACING_CM` = 0.6 cm on the rest skin (forehead lines are roughly 0.5-1 cm apart, crow's
feet and nose-root lines a few mm; the compressed skin shows them ~10-25 % closer). Creases are about a
millimetre wide (:data:`FOLD_WIDTH_CM` = 0.8 mm Gaussian sigma) with a highlight half as strong on the
skin bulging below it; a full crease darkens by at most :data:`MAX_DARKEN` = 13 % (thinner, darker creases
without their bulge read as lines drawn on the skin; at 20 % two blind labellers still named "drawn forehead
lines" on 8 of 84 renders).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from emoshift.jit import njit
from emoshift.render.shaders import per_sample

#: Fold spacing on the rest skin (cm), crease width (Gaussian sigma, cm), darkening of a full crease.
SPACING_CM = 0.6
FOLD_WIDTH_CM = 0.08
MAX_DARKEN = 0.13
#: Per-channel exponent of a crease's darkening on a fully saturated pixel (grey pixels: 1): creases in
#: skin are warmer than grey pencil lines (light in a fold has passed through more blood-rich tissue).
CREASE_TINT = (0.7, 1.05, 1.2)
#: Irregularity: depth of each fold varies along it over FOLD_LENGTH_CM (value noise in [0, 1): below
#: FOLD_GAPS it is 0, so folds start and end; ramping to full depth over FOLD_FULL), and the lines wander
#: by up to FOLD_WANDER periods.
FOLD_LENGTH_CM = 1.2
FOLD_GAPS = 0.25
FOLD_FULL = 0.5  # noise above FOLD_GAPS + FOLD_FULL: full depth
FOLD_WANDER = 0.25
#: Light from above: the bulge below a crease brightens by HIGHLIGHT x its darkening, centred
#: HIGHLIGHT_OFFSET crease widths below it, HIGHLIGHT_WIDTH crease widths wide.
HIGHLIGHT = 0.5
HIGHLIGHT_OFFSET = 2.0
HIGHLIGHT_WIDTH = 1.3
#: Folds fade to their mean darkening when a period spans fewer pixels than this (band limit).
MIN_PERIOD_PX = 3.0
#: Silhouette fade: cosine between the surface normal and the view ray (0 below lo, 1 above hi).
FACING = (0.25, 0.55)


class FoldView(NamedTuple):
    """One frame's folds, as the shader reads them: uv (V, 2) float32 phase chart
    (:attr:`WrinkleField.phase_uv <emoshift.render.wrinkles.WrinkleField.phase_uv>`), tensor (V, 2) float32
    (one frame of :meth:`WrinkleField.tensors <emoshift.render.wrinkles.WrinkleField.tensors>`; both may
    cover only the first vertices, the skin), the camera's focal, cx, cy (float32) and the fold spacing
    (cm) and strength (darkening of a full crease)."""

    uv: np.ndarray
    tensor: np.ndarray
    focal: np.float32
    cx: np.float32
    cy: np.float32
    spacing: np.float32
    strength: np.float32


@njit(cache=True, nogil=True)
def _hash(n, k):  # pragma: no cover - jitted
    """Deterministic pseudo-random number in [0, 1) of two integers."""
    h = (n * 374761393 + k * 668265263) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    return ((h ^ (h >> 16)) & 0xFFFF) / 65536.0


@njit(cache=True, nogil=True)
def _noise(n, x):  # pragma: no cover - jitted
    """Smooth 1D value noise in [0, 1) along ``x`` (lattice spacing 1), one independent curve per ``n``."""
    i = math.floor(x)
    f = x - i
    f = f * f * (3 - 2 * f)
    a = _hash(n, int(i))
    return a + f * (_hash(n, int(i) + 1) - a)


@njit(cache=True, nogil=True)
def _fold(phase, along, up, spacing, sigma_cm, period_px):  # pragma: no cover - jitted
    """Crease darkening in [0, 1] at a phase (periods) and a position ``along`` the lines (cm): Gaussian
    valleys of width ``sigma_cm`` whose depth varies from fold to fold and along each fold (so they
    start, fade and differ like real lines), widened to the pixel footprint and faded to their mean
    below MIN_PERIOD_PX pixels per period. ``up`` in [-1, 1] is the chart's vertical component of the
    phase direction: light from above catches the bulge just below each crease (a negative darkening
    of :data:`HIGHLIGHT` x depth, 2 sigma below it)."""
    px_cm = spacing / period_px  # cm per pixel across the folds
    sig = math.sqrt(sigma_cm * sigma_cm + 0.25 * px_cm * px_cm)
    c = min(max((period_px - 0.5 * MIN_PERIOD_PX) / (0.5 * MIN_PERIOD_PX), 0.0), 1.0)
    c = c * c * (3 - 2 * c)  # contrast: fades to the mean below MIN_PERIOD_PX
    # the line field's direction has no sign: (phase, along) and (-phase, -along) are the same point, so
    # the wander is odd in ``along`` and fold n's depth at ``along`` equals fold -n's at ``-along``
    a = along / FOLD_LENGTH_CM
    phase += FOLD_WANDER * (_noise(-1, a) - _noise(-1, -a))
    n0 = math.floor(phase + 0.5)
    f = phase - n0  # -0.5 .. 0.5
    val = 0.0
    mean = 0.0
    for m in range(-1, 2):
        dv = (f + m) * spacing / sig
        dh = ((f + m) * spacing + up * HIGHLIGHT_OFFSET * sig) / (HIGHLIGHT_WIDTH * sig)
        if dv * dv > 16.0 and (up == 0.0 or dh * dh > 16.0) and c >= 1.0:
            continue  # negligible (< 4e-4 of a crease), skip the noise
        n = int(n0) + m
        depth = _noise(abs(n), (a if n > 0 else -a if n < 0 else abs(a)) + 7.31 * abs(n))
        depth = min(max((depth - FOLD_GAPS) / FOLD_FULL, 0.0), 1.0)
        val += depth * (math.exp(-0.5 * dv * dv) - HIGHLIGHT * abs(up) * math.exp(-0.5 * dh * dh))
        mean += depth / 3.0
    val *= sigma_cm / sig  # a blurred crease keeps its integral darkening
    mean *= sigma_cm * math.sqrt(2 * math.pi) / spacing * (1 - HIGHLIGHT * abs(up) * HIGHLIGHT_WIDTH)
    return mean + c * (val - mean)


@per_sample
def _facing(t, tris, screen, focal, cx, cy):  # pragma: no cover - jitted
    """Cosine between triangle ``t``'s camera-space normal and the ray to the camera."""
    a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
    za, zb, zc = screen[a, 2], screen[b, 2], screen[c, 2]  # depth = -z
    ax, ay = (screen[a, 0] - cx) * za / focal, -(screen[a, 1] - cy) * za / focal
    bx, by = (screen[b, 0] - cx) * zb / focal, -(screen[b, 1] - cy) * zb / focal
    qx, qy = (screen[c, 0] - cx) * zc / focal, -(screen[c, 1] - cy) * zc / focal
    ux, uy, uz = bx - ax, by - ay, za - zb
    vx, vy, vz = qx - ax, qy - ay, za - zc
    nx = uy * vz - uz * vy
    ny = uz * vx - ux * vz
    nz = ux * vy - uy * vx
    px = (ax + bx + qx) / 3
    py = (ay + by + qy) / 3
    pz = -(za + zb + zc) / 3
    norm = math.sqrt(nx * nx + ny * ny + nz * nz) * math.sqrt(px * px + py * py + pz * pz)
    return -(nx * px + ny * py + nz * pz) / (norm + 1e-20)


@per_sample
def shade_pixel(t, b0, b1, b2, tris, uv, tensor, screen, focal, cx, cy, spacing, strength, facing):  # pragma: no cover
    """Multiplicative wrinkle shading of a pixel on triangle ``t`` with barycentrics b0..b2: from about
    ``1 - strength`` in a crease to ``1 + HIGHLIGHT * strength`` on the lit bulge below it. ``facing``
    (T,) caches :func:`_facing` per triangle (NaN: not computed yet)."""
    a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
    tx = b0 * tensor[a, 0] + b1 * tensor[b, 0] + b2 * tensor[c, 0]
    ty = b0 * tensor[a, 1] + b1 * tensor[b, 1] + b2 * tensor[c, 1]
    amp = math.sqrt(tx * tx + ty * ty)
    if amp < 1e-3:
        return 1.0
    cosv = facing[t]
    if cosv != cosv:
        cosv = _facing(t, tris, screen, focal, cx, cy)
        facing[t] = cosv
    face = min(max((cosv - FACING[0]) / (FACING[1] - FACING[0]), 0.0), 1.0)
    if face <= 0:
        return 1.0
    face = face * face * (3 - 2 * face)
    depth = b0 * screen[a, 2] + b1 * screen[b, 2] + b2 * screen[c, 2]
    period_px = spacing * focal / depth * max(cosv, 0.2)  # foreshortened across the folds at worst
    # half of the doubled angle, in (-90, 90] degrees
    c2 = tx / amp
    co = math.sqrt(max(0.5 * (1 + c2), 0.0))
    si = math.sqrt(max(0.5 * (1 - c2), 0.0))
    if ty < 0:
        si = -si
    u = b0 * uv[a, 0] + b1 * uv[b, 0] + b2 * uv[c, 0]
    v = b0 * uv[a, 1] + b1 * uv[b, 1] + b2 * uv[c, 1]
    phase = (u * co + v * si) / spacing
    return 1.0 - strength * min(amp, 1.0) * face * _fold(phase, v * co - u * si, si, spacing, FOLD_WIDTH_CM, period_px)



@njit(cache=True, nogil=True)
def fold_box(tensor, screen, w, h):  # pragma: no cover - jitted
    """Pixel box (x0, y0, x1, y1) of the vertices that carry folds (grown by a pixel, clipped to w x h;
    empty: x1 <= x0 or y1 <= y0)."""
    x0, y0, x1, y1 = w, h, 0, 0
    for v in range(tensor.shape[0]):
        if tensor[v, 0] * tensor[v, 0] + tensor[v, 1] * tensor[v, 1] < 1e-6:
            continue
        x0 = min(x0, int(math.floor(screen[v, 0])) - 1)
        y0 = min(y0, int(math.floor(screen[v, 1])) - 1)
        x1 = max(x1, int(math.ceil(screen[v, 0])) + 1)
        y1 = max(y1, int(math.ceil(screen[v, 1])) + 1)
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


@njit(cache=True, nogil=True)
def shade_folds(folds, screen, tris, n_skin, tri_id, bary, x0, y0, out):  # pragma: no cover - jitted
    """Darken the skin folds of a rendered frame ``out`` (H, W, 3) uint8 in place, over its fragments:
    ``tri_id``, ``bary`` (rh, rw) of the pixel box at (x0, y0) (:func:`emoshift.render.raster.raster_box`:
    skin first, ``n_skin`` triangles of ``tris``, back faces culled; the rest only occlude) of the mesh
    drawn at ``screen`` (V, 3) [x_px, y_px, depth]. ``folds``: :class:`FoldView`. Only the box of the
    vertices that carry folds (:func:`fold_box`) is shaded; each skin pixel there is multiplied by its
    shading (:func:`shade_pixel`), red darkening least by the pixel's own saturation (:data:`CREASE_TINT`)."""
    uv, tensor, focal, cx, cy = folds.uv, folds.tensor, folds.focal, folds.cx, folds.cy
    spacing, strength = folds.spacing, folds.strength
    bx0, by0, bx1, by1 = fold_box(tensor, screen, out.shape[1], out.shape[0])
    rh, rw = tri_id.shape
    i0, i1 = max(by0 - y0, 0), min(by1 - y0, rh)
    j0, j1 = max(bx0 - x0, 0), min(bx1 - x0, rw)
    if i1 <= i0 or j1 <= j0:
        return
    facing = np.full(n_skin, np.nan, np.float32)
    for i in range(i0, i1):
        for j in range(j0, j1):
            t = tri_id[i, j]
            if t < 0 or t >= n_skin:
                continue
            s = shade_pixel(
                t, bary[i, j, 0], bary[i, j, 1], bary[i, j, 2], tris, uv, tensor, screen, focal, cx, cy, spacing,
                strength, facing,
            )  # fmt: skip
            if abs(s - 1.0) < 5e-4:
                continue
            # a crease in skin is warmer than a grey line: red darkens least, by the pixel's own saturation
            hi = max(out[y0 + i, x0 + j, 0], max(out[y0 + i, x0 + j, 1], out[y0 + i, x0 + j, 2]))
            lo = min(out[y0 + i, x0 + j, 0], min(out[y0 + i, x0 + j, 1], out[y0 + i, x0 + j, 2]))
            sat = (hi - lo) / max(float(hi), 1.0)
            for ch in range(3):
                f = s ** (1.0 + (CREASE_TINT[ch] - 1.0) * sat)
                out[y0 + i, x0 + j, ch] = np.uint8(min(255.0, out[y0 + i, x0 + j, ch] * f + 0.5))
