"""What the reenactment kernels read, as a few named structures (Numba accepts named tuples):

* :class:`SourceView`: everything about the photo and its fit that does not change per frame (the photo,
  its mouth-closed and clean-plate versions, the source projection, the part masks, the eyes, the
  fold-flattening gain);
* :class:`MeshView`: the drawn mesh (triangles, part codes, exact-flow weights);
* :class:`FrameView`: one frame's projection and per-vertex shading terms.

The part codes of the drawn triangles are defined here, once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Part codes per triangle (mouth interior: SOCKET..TEETH; eyeball: EYE, IRIS).
SKIN, SOCKET, GUMS, TEETH, EYE, IRIS = 0, 1, 2, 3, 4, 5
#: Rows of :attr:`SourceView.pmask` after the parts' (``[p - 1]`` for part p): the source render's eyeball off
#: the photo's upper lid band, and off its lower lid band (:meth:`emoshift.render.reenact.Reenactor._eye_masks`).
EYE_BALL_BELOW_UPPER, EYE_BALL_ABOVE_LOWER = 5, 6
#: Part codes up to this one are the mouth interior.
MOUTH_PARTS = TEETH


class SourceView(NamedTuple):
    """The photo and its fit, immutable per photo.

    image: (H, W, 3) uint8 photo. closed: (h, w, 3) uint8, the photo's box ``mouth`` (x0, y0, x1, y1, int64)
    with the open mouth painted shut. plate: (h, w, 5) uint8 clean plate over the source box from
    ``origin`` (x, y) int64 (RGB, then the photographed face's matte and depth: :func:`.fill.clean_plate`).
    screen: (V, 3) float32 source projection [x_px, y_px, depth]. pmask:
    (5, h, w) float32 over the source box, ``pmask[p - 1]`` how surely the photo shows part p at a pixel.
    eyes: (2, 7) float32 per eye [x, y, radius, valid, catchlight x, catchlight y, blur] of the photo's iris (photo
    pixels; the catchlight in iris radii from its centre).
    eye_colours: (EYE_ROWS, 3) float32 the photo's eye colours (:class:`~emoshift.render.eyes.PhotoEyes`:
    shared sclera and iris, each eye's own sclera, each eye's iris profile). lift: (h, w, 3) float32 over the
    source box, the colour offset that lifts the photo's mid-scale shadows (its folds, :mod:`.folds`).
    lip_shadow_px: how far (pixels) the upper lip's shadow reaches into the mouth. grain: the photo's noise
    level (grey levels), given to painted mouth pixels (:mod:`.mouth`). mouth_blur: the photo's edge blur
    around the mouth (Gaussian sigma, pixels), given to the painted mouth and the skin's seams
    (:func:`.mouth.focus_paint`, :func:`.mouth.soften_seams`; negative: neither pass runs). black:
    (3,) float32, the photo's black level, given to the painted mouth (:func:`.mouth.lift_black`).
    mouth_power: (3,) float32, the per-channel powers of the light through the lips on the photo's own teeth
    (:func:`.shaders.inner_sample`; those of the painted parts, :mod:`.source_parts`). lip_dark: (V,) float32,
    the inner lips' darkening once the lips move, lip_dark_tri: (n_skin,) bool, the skin triangles with a
    dark vertex (:func:`.mouth.darken_lips`). detail: (h, w) float32 over the source box, the photo's texture
    detail (its open mouth painted shut; :func:`.filters.texture_detail`), given to one-way stretched skin
    (:func:`.warp.detail_pass`). coef: (h', w', 3) float32, the cubic spline coefficients of the photo's box
    at ``coef_origin`` (x, y) int64 (the source box and a margin: the face is sampled as the spline through
    the photo's pixels, :func:`.shaders.photo_sample`); closed_coef: the same of ``closed``. shut: 0 .. 1, per
    frame, how far skin sampling the photo's open mouth takes ``closed`` whatever its motion (a frame whose lips
    have moved to closed or nearly closed: the photo's teeth stay under its lips, :func:`.shaders.skin_sample`).
    """

    image: np.ndarray
    closed: np.ndarray
    mouth: np.ndarray
    plate: np.ndarray
    screen: np.ndarray
    origin: np.ndarray
    pmask: np.ndarray
    eyes: np.ndarray
    eye_colours: np.ndarray
    lift: np.ndarray
    lip_shadow_px: float
    grain: float
    mouth_blur: float
    black: np.ndarray
    mouth_power: np.ndarray
    lip_dark: np.ndarray
    lip_dark_tri: np.ndarray
    detail: np.ndarray
    coef: np.ndarray
    coef_origin: np.ndarray
    closed_coef: np.ndarray
    shut: float = 0.0


class MeshView(NamedTuple):
    """tris: (T, 3) int32, skin first (``n_skin`` of them); part: (T,) int8; wexact: (V,) float32 weight of
    the exact flow; face: (T,) bool, the clean plate's face (its region's skin and the inner parts)."""

    tris: np.ndarray
    n_skin: int
    part: np.ndarray
    wexact: np.ndarray
    face: np.ndarray


class FrameView(NamedTuple):
    """screen: (V, 3) float32 projection; vcol: (V, 3) painted colours of the inner parts; ratio: (V,)
    shading ratio (frame / source) of the skin, and on the mouth interior the share of the light that
    reaches it through the frame's lips (applied to the photo's own teeth once the lips move); flat: (V,)
    in [0, 1], how far the photo's folds are flattened; keep: how far the photo's own mouth interior is kept
    (0-1: 1 while the lips have not moved); keep_eyes, keep_lower: how far the photo's eyeball is kept next
    to the upper and the lower lids (1 while that lid opens no further than the photo's)."""

    screen: np.ndarray
    vcol: np.ndarray
    ratio: np.ndarray
    flat: np.ndarray
    keep: float
    keep_eyes: float
    keep_lower: float
