"""Smile folds that fade: a smiling photo reaching sadness or anger loses its nasolabial folds, cheek
bulges and smile lines, not only its lip corners.

The warp moves the photo's pixels, and with them the shading of the folds the photo shows; where the
frame's expression has less smile than the photo's, those folds no longer exist. Their shading is
removed by a colour offset image of the photo, ``C_coarse - C_fine`` (:func:`fold_lift`: the photo
blurred at FOLD_SIGMA[1] and FOLD_SIGMA[0] fractions of the face height): adding it to a pixel brings
the mid-scale shading (a fold's shadow, the highlight of a cheek a smile raises, AU6) to its
surroundings' colour and keeps the fine skin texture (pores); shadows are lifted by at most MAX_LIFT,
highlights toned down by at most MAX_DARKEN (in luma), both chosen so that the face keeps its modelling (a
larger lift flattens the cheeks into a pale mask); lips keep their colour (LIP_REDNESS). A skin pixel gets
``f x offset`` added (:func:`emoshift.render.shaders.skin_sample`) with ``f`` per vertex and frame (:func:`flatten_weights`):
the relative loss of smile on that side of the face (``max(mouthSmile, cheekSquint)``, source minus
frame, over the source's) times an anatomical mask of the skin a smile folds (:func:`smile_mask`:
cheeks, nasolabial folds, lower lids and lateral canthi; not the lips, nose or eyes).

A neutral photo reaching happiness gains its folds from the mesh's shading ratio (:mod:`.reenact`).

The furrow under a squinting eye (issue 11, "raccoon eyes"): a broad smile raises the cheeks (AU6) and folds the
lower lid into a crease 80-100 luma darker than the cheek and redder than the skin around it. Surprise and fear widen
the eye and stretch that crease over the lower lid: a dark reddish-grey ring under each eye, which made surprise read
as fear (held-out feat_single_face-1, feat_multi_face-2; dev03, dev04, dev12). The lift left it as it was: the lip
gate (LIP_REDNESS) zeroed it (the crease is redder), MAX_LIFT capped it, and the coarse colour beside it held the dark
eye above (lifted towards it the crease turns grey). Above the photo's row halfway from its eyes to its nose tip
(``eyes_row``) the lip gate is off and the lift reaches EYE_MAX_LIFT, and the coarse colour averages the skin only
(the eyes' openings grown by EYE_MARGIN left out, :func:`eye_free`). Lower in the face, and for photos that do not
smile (the weight ``f`` is 0), the lift is as before, to the bit.

The smile the fit misses (issue 11): the landmark fit is regularized, so it explains about two thirds of a
photo's smile with ``mouthSmile`` (the rest of the lips' smile is the lip residual, :mod:`.residual`, which
reaches the lips only). The warp moves the photo's pixels by the fitted smile's change, so a frame that loses
the smile kept about a third of it: its corners and the skin around them (the cheeks' bulge beside the corners,
the corners' creases, the mouth's width) still smiled. Measured by a round trip (the render of a target refitted
by the same fitter; mean of ``mouthSmile_L/R``, seed 0): the development photos that smile (dev03, dev04, dev06,
dev12; fitted 0.51-0.76) refitted 0.12-0.24 at neutral, 0.11-0.29 at disgust and 0.30-0.52 at anger, where the
neutral photos (dev01, dev02, dev07, dev09) refit 0.00-0.04, 0.01-0.08 and 0.13-0.30 (anger's squared shout itself
reads as some smile). So a frame's shape loses :data:`SMILE_GAIN` x the fitted smile it loses
(:func:`unsmiled`; ``mouthSmile`` below 0 is the smile's shape reversed, the corners drawn further down and in):
at 1.5 the smiling photos refit 0.00-0.03 at neutral, 0.00-0.21 at disgust (0.21: dev06, turned behind
sunglasses) and 0.08-0.45 at anger (0.08-0.23 but dev06; the faces looking down, dev05 and dev11, 0.13-0.35 from
0.06-0.43); at 2.0 (every side in full) their neutral refitted a frown (mouthFrown 0.08-0.34, the neutral photos'
0.02-0.18). Photos that do not smile (fitted mouthSmile under
SMILE_GAIN_RANGE[0] on that side: the neutral development photos 0-0.22) are rendered as before.
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.emotions import EXPRESSION_NAMES
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render.filters import gaussian_filter
from emoshift.render.ramp import smoothstep
from emoshift.render.teeth import LUMA

#: Gaussian sigmas (fractions of the face height) of the fine (texture kept) and coarse luma.
FOLD_SIGMA = (0.006, 0.03)
#: Largest luma change (0-255) of a lost fold: its shadow is lifted by up to MAX_LIFT, a raised cheek's
#: highlight toned down by up to MAX_DARKEN (less: a highlight may be the light, not the bulge).
MAX_LIFT = 25.0
MAX_DARKEN = 12.0
#: Above the ``eyes_row`` of :func:`fold_lift` (the photo's row halfway between its eyes and its nose tip) a shadow
#: is lifted by up to EYE_MAX_LIFT and the LIP_REDNESS gate is off: the furrow under a squinting eye (AU6's lower-lid
#: crease, 80-100 luma darker than the cheek and redder than the skin around it) is a fold the smile made, and a
#: frame that widens the eye stretches it into a dark ring ("raccoon eyes", see the module).
EYE_MAX_LIFT = 60.0
#: ... and the skin's colour there is averaged off the eyes' openings grown by EYE_MARGIN of the face height (lashes).
EYE_MARGIN = 0.012
#: Lips are not folds: where the fine colour is redder (R - G) than its surroundings by LIP_REDNESS or
#: more, the offset is 0 (fading in from 0): lifting a lip towards the skin around it makes it pale.
LIP_REDNESS = 12.0
#: Channels of a smile per side (+x is the subject's left, ICT's ``_L``).
SMILE = {side: [EXPRESSION_NAMES.index(f"{n}_{side}") for n in ("mouthSmile", "cheekSquint")] for side in "LR"}
#: Smile (source) below which a loss counts in full: f = loss / max(source smile, this).
MIN_SMILE = 0.3
#: A frame's shape loses SMILE_GAIN x the fitted mouthSmile it loses (the smile the fit misses: see the module),
#: per side by smoothstep of the photo's mouthSmile on that side over SMILE_GAIN_RANGE (none below [0]).
SMILE_GAIN = 1.5
SMILE_GAIN_RANGE = (0.3, 0.5)
#: The mouthSmile channels per side (+x is the subject's left, ICT's ``_L``).
MOUTH_SMILE = tuple(SMILE[side][0] for side in "LR")


def fold_lift(photo_box: np.ndarray, face_height_px: float, part: tuple[int, int, int, int] | None = None,
              eyes_row: float | None = None, skin: np.ndarray | None = None) -> np.ndarray:
    """(h, w, 3) uint8 -> (h, w, 3) float32 colour offset flattening the mid-scale shading (see the module);
    ``part`` (y0, y1, x0, x1): only that part of it (the same values, :func:`~emoshift.render.filters.gaussian_filter`'s part);
    ``eyes_row``: the row of ``photo_box`` above which the eyes' limits hold (EYE_MAX_LIFT, no lip gate; None: nowhere);
    ``skin`` (h, w) in [0, 1] over ``photo_box`` (None: 1): the pixels the coarse colour averages (a normalized
    convolution; 0 on the eyes' openings and lash lines, :func:`eye_free`), so the crease under an eye is lifted
    to its skin's colour, not towards the dark eye above it (grey).

    ``C_coarse - C_fine``, scaled so that its luma lies in (-MAX_DARKEN, MAX_LIFT): a pixel plus it is
    its fine texture on its surroundings' colour, so a fold's shadow is lifted and the highlight of a
    smile's raised cheek (AU6) toned down, both to the colour of the skin around them."""
    img = photo_box.astype(np.float32)
    fine = gaussian_filter(img, max(FOLD_SIGMA[0] * face_height_px, 0.5), part)  # scipy's, GIL-free (.filters)
    coarse = gaussian_filter(img, FOLD_SIGMA[1] * face_height_px, part)
    if skin is not None and float(np.min(skin)) < 1.0:
        wsum = gaussian_filter(skin, FOLD_SIGMA[1] * face_height_px, part)[..., None]
        num = gaussian_filter(img * skin[..., None], FOLD_SIGMA[1] * face_height_px, part)
        near = (wsum < 1.0 - 1e-4) & (wsum > 0.05)  # elsewhere the plain average (the same, to the bit)
        coarse = np.where(near, num / np.maximum(wsum, 0.05), coarse)
    lift = coarse - fine
    luma = lift @ LUMA
    denom = np.where(np.abs(luma) > 1e-3, luma, 1.0)
    scale = np.clip(luma, -MAX_DARKEN, MAX_LIFT) / denom
    redder = (fine[..., 0] - fine[..., 1]) - (coarse[..., 0] - coarse[..., 1])
    scale *= 1.0 - np.clip(redder / LIP_REDNESS, 0.0, 1.0)
    if eyes_row is not None:  # the rows above it: the eyes' limits, no lip gate
        k = int(np.clip(math.ceil(eyes_row - (0 if part is None else part[0])), 0, len(scale)))
        scale[:k] = np.clip(luma[:k], -MAX_DARKEN, EYE_MAX_LIFT) / denom[:k]
    return np.ascontiguousarray(lift * scale[..., None], np.float32)


def eye_free(opening: np.ndarray, face_height_px: float) -> np.ndarray:
    """(h, w) float32: 0 on the photo's eye ``opening`` (h, w) (:class:`~emoshift.render.eyes.PhotoEyes`) grown by
    EYE_MARGIN of the face height (the lash lines), 1 elsewhere: the skin :func:`fold_lift` averages."""
    from emoshift.render.filters import binary_dilation  # scipy's, without importing scipy.ndimage

    grown = binary_dilation(np.asarray(opening, np.float32) > 0.05, np.ones((3, 3)), int(round(EYE_MARGIN * face_height_px)))
    return (1.0 - grown).astype(np.float32)


def smile_mask(rest: np.ndarray, n: int) -> np.ndarray:
    """(n,) float32 in [0, 1] over the first ``n`` rows of ``rest`` (V, 3) head-frame ICT vertices (cm):
    the skin a smile folds (cheeks, nasolabial folds, lower lids, crow's feet), soft edges."""
    rest = np.asarray(rest, np.float64)
    lm = rest[MULTIPIE_68]
    x, y, z = rest[:n, 0], rest[:n, 1], rest[:n, 2]
    eye_y = lm[36:48, 1].mean()
    outer_x = np.abs(lm[[36, 45], 0]).mean()
    chin_y, mouth_y = lm[8, 1], lm[48:60, 1].mean()
    nose_x = np.abs(lm[[31, 35], 0]).mean()
    w = smoothstep((eye_y + 0.6 - y) / 0.6)  # up to the lower lids
    w *= smoothstep((y - (0.5 * (mouth_y + chin_y))) / 1.0)  # down to between mouth and chin
    w *= smoothstep((outer_x + 1.5 - np.abs(x)) / 1.0)  # not the face's sides
    beside = smoothstep((np.abs(x) - 0.8 * nose_x) / 0.4)
    below = smoothstep((lm[33, 1] - y) / 0.3)
    w *= 1.0 - (1.0 - beside) * (1.0 - below)  # not the nose
    # not the lips: an ellipse around the outer lip contour
    lips = lm[48:60]
    cx, cy = lips[:, 0].mean(), lips[:, 1].mean()
    rx, ry = 0.5 * np.ptp(lips[:, 0]) + 0.15, 0.5 * np.ptp(lips[:, 1]) + 0.1
    w *= smoothstep((np.hypot((x - cx) / rx, (y - cy) / ry) - 1.0) / 0.35)
    # not the eyes themselves
    for a, b in ((36, 39), (42, 45)):
        ex, ey = 0.5 * (lm[a, 0] + lm[b, 0]), 0.5 * (lm[a, 1] + lm[b, 1])
        rx = 0.5 * abs(lm[b, 0] - lm[a, 0]) + 0.1
        w *= smoothstep((np.hypot((x - ex) / rx, (y - ey) / 0.45) - 1.0) / 0.3)
    w *= z > 0
    return np.clip(w, 0.0, 1.0).astype(np.float32)


def flatten_weights(mask: np.ndarray, x: np.ndarray, source: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """(T, V) float32 fold-flattening weights ``f`` of the vertices (``mask`` (V,), head-frame ``x`` (V,))
    for (53,) ``source`` and (T, 53) ``frames`` expressions: per side the relative loss of smile."""
    out = np.zeros((len(frames), len(mask)), np.float32)
    left = smoothstep(0.5 + x / 2.0)  # blend the sides over the middle 2 cm
    for side, sel in SMILE.items():
        s0 = float(np.max(source[sel]))
        loss = np.clip((s0 - frames[:, sel].max(1)) / max(s0, MIN_SMILE), 0.0, 1.0)
        share = left if side == "L" else 1.0 - left
        out += loss[:, None] * (share * mask)[None]
    return out


def unsmiled(source: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """(T, 53) float32 ``frames`` expressions whose mouthSmile_L/R are lowered by (SMILE_GAIN - 1) x the smile
    each loses from the (53,) ``source`` (the fitted photo's) on that side, times smoothstep of the source's
    smile there over SMILE_GAIN_RANGE (see the module): the shape a frame is drawn with, not its expression.
    A frame at the source's smile or above (happiness on a smiling photo) is unchanged; below 0 is allowed."""
    out = np.array(frames, np.float32).reshape(-1, len(EXPRESSION_NAMES))
    src = np.asarray(source, np.float32).reshape(-1)
    for ch in MOUTH_SMILE:
        share = smoothstep((src[ch] - SMILE_GAIN_RANGE[0]) / np.float32(SMILE_GAIN_RANGE[1] - SMILE_GAIN_RANGE[0]))
        if share > 0:
            out[:, ch] -= np.float32((SMILE_GAIN - 1.0) * share) * np.clip(src[ch] - out[:, ch], 0.0, None)
    return out
