"""What the reenactor derives from the photo once (a mixin of :class:`emoshift.render.reenact.Reenactor`,
see its module docstring): the soft part masks of the photo, its mouth painted shut, its clean plate, the
painted colours of the mouth interior and the eyes, and their shading.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from emoshift.jit import njit
from emoshift.rotations import axis_angle_to_matrix
from emoshift.headmodel.regions import MULTIPIE_68, vertex_indices
from emoshift.render.eyes import polygon_coverage
from emoshift.render.fill import clean_plate, fill_holes
from emoshift.render.mouth import hash_gauss
from emoshift.render.mesh_tables import model_tables
from emoshift.render.ramp import smoothstep
from emoshift.render.teeth import LUMA, light_mouth, photo_blur, photo_grain, teeth_hue
from emoshift.render.view import EYE, GUMS, IRIS, SKIN, SOCKET, TEETH

#: Default colours of the parts (sRGB 0-255) under neutral light, used when the photo shows too little
#: of a part; they are tinted by the square root of the photo's skin colour relative to REFERENCE_SKIN
#: (half its colour cast and exposure, in log terms; the teeth's brightness by its fourth root, their hue
#: the face's light on them: :func:`emoshift.render.teeth.teeth_hue`).
DEFAULT_COLOURS = {
    SOCKET: (58, 26, 27),
    GUMS: (150, 70, 74),
    TEETH: (236, 230, 216),
    EYE: (232, 226, 220),
    IRIS: (70, 50, 40),
}
REFERENCE_SKIN = (205, 160, 140)
MIN_PART_PIXELS = 40
#: How far (pixels) the source render's parts are grown before their soft photo masks are blurred.
PART_GROW_PX = 2
#: How far (pixels) the photo's open mouth is grown before it is painted shut: filled in from the lips
#: around it (a smooth fill) plus the lips' own fine texture (:func:`lip_texture`: their detail above a
#: Gaussian of LIP_TEXTURE_SIGMA pixels, at most LIP_TEXTURE_MAX grey levels) mirrored across the
#: inner-lip contour (:func:`mirror_lips`) within
#: LIP_MIRROR_FRACTION of the mouth's width (about the lips' thickness), the upper and lower halves
#: meeting over LIP_MIRROR_SEAM_PX pixels: lips that stay lips where the mouth closes, not a pink smear.
MOUTH_DILATE_PX = 1
#: ... and then by MOUTH_RIM_PX rows up and down, tapering to none over RIM_TAPER x MOUTH_RIM_PX columns
#: at its ends (not sideways, not at the corners: the mouth's corners stay where the photo has them).
#: Grown by 1 pixel only, the teeth's anti-aliased, focus-blurred rim (1-2 pixels of blur on the
#: development photos) stayed outside the hole: the fill started from it and the texture copied it, so
#: the shut lips of a smiling photo showed a grey row of ghost teeth (dev03, dev04 at sadness, contempt,
#: anger).
MOUTH_RIM_PX = 2
RIM_TAPER = 3
#: The detected inner-lip contour often lies inside the photo's real opening (a smile's upper teeth rim, the
#: dark corners): the hole is grown, within the outer-lip contour and OPENING_GROW_FRACTION x the mouth's
#: width, into connected pixels unlike the lips: darker than OPENING_DARK x the lips' median luma, or
#: brighter than OPENING_BRIGHT x it and no more colourful than OPENING_GREY x the lips' chroma (at least
#: OPENING_GREY_MIN levels of max - min). Otherwise those pixels stayed in the painted-shut lips: a row of
#: light teeth-tip dashes and dark corners in the closed lips ("mouth looks edited").
OPENING_GROW_FRACTION = 0.06
#: Teeth (the bright and the yellow pixels below) keep growing the hole up to OPENING_TEETH_FRACTION x the mouth's
#: width: a smile seen from above shows its upper teeth up to the outer-lip contour, past the detected inner one
#: by up to a fifth of the mouth's width (dev11, ~45 degrees down: a row of incisor tips stayed in the lips painted
#: shut, white fragments at sadness, contempt and disgust).
OPENING_TEETH_FRACTION = 0.25
OPENING_DARK = 0.6
OPENING_BRIGHT = 1.2
OPENING_GREY = 0.7
OPENING_GREY_MIN = 8.0
#: ... or yellower than the lips by OPENING_YELLOW ((G - B) / luma, the lips' median plus that), red at least as
#: high as green (yellow to orange), and no darker than OPENING_YELLOW_LUMA x them: teeth in warm light are as colourful as the lips, but yellow where the lips
#: are red (dev06, sunlit: a shaded tooth tip under the upper lip near the mouth's corner, (G - B) / luma
#: 0.2-0.43 against the lips' 0.06, chroma 1.4-1.7 x theirs, stayed in the painted-shut lips and was spread
#: by the fill into a yellow blob at the mouth's corner at sadness and contempt).
OPENING_YELLOW = 0.1
OPENING_YELLOW_LUMA = 0.9
LIP_MIRROR_FRACTION = 0.1
LIP_MIRROR_SEAM_PX = 3.0
LIP_TEXTURE_SIGMA = 1.5
LIP_TEXTURE_MAX = 10.0
#: ... and the lips' coarser texture (:func:`lip_bands`): the mirrored fine texture and the smooth fill carry
#: little of the lips' detail between Gaussians of 1 and 5 pixels (their creases, blotches, stubble and
#: photographic grain at that scale): the painted-shut opening of a smiling photo kept 0.45-0.67 of the lips'
#: band 1-2.5 and 0.30-0.43 of their band 2.5-5 (robust deviation, dev05, dev06, dev11, dev12), a smooth
#: patch within textured lips ("smeared / smudged / pasted" mouths in the blind panels). Per band of
#: LIP_BANDS (Gaussian sigmas, pixels), the deviation the lips have (over the lips' pixels inside the outer-lip
#: contour, outside the opening grown by 2 pixels, the opening left out of the filter, and off their edges and
#: steep shading: the luma's gradient after a Gaussian of LIP_BANDS_EDGE_SIGMA below LIP_BANDS_EDGE grey levels
#: per pixel; a smile's thin lips are mostly edge, which made a gravelly fill) that the painted opening lacks
#: is added as band-limited luma noise keyed to the photo's pixel (no repeats: mirroring that band striped
#: the opening; noise drawn out down the columns, as creases, made a row of ghost teeth), faded in over
#: LIP_BANDS_FADE_PX pixels from the opening's edge.
LIP_BANDS = ((1.0, 2.5), (2.5, 5.0))
LIP_BANDS_FADE_PX = 3
LIP_BANDS_EDGE = 2.0
LIP_BANDS_EDGE_SIGMA = 2.0
#: The lips' seam drawn through a painted-shut mouth: a dark line along the middle of the photo's opening,
#: a narrow core SEAM_DEPTH of the luma deep at its centre, as wide as the photo's own edge blur (Gaussian
#: sigma: the reenactor's measured mouth blur, SEAM_CORE_MIN_PX to SEAM_CORE_MAX_PX), in a soft shadow
#: SEAM_HALO deep and SEAM_WIDTH x the mouth's width wide (Gaussian sigma, at least 0.7 px). Without it the
#: shut lips are one smooth pink blob (the blind panels: "soft, smeared lips"); the shadow alone (0.35 deep,
#: 2.3 px on dev04's 190-px mouth) was a soft grey band, not a line. A frame whose lips close samples mostly the
#: opening's top and bottom bands (renders of dev03, dev04, dev06, dev12 at sadness, contempt, anger: 1-2 % of
#: its pixels sampling the opening sample its middle fifth), so the seam shows where the lips are barely shut.
SEAM_DEPTH = 0.4
SEAM_CORE_MIN_PX = 0.6
SEAM_CORE_MAX_PX = 1.2
SEAM_HALO = 0.12
SEAM_WIDTH = 0.012
#: ... its path smoothed along the mouth by a Gaussian of SEAM_SMOOTH_PX columns (a column where the grown
#: opening reaches a pixel further made a one-pixel step: a dark tick across the lips).
SEAM_SMOOTH_PX = 2.0
#: Disocclusion: pixels off the frame's head sample a clean plate of the photo: its face (this skin region
#: and the inner parts) grown by DISOCCLUSION_GROW_PX pixels and filled in from around it.
DISOCCLUSION_REGION = "narrow_face"
DISOCCLUSION_GROW_PX = 2
#: ... and, up to DISOCCLUSION_RIM of the face's height (brows to chin) beyond the mesh's face, the photographed
#: face's rim, as far as its colour is the face's and not the background's (:func:`emoshift.render.fill.face_rim`):
#: the fitted outline lies up to ~2 % of the face inside the photographed one (dev06's cheek and jaw), and the
#: plate kept that rim beside its fill, shown off the face as a detached, jagged light edge when the face moved in.
DISOCCLUSION_RIM = 0.05
#: Mouth darkening: the interior's colour times the light reaching it through the frame's lip opening
#: (:func:`emoshift.render.teeth.aperture_light`) to the power MOUTH_DEPTH_CM.mean() / MOUTH_DEPTH_CM per RGB
#: channel (red fades slowest: the light left deep in a mouth has bounced off its red walls; the powers of
#: the former fixed darkening exp(-depth behind the front teeth / MOUTH_DEPTH_CM)); ambient share of the
#: painted parts' shading.
MOUTH_DEPTH_CM = np.array([5.0, 3.6, 3.3], np.float32)
PART_AMBIENT = 0.7
#: ... of the teeth: higher, the teeth are a few pixels wide, so their facets would read as a mosaic.
TEETH_AMBIENT = 0.85
#: The measured teeth colour: the luma of the median of the brighter half of the photo's pixels inside its
#: open mouth, the hue (colour over luma) of the median of its brightest TEETH_HUE_SHARE: the lit faces of the
#: teeth, where the brighter half's median still picked up the lips', gums' and skin's red at the teeth's
#: anti-aliased edges and shadowed sides. Share of that hue's chroma kept: TEETH_CHROMA. The default colour
#: keeps its warm ivory (scaled by the skin's chroma).
#: With the brighter half's hue, 40 % of its chroma was kept (against the pink): teeth of the photo's own
#: light (the yellow-orange teeth of a warm-lit photo, chroma 0.60 of their luma in the brightest quarter)
#: came out grey-white (0.28; "teeth look artificial", "teeth pasted" in the blind panels, dev12).
TEETH_HUE_SHARE = 0.25
TEETH_CHROMA = 0.85
#: The photo's own teeth pixels are used only where they look like its teeth: the teeth mask is multiplied by
#: smoothstep of the pixel's luma over the measured teeth colour's from TEETH_LIKE[0] to TEETH_LIKE[1], so
#: where the model's teeth project onto the photo's dark cavity or a gap (a fit that does not match the
#: photo's teeth: a turned, laughing head) the painted teeth show instead (3 x 3 box-blurred). The photo's dark cavity warped
#: onto the model's teeth made black teeth with the photo's teeth beside them (dev06 at anger, fear,
#: surprise: "mouth interior odd", "mouth interior blurry").
TEETH_LIKE = (0.35, 0.65)
#: ... the luma read on the photo's rows closed over TEETH_SEPARATION x the opening's width (:func:`close_rows`: a dark
#: line no wider than that between lighter pixels takes their luma): a tooth's separations and the narrow notches
#: between its neighbours' incisal corners are the photo's teeth too. Gated by their own luma (below TEETH_LIKE[0] of
#: the teeth's: dev04's separations, 2-4 px at 1000 px), they were cut out of the photo's teeth and filled with the
#: painted teeth's lighter colour (3 x 3 box-blurred): the photo's own separations faded to grey smears once its lips
#: moved (the edges within its teeth measured 1.06-1.97 px of blur at anger, disgust, fear, surprise against 1.00 in the
#: photo; ``bench/bench_teeth_crisp.py``, issue 11 "teeth blurred" on 12 of dev04's renders). Closed: those edges' blur
#: dev12 anger 0.94 -> 0.83 px, fear 1.23 -> 1.16, surprise 1.48 -> 1.32, dev04 disgust 1.06 -> 0.89, dev06 anger 0.75
#: -> 0.65 (fear 0.40 -> 0.50), the teeth rows' contrast at the panel's 256 px dev12 0.071-0.079 -> 0.076-0.083 (its own
#: teeth 0.073); the dark cavity stays out (a gap wider than the span: tests/render/test_mouth_teeth_colour.py). 0: each
#: pixel alone (before session 24).
TEETH_SEPARATION = 0.03
#: ... and faded in below the photo's upper inner-lip contour: by smoothstep of a pixel's rows below the contour in its
#: column over TEETH_UNDER_LIP x the opening's width. Those rows of the photo's teeth lie in its upper lip's shadow
#: (dev04's smiling teeth, warped into its anger frame: 0.46-0.6 of their lit faces' luma, lit only some 8-10 % of the
#: mouth's width below the lip); where the frame's lip moves off them (anger's raised lip, fear's and surprise's
#: dropped jaw) the photo's shadow stood as a dark band across the middle of the teeth, between the painted crowns
#: above it and the photo's lit teeth below (dev04, dev12, dev06 at anger and fear: "teeth smeared", "teeth pasted").
#: The painted teeth there take the frame's own lip shadow (:mod:`emoshift.render.mouth`, TEETH_LIP_*). 0: no fade
#: (before session 23).
#: Only the shadowed teeth fade: a pixel as light as TEETH_UNDER_LIP_LIT[1] of the measured teeth colour's luma is kept
#: (smoothstep from TEETH_UNDER_LIP_LIT[0]), so lit teeth right under the lip (a thin band of them between parted
#: lips, tests/render/test_mouth_teeth_colour.py) stay the photo's.
TEETH_UNDER_LIP = 0.1
TEETH_UNDER_LIP_LIT = (0.7, 0.9)
#: Nor are red pixels more colourful than the measured teeth colour the photo's teeth: the mask is multiplied by 1 -
#: red x smoothstep of the pixel's chroma (max - min channel over luma) less the teeth colour's from TEETH_RED_CHROMA[0]
#: to [1], red = 1 - smoothstep of (G - B) / (max - min) from TEETH_RED_HUE[0] to [1] where red is the largest channel
#: (hue within about 10 degrees of red or towards magenta: lips, gums; not a yellow or orange tooth, a stain, a warm
#: light: (G - B) / (max - min) 0.32-0.38 on dev06's stained tooth and dev12's teeth). The lips' wet edge inside the
#: detected contour and the grown teeth mask, as light as teeth, stood as a pink stripe across the painted teeth (dev03
#: at every open-mouth emotion: 618 of its 1115 mask pixels above 0.5, e.g. (235, 166, 161), (214, 127, 120)). The mask's
#: sum: dev03 1096 -> 445, dev06 3078 -> 2989 (its orange stained tooth kept), dev12 1348 -> 1220, dev11 678 -> 664.
TEETH_RED_CHROMA = (0.05, 0.15)
TEETH_RED_HUE = (0.15, 0.3)
#: The tongue (gums/tongue vertices clear of the teeth, below the upper incisors): this much lighter than
#: the gums' colour (per RGB channel), so an open mouth shows a tongue, not one flat dark red.
TONGUE_LIGHTER = np.array([1.3, 1.35, 1.35], np.float32)
TONGUE_CLEARANCE_CM = 0.5
#: The photo's teeth (inside its open mouth) are used only when their median luma is at least this share of
#: the face skin's: a darker "teeth" colour is the shadowed slit of a barely parted mouth (then neither its
#: colour nor its pixels are reused).
TEETH_MIN_SKIN_LUMA = 0.9
#: The gums at the front (within FRONT_GUMS_CM of the teeth's front, not the tongue: the gum line and the
#: papillae between the teeth) are this much lighter than the gums' colour: lit mucosa, not the dark red of
#: the palate, so papillae between bared teeth do not read as black triangles.
FRONT_GUMS_LIGHTER = np.array([1.9, 2.1, 2.1], np.float32)
FRONT_GUMS_CM = 1.0
#: The photo's grain is measured on the face skin within GRAIN_REACH x the mouth's width of the lips.
GRAIN_REACH = 0.6
#: The photo's focus (:func:`emoshift.render.teeth.photo_blur`) is measured over the lips' box grown by
#: FOCUS_REACH x the mouth's width (the lip lines and teeth; further out, stubble and hair are sharper).
FOCUS_REACH = 0.3
#: The photo's black level: the mean colour of the darkest BLACK_PERCENTILE % (by luma) of the head's box,
#: at most BLACK_MAX per channel (the 12 development photos: 0-32; a flat, hazy photo must still get a dark
#: mouth). The painted interior is raised to it (:func:`emoshift.render.mouth.lift_black`).
BLACK_PERCENTILE = 0.1
BLACK_MAX = 32.0
#: The front teeth's faces in the default colour come out at its luma or, brighter, at the face's light on
#: them (TEETH_OVER_SKIN x the skin's luma or the eye white's: the tinted default's own luma, 227-243, is not
#: a limit in bright light), at most the photo's white point (:meth:`SourceParts._white_level`) x TEETH_WHITE
#: (at least TEETH_MAX_DEFAULT; the lit faces' brightest pixels may clip, as a high-key photo's teeth do).
#: Before, their brightest channel was capped at TEETH_MAX_DEFAULT: on the high-key dev09 (skin luma 213) and
#: on dev07 the painted teeth came out at 0.71-0.90 of the skin's luma around the lips, grey (real open
#: mouths: 1.1-2.4).
TEETH_MAX_DEFAULT = 232.0
TEETH_WHITE = 1.05
#: The photo's white point: the WHITE_PERCENTILE-th percentile of luma over the source box.
WHITE_PERCENTILE = 99.5
#: Teeth the photo does not show are no brighter than the face's light allows: at most TEETH_OVER_SKIN x
#: the face skin's luma (teeth over skin in the photos that show teeth: 1.1-1.7, median 1.4; 2.2 on dark
#: skin in good light), or the photo's eye white (:func:`emoshift.render.eyes.sclera_colour`) where it
#: shows its eyes and that is brighter. The tinted default alone put studio-white teeth into faces in
#: shade (luma 193 on skin of 80: the blind panels' "teeth pasted in").
TEETH_OVER_SKIN = 1.4


#: The inner lips (the wet surface of each lip beyond the line where the photo's lips meet, which the photo
#: never shows): a lip vertex whose source projection lies past the photo's inner-lip contour (the upper lip's
#: below the upper contour, the lower lip's above the lower one) sampled the other lip, stretched up to 8x
#: (it faces away from the camera in the source): opened, the upper lip carried the photo's lip line and a
#: smeared band of the lower lip under it (a doubled, thick lip ring: "mouth looks pasted"). Such a vertex
#: samples its own lip instead, at its distance along the surface from the contour (cm on the rest face,
#: times the photo's pixels per cm: unstretched) mirrored about the contour, within
#: INNER_LIP_BAND of the lip's thickness there, compressed towards it: at surface distance x px the sample lies
#: band x (1 - exp(-x / band)) px into the lip (1:1 at the contour, never past the band; :func:`inner_lips`):
#: the inner lip is the lip's inner edge carried on, not a second lip; it fades out towards the mouth's corners
#: over INNER_LIP_CORNER of its width. (Issue 11 part 5, "fish lips": opened, the head model turns the inner
#: lips towards the camera, at the apexes 0.04 (anger) - 0.09 (surprise) of the mouth's width more lip; sampled
#: unstretched, bouncing within 0.8 of the lip's thickness, it read as more lip and a dark band: the rendered
#: upper lip 1.19 x (fear), 1.62 x (surprise) its photo's thickness, where real lips stretch thinner as they
#: open: bench/bench_mouth_real.py's r_up, r_lo; the band alone left them as thick, anger / fear / surprise 1.04 /
#: 1.26 / 1.58: mouth_real_lips15_band02.json, hence INNER_LIP_TUCK.)
INNER_LIP_BAND = 0.2
INNER_LIP_CORNER = 0.12
#: ... and it is darkened (:func:`emoshift.render.mouth.darken_lips`) by up to INNER_LIP_DARK (the upper lip's,
#: turned down into the mouth's shadow) or INNER_LIP_DARK_LOWER (the lower lip's, facing up into the light
#: through the opening), by smoothstep of that distance over INNER_LIP_DARK_CM. Not darker: the rendered upper
#: lip's inner edge (bench_mouth_real's rim_up, over the lips' luma) is already darker than the real open
#: mouths' (0.46-0.86, median 0.78): tucked (INNER_LIP_TUCK), 0.50 / 0.55 / 0.62 at darkenings 0.4 / 0.2 / 0
#: (anger, dev01, dev03, dev07); lips14's 0.65 / 0.55 over 0.3 cm only thinned the lips by darkening them into
#: the opening (at 0.8: the opening's dark share 0.35 -> 0.50). A speaking video frame darkens by its own
#: constants (:data:`emoshift.render.reenact.SPEECH_LIP_DARK`).
INNER_LIP_DARK = 0.4
INNER_LIP_DARK_LOWER = 0.4
INNER_LIP_DARK_CM = 0.6
#: Tuck (issue 11 part 5, "fish lips"): the head model turns its inner lip surface to the camera as the jaw
#: drops (jawOpen 0.4 alone: the visible upper lip 0.130 -> 0.226 of the mouth's width), so however it was
#: sampled the parted lips read as a second, thicker lip ring, where a real lip's wet inner side stays against
#: the teeth and the lip thins as it stretches. As the lips part (1 - keep, times smoothstep of the lip gap over
#: LIP_PART_CM: :meth:`emoshift.render.reenact.Reenactor._frame_shapes`), each inner-lip vertex of the frame's
#: shape is drawn towards its anchor (the nearest vertex of its lip short of the line where the photo's lips
#: meet, on the rest face: :class:`InnerLips`) by INNER_LIP_TUCK x its corner fade (:func:`tuck_inner_lips`):
#: the opening shows what the inner lip hid (the upper incisors; where the upper lip is raised, a shout or
#: disgust, the gums' papillae between them). bench/bench_mouth_real.py (apexes of dev01-04, dev07, dev12 and
#: the astronaut; bench/results/mouth_real_lips15.json against mouth_real_main15.json): the upper lip's
#: thickness at the middle over the photo's own (r_up) anger / fear / surprise 0.98 / 1.19 / 1.62 -> 1.03 /
#: 1.06 / 1.40 (anger's upper lip, raised, is not tucked: :data:`emoshift.render.reenact.UPPER_LIP_RAISED_CM`),
#: the lower lip's (r_lo) 0.95 / 1.22 / 1.49 -> 0.95 / 1.06 / 1.33, the opening's dark share 0.15 / 0.20 / 0.35
#: -> 0.15 / 0.18 / 0.28 (real open mouths 0.00-0.36), surprise's lower third 0.53 -> 0.63 of the lips (real
#: 0.85). 0.95 thinned dev01's and dev02's little further (surprise r_up 1.22 -> 1.19); an upper lip tucked by
#: 0.6 showed its papillae as much as at 0.8.
INNER_LIP_TUCK = 0.8

#: Lip edges: a lip the frame stretches across its thickness (disgust's raised upper lip, a shout's lower lip:
#: 2-3x) spread the photo's lip-skin edge and its lip line over 2-3x the pixels (soft, smeared lips: "lips
#: look painted", "mouth smeared" in the blind panels). Each vermilion vertex (between the photo's outer and
#: inner lip contours) samples the photo at a source distance from its outer contour remapped from its frame
#: distance (:func:`lip_edge_remap`): unstretched (slope 1) over EDGE_SHARE of the lip's source thickness at
#: each edge, the stretch taken up by the lip's middle (a smooth band, given back its grain by the warp's
#: magnified-skin grain). Faded out towards the mouth's corners over EDGE_CORNER of its width and in as the
#: frame stretches the lip by EDGE_STRETCH (1 + smoothstep((m - 1) / (EDGE_STRETCH - 1)) blend); lips under
#: EDGE_MIN_PX thick in the photo keep the plain warp.
EDGE_SHARE = 0.3
EDGE_CORNER = 0.15
EDGE_STRETCH = 1.3
EDGE_MIN_PX = 3.0
#: Vermilion thickness (issue 11 part 5, "fish lips", the blind panels' "mouth looks pasted", "oversized",
#: "rubbery"): as the jaw drops the head model's lips roll out, so the vermilion between the photo's outer
#: contour and the line where its lips meet spreads across the lip (dev01 at surprise: its upper lip's 13 px
#: drawn over 21, the inner lip tucked to 3 px below it), where a real lip stretched open keeps its thickness
#: or thins. As the lips part (the tuck's amount: 1 - keep times smoothstep of the lip gap over LIP_PART_CM),
#: each vermilion vertex of the frame's shape (:class:`LipEdges`) is drawn towards its outer contour point so
#: the lip is at most LIP_THICK_MAX x its photographed thickness there (:func:`thin_lips`, frame pixels
#: estimated from the head frame's cm by the source projection's pixels per cm between the same two points);
#: the inner lip beyond the line follows its anchor, so what the lip gave up shows the opening (teeth, the
#: cavity), not a band of stretched lip. A lip raised off the teeth (anger's, disgust's upper lip) is not thinned, as it
#: is not tucked (:data:`emoshift.render.reenact.UPPER_LIP_RAISED_CM`: it bared the papillae). bench_mouth_real
#: (dev01-04, dev07, dev12, astronaut; mouth_real_lips17.json vs mouth_real_lips17_before.json): r_up anger / fear /
#: surprise 1.12 / 1.10 / 1.39 -> 1.11 / 1.03 / 1.25, r_lo 0.98 / 1.10 / 1.37 -> 0.96 / 1.01 / 1.24 (over the
#: mouth's width, which narrows to 0.8-0.95 at surprise: in pixels the lips are ~1.0-1.1 x the photo's); the
#: opening's dark share 0.15 / 0.18 / 0.28 -> 0.15 / 0.16 / 0.26.
LIP_THICK_MAX = 0.95
#: A raised upper lip (issue 11, anger's "mouth pasted / oversized / distorted": AU10 in anger's shout and disgust,
#: :data:`emoshift.render.reenact.UPPER_LIP_RAISED_CM`): the head model everts it, so at the apexes of the 12
#: development photos the frame's upper lip at the middle (its vermilion and the inner side turned to the camera,
#: rows of skin from the photo's outer contour down to the opening: bench/bench_raised_lip.py) stood 1.14-3.58 x the
#: photo's lip (median anger 1.63, disgust 1.84). Its vermilion is barely stretched (thinned as a parting lip: 1.74
#: -> 1.74 on dev01); the everted inner side is the excess, and tucked (towards the line where the lips met) it
#: bared the gums' papillae between the upper teeth as pink dots (half tucked too) and lengthened the teeth. So a
#: raised upper lip is thinned from its outer edge instead, keeping where it ends above the teeth (what the
#: opening shows is unchanged): per column, its visible band (head-frame depth T from its outer contour to its
#: lowest vertex) is drawn to at most LIP_THICK_MAX x the photo's thickness B, depth x -> T - (T - x) B / T, the
#: outer contour lowered by D = T - B and the skin above it following over RAISED_LIP_REACH_CM (x -> x + D (1 -
#: smoothstep(-x / reach)): it stretches there, giving back part of the raise's compression of the upper lip's
#: skin), by smoothstep of the raise (:func:`thin_lips` ``raised``).
RAISED_LIP_REACH_CM = 1.0
#: On; off, a raised upper lip is not thinned (the parting lip's amount times 1 - ``raised``), as before session 19.
RAISED_LIP_THIN = True
#: ... counting and moving only vertices less than RAISED_LIP_FRONT_CM behind the column's outer contour (head-frame
#: z): the source projection also lays hidden vertices of the back of the head (18 cm behind) over the lips.
RAISED_LIP_FRONT_CM = 2.0
#: ... measuring depth from the outer contour's running median over RAISED_LIP_MEDIAN of its points along the
#: mouth: a contour point located in a triangle the frame folds (the everted lip) dropped 0.7 cm below its
#: neighbours (dev02), and the vertices over it, taken as skin above the lip, stayed up: a notch at the middle.
RAISED_LIP_MEDIAN = 21
#: ... and faded out on faces turned or tilted off the camera (:func:`emoshift.render.residual.view_fade` of the
#: source rotation, ``lip_thinning``'s ``view``): seen 45-48 degrees off axis (dev05, dev11) the lip's depth counted
#: vertices hidden behind it (dev05: 1.62 cm, the skin above lowered 1.1 cm into the mouth, a folded lip) or the
#: photo's thickness was foreshortened out of measure (dev11: 4.4 cm). At most RAISED_LIP_MAX_CM lowered (the six
#: frontal photos' 0.27-0.39).
RAISED_LIP_MAX_CM = 0.5
#: Columns of the lip binned every RAISED_LIP_BIN of the mouth's width to find their lowest vertex (and the bins
#: on either side); the median over the middle half's columns is the lip's depth (each column's own left a ragged,
#: wavy outer contour on dev07's lipstick and dev02's upper lip: the model's inner lip folds up near the middle).
RAISED_LIP_BIN = 0.03


def _contour_profile(points: np.ndarray, origin: np.ndarray, u: np.ndarray, n: np.ndarray):
    """(along, across) of (k, 2) image ``points`` in the mouth's frame (origin, unit axes u along, n across),
    sorted along."""
    p = np.asarray(points, np.float64) - origin
    a, b = p @ u, p @ n
    k = np.argsort(a)
    return a[k], b[k]


class _MouthFrame(NamedTuple):
    """Vertices in the photo's mouth frame (:func:`_mouth_frame`): the left inner corner ``left``, unit axes
    ``u`` (along, to the right corner) and ``n`` (across, downwards in the image), the inner corners'
    distance ``width`` (px); each vertex's (V,) ``a`` along and ``b`` across, and the inner upper / lower
    and outer upper / lower lip contours' ``b`` at its ``a``."""

    left: np.ndarray
    u: np.ndarray
    n: np.ndarray
    width: float
    a: np.ndarray
    b: np.ndarray
    c_up: np.ndarray
    c_lo: np.ndarray
    o_up: np.ndarray
    o_lo: np.ndarray


def _mouth_frame(screen: np.ndarray, inner: np.ndarray, outer: np.ndarray) -> _MouthFrame | None:
    """The (V, >= 2) ``screen`` in the mouth frame of the photo's detected (20, 2) ``inner`` and ``outer``
    lip contours (as :func:`inner_lips`); None for a mouth under 4 px wide."""
    inner, outer = np.asarray(inner, np.float64), np.asarray(outer, np.float64)
    left, right = inner[0], inner[10]
    width = float(np.linalg.norm(right - left))
    if width < 4.0:
        return None
    u = (right - left) / width
    n = np.array([-u[1], u[0]])  # across the mouth, downwards in the image
    cu = _contour_profile(inner[:11], left, u, n)
    cl = _contour_profile(np.concatenate([inner[10:], inner[:1]]), left, u, n)
    ou = _contour_profile(np.concatenate([outer[10:], outer[:1]]), left, u, n)
    ol = _contour_profile(outer[:11], left, u, n)
    p = np.asarray(screen, np.float64)[:, :2] - left
    a, b = p @ u, p @ n
    c_up, c_lo, o_up, o_lo = (np.interp(a, *c) for c in (cu, cl, ou, ol))
    return _MouthFrame(left, u, n, width, a, b, c_up, c_lo, o_up, o_lo)


class InnerLips(NamedTuple):
    """The inner lips of a source (:func:`inner_lips`): (V, 2) float32 change of the source projection
    ``delta`` and (V,) float32 darkening ``dark``; the inner-lip vertices ``idx`` (n,), each one's ``anchor``
    (n,) (the nearest vertex of its lip short of the line where the photo's lips meet, on the rest face) and
    its ``weight`` (n,) (faded out towards the mouth's corners, INNER_LIP_CORNER)."""

    delta: np.ndarray
    dark: np.ndarray
    idx: np.ndarray
    anchor: np.ndarray
    weight: np.ndarray


def _opening_width(opening: np.ndarray | None) -> int:
    """Columns (pixels) from the first to the last of the photo's open mouth ``opening`` (its coverage over the
    source box, > 0.5 inside); 0 without one."""
    if opening is None:
        return 0
    cols = np.flatnonzero((opening > 0.5).any(0))
    return int(cols[-1] - cols[0]) if len(cols) > 1 else 0


def _under_lip_fade(opening: np.ndarray | None) -> np.ndarray | float:
    """(h, w) float32 over the source box: smoothstep of each pixel's rows below the top of the photo's open mouth
    ``opening`` (its coverage, > 0.5 inside) in its column over TEETH_UNDER_LIP x the opening's width (TEETH_UNDER_LIP);
    1.0 without an opening or a fade."""
    width = _opening_width(opening)
    if width == 0 or TEETH_UNDER_LIP <= 0.0:
        return 1.0
    inside = opening > 0.5
    top = np.argmax(inside, axis=0)  # the first row inside, per column (0 where none: masked out by the opening)
    rows = np.arange(inside.shape[0], dtype=np.float32)[:, None] - top[None, :]
    return smoothstep(rows / np.float32(TEETH_UNDER_LIP * width)).astype(np.float32)


def _lip_red(photo: np.ndarray, teeth: np.ndarray) -> np.ndarray:
    """(h, w) float32 of (h, w, 3) ``photo``: how surely a pixel is red lip or gum rather than teeth of colour ``teeth``
    (3,) (TEETH_RED_CHROMA, TEETH_RED_HUE)."""
    pix = photo.astype(np.float32)
    hi, lo = pix.max(2), pix.min(2)
    c = np.maximum(hi - lo, 1.0)
    red = (pix[..., 0] >= hi) * (1.0 - smoothstep(((pix[..., 1] - pix[..., 2]) / c - TEETH_RED_HUE[0])
                                                  / (TEETH_RED_HUE[1] - TEETH_RED_HUE[0])))  # fmt: skip
    t = np.asarray(teeth, np.float32)
    excess = (hi - lo) / np.maximum(pix @ LUMA, 1.0) - float(t.max() - t.min()) / max(float(t @ LUMA), 1.0)
    return (red * smoothstep((excess - TEETH_RED_CHROMA[0]) / (TEETH_RED_CHROMA[1] - TEETH_RED_CHROMA[0]))).astype(np.float32)


def inner_lips(
    screen: np.ndarray, rest: np.ndarray, skin: np.ndarray, lower: np.ndarray, inner: np.ndarray,
    outer: np.ndarray, px_per_cm: float, dark: tuple[float, float, float] | None = None,
) -> InnerLips:
    """The inner lips (:class:`InnerLips`; see INNER_LIP_BAND, INNER_LIP_DARK, INNER_LIP_TUCK).

    Args:
        screen: (V, >= 2) source projection (pixels); rest: (V, 3) rest shape (cm); skin, lower: (V,) bool,
            the skin's vertices and those that move with the jaw (the lower lip's); inner, outer: (20, 2) the
            photo's detected inner (MediaPipe's INNER_LIPS order: left corner, the upper lip to the right
            corner, the lower lip back) and outer (OUTER_LIPS order: left corner, the lower lip, the right
            corner, the upper lip) lip contours; px_per_cm: the photo's pixels per cm at the lips; dark: the
            darkening (upper lip's, lower lip's, over cm), default (INNER_LIP_DARK, INNER_LIP_DARK_LOWER,
            INNER_LIP_DARK_CM).
    """
    dark_up, dark_lo, dark_cm = (INNER_LIP_DARK, INNER_LIP_DARK_LOWER, INNER_LIP_DARK_CM) if dark is None else dark
    delta, shade = np.zeros((len(screen), 2), np.float32), np.zeros(len(screen), np.float32)
    none = np.zeros(0, np.int64)
    empty = InnerLips(delta, shade, none, none, np.zeros(0, np.float32))
    m = _mouth_frame(screen, inner, outer)
    if m is None:
        return empty
    width, n, a, b, c_up, c_lo, o_up, o_lo = m.width, m.n, m.a, m.b, m.c_up, m.c_lo, m.o_up, m.o_lo
    beyond = np.where(lower, c_lo - b, b - c_up)  # past the contour, towards the other lip
    w = smoothstep(np.minimum(a, width - a) / (INNER_LIP_CORNER * width)) * np.asarray(skin, bool)
    go = np.flatnonzero((beyond > 0) & (w > 0) & (b > o_up - 2.0) & (b < o_lo + 2.0))
    if len(go) == 0:
        return empty
    # distance along the surface from the line where the photo's lips meet: from each such vertex to the
    # nearest vertex of its lip short of that line (beyond <= 0), less that one's own distance from the line
    # (it faces the camera: its pixels are its cm)
    low = np.asarray(lower, bool)[go]
    short = np.flatnonzero((beyond <= 0) & (w > 0) & (b > o_up - 2.0) & (b < o_lo + 2.0))
    pts, cm = np.asarray(rest, np.float64), np.zeros(len(go))
    anchor = go.copy()  # a lip with no vertex short of the line: its own (not tucked)
    for side in (False, True):
        mine, ref = go[low == side], short[np.asarray(lower, bool)[short] == side]
        if len(mine) == 0:
            continue
        if len(ref) == 0:
            cm[low == side] = dark_cm
            continue
        k, d2 = nearest(pts, mine, ref)
        cm[low == side] = np.maximum(np.sqrt(d2) + beyond[ref[k]] / px_per_cm, 0.0)
        anchor[low == side] = ref[k]
    band = np.maximum(INNER_LIP_BAND * np.where(low, (o_lo - c_lo)[go], (c_up - o_up)[go]), 0.5)
    x = np.maximum(cm * px_per_cm, beyond[go])
    into = band * -np.expm1(-x / band)  # 0 .. band: the lip's inner edge, compressed towards the contour
    target = np.where(low, c_lo[go] + into, c_up[go] - into)
    delta[go] = ((target - b[go]) * w[go])[:, None] * n[None]
    shade[go] = np.where(low, dark_lo, dark_up) * w[go] * smoothstep(cm / dark_cm)
    return InnerLips(delta, shade, go, anchor, w[go].astype(np.float32))


def tuck_inner_lips(shaped: np.ndarray, idx: np.ndarray, anchor: np.ndarray, weight: np.ndarray,
                    amount: np.ndarray) -> None:
    """The inner lips ``idx`` (n,) of (T, V, 3) unposed ``shaped`` drawn in place towards their ``anchor`` (n,)
    (:class:`InnerLips`) by INNER_LIP_TUCK x their ``weight`` (n,) x the frame's ``amount`` in [0, 1], (T,) or
    per vertex (T, n)."""
    if len(idx) == 0:
        return
    a = np.asarray(amount, np.float32)
    a = a.reshape(len(a), -1)  # (T, 1) or (T, n)
    s = np.float32(INNER_LIP_TUCK) * a[:, :, None] * np.asarray(weight, np.float32)[None, :, None]
    shaped[:, idx] -= s * (shaped[:, idx] - shaped[:, anchor])


def nearest(points: np.ndarray, which: np.ndarray, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of the points ``which`` (n,) indices into (V, 3) float64 ``points``: the position in ``among``
    (m,) of its nearest point (the first of equals) and the squared distance to it; the same as
    ``d2 = ((points[which, None] - points[None, among]) ** 2).sum(2)``, ``d2.argmin(1)`` and its minima, to
    the bit (:func:`_nearest_into`), without the (n, m, 3) arrays (3-4 ms of each video frame's reenactor)."""
    pts = np.ascontiguousarray(points, np.float64)
    k, d2 = np.zeros(len(which), np.int64), np.zeros(len(which), np.float64)
    if len(which) and len(among):
        _nearest_into(pts, np.ascontiguousarray(which, np.int64), np.ascontiguousarray(among, np.int64), k, d2)
    return k, d2


@njit(cache=True, nogil=True)
def _nearest_into(pts, which, among, k_out, d2_out):  # pragma: no cover - jitted
    """:func:`nearest`: each squared distance summed as numpy's ``sum(2)`` does ((dx^2 + dy^2) + dz^2); a
    candidate whose dx^2 alone is not below the best so far cannot be nearer (the sum only grows) and is
    skipped; ties keep the first (as ``argmin``)."""
    for i in range(which.shape[0]):
        p = which[i]
        x, y, z = pts[p, 0], pts[p, 1], pts[p, 2]
        best, at = np.inf, 0
        for j in range(among.shape[0]):
            q = among[j]
            dx = x - pts[q, 0]
            d = dx * dx
            if d >= best:
                continue
            dy = y - pts[q, 1]
            d = d + dy * dy
            dz = z - pts[q, 2]
            d = d + dz * dz
            if d < best:
                best, at = d, j
        k_out[i] = at
        d2_out[i] = best


class LipEdges(NamedTuple):
    """Per vermilion vertex (``idx``): its source distances (pixels) from its lip's outer and inner contour
    (``a_s``, ``c_s``), the unit source direction from the outer contour towards the inner one (``across``
    (n, 2)), the corner fade ``weight``, and the points of the two contours across from it as triangles'
    vertices (``out_v``, ``in_v`` (n, 3) int) and barycentric weights (``out_b``, ``in_b`` (n, 3))."""

    idx: np.ndarray
    a_s: np.ndarray
    c_s: np.ndarray
    across: np.ndarray
    weight: np.ndarray
    out_v: np.ndarray
    out_b: np.ndarray
    in_v: np.ndarray
    in_b: np.ndarray


def _locate(points: np.ndarray, screen: np.ndarray, tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) vertices and barycentric weights of the triangle of ``tris`` (k, 3) containing each of the (n, 2)
    ``points`` under (V, >= 2) ``screen`` (the nearest one, weights clipped and renormalised, when none does)."""
    p = np.asarray(screen, np.float64)[:, :2][tris]  # (k, 3, 2)
    a, e1, e2 = p[:, 0], p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    ok = np.abs(det) > 1e-9
    a, e1, e2, det, tris = a[ok], e1[ok], e2[ok], det[ok], tris[ok]
    points = np.ascontiguousarray(points, np.float64).reshape(-1, 2)
    k = np.zeros(len(points), np.int64)
    if len(points) and len(tris):
        _containing(points, np.ascontiguousarray(a), np.ascontiguousarray(e1), np.ascontiguousarray(e2), det, k)
    d = points - a[k]
    l1 = (d[:, 0] * e2[k, 1] - d[:, 1] * e2[k, 0]) / det[k]
    l2 = (e1[k, 0] * d[:, 1] - e1[k, 1] * d[:, 0]) / det[k]
    b = np.clip(np.stack([1 - l1 - l2, l1, l2], -1), 0, None)
    return tris[k], b / np.maximum(b.sum(1, keepdims=True), 1e-9)


@njit(cache=True, nogil=True)
def _containing(points, a, e1, e2, det, k_out):  # pragma: no cover - jitted
    """:func:`_locate`'s search: per point the first triangle with the largest sum of its negative barycentric
    weights (0: it contains the point, and no later one can beat it), each weight computed as numpy's
    elementwise arrays did (``(d_x e2_y - d_y e2_x) / det``, ...) and the sum in numpy's order, so the pick is
    the former (n, k) arrays' argmax to the bit."""
    for i in range(points.shape[0]):
        best, at = -np.inf, 0
        for t in range(a.shape[0]):
            dx = points[i, 0] - a[t, 0]
            dy = points[i, 1] - a[t, 1]
            l1 = (dx * e2[t, 1] - dy * e2[t, 0]) / det[t]
            l2 = (e1[t, 0] * dy - e1[t, 1] * dx) / det[t]
            s = min(1 - l1 - l2, 0.0) + min(l1, 0.0)
            s = s + min(l2, 0.0)
            if s > best:
                best, at = s, t
                if s == 0.0:
                    break
        k_out[i] = at


def lip_edge_anchors(screen: np.ndarray, tris: np.ndarray, skin: np.ndarray, lower: np.ndarray, inner: np.ndarray,
                     outer: np.ndarray) -> LipEdges | None:
    """The vermilion vertices and their contour points (:class:`LipEdges`, see EDGE_SHARE) of the (V, >= 2)
    source projection ``screen``; ``tris`` (k, 3) the skin triangles, ``skin``, ``lower`` (V,) bool the skin's
    vertices and the lower lip's (they move with the jaw); ``inner``, ``outer`` the photo's detected lip
    contours (as :func:`inner_lips`). None when the mouth is too small or no lip is thick enough."""
    m = _mouth_frame(screen, inner, outer)
    if m is None:
        return None
    left, u, n, width, a, b = m.left, m.u, m.n, m.width, m.a, m.b
    c_up, c_lo, o_up, o_lo = m.c_up, m.c_lo, m.o_up, m.o_lo
    low = np.asarray(lower, bool)
    o_c, i_c = np.where(low, o_lo, o_up), np.where(low, c_lo, c_up)
    sign = np.where(low, -1.0, 1.0)  # from the outer contour towards the inner one, along n
    a_s, c_s = sign * (b - o_c), sign * (i_c - b)
    w = smoothstep(np.minimum(a, width - a) / (EDGE_CORNER * width))
    idx = np.flatnonzero(np.asarray(skin, bool) & (a_s > 0) & (c_s > 0) & (a_s + c_s >= EDGE_MIN_PX) & (w > 0))
    if len(idx) == 0:
        return None
    sk = np.asarray(skin, bool)[tris].all(1)
    out_v, out_b = np.zeros((len(idx), 3), np.int64), np.zeros((len(idx), 3))
    in_v, in_b = np.zeros((len(idx), 3), np.int64), np.zeros((len(idx), 3))
    base = left + a[idx, None] * u
    pts_out = base + o_c[idx, None] * n
    pts_in = base + i_c[idx, None] * n  # located on its own lip's triangles
    near = np.abs(b - 0.5 * (o_up + o_lo)) < 0.5 * (o_lo - o_up) + 3.0
    for side in (False, True):
        sel = low[idx] == side
        mine = tris[sk & (low[tris] == side).all(1) & near[tris].all(1)]
        if not sel.any() or len(mine) == 0:
            continue
        out_v[sel], out_b[sel] = _locate(pts_out[sel], screen, mine)
        in_v[sel], in_b[sel] = _locate(pts_in[sel], screen, mine)
    across = (sign[idx, None] * n[None]).astype(np.float32)
    return LipEdges(idx, a_s[idx].astype(np.float32), c_s[idx].astype(np.float32), across, w[idx].astype(np.float32),
                    out_v, out_b.astype(np.float32), in_v, in_b.astype(np.float32))


def contour_points(shape: np.ndarray, edges: LipEdges) -> tuple[np.ndarray, np.ndarray]:
    """The (..., n, k) points of ``edges``' outer and inner contour points on (..., V, k) ``shape``."""
    s = np.asarray(shape, np.float32)
    return ((s[..., edges.out_v, :] * edges.out_b[..., None]).sum(-2),
            (s[..., edges.in_v, :] * edges.in_b[..., None]).sum(-2))  # fmt: skip


def lip_edge_remap(edges: LipEdges, frame: np.ndarray) -> np.ndarray:
    """(n, 2) float32 change of the source projection of ``edges.idx`` for a frame projected at (V, >= 2)
    ``frame`` (see EDGE_SHARE): each vertex's frame distance from its lip's outer contour point x_f of the
    lip's frame thickness t_f (to the inner contour point) maps to the source distance g(x_f): slope 1 within
    e = EDGE_SHARE x t_s of either edge, linear between (t_s the source thickness); no change where the frame
    does not stretch the lip."""
    f = np.asarray(frame, np.float32)[:, :2]
    p_out, p_in = contour_points(f, edges)
    v = f[edges.idx]
    x_f = np.linalg.norm(v - p_out, axis=1)
    t_f = x_f + np.linalg.norm(p_in - v, axis=1)
    t_s = edges.a_s + edges.c_s
    m = t_f / np.maximum(t_s, 1e-3)
    e = EDGE_SHARE * t_s
    mid = (x_f - e) * (t_s - 2 * e) / np.maximum(t_f - 2 * e, 1e-3) + e
    g = np.where(x_f < e, x_f, np.where(x_f > t_f - e, t_s - (t_f - x_f), mid))
    g = np.clip(g, 0.0, t_s)
    w = edges.weight * smoothstep((m - 1.0) / (EDGE_STRETCH - 1.0))
    return ((w * (g - edges.a_s))[:, None] * edges.across).astype(np.float32)


class LipThinning(NamedTuple):
    """What :func:`thin_lips` needs of a source (:func:`lip_thinning`): the vermilion's contour points ``edges``
    (:class:`LipEdges`), their source pixels per cm of the head frame's x, y ``px_per_cm`` (n,) (the pose's
    foreshortening of a lip's thickness), their position along the mouth ``along`` (n,) (source pixels from the
    left inner corner) and lip ``lower`` (n,) bool; the vertices moved ``verts`` (m,) (the vermilion's and the
    inner lips'), their ``v_along``, ``v_lower`` and corner fade ``v_weight`` (m,); the skin vertices ``above`` the
    upper lip (within 2 RAISED_LIP_REACH_CM of its outer contour in the source) with their ``a_along`` and
    ``a_weight``, and the mouth's ``width`` (source pixels between its inner corners): a raised upper lip's
    thinning (:func:`thin_lips`) lowers its outer contour and moves them with it."""

    edges: LipEdges
    px_per_cm: np.ndarray
    along: np.ndarray
    lower: np.ndarray
    verts: np.ndarray
    v_along: np.ndarray
    v_lower: np.ndarray
    v_weight: np.ndarray
    above: np.ndarray | None = None
    a_along: np.ndarray | None = None
    a_weight: np.ndarray | None = None
    width: float = 0.0
    view: float = 1.0


def lip_thinning(screen: np.ndarray, shape: np.ndarray, edges: LipEdges, lower: np.ndarray, inner: np.ndarray,
                 outer: np.ndarray, follow: np.ndarray, skin: np.ndarray | None = None,
                 view: float = 1.0) -> LipThinning | None:
    """:class:`LipThinning` of the (V, >= 2) source projection ``screen`` and (V, 3) source ``shape`` with its
    vermilion ``edges`` (:func:`lip_edge_anchors` of the same projection, lips ``lower``, ``inner`` and ``outer``
    contours) and the inner lips ``follow`` (:class:`InnerLips` ``idx``); ``skin`` (V,) bool the skin's vertices (the
    candidates above the upper lip; none without it); ``view`` the raised lip's share by the source's pose
    (RAISED_LIP_MAX_CM); None for a mouth under 4 px wide."""
    m = _mouth_frame(screen, inner, outer)
    if m is None:
        return None
    low = np.asarray(lower, bool)
    so, si = contour_points(np.asarray(screen, np.float32)[:, :2], edges)
    ho, hi = contour_points(np.asarray(shape, np.float32)[:, :2], edges)
    ppc = (np.linalg.norm(si - so, axis=1) / np.maximum(np.linalg.norm(hi - ho, axis=1), 1e-4)).astype(np.float32)
    verts = np.union1d(edges.idx, np.asarray(follow, np.int64))
    a = m.a[verts]
    w = smoothstep(np.minimum(a, m.width - a) / (EDGE_CORNER * m.width)).astype(np.float32)
    above = np.zeros(0, np.int64)
    if skin is not None:
        reach = 2.0 * RAISED_LIP_REACH_CM * float(np.median(ppc))
        near = np.asarray(skin, bool) & ~low & (m.b < m.o_up) & (m.b > m.o_up - reach) & (m.a > 0) & (m.a < m.width)
        above = np.setdiff1d(np.flatnonzero(near), verts)
    aa = m.a[above]
    aw = smoothstep(np.minimum(aa, m.width - aa) / (EDGE_CORNER * m.width)).astype(np.float32)
    return LipThinning(edges, ppc, m.a[edges.idx].astype(np.float32), low[edges.idx], verts, a.astype(np.float32),
                       low[verts], w, above, aa.astype(np.float32), aw, float(m.width), float(view))  # fmt: skip


def _profile(along: np.ndarray, values: np.ndarray, at: np.ndarray, reach: int = 2) -> np.ndarray:
    """(T, m) the (T, n) ``values`` at positions ``along`` (n,) interpolated at ``at`` (m,), after a running mean
    over 2 ``reach`` + 1 neighbours along (the vertices of one column of the lip share a profile)."""
    k = np.argsort(along, kind="stable")
    x, v = along[k], values[:, k]
    if len(x) > 2 * reach + 1:
        c = np.cumsum(np.pad(v, ((0, 0), (reach + 1, reach)), mode="edge"), axis=1)
        v = (c[:, 2 * reach + 1 :] - c[:, : -2 * reach - 1]) / np.float32(2 * reach + 1)
    return np.stack([np.interp(at, x, row) for row in v]).astype(np.float32)


def _lowest(along: np.ndarray, x: np.ndarray, width: float) -> np.ndarray:
    """(T, n) how deep the lip reaches: per frame, the median over the columns in the mouth's middle half (bins of
    RAISED_LIP_BIN x ``width`` along the mouth, positions ``along`` (n,)) of the largest of (T, n) depths ``x`` in
    the column and its neighbours; one value per frame (per column it left a ragged, wavy outer contour)."""
    b = np.floor(along / max(RAISED_LIP_BIN * width, 1e-3)).astype(np.int64)
    mid = np.abs(along - 0.5 * width) < 0.25 * width
    b -= b.min()
    n_b = int(b.max()) + 3
    top = np.full((len(x), n_b), -np.inf, np.float32)
    for i in range(len(x)):
        np.maximum.at(top[i], b + 1, x[i])
    top = np.maximum(np.maximum(top[:, :-2], top[:, 1:-1]), top[:, 2:])  # bins b - 1 .. b + 1, at b
    cols = np.unique(b[mid]) if mid.any() else np.unique(b)
    low = np.median(np.where(np.isfinite(top[:, cols]), top[:, cols], 0.0), axis=1)
    return np.broadcast_to(low[:, None], x.shape).astype(np.float32)


def _median_along(along: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(T, n) the running median of (T, n) ``values`` over RAISED_LIP_MEDIAN neighbours by position ``along`` (n,)."""
    k = np.argsort(along, kind="stable")
    half = RAISED_LIP_MEDIAN // 2  # odd window: scipy.ndimage.median_filter's mode="nearest", without importing
    padded = np.pad(values[:, k], ((0, 0), (half, half)), mode="edge")  # scipy.ndimage on the animate path
    out = np.empty_like(values)
    out[:, k] = np.median(np.lib.stride_tricks.sliding_window_view(padded, RAISED_LIP_MEDIAN, axis=1), axis=-1)
    return out


def _raised_map(x: np.ndarray, low: np.ndarray, thick: np.ndarray) -> np.ndarray:
    """A raised upper lip's depth map (see RAISED_LIP_REACH_CM): depth ``x`` below the outer contour of a column whose
    lip reaches ``low`` deep, drawn to at most ``thick`` (cm, broadcast together)."""
    b = np.maximum(np.minimum(thick, low), low - np.float32(RAISED_LIP_MAX_CM))
    d = low - b
    inside = low - (low - x) * b / np.maximum(low, 1e-6)
    skin = x + d * (1.0 - smoothstep(-x / np.float32(RAISED_LIP_REACH_CM)))
    return np.where(x >= low, x, np.where(x >= 0, inside, skin)).astype(np.float32)


def thin_lips(shaped: np.ndarray, thin: LipThinning, amount: np.ndarray,
              raised: np.ndarray | None = None) -> np.ndarray:
    """Compress each lip of (T, V, 3) unposed ``shaped`` in place across its thickness (head-frame y, towards its
    outer contour) so it is at most LIP_THICK_MAX x its source thickness (``edges.a_s + edges.c_s`` pixels; the
    frame's from the head frame's cm by ``px_per_cm``) by the frame's ``amount`` (T,) in [0, 1] (or (T, 2): the
    upper lip's, the lower lip's) x the corner
    fade (see LIP_THICK_MAX; :class:`LipThinning`). Per column of the lip (its position along the mouth) the map of
    depth x below the outer contour is k x within the lip's frame thickness t, x - (1 - k) t past it (the inner
    lip moves with the line where the lips met): monotone, so no triangle folds over. An upper lip ``raised`` (T,) in
    [0, 1] (smoothstep of its raise) takes the parting lip's map by 1 - raised and the raised lip's
    (:func:`_raised_map`, see RAISED_LIP_REACH_CM; monotone too) by raised x the lips' parting (the lower lip's amount) x ``view``, the
    skin ``above`` it with it (RAISED_LIP_THIN off: not the raised lip's map). Returns the (T, n) float32
    k of the vermilion vertices (1: unmoved)."""
    e = thin.edges
    n_t = len(shaped)
    if len(e.idx) == 0:
        return np.ones((n_t, 0), np.float32)
    if raised is not None:  # the parting lip's thinning kept off a raised upper lip (it bared the papillae)
        amount = np.asarray(amount, np.float32).reshape(n_t, -1)
        amount = np.stack([amount[:, 0] * (1.0 - np.asarray(raised, np.float32)), amount[:, -1]], 1)
        raised = np.asarray(raised, np.float32) * np.float32(thin.view) if RAISED_LIP_THIN else None
    p_out, p_in = contour_points(shaped, e)
    t_f = np.abs(p_in[..., 1] - p_out[..., 1])  # head-frame cm across the lip (its thickness as seen)
    t_px = np.linalg.norm(p_in[..., :2] - p_out[..., :2], axis=-1) * thin.px_per_cm
    t_s = (e.a_s + e.c_s).astype(np.float32)
    k = np.minimum(np.float32(LIP_THICK_MAX) * t_s / np.maximum(t_px, 1e-3), 1.0).astype(np.float32)
    amount = np.asarray(amount, np.float32).reshape(n_t, -1)  # (T, 1) or (T, 2): the upper lip's, the lower's
    for side in (False, True):
        a = amount[:, int(side) if amount.shape[1] > 1 else 0, None]
        sel, mine = thin.lower == side, np.flatnonzero(thin.v_lower == side)
        if not sel.any() or len(mine) == 0:
            continue
        at = thin.v_along[mine]
        kk = _profile(thin.along[sel], k[:, sel], at)
        kk = 1.0 - a * thin.v_weight[mine][None] * (1.0 - kk)
        y_out = _profile(thin.along[sel], p_out[:, sel, 1], at)
        t = _profile(thin.along[sel], t_f[:, sel], at)
        v = thin.verts[mine]
        sign = np.float32(-1.0 if side else 1.0)  # depth into the lip: down from the upper lip's outer contour
        x = sign * (y_out - shaped[:, v, 1])
        fx = np.where(x <= t, kk * x, x - (1.0 - kk) * t)
        fx = np.where(x > 0, fx, x)  # above the outer contour: unmoved
        r = None if side or raised is None else raised.reshape(n_t, 1)
        if r is not None and r.any() and thin.width > 0:
            # the raised lip: its visible band (to its lowest vertex) drawn to the photo's thickness from above
            z_out = _profile(thin.along[sel], p_out[:, sel, 2], at)
            front = (z_out - shaped[:, v, 2]) < RAISED_LIP_FRONT_CM
            a = amount[:, 1, None]  # the lips' parting (the upper lip's own amount is the parting lip's thinning's)
            w = a * thin.v_weight[mine][None] * r * front
            y_med = _median_along(thin.along[sel], p_out[:, sel, 1])
            x_r = sign * (_profile(thin.along[sel], y_med, at) - shaped[:, v, 1])
            low = _lowest(at, np.where(front & (x_r > 0), x_r, 0.0), thin.width)
            cm = LIP_THICK_MAX * t_s[sel] / np.maximum(thin.px_per_cm[sel], 1e-3)
            mid = np.abs(thin.along[sel] - 0.5 * thin.width) < 0.25 * thin.width
            thick = np.float32(np.median(cm[mid] if mid.any() else cm))  # one depth and thickness: the lip's
            # border keeps its shape, lowered (per column they left it wavy: dev02's thicker middle not lowered)
            fx = fx - w * (x_r - _raised_map(x_r, low, thick))  # added to the parting lip's (kept off by 1 - raised)
            if thin.above is not None and len(thin.above):
                order = np.argsort(at, kind="stable")
                low_a = np.stack([np.interp(thin.a_along, at[order], row[order]) for row in low])
                thick_a = thick
                y_a = _profile(thin.along[sel], y_med, thin.a_along)
                xa = y_a - shaped[:, thin.above, 1]
                fa = _raised_map(xa, low_a, thick_a)  # the same map (one found below the profile's contour too)
                z_a = _profile(thin.along[sel], p_out[:, sel, 2], thin.a_along)
                wa = a * thin.a_weight[None] * r * ((z_a - shaped[:, thin.above, 2]) < RAISED_LIP_FRONT_CM)
                shaped[:, thin.above, 1] -= wa * (fa - xa)
        shaped[:, v, 1] += sign * (x - fx)
    return k


def mirror_lips(patch: np.ndarray, hole: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """The open mouth ``hole`` (h, w) bool of an (h, w, 3) float32 ``patch`` painted shut with the lips'
    own texture: per column, its upper part mirrors the rows above the hole and its lower part the rows
    below it (bouncing back within ``reach`` pixels, about the lips' thickness, so skin beyond the lips is
    not reached), the two meeting in a soft seam at the middle. Returns the painted patch and (h, w)
    bool where it is defined (hole pixels of columns with lip rows on both sides)."""
    h, w = hole.shape
    rows = np.arange(h)[:, None]
    top = np.where(hole, rows, h).min(0)  # (w,) the hole's first and last row per column
    bottom = np.where(hole, rows, -1).max(0)
    ok = hole & ((top >= 1) & (bottom <= h - 2))[None]
    span = max(int(reach), 1)

    def bounce(d):  # 0, 1, .., span - 1, span - 1, .., 0, 0, 1, ..
        return span - 1 - np.abs(d % (2 * span) - (span - 1))

    yy, xx = np.nonzero(ok)
    up, down = yy - top[xx], bottom[xx] - yy  # rows from the hole's upper and lower edge
    above = np.clip(top[xx] - 1 - bounce(up), 0, h - 1)
    below = np.clip(bottom[xx] + 1 + bounce(down), 0, h - 1)
    seam = smoothstep((up - down) / max(LIP_MIRROR_SEAM_PX, 1e-3) + 0.5)[:, None]
    out = patch.copy()
    out[yy, xx] = (1 - seam) * patch[above, xx] + seam * patch[below, xx]
    return out, ok


def grow_rows(mask: np.ndarray, rows: int) -> np.ndarray:
    """(h, w) bool ``mask`` grown by up to ``rows`` pixels up and down: by k rows in the columns at least
    RIM_TAPER x k columns inside the mask's first and last column (so its pointed ends, the mouth's
    corners, stay as they are)."""
    out = mask.copy()
    cols = np.flatnonzero(mask.any(0))
    if len(cols) == 0:
        return out
    c = np.arange(mask.shape[1])
    inside = np.minimum(c - cols[0], cols[-1] - c)  # columns from the nearer end
    for k in range(1, min(rows, mask.shape[0] - 1) + 1):
        ok = (inside >= RIM_TAPER * k)[None]
        out[k:] |= mask[:-k] & ok
        out[:-k] |= mask[k:] & ok
    return out


def lip_texture(patch: np.ndarray, hole: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """The lips' own fine texture for the open mouth ``hole`` (h, w) bool of an (h, w, 3) float32 ``patch``
    painted shut: the patch's detail above a Gaussian of LIP_TEXTURE_SIGMA pixels taken over the lips only
    (a normalised Gaussian of the pixels outside the hole), mirrored into the hole (:func:`mirror_lips`).
    Returns the (h, w, 3) texture and the (h, w) bool where it is defined. The mirror was of the photo
    itself, high-passed after: the hole's jagged edge starts each column's mirror at another row, so the
    lips' shading towards the opening became column-to-column steps (vertical streaks, "barcode" lips)
    and the teeth's rim and the dark gaps between teeth next to the contour were copied into the lips as
    ghost teeth."""
    from emoshift.render.filters import gaussian_filter  # scipy's, GIL-free

    known = (~hole).astype(np.float32)
    sig = (LIP_TEXTURE_SIGMA, LIP_TEXTURE_SIGMA)
    weight = np.maximum(gaussian_filter(known, sig), 1e-3)[..., None]
    smooth = gaussian_filter(patch * known[..., None], (*sig, 0)) / weight
    detail = np.where(hole[..., None], 0.0, patch - smooth).astype(np.float32)
    return mirror_lips(detail, hole, reach)


def _robust_sd(x: np.ndarray) -> float:
    """1.4826 x the median absolute deviation of ``x`` (a standard deviation robust to the lips' edges)."""
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else 0.0


@njit(cache=True, nogil=True)
def _hash_field(x0, y0, h, w, k):  # pragma: no cover - jitted
    """(h, w) float32 approximately standard normal values keyed to the photo's pixels (x0 + j, y0 + i) and
    pattern ``k`` (:func:`emoshift.render.mouth.hash_gauss`): a video's frames keep the same pattern where
    the mouth stays."""
    out = np.empty((h, w), np.float32)
    for i in range(h):
        for j in range(w):
            out[i, j] = hash_gauss(y0 + i, x0 + j, k)
    return out


def lip_bands(patch: np.ndarray, filled: np.ndarray, hole: np.ndarray, lips: np.ndarray | None,
              origin: tuple[int, int]) -> np.ndarray:
    """(h, w) float32 luma to add to ``filled`` (h, w, 3), the open mouth ``hole`` (h, w) bool of ``patch``
    (h, w, 3) painted shut, so that it carries the lips' texture in each band of LIP_BANDS (see there):
    per band, the band of a noise field keyed to the photo's pixels (``origin``: the patch's top-left pixel),
    scaled so that the band measured over the opening has robust deviation sqrt(max(lips^2 - painted^2, 0)).
    ``lips`` (h, w) bool: inside the outer-lip contour (None: the ring of pixels within 6 of the opening)."""
    from emoshift.render.filters import binary_dilation, gaussian_filter  # scipy's, GIL-free

    h, w = hole.shape
    out = np.zeros((h, w), np.float32)
    grown = binary_dilation(hole, np.ones((3, 3), bool), iterations=2)
    ring = (lips if lips is not None else binary_dilation(hole, np.ones((3, 3), bool), iterations=6)) & ~grown
    inner = hole.copy()
    fade = np.zeros((h, w), np.float32)
    for k in range(LIP_BANDS_FADE_PX):  # 1 / n, 2 / n, .. from the edge in
        fade += inner
        inner = ~binary_dilation(~inner)
    fade /= LIP_BANDS_FADE_PX
    if ring.sum() < 20 or inner.sum() < 20:
        return out
    known = (~hole).astype(np.float32)
    lp = patch.astype(np.float32) @ LUMA
    lf = filled.astype(np.float32) @ LUMA
    sig = LIP_BANDS_EDGE_SIGMA
    sm = gaussian_filter(lp * known, sig) / np.maximum(gaussian_filter(known, sig), 1e-3)
    gy, gx = np.gradient(sm)
    ring &= np.hypot(gx, gy) < LIP_BANDS_EDGE  # the lips' texture, not their edges and shading
    if ring.sum() < 20:
        return out
    noise = _hash_field(int(origin[0]), int(origin[1]), h, w, 11)

    def smooth(img, s, weight=None):  # normalised over the lips (the opening left out) where weighted
        if weight is None:
            return gaussian_filter(img, s)
        return gaussian_filter(img * weight, s) / np.maximum(gaussian_filter(weight, s), 1e-3)

    for s0, s1 in sorted(LIP_BANDS, reverse=True):  # the coarser band first: its noise reaches the finer one
        have = _robust_sd((smooth(lp, s0, known) - smooth(lp, s1, known))[ring])
        got = _robust_sd((smooth(lf, s0) - smooth(lf, s1))[inner])
        add = np.sqrt(max(have * have - got * got, 0.0))
        if add <= 1e-3:
            continue
        nb = smooth(noise, s0) - smooth(noise, s1)  # scaled so that the band measures ``add`` through the same
        seen = _robust_sd((smooth(nb, s0) - smooth(nb, s1))[inner])  # filter (it passes a band-limited field
        nb *= add / max(seen, 1e-6)  # at about half its deviation)
        out += nb
        lf = lf + nb
    return out * fade


def grow_opening(patch: np.ndarray, hole: np.ndarray, lips: np.ndarray, reach: int, teeth_reach: int = 0) -> np.ndarray:
    """The open mouth ``hole`` (h, w) bool of an (h, w, 3) float32 ``patch`` grown by up to ``reach`` steps
    (8-neighbours) into pixels of ``lips`` (h, w) bool (inside the outer-lip contour) unlike the lips
    (OPENING_DARK, OPENING_BRIGHT, OPENING_GREY, OPENING_YELLOW: the lips are the median of ``lips`` outside the
    hole), then on by up to ``teeth_reach`` steps in all into the bright (teeth-like) ones alone."""
    from emoshift.render.filters import binary_dilation  # scipy's, GIL-free

    ring = lips & ~hole
    if reach <= 0 or ring.sum() < 20:
        return hole
    luma = patch @ LUMA
    chroma = patch.max(2) - patch.min(2)
    lip_luma, lip_chroma = float(np.median(luma[ring])), float(np.median(chroma[ring]))
    bright = (luma > OPENING_BRIGHT * lip_luma) & (chroma <= max(OPENING_GREY * lip_chroma, OPENING_GREY_MIN))
    yellow = (patch[..., 1] - patch[..., 2]) / np.maximum(luma, 1.0)
    lip_yellow = float(np.median(yellow[ring]))
    warm = patch[..., 0] >= patch[..., 1]  # yellow to orange, not green
    bright |= (yellow > lip_yellow + OPENING_YELLOW) & warm & (luma > OPENING_YELLOW_LUMA * lip_luma)  # warm-lit teeth
    unlike = lips & ((luma < OPENING_DARK * lip_luma) | bright)
    grown = hole.copy()
    for k in range(max(reach, teeth_reach)):
        step = binary_dilation(grown, np.ones((3, 3), bool)) & (unlike if k < reach else lips & bright)
        if not (step & ~grown).any():
            break
        grown |= step
    return grown


def _chroma(rgb: np.ndarray) -> float:
    """Saturation (max - min) / max of an RGB colour."""
    return float((rgb.max() - rgb.min()) / max(float(rgb.max()), 1e-3))




def farther_than(points: np.ndarray, to: np.ndarray, radius: float) -> np.ndarray:
    """(N,) bool: whether each of ``points`` (N, 3) is more than ``radius`` from every one of ``to`` (M, 3);
    the same decision as ``scipy.spatial.cKDTree(to).query(points)[0] > radius`` (importing scipy.spatial took
    0.1-0.25 s of every animate). Squared distances expanded into a float32 matrix product (a few thousand
    points each here), and where that is within 1e-3 of ``radius``, the exact float64 distances."""
    p, q = np.asarray(points, np.float32), np.asarray(to, np.float32)
    qq, qt, d2 = (q * q).sum(1), -2 * q.T, np.empty(len(p), np.float32)
    for a in range(0, len(p), 256):  # blocks that stay in the CPU cache
        d2[a : a + 256] = (p[a : a + 256] @ qt + qq).min(1)
    d2 += (p * p).sum(1)
    far = d2 > np.float32(radius) ** 2
    for i in np.flatnonzero(np.abs(np.sqrt(np.maximum(d2, 0)) - radius) < 1e-3):  # float32 rounding: decide exactly
        d = np.asarray(to, np.float64) - np.asarray(points[i], np.float64)
        far[i] = np.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2 + d[:, 2] ** 2).min() > radius
    return far

class SourceParts:
    """Per-photo masks, plates and part colours (methods of the reenactor, state set by its constructor)."""

    def _region_triangles(self, which: str) -> np.ndarray:
        """(T,) bool over the drawn triangles, kept per mesh: ``"plate"`` the clean plate's face
        (DISOCCLUSION_REGION skin and the inner parts); ``"face_skin"`` (over the skin triangles) the
        face's skin (narrow_face)."""
        cache = self.__dict__.setdefault("_triangle_sets", {})
        if which not in cache:
            if which == "plate":
                inside = np.isin(self.triangles, vertex_indices(DISOCCLUSION_REGION)).all(1)
                cache[which] = (self.tri_part != SKIN) | inside
            else:
                cache[which] = np.isin(self.triangles[: self.n_skin], vertex_indices("narrow_face")).all(1)
        return cache[which]

    def _photo_masks(self, poly: np.ndarray | None) -> np.ndarray:
        """(5, h, w) float32 over the source box: for part code p, ``[p - 1]`` says how surely the photo
        shows part p at a pixel. The source render's part, grown by PART_GROW_PX and box-blurred (so it
        is 1 on and next to the part and falls off smoothly: no per-pixel switching between photo and
        painted colours); the mouth parts also lie inside the photo's own open mouth (the detected
        inner-lip contour, anti-aliased; without landmarks the model is trusted)."""
        from emoshift.render.filters import binary_dilation, uniform_filter  # scipy's, GIL-free

        covered = self.src_tri >= 0
        parts = np.full(self.src_tri.shape, -1, np.int8)
        parts[covered] = self.tri_part[self.src_tri[covered]]
        opening = None if poly is None else polygon_coverage(poly, self.src_origin, self.src_tri.shape)
        masks = np.zeros((IRIS,) + parts.shape, np.float32)
        for code in (TEETH, IRIS):  # socket and gums/tongue: painted once the lips move (see above)
            shown = (parts == code) | ((parts == EYE) & (code == IRIS))  # IRIS: the whole eyeball
            # over the part's box grown by the filters' reach only (0 beyond it; the same values: the box
            # filter's running sums of 0, 1/3, 2/3 and 1 are exact in float64, whatever the line's length)
            rows, cols = np.flatnonzero(shown.any(1)), np.flatnonzero(shown.any(0))
            if len(rows) == 0:
                continue
            r = PART_GROW_PX + 2
            y0, y1 = max(rows[0] - r, 0), min(rows[-1] + r + 1, shown.shape[0])
            x0, x1 = max(cols[0] - r, 0), min(cols[-1] + r + 1, shown.shape[1])
            grown = binary_dilation(shown[y0:y1, x0:x1], np.ones((3, 3), bool), iterations=PART_GROW_PX)
            masks[code - 1, y0:y1, x0:x1] = uniform_filter(grown.astype(np.float32), 3, mode="constant")
            if code == TEETH and opening is not None:
                masks[code - 1] *= opening
        self._parts_in_box, self._mouth_opening = parts, opening
        return np.ascontiguousarray(np.clip(masks, 0, 1))

    def _closed_mouth(self, poly: np.ndarray | None, outer: np.ndarray | None = None, bands: bool = True,
                      blur: float = SEAM_CORE_MIN_PX) -> tuple[np.ndarray, np.ndarray]:
        """The photo's open mouth (inside the inner-lip contour ``poly``, grown within the outer-lip contour
        ``outer`` by :func:`grow_opening`) painted shut from the lips around it, with the lips' coarser texture
        (:func:`lip_bands`) where ``bands`` and its seam as sharp as the photo's edge ``blur`` (pixels,
        :meth:`_mouth_blur`): ((h, w, 3) uint8 box of the photo, (4,) int64 box x0, y0, x1, y1; empty for a
        closed mouth)."""
        from emoshift.render.filters import binary_dilation  # scipy's, GIL-free
        from skimage.draw import polygon

        empty = np.zeros((1, 1, 3), np.uint8), np.zeros(4, np.int64)
        if poly is None:
            return empty
        x, y = poly[:, 0], poly[:, 1]
        if 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) < 4.0:  # a closed mouth: nothing to do
            return empty
        margin = max(4.0, 0.3 * float(np.ptp(x)))
        x0, y0 = (int(max(np.floor(v.min() - margin), 0)) for v in (x, y))
        x1 = int(min(np.ceil(x.max() + margin), self.width))
        y1 = int(min(np.ceil(y.max() + margin), self.height))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return empty
        mask = np.zeros((y1 - y0, x1 - x0), bool)
        rr, cc = polygon(y - y0, x - x0, mask.shape)
        mask[rr, cc] = True
        mask = grow_rows(binary_dilation(mask, iterations=MOUTH_DILATE_PX), MOUTH_RIM_PX)
        patch = self.image[y0:y1, x0:x1].astype(np.float32)
        if outer is not None:
            lips = np.zeros(mask.shape, bool)
            rr, cc = polygon(outer[:, 1] - y0, outer[:, 0] - x0, mask.shape)
            lips[rr, cc] = True
            lips[:3] = lips[-3:] = False  # the hole stays clear of the box's sides (the closed photo is
            lips[:, :3] = lips[:, -3:] = False  # sampled inside it less 2 pixels)
            width = float(np.ptp(x))
            mask = grow_opening(patch, mask, lips, int(OPENING_GROW_FRACTION * width + 0.5),
                                int(OPENING_TEETH_FRACTION * width + 0.5))
        filled = fill_holes(patch, (~mask).astype(np.float32))
        texture, ok = lip_texture(patch, mask, max(3.0, LIP_MIRROR_FRACTION * float(np.ptp(x))))
        filled = np.where(ok[..., None], filled + np.clip(texture, -LIP_TEXTURE_MAX, LIP_TEXTURE_MAX), filled)
        if bands:
            filled += lip_bands(patch, filled, mask, lips if outer is not None else None, (x0, y0))[..., None]
        filled *= lip_seam(mask, float(np.ptp(x)), blur)[..., None]
        return np.ascontiguousarray(np.clip(filled + 0.5, 0, 255).astype(np.uint8)), np.array([x0, y0, x1, y1])

    def _clean_plate(self) -> np.ndarray:
        """(h, w, 3) uint8 over the source box: the photo without the face, for pixels the face turns away
        from. The source render's face (DISOCCLUSION_REGION skin and the inner parts), grown by
        DISOCCLUSION_GROW_PX (its anti-aliased rim), and the photographed face's rim beyond it (up to
        DISOCCLUSION_RIM x the face's height, as far as it has the face's colour) are filled in from their
        surroundings (:func:`emoshift.render.fill.clean_plate`); elsewhere it is the photo."""
        covered = self.src_tri >= 0
        face_tri = self._region_triangles("plate")
        face = np.zeros(self.src_tri.shape, bool)
        face[covered] = face_tri[self.src_tri[covered]]
        (x0, y0), (h, w) = self.src_origin, face.shape
        photo = self.image[y0 : y0 + h, x0 : x0 + w]
        if not face.any():
            return np.ascontiguousarray(photo)
        reach = max(DISOCCLUSION_GROW_PX, int(round(DISOCCLUSION_RIM * self._face_h)))
        return clean_plate(photo, face, reach, DISOCCLUSION_GROW_PX)

    # ----------------------------------------------------------------------------------- colours
    def _part_colours(self) -> dict[int, np.ndarray]:
        """Median photo colour of the teeth (inside the photo's own open mouth) and eyes where the source
        render shows enough of them, else (and always for the socket and gums/tongue) a tinted default (the
        teeth's no brighter than TEETH_OVER_SKIN x the skin or the photo's eye white)."""
        parts, opening = self._parts_in_box, self._mouth_opening
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        photo = self.image[y0 : y0 + h, x0 : x0 + w]
        # the face's skin (not hair, skull or neck) sets the tint of the defaults
        skin = self._face_skin()
        tint = np.sqrt(np.clip(skin / np.asarray(REFERENCE_SKIN, np.float32), 0.5, 1.3))
        self._chroma = chroma = min(_chroma(skin) / _chroma(np.asarray(REFERENCE_SKIN, np.float32)), 1.0)  # 0: grey
        colours = {}
        for code, default in DEFAULT_COLOURS.items():
            shown = parts == code
            if code in (SOCKET, GUMS):
                shown[:] = False  # the model's part there is as often the photo's lips or teeth
            elif code == TEETH and opening is not None:
                shown &= opening > 0.99
            pix = photo[shown]
            hue = None
            if code == TEETH and len(pix):  # the brighter half: the teeth, not the lips and gaps around them
                lum = pix @ LUMA
                lit = np.median(pix[lum >= np.quantile(lum, 1.0 - TEETH_HUE_SHARE)], axis=0).astype(np.float32)
                hue = lit / max(float(lit @ LUMA), 1.0)  # the teeth's lit faces' colour over their luma
                pix = pix[lum >= np.median(lum)]
                if float(np.median(pix @ LUMA)) < TEETH_MIN_SKIN_LUMA * float(skin @ LUMA):
                    self.photo_masks[TEETH - 1] = 0.0  # a dark slit between the lips, not teeth
                    pix = pix[:0]
            if len(pix) >= MIN_PART_PIXELS // (2 if code == TEETH else 1):
                colours[code] = np.median(pix, axis=0).astype(np.float32)
                if code == TEETH:  # the model's teeth seen there, to match the painted teeth to them
                    colours[code] = (float(colours[code] @ LUMA) * hue).astype(np.float32)
                    self._photo_teeth_vertices = np.unique(self.triangles[self.src_tri[shown]])
            else:
                colour = np.asarray(default, np.float32) * (np.sqrt(tint) if code == TEETH else tint)
                luma = float(colour @ LUMA)
                if code == TEETH:  # no brighter than the face's light allows
                    light = TEETH_OVER_SKIN * float(skin @ LUMA)
                    if self.eyes.eyes[0, 3] > 0:
                        light = max(light, float(self.eyes.colours[0] @ LUMA))
                    colour *= min(1.0, light / max(luma, 1.0))
                    self._teeth_light = light  # the front faces' luma may reach it (_vertex_albedo)
                    colours[code] = float(colour @ LUMA) * teeth_hue(skin)  # the face's light on them
                    continue
                colours[code] = (luma + chroma * (colour - luma)).astype(np.float32)  # as colourful as the skin
        if self._photo_teeth_vertices is not None:  # measured: its lit faces' hue, a little desaturated
            t = colours[TEETH]
            luma = float(t @ LUMA)
            colours[TEETH] = (luma + TEETH_CHROMA * (t - luma)).astype(np.float32)
            from emoshift.render.filters import uniform_filter

            span = int(round(TEETH_SEPARATION * _opening_width(opening)))
            closed = close_rows(photo.astype(np.float32) @ LUMA, span)  # its separations are teeth too
            ratio = closed / max(luma, 1.0)  # the photo's own teeth: where they look it
            like = smoothstep((ratio - TEETH_LIKE[0]) / (TEETH_LIKE[1] - TEETH_LIKE[0])).astype(np.float32)
            lit = smoothstep((ratio - TEETH_UNDER_LIP_LIT[0]) / (TEETH_UNDER_LIP_LIT[1] - TEETH_UNDER_LIP_LIT[0]))
            like *= np.maximum(_under_lip_fade(opening), lit)  # not in the photo's upper lip's shadow
            like *= 1.0 - _lip_red(photo, t)  # not its lips' or gums' edge
            self.photo_masks[TEETH - 1] *= uniform_filter(like, 3)  # no per-pixel switching
        return colours

    def _face_skin_mask(self, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """(h, w) bool over the source box (or its part ``box`` x0, y0, x1, y1): the photo's face skin (not
        hair, skull or neck) in the source render."""
        x0, y0, x1, y1 = box if box is not None else (0, 0, self.src_tri.shape[1], self.src_tri.shape[0])
        parts, tri = self._parts_in_box[y0:y1, x0:x1], self.src_tri[y0:y1, x0:x1]
        on_face = np.zeros(parts.shape, bool)
        on_face[parts == SKIN] = self._region_triangles("face_skin")[tri[parts == SKIN]]
        return on_face

    def _face_skin(self) -> np.ndarray:
        """(3,) float32 median colour of the photo's face skin (:meth:`_face_skin_mask`); REFERENCE_SKIN when
        none shows."""
        memo = self.__dict__.get("_face_skin_memo")  # (src_tri, colour): once per source render
        if memo is not None and memo[0] is self.src_tri:
            return memo[1]
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        skin = self.image[y0 : y0 + h, x0 : x0 + w][self._face_skin_mask()]
        colour = np.median(skin, axis=0).astype(np.float32) if len(skin) else np.asarray(REFERENCE_SKIN, np.float32)
        self._face_skin_memo = (self.src_tri, colour)
        return colour

    def _grain(self) -> float:
        """The photo's grain (:func:`emoshift.render.teeth.photo_grain`) over its face skin around the mouth
        (the lips' source box grown by GRAIN_REACH x the mouth's width), given to the painted mouth."""
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        lips = self.src_screen[self._lips, :2] - np.array([x0, y0], np.float32)
        (lx0, ly0), (lx1, ly1), reach = lips.min(0), lips.max(0), GRAIN_REACH * float(np.ptp(lips[:, 0]))
        bx0, by0 = int(np.clip(lx0 - reach, 0, w)), int(np.clip(ly0 - reach, 0, h))
        bx1, by1 = int(np.clip(lx1 + reach + 1, bx0, w)), int(np.clip(ly1 + reach + 1, by0, h))
        patch = self.image[y0 + by0 : y0 + by1, x0 + bx0 : x0 + bx1]
        return photo_grain(patch, self._face_skin_mask((bx0, by0, bx1, by1)))

    def _mouth_blur(self) -> float:
        """The photo's edge blur (:func:`emoshift.render.teeth.photo_blur`, pixels) around its lips (the lips'
        source box grown by FOCUS_REACH x the mouth's width), given to the painted mouth."""
        lips = self.src_screen[self._lips, :2]
        (lx0, ly0), (lx1, ly1), reach = lips.min(0), lips.max(0), FOCUS_REACH * float(np.ptp(lips[:, 0]))
        x0, y0 = int(np.clip(lx0 - reach, 0, self.width)), int(np.clip(ly0 - reach, 0, self.height))
        x1, y1 = int(np.clip(lx1 + reach + 1, x0, self.width)), int(np.clip(ly1 + reach + 1, y0, self.height))
        return photo_blur(self.image[y0:y1, x0:x1])

    def _texture_detail(self, image: np.ndarray) -> np.ndarray:
        """(h, w) float32 over the source box: the texture detail (:func:`.filters.texture_detail`) of ``image``,
        the photo the face samples (with glasses kept rigid, the photo with them filled in: the rims' detail moved
        with the skin, a light arc inside the lens), its open mouth painted shut first (``closed_mouth`` over
        ``mouth_box``: skin moving over the open mouth samples that), for one-way stretched skin
        (:func:`.warp.detail_pass`)."""
        from emoshift.render.filters import texture_detail
        from emoshift.render.shaders import DETAIL_EDGE, DETAIL_EDGE_SIGMA, DETAIL_SIGMA

        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        patch = image[y0 : y0 + h, x0 : x0 + w]
        mx0, my0, mx1, my1 = (int(v) for v in self.mouth_box)
        if mx1 > mx0 and my1 > my0 and self.closed_mouth.shape[:2] == (my1 - my0, mx1 - mx0):
            patch = patch.copy()
            a0, b0 = max(mx0 - x0, 0), max(my0 - y0, 0)
            a1, b1 = min(mx1 - x0, w), min(my1 - y0, h)
            if a1 > a0 and b1 > b0:
                patch[b0:b1, a0:a1] = self.closed_mouth[b0 + y0 - my0 : b1 + y0 - my0, a0 + x0 - mx0 : a1 + x0 - mx0]
        return texture_detail(patch, DETAIL_SIGMA, DETAIL_EDGE, DETAIL_EDGE_SIGMA)

    def _black_level(self) -> np.ndarray:
        """(3,) float32: the photo's black level (BLACK_PERCENTILE, BLACK_MAX) over the source box (the head
        and what lies around it: hair, eyes, nostrils, its own mouth, the background next to it)."""
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        pix = self.image[y0 : y0 + h, x0 : x0 + w].reshape(-1, 3).astype(np.float32)
        luma = pix @ LUMA
        dark = pix[luma <= np.percentile(luma, BLACK_PERCENTILE)]
        return np.minimum(dark.mean(0), BLACK_MAX).astype(np.float32)

    def _white_level(self) -> float:
        """The photo's white point: the WHITE_PERCENTILE-th percentile of luma over the source box."""
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        pix = self.image[y0 : y0 + h, x0 : x0 + w].reshape(-1, 3).astype(np.float32)
        return float(np.percentile(pix @ LUMA, WHITE_PERCENTILE))

    def _vertex_albedo(self) -> np.ndarray:
        """(V, 3) colour of each non-skin vertex (the mouth's darkened per frame by the light through the
        lips: :meth:`_vertex_colours`). Teeth coloured from the photo are brightened so that, shaded in the
        source pose and fully lit, the teeth the photo shows come out at the photo's median (the photo's
        teeth are lit already: the photo's own teeth pixels are taken as fully lit too); teeth of the
        default colour so that the faces of the upper front teeth come out at it (their shading and detail
        darken the rest)."""
        alb = np.zeros((len(self.base), 3), np.float32)
        parts = self._albedo_parts()
        depth_cm = MOUTH_DEPTH_CM.mean() + self._chroma * (MOUTH_DEPTH_CM - MOUTH_DEPTH_CM.mean())
        self._aperture_power = (MOUTH_DEPTH_CM.mean() / depth_cm).astype(np.float32)  # (3,)
        for code, colour in self.part_colours.items():
            sel = parts[code]
            if code in (SOCKET, GUMS, TEETH):
                if code == GUMS:  # the tongue and the front gums: lighter than the gums and palate around them
                    tongue, front = parts["tongue"], parts["front_gums"]
                    colour = np.where(tongue[:, None], colour * self._tinted(TONGUE_LIGHTER), colour)
                    colour = np.where(front[:, None], colour * self._tinted(FRONT_GUMS_LIGHTER), colour)
                alb[sel] = colour
                if code == TEETH:  # individual teeth: sides, incisal edges, gum line, lower teeth
                    detail, grey = parts["teeth_detail"], parts["teeth_grey"]
                    alb[sel] *= grey + self._chroma * (detail - grey)  # tints as colourful as the skin
            else:
                alb[sel] = colour
        seen, teeth = self._photo_teeth_vertices, parts[TEETH]
        measured = seen is not None
        if not measured:  # the default colour is that of the front teeth's faces
            seen = np.flatnonzero(parts["front_teeth"] & (alb[:, 0] > 0))
        if len(seen):
            shaded = alb[seen] * self._part_shading(self.source_rotation[None], seen)[0, :, None]
            gain = self.part_colours[TEETH] / np.maximum(np.median(shaded, axis=0), 1.0)
            if not measured:  # keep the default's hue, its luma up to the photo's white point
                med = max(float(np.median(shaded, axis=0) @ LUMA), 1.0)
                white = max(TEETH_MAX_DEFAULT, TEETH_WHITE * self._white_level())
                gain = np.float32(min(max(gain @ LUMA, getattr(self, "_teeth_light", 0.0) / med), white / med))
            alb[teeth] *= np.clip(gain, 1.0, 1.5)
        return alb

    def _albedo_parts(self) -> dict:
        """What :meth:`_vertex_albedo` takes of the mesh and the identity (the same for every photo of it: kept
        in the identity's cache ``_video``, which :meth:`Reenactor.for_frame`'s copies share): the vertices
        of each part code, the tongue and the front gums among the gums' (bool over them), the teeth's
        detail (:func:`emoshift.render.teeth.teeth_detail`) and its luma, the front teeth (bool over all)."""
        cache = self.__dict__.setdefault("_video", {})
        if "albedo_parts" not in cache:
            parts: dict = {code: np.flatnonzero(self.vertex_part == code) for code in DEFAULT_COLOURS}
            gums = parts[GUMS]
            teeth_front = float(self.base[parts[TEETH], 2].max())
            behind = np.maximum(teeth_front - self.base[gums, 2], 0.0)
            parts["tongue"] = self.tongue_mask[gums]
            parts["front_gums"] = ~parts["tongue"] & (behind < FRONT_GUMS_CM)
            tables = model_tables(self.model)
            parts["teeth_detail"] = detail = tables.teeth_detail[parts[TEETH]]
            parts["teeth_grey"] = (detail @ LUMA)[:, None]
            parts["front_teeth"] = tables.front_teeth
            cache["albedo_parts"] = parts
        return cache["albedo_parts"]

    def _tinted(self, factor: np.ndarray) -> np.ndarray:
        """(3,) per-channel ``factor`` with its tint (its departure from its luma) scaled by the photo's
        chroma (:meth:`_part_colours`): a black-and-white photo gets the factor's luma on every channel (the
        tint turned the grey gums of a grey photo cyan: teal papillae between the teeth)."""
        f = np.asarray(factor, np.float32)
        luma = float(f @ LUMA)
        return (luma + self._chroma * (f - luma)).astype(np.float32)

    def _tongue(self) -> np.ndarray:
        """(V,) bool: the tongue's vertices of the gums/tongue part: more than TONGUE_CLEARANCE_CM from every
        tooth and below the upper incisors' edge (the gums hug the teeth; the palate is above)."""
        gums, teeth = self.vertex_part == GUMS, self.base[self.vertex_part == TEETH]
        front = teeth[teeth[:, 2] > teeth[:, 2].max() - 0.3]
        edge = float(np.median(front[:, 1]))  # between the upper and lower incisors' edges
        out = np.zeros(len(self.base), bool)
        low = gums & (self.base[:, 1] < edge)  # the clearance is needed below the edge only (each point alone)
        out[low] = farther_than(self.base[low], teeth, TONGUE_CLEARANCE_CM)
        return out

    def _part_shading(self, rotations: np.ndarray, vertices: np.ndarray | None = None) -> np.ndarray:
        """(T, V) shading of the synthesized parts: a + (1 - a) |n . light|, a = PART_AMBIENT
        (TEETH_AMBIENT for the teeth), light from the camera, slightly above (flash-like); (T, n) of the
        ``vertices`` (n,) only, when given."""
        r = axis_angle_to_matrix(np.asarray(rotations, np.float32))
        light = np.array([0.0, 0.3, 1.0], np.float32)
        light /= np.linalg.norm(light)
        normals = self._normals if vertices is None else self._normals[vertices]
        part = self.vertex_part if vertices is None else self.vertex_part[vertices]
        ndotl = np.abs(np.einsum("vc,tdc,d->tv", normals, r, light, optimize=True))
        ambient = np.where(part == TEETH, TEETH_AMBIENT, PART_AMBIENT).astype(np.float32)
        return ambient + (1 - ambient) * ndotl

    def _vertex_colours(self, rotations: np.ndarray) -> np.ndarray:
        """(T, V, 3) shaded colours of the synthesized parts: albedo x :meth:`_part_shading` (0 on the skin,
        whose albedo is 0: only the other parts' vertices are shaded)."""
        inner = self._inner_vertices
        out = np.zeros((len(rotations), len(self._albedo), 3), np.float32)
        if len(inner) and inner[-1] - inner[0] + 1 == len(inner):  # a range (the drawn mesh's): a slice, no gather
            inner = slice(int(inner[0]), int(inner[-1]) + 1)
        out[:, inner] = self._albedo[None, inner] * self._part_shading(rotations, inner)[..., None]
        return out

    def _light_mouth(self, shape: np.ndarray, vcol: np.ndarray, ratio: np.ndarray) -> None:
        """One frame's mouth interior lit through its lips (:func:`emoshift.render.teeth.light_mouth`: the
        light of :func:`~emoshift.render.teeth.aperture_light` for the (V, 3) unposed ``shape``, the opening
        no further forward than the front teeth): its painted colours ``vcol`` (V, 3) times that light to
        the powers of MOUTH_DEPTH_CM, and the light put into ``ratio`` (V,) for the photo's own teeth (where
        no skin triangle uses the vertex); in place, in a GIL-free kernel (called from the frame threads)."""
        light_mouth(shape, self._mouth_vertices, _INNER_LIP_RING, self._teeth_vertices, self._aperture_power, vcol,
                    ratio, self._interior_only)  # fmt: skip


#: The inner-lip points of Multi-PIE's 68 (60-67), whose polygon is the mouth's opening (:meth:`_light_mouth`).
_INNER_LIP_RING = np.ascontiguousarray(MULTIPIE_68[60:68], np.int64)


def close_rows(img: np.ndarray, span: int) -> np.ndarray:
    """(h, w) float32: ``img`` (h, w) closed along its rows over ``span`` pixels (the grey closing by a 1 x (span + 1)
    window: the smallest over the windows covering a pixel of their largest value), so a dark gap of at most ``span``
    pixels between lighter pixels takes the darker of their levels; edges padded by replication. ``span`` < 1:
    ``img``."""
    img = np.asarray(img, np.float32)
    if span < 1:
        return img
    from numpy.lib.stride_tricks import sliding_window_view

    k = span + 1
    big = sliding_window_view(np.pad(img, ((0, 0), (span, 0)), mode="edge"), k, axis=1).max(-1)  # windows ending here
    return sliding_window_view(np.pad(big, ((0, 0), (0, span)), mode="edge"), k, axis=1).min(-1)  # ... starting here


def lip_seam(mask: np.ndarray, mouth_width_px: float, core_px: float = SEAM_CORE_MIN_PX) -> np.ndarray:
    """(h, w) float32 gain in ((1 - SEAM_DEPTH) (1 - SEAM_HALO), 1]: a dark line along the middle of each column
    of the opening ``mask`` (h, w) bool (half way between its top and bottom pixel): a core of Gaussian sigma
    ``core_px`` (the photo's blur, clipped to SEAM_CORE_MIN_PX..SEAM_CORE_MAX_PX) in a shadow of sigma
    SEAM_WIDTH x ``mouth_width_px``; 1 outside the mask."""
    gain = np.ones(mask.shape, np.float32)
    cols = np.flatnonzero(mask.any(0))
    if len(cols) == 0:
        return gain
    sigma = max(0.7, SEAM_WIDTH * mouth_width_px)
    core = float(np.clip(core_px, SEAM_CORE_MIN_PX, SEAM_CORE_MAX_PX))
    rows = np.arange(mask.shape[0], dtype=np.float32)[:, None]
    top = mask[:, cols].argmax(0)
    bottom = mask.shape[0] - 1 - mask[::-1, cols].argmax(0)
    mid = 0.5 * (top + bottom).astype(np.float32)
    if len(cols) > 6:  # along the mouth, not stepping where the grown opening's edge jumps between columns
        k = np.exp(-0.5 * (np.arange(-6, 7) / SEAM_SMOOTH_PX) ** 2)
        pad = np.pad(mid, 6, mode="reflect", reflect_type="odd")  # a sloping mouth keeps its line
        mid = (np.convolve(pad, k / k.sum(), mode="same")[6:-6]).astype(np.float32)
    d = rows - mid[None]
    light = (1.0 - SEAM_DEPTH * np.exp(-0.5 * (d / core) ** 2)) * (1.0 - SEAM_HALO * np.exp(-0.5 * (d / sigma) ** 2))
    gain[:, cols] = np.where(mask[:, cols], light, 1.0)
    return gain
