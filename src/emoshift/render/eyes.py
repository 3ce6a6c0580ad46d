"""The photo's eyes, for painting eyeball the photo never showed (fear and surprise widen the lids).

From the detected MediaPipe landmarks: each eye's opening (the lid contour, anti-aliased and eroded by
half a pixel so the lashes do not count) and its iris (centre and radius from the four iris landmarks).
The photo is trusted for eyeball points whose source position lies inside the opening; elsewhere the
eyeball is painted (:func:`emoshift.render.shaders.eye_colour`): inside the photo's iris circle with the
photo's own iris at the same distance from its centre, where the photo shows it clear of both lids
(:func:`emoshift.render.shaders.iris_source`), else with the photo's sclera colour. The colours are the photo's own: the median
of the opening's pixels inside the iris, and for the sclera the brightest tenth of those outside it,
kept at least a little brighter than the skin and nearly white (:func:`sclera_colour`).

Sunglasses and closed eyes show no eye: when the opening's "sclera" is darker than SCLERA_MIN_LUMA of
the skin, or the opening is too small, the eyes count as not shown and the photo is kept everywhere on
the eyeball (``valid = 0``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from emoshift.headmodel.mp_indices import EYELID_CONTOURS
from emoshift.headmodel.mp_indices import IRISES as MP_IRISES
from emoshift.jit import njit
from emoshift.render.mouth import skin_rows
from emoshift.render.view import EYE, IRIS

#: MediaPipe face-mesh contours of the two eye openings (the lower lid from the outer corner, then the upper
#: lid back between the corners) and their irises (centre, then 4 rim points).
EYE_CONTOURS = tuple(EYELID_CONTOURS[2 * k + 1] + EYELID_CONTOURS[2 * k][-2:0:-1] for k in range(2))
IRISES = (MP_IRISES[:5], MP_IRISES[5:])
#: The sclera must be at least this bright relative to the skin (luma) for the eyes to count as shown.
SCLERA_MIN_LUMA = 0.55
#: Fewest opening pixels (per eye) for the eye to count as shown.
MIN_EYE_PIXELS = 12
#: Painted sclera: at least this bright relative to the skin (luma), with this share of the skin's colour
#: cast (0: grey-white, 1: skin-coloured).
SCLERA_OVER_SKIN = 1.1
SCLERA_CHROMA = 0.25
#: The photo's sclera colour is the mean of its sclera pixels above this luma quantile: the opening's
#: pixels off the iris are mostly lid shadow, lashes and the eye corners' pink; the mean of the brightest
#: quarter came out 0.7-0.8 of the white the photo shows beside the iris (dev01, dev07), and the widened
#: eyes' newly shown sclera read as a grey crescent against it ("eyes look pasted").
SCLERA_TOP = 0.9
#: The photo's upper lid margin (lashes, the lid's shadow on the eyeball) lies inside the contour's upper
#: edge: the opening trusted as eyeball starts this many iris radii below it, so a raised lid does not
#: leave the photo's lash line painted on the eyeball.
UPPER_LID_BAND = 0.35
#: Contour points (positions in EYE_CONTOURS) of the upper lid, between the two eye corners.
UPPER_LID = slice(9, 16)
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
#: A moved lid's shadow on the eyeball (the lid margin, its lashes and the shade under them): eyeball pixels
#: ``d`` rows below the lid are darkened by LID_SHADOW x (1 - d / reach)^2, reach = LID_SHADOW_REACH iris
#: radii. The photo's own eyeball already carries the shadow of its own lid; the pass runs by how far the
#: lids have moved.
LID_SHADOW = 0.55
LID_SHADOW_REACH = 0.45


class PhotoEyes(NamedTuple):
    """opening: (h, w) float32 over the source box, 1 inside a shown eye's opening; eyes: (2, 4) float32
    [x, y, radius, valid]; colours: (2, 3) float32 sclera, iris."""

    opening: np.ndarray
    eyes: np.ndarray
    colours: np.ndarray


def polygon_coverage(poly: np.ndarray, origin, shape, samples: int = 4, erode: int = 2) -> np.ndarray:
    """(h, w) float32 fraction of each pixel of the box at ``origin`` (x, y) of ``shape`` (h, w) inside a
    polygon (N, 2) in image pixels (samples^2 per pixel); its rim eroded by ``erode`` samples
    (:func:`emoshift.render.coverage.coverage_into`: skimage's polygon test, scipy's erosion)."""
    from emoshift.render.coverage import coverage_into

    (ox, oy), (h, w) = origin, shape
    poly = np.asarray(poly)
    out = np.zeros((h, w), np.float32)  # sampled over the polygon's box only (a pixel of margin): 0 elsewhere
    x0, y0 = (int(min(max(np.floor(poly[:, k].min() - o) - 1, 0), n)) for k, o, n in ((0, ox, w), (1, oy, h)))
    x1, y1 = (int(min(max(np.ceil(poly[:, k].max() - o) + 2, a), n)) for k, o, a, n in ((0, ox, x0, w), (1, oy, y0, h)))
    if x1 > x0 and y1 > y0:
        rows = np.ascontiguousarray((poly[:, 1] - oy - y0) * samples - 0.5, np.float64)
        cols = np.ascontiguousarray((poly[:, 0] - ox - x0) * samples - 0.5, np.float64)
        coverage_into(rows, cols, int(samples), int(erode), out[y0:y1, x0:x1])
    return out


def lowered_upper_lid(contour: np.ndarray, band: float) -> np.ndarray:
    """(16, 2) an eye contour (EYE_CONTOURS order) with its upper-lid points moved ``band`` pixels down, at
    most to one pixel above the lower lid at the same x (the opening never turns inside out)."""
    out = np.array(contour, np.float64)
    lower = out[: UPPER_LID.start]
    order = np.argsort(lower[:, 0])
    floor = np.interp(out[UPPER_LID, 0], lower[order, 0], lower[order, 1]) - 1.0
    out[UPPER_LID, 1] = np.maximum(out[UPPER_LID, 1], np.minimum(out[UPPER_LID, 1] + band, floor))
    return out


def sclera_colour(pix: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """(3,) float32 colour for painted sclera from the photo's (N, 3) sclera pixels: the mean of their
    brightest tenth (the opening's median is darkened by lashes, the lid's shadow and the eye corners'
    pink), at least SCLERA_OVER_SKIN x the skin's luma, and no more colourful than SCLERA_CHROMA of the
    skin's colour cast (a white eyeball takes the light's colour, as the skin does)."""
    pix = np.asarray(pix, np.float32)
    luma = pix @ LUMA
    top = pix[luma >= np.quantile(luma, SCLERA_TOP)].mean(0)
    skin = np.asarray(skin, np.float32)
    y = max(float(top @ LUMA), SCLERA_OVER_SKIN * float(skin @ LUMA))
    cast = skin / max(float(skin @ LUMA), 1.0)  # the skin's colour relative to grey
    white = y * (1.0 + SCLERA_CHROMA * (cast - 1.0))
    return np.clip(white, 0, 255).astype(np.float32)


def photo_eyes(photo_box: np.ndarray, origin, landmarks: np.ndarray | None, skin: np.ndarray) -> PhotoEyes:
    """The eyes of the photo crop ``photo_box`` (h, w, 3) uint8 at ``origin`` (x, y), from the (478, 2)
    detected ``landmarks`` (None: no eye shown); ``skin`` (3,) the face's median skin colour."""
    h, w = photo_box.shape[:2]
    opening = np.zeros((h, w), np.float32)
    eyes = np.zeros((2, 4), np.float32)
    colours = np.array([[232, 226, 220], [70, 50, 40]], np.float32)
    if landmarks is None or len(landmarks) < 478:
        return PhotoEyes(opening, eyes, colours)
    lm = np.asarray(landmarks, np.float64)
    sclera_pix, iris_pix, covs = [], [], []
    for k in range(2):
        ring = lm[list(IRISES[k][1:])]
        centre = lm[IRISES[k][0]]
        radius = float(np.mean(np.linalg.norm(ring - centre, axis=1)))
        contour = lm[list(EYE_CONTOURS[k])]
        cov = polygon_coverage(contour, origin, (h, w))
        eyes[k] = (centre[0], centre[1], radius, 1.0)
        inside = cov > 0.99
        # the pixels' distances to the iris centre over the box of the opening only (the same pixels, in
        # the same order, as over the whole photo box)
        rows, cols = np.flatnonzero(inside.any(1)), np.flatnonzero(inside.any(0))
        ya, yb = (rows[0], rows[-1] + 1) if len(rows) else (0, 0)
        xa, xb = (cols[0], cols[-1] + 1) if len(cols) else (0, 0)
        xx = np.arange(xa, xb) + origin[0] + 0.5
        yy = np.arange(ya, yb) + origin[1] + 0.5
        d = np.hypot(xx[None] - centre[0], yy[:, None] - centre[1])
        inside, box = inside[ya:yb, xa:xb], photo_box[ya:yb, xa:xb]
        sclera_pix.append(box[inside & (d > 1.15 * radius)])
        iris_pix.append(box[inside & (d < 0.85 * radius)])
        covs.append(polygon_coverage(lowered_upper_lid(contour, UPPER_LID_BAND * radius), origin, (h, w)))
    sclera, iris = np.concatenate(sclera_pix), np.concatenate(iris_pix)
    shown = min(len(p) for p in sclera_pix) >= MIN_EYE_PIXELS // 2 and len(iris) >= MIN_EYE_PIXELS
    if shown:
        colours[1] = np.median(iris, axis=0)
        shown = float(np.median(sclera, axis=0) @ LUMA) >= SCLERA_MIN_LUMA * float(np.asarray(skin, np.float32) @ LUMA)
        colours[0] = sclera_colour(sclera, skin)
    if not shown:
        eyes[:, 3] = 0.0
        return PhotoEyes(opening, eyes, colours)
    opening = np.clip(covs[0] + covs[1], 0.0, 1.0)
    return PhotoEyes(np.ascontiguousarray(opening), eyes, colours)


@njit(cache=True, nogil=True)
def lid_shadow_pass(tri_id, part, strength, reach, x0, y0, out):  # pragma: no cover - jitted
    """Darken (in ``out`` at (x0, y0)) each eyeball pixel of the box's ``tri_id`` (rows since the nearest skin
    pixel above: ``d``) by ``strength`` x LID_SHADOW x (1 - d / reach)^2 within ``reach`` pixels."""
    if strength <= 0.0 or reach < 1.0:
        return
    rh, rw = tri_id.shape
    above = np.empty(rh, np.int64)
    for j in range(rw):
        skin_rows(tri_id, part, j, True, above)
        for i in range(rh):
            t = tri_id[i, j]
            d = above[i]
            if t < 0 or d <= 0 or d > reach or (part[t] != EYE and part[t] != IRIS):
                continue
            u = 1.0 - d / reach
            f = 1.0 - strength * LID_SHADOW * u * u
            for c in range(3):
                out[y0 + i, x0 + j, c] = np.uint8(out[y0 + i, x0 + j, c] * f + 0.5)
