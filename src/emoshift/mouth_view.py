"""The mouth's on-screen curve seen from above, and the anchors that undo it (issue 11: photos looking steeply down).

The mouth corners lie 1-1.5 cm behind the lips' middle, so a face seen from above shows them higher on screen
than face-on: every mouth curves up like a smile (Lyons et al., "The Noh mask effect: vertical viewpoint
dependence of facial expression perception", *Proc. R. Soc. B* 2000: a face tilted forward reads happier).
The plan's targets are absolute in the head's frame, so at dev11's pose (looking down about 40 degrees) the
apex meshes of anger, fear and surprise still curved up on screen by +0.18 to +0.26 mouth widths (face-on
+0.01 to +0.12) and the blind panel read them as happiness or neutral (panel 47: 19 of 44 misreads on dev05
and dev11). Session 19 found that no smile the fit reports can cancel it (branch ``down19``) and a few degrees
of head lift take off only 0.003 mouth widths per degree (``bench/bench_view_mouth.py``).

:class:`MouthView` projects the fitted head's mouth points (the 68-point corners 48 / 54 and inner lips'
middles 62 / 66, the head model's linear landmark bases, the photo's camera and distance) and
:meth:`MouthView.compensate` lowers each anchor's mouth corners in its own expression channels
(``mouthFrown`` of both sides first, then ``mouthStretch``, each raised to at most :data:`LOWERING_MAX`, then
for the emotions with AU17 in a FACS variant the chin raise :data:`CHIN_RAISE`)
towards each corner's height above the lips' middle on screen, at the anchor's rotation, that the same
expression shows face-on, times :func:`view_ramp` of the photo's head: 0 up to :data:`OFF_AXIS_DEG` [0] degrees
off-axis (near-frontal photos are unchanged), 1 from [1]; a mouth the view curves down (a face seen from below)
is left as it is. Happiness keeps its upturn (the smile is its cue).

Measured (``bench/bench_view_mouth.py``, the drawn apex mesh's curve on screen, seed 0; face-on in brackets):
dev11 anger +0.22 -> +0.12 (+0.06), contempt +0.20 -> +0.10 (+0.02), disgust +0.11 -> +0.05 (-0.05), fear +0.18
-> +0.10 (+0.01), sadness +0.06 -> +0.03 (-0.10), surprise +0.26 -> +0.08 (+0.12); dev05 anger +0.13 -> +0.02
(+0.07), fear +0.06 -> -0.01 (+0.03), surprise +0.19 -> +0.11 (+0.12), its disgust and sadness already curve
down and are unchanged. The caps keep dev11 short of face-on: its far corner would need mouthFrown near 2.

Session 22 (panels 45-50: dev05 anger read as happiness 22 of ~26 labels, dev11 anger 16; dev11's far corner still
+0.26 mouth widths above the lips' middle at anger with mouthFrown at its 0.8 cap, face-on -0.05): what reads as a
laugh from above is the open mouth itself, the upper teeth bared under a raised lip and a lower lip that bows down in
the middle, and the open jaw alone raises both corners on screen by 0.17-0.18 mouth widths over the shut mouth.
:meth:`MouthView.shut_from_above` gives anger, on a face seen steeply from above, the mouth of its own closed,
pressed-lip EMFACS display (:data:`VIEW_VARIANTS`; disgust's closed 9+17, tried, read less often) before
the lowering, and the lowering spends a chin raise (AU17,
:data:`CHIN_RAISE`) on the emotions that have it in a FACS variant (:data:`CHIN_RAISE_EMOTIONS`; since session 23
anger's closed display from above is 4+5+7+23+24, the chin raised only by the lowering, :data:`VIEW_VARIANTS`). Measured
(``bench/bench_view_mouth.py`` vs ``--before``, seeds 0 / 1): anger's mesh curve dev11 +0.12 -> +0.03 (far corner
+0.27 -> +0.18), MediaPipe's on the render +0.23 / +0.17 -> +0.02 / +0.05, its inner lips' gap 0.30-0.37 -> 0.00-0.01
mouth widths; dev05 +0.03 -> -0.02, MediaPipe +0.07 / +0.02 -> -0.07 / -0.09, gap 0.53-0.65 -> 0.01-0.08; dev11
sadness +0.03 / +0.02 -> +0.01 / +0.01 (far corner -0.015); disgust's closed mouth (since taken back, :data:`VIEW_VARIANTS`) inner lips' gap dev05 0.32-0.39 -> 0.02-0.05,
dev11 0.19-0.20 -> 0.01-0.03, its curve dev05 -0.03 -> -0.11, dev11 +0.05 -> +0.04 (MediaPipe +0.04 / +0.07 -> -0.01
/ -0.02); the
frontal dev01 / dev03 apex frames byte-identical. Contempt's smirk goes on the far half of such a face
(:data:`emoshift.planning.FAR_SIDE_FROM_ABOVE`, :meth:`MouthView.from_above`): on the near half, in full view, the
smirk's raised corner and the view's made one arc rising to that side (dev05 contempt read as happiness 23 of ~26),
and the lowering evened out dev11's lopsided mouth (its corners +0.09 / +0.10). On the far half the near corner,
the one seen whole, shows contempt's lowered other corner: dev05 +0.15 / +0.13 -> -0.37 / -0.34 mouth widths,
dev11 +0.10 / +0.10 -> -0.15 / -0.15 (seeds 0 / 1), MediaPipe's curve dev05 0.00 / +0.06 -> -0.14 / -0.13, dev11
+0.08 / +0.07 -> +0.02 / +0.03; the smirk's corner rises behind the nose.

Fear and surprise open their mouths further on such a face (:data:`VIEW_VARIANTS`: fear's lips drawn back over a
lower lip pulled off the lower teeth, AU16 E + 20 D + 26 D; surprise's relaxed drop, AU27 D): the generated mouths
showed a thin crescent of upper teeth rising to the far corner (dev11 fear read as happiness 21 of ~26 labels over
panels 45-50, dev05 14; surprise read as sadness or neutral). Measured (``bench/bench_view_mouth.py`` vs ``--no-open``,
seeds 0 / 1): the drawn mesh's inner lips' gap on screen (:meth:`MouthView.opening`) dev11 fear 0.14 -> 0.29 mouth
widths (face-on as generated 0.21), surprise 0.16-0.17 -> 0.40-0.43 (0.27-0.29); dev05 fear 0.33-0.34 -> 0.59,
surprise 0.50-0.53 -> 0.95-1.01; MediaPipe's corners relative to the upper inner lip's middle on dev11's fear render
-0.03 / -0.05 -> -0.13 / -0.09 mouth widths (below it: less of a grin), surprise -0.09 / -0.13 -> -0.08 / -0.17, its
curve +0.04 / +0.02 -> -0.07 / -0.01. Surprise is lowered without mouthStretch (:data:`UNSTRETCHED`; dev11 0.40 ->
0). The mesh corners' height above the inner lips' middle rises with the opening (dev11 fear's far corner +0.24 ->
+0.28, surprise +0.19 -> +0.29): the lower lip's middle drops. MediaPipe finds no face in dev05's new fear and
surprise renders (it found 3 of 4 before). Frontal dev01 / dev03 apex frames byte-identical.

A face seen from below (branch ``below22``) is the mirror: the corners sink under the lips' middle on screen and
every mouth curves down. dev06 (laughing, head tilted back 15 degrees and turned 20) had its sadness read as disgust
25 times of ~26 over panels 45-50: its frown (mouthFrown 0.87-0.97) showed, seen from below, as a twisted grimace.
:meth:`MouthView.raise_from_below` takes the view's sinking back off each corner in the anchor's own mouthFrown
(:data:`RAISING`, down to :data:`RAISING_KEEP` of its weight, no corner above its face-on height), over
:func:`below_ramp` of the photo's pitch (:data:`BELOW_DEG`: only dev06 of the dev photos and samples; dev01 / dev04
look up 5.4 / 4.6 degrees). Measured (``bench/bench_view_mouth.py`` vs ``--no-below``, dev06 seeds 0 / 1; face-on
in brackets): sadness's mesh curve -0.162 / -0.173 -> -0.105 / -0.109 (-0.114 / -0.123), far corner -0.17 / -0.19
-> -0.10 / -0.11, mouthFrown 0.87 / 0.97 -> 0.36 / 0.38, MediaPipe's curve on the render -0.075 / -0.079 -> -0.066
/ -0.023; disgust -0.151 / -0.157 -> -0.103 / -0.115 (-0.090 / -0.095); anger, fear, surprise within 0.002;
contempt (:data:`UNRAISED`) and happiness unchanged. The plans of every other dev photo and both samples are
byte-identical, as are the dev01 / dev03 apex frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The head's off-axis angle (degrees between its forward axis and the camera's) over which the compensation
#: ramps in (smoothstep). dev11 (looking down 40 degrees, turned 24) is 45 degrees off-axis, dev05 (turned 47,
#: rolled 24, looking down) 48; the near-frontal photos dev01-dev04, dev08, dev12 and the samples 17 or less,
#: the turned dev06 / dev07 / dev09 / dev10 19-27 (at 25-40 dev09's apexes changed by up to 55 grey levels).
OFF_AXIS_DEG = (30.0, 42.0)
#: Emotions whose on-screen upturn is left as the view shows it.
KEEP_UPTURN = ("happiness",)
#: Channels that lower a mouth corner, in the order they are spent (both sides' first, then both sides' second).
LOWERING = ("mouthFrown", "mouthStretch")
#: Emotions the compensation lowers without ``mouthStretch`` (AU20, the lips stretched sideways): surprise's dropped
#: jaw has relaxed lips (Ekman & Friesen, *Unmasking the Face*, 1975, ch. 4: no tension or stretching of the mouth;
#: AU20 is fear's, ch. 5). Seen from above, dev11's surprise took mouthStretch 0.8 on its near side, which widened
#: the opened mouth into a wide crescent; without it the opening stays narrower and rounder, a drop.
UNSTRETCHED = ("surprise",)
#: The most the compensation raises each :data:`LOWERING` channel to (a target's own higher weight is kept): on
#: dev11 mouthFrown 1.0 on the near side left the photo's own smile crease behind as a dark tick on the cheek by
#: the hair at every emotion; 0.75 did not.
LOWERING_MAX = (0.8, 0.8)
#: Channels a chin raise (AU17, ``mouthShrugLower``) adds to the lowering, after :data:`LOWERING`, up to this weight,
#: for the emotions one of whose FACS variants has AU17 (:data:`CHIN_RAISE_EMOTIONS`): it pushes the lower lip's middle
#: up, so the corners sit lower against it (on dev11 -0.10, dev05 -0.25 mouth widths per unit at both corners,
#: where mouthFrown at its cap moves the far corner -0.35 / -0.85 per unit).
CHIN_RAISE = ("mouthShrugLower", 0.8)
#: A face seen steeply from above shows these emotions with another variant of their own FACS displays (anger
#: closed, fear and surprise opened further) instead of the generated one's mouth
#: (:meth:`MouthView.shut_from_above`): anger's EMFACS pressed lips 4+5+7+23+24 (Matsumoto et al. 2008, Table 13.1;
#: Ekman & Friesen, *Unmasking the Face*, 1975, ch. 7: the angry mouth is either pressed firmly shut, the corners
#: straight or down, or open and squared). Until session 23 it was 4+5+7+17+23+24 (anger's pressed-lip word display,
#: :data:`emoshift.emotions.WORD_VARIANTS`): its AU17 C pushed the lower lip up into the upper whether or not the
#: corners needed it, the pout of disgust's mouth (ch. 6: "the lower lip is raised and pushed up to the upper lip";
#: AU17 is in every disgust prototype; dev05 anger read as disgust 4 of 8, dev11 3 of 8 in session 22's panel). The
#: chin is now raised only by the lowering (:meth:`MouthView.compensate`, :data:`CHIN_RAISE`), after mouthFrown and
#: mouthStretch reach their caps, as for disgust and sadness (anger's 4+5+7+17+24 is EMFACS too): dev05's
#: mouthShrugLower 0.56 -> 0 (its corners lowered by mouthFrown alone; seeds 0 / 1, ``bench/bench_view_mouth.py``: the
#: drawn mesh's curve -0.021 -> +0.014 mouth widths, face-on -0.032 -> -0.011, MediaPipe's on the render -0.088 /
#: -0.073 -> -0.036 / -0.055, its corners below the upper lip's middle -0.103 / -0.081 -> -0.163 / -0.141, its inner
#: lips' gap 0.03 / 0.02 -> 0.26 / 0.17: a dark line between the lips, no teeth; the lower lip no longer juts out
#: under the upper), dev11's plan unchanged (mouthFrown and mouthStretch at their caps, the lowering still raises the
#: chin to 0.8; without any chin raise its render's curve rose +0.02 / +0.045, towards the laugh). Seen from above,
#: the open, squared shout shows the upper teeth under a raised lip in a mouth whose lower lip bows down in the
#: middle (the middle sits 1-1.5 cm in front of the corners): the open laugh of a face looking down (dev05 anger read
#: as happiness 22 of ~26 labels over panels 45-50, dev11 16), and its open jaw alone raises both corners on screen
#: by 0.17 (dev05) / 0.18 (dev11) mouth widths over the shut mouth (``bench/bench_view_mouth.py``).
#: Disgust keeps its generated mouth: its closed EMFACS display 9+17 (Matsumoto, Keltner, Shiota, O'Sullivan & Frank,
#: "Facial expressions of emotion", *Handbook of Emotions*, 3rd ed., 2008, Table 13.1) with its variants' AU15 C,
#: tried in session 22 (the nose wrinkle without the upper lip's raise, which parts dev11's lips over the photo's
#: teeth), was named disgust by 1 of 4 blind labellers on dev05 (happiness, contempt, neutral) against 4 of 4 for
#: the generated mouth, and 3 of 4 on dev11 for both (panels 51-52).
#: Fear and surprise have no closed display that reads (EMFACS's fear and surprise without 25/26/27 leave only the
#: brows and lids, hidden on such a face under the brim or the foreshortened forehead, over downcast eyes); they keep
#: their open mouths, opened further. The generated mouths (jawOpen 0.23-0.25 fear, 0.38-0.40 surprise) showed, from
#: above, a thin crescent of upper teeth under the upper lip rising to the far corner: a laugh (dev11 fear read as
#: happiness 21 of ~26 labels over panels 45-50, dev05 14) or, on dev05, a mouth barely parted (surprise read as
#: sadness 9 + 6, neutral 5 + 8 on dev05 + dev11; MediaPipe's inner lips' gap on dev05 0.03-0.05 mouth widths).
#: Fear takes EMFACS's 1+2+4+5+20+26 with the lower lip pulled down off the lower teeth (AU16 E, as in our
#: prototypes: Ekman & Friesen 1975, ch. 5, fear's mouth opens with the lips tensed or stretched and drawn back,
#: the lower teeth often showing) over a jaw dropped further (AU26 D), AU20 at D (mouthStretch 0.8, the :data:`LOWERING`
#: cap: at 1.0 with the wider jaw the photo's smile crease at dev11's far corner was dragged into a dark tick on the
#: cheek by the hair, as mouthFrown at 1.0 did); surprise EMFACS's 1+2+5B+27 (ch. 4: the jaw drops open, the lips and
#: teeth parted, with no tension or stretching of the mouth), the jaw at AU27 D, so that the opening reads as a drop,
#: a dark oval under the upper lip, and not as a grin. Only the mouth and jaw are taken: the brows and lids stay the
#: anchor's.
VIEW_VARIANTS: dict[str, str] = {
    "anger": "4E+5B+7D+23C+24E",
    "fear": "1E+2B+4C+5E+16E+20D+25E+26D", "surprise": "1E+2E+5D+27D",
}  # fmt: skip
#: A face seen from below (the camera below the head's horizontal plane: the fitted pitch, degrees looking up) shows
#: every mouth curving down on screen, the mirror of a face seen from above: the corners lie behind the lips' middle
#: and sink under it. :meth:`MouthView.raise_from_below` takes the view's sinking back off each corner over this ramp
#: of the pitch (smoothstep, 0 up to [0], 1 from [1]): dev06 (laughing, head tilted back, turned 20) is fitted at
#: 15.2 degrees up, dev01 / dev04 at 5.4 / 4.6, every other dev photo and the samples look down.
BELOW_DEG = (12.5, 15.0)
#: Channels :meth:`MouthView.raise_from_below` takes weight off (both sides'): the lip corner depressor (AU15), the
#: corners' own lowering. Not mouthStretch (AU20, fear's stretched lips; without it dev06's fear opened into a
#: rounder, laughing mouth) nor the chin raise (AU17: without it dev06's disgust dropped its lower lip off the upper
#: teeth, a grin).
RAISING = ("mouthFrown",)
#: Emotions :meth:`MouthView.raise_from_below` leaves as they are besides :data:`KEEP_UPTURN`: contempt's lowered
#: other corner is half of its one-sided cue (raised back on dev06 its corners' difference on screen fell from 0.275
#: to 0.21 mouth widths, face-on 0.273, and the smirk read as a pleased half smile).
UNRAISED = ("contempt",)
#: The least share of each :data:`RAISING` channel's planned weight that :meth:`MouthView.raise_from_below` keeps:
#: the emotion's own mouth is calmed, never undone (sadness keeps a frown).
RAISING_KEEP = 0.3
#: The 68-point indices of the mouth corners (subject's right 48, left 54) and the inner lips' middles.
CORNER_68 = (48, 54)
MIDDLE_68 = (62, 66)


def _chin_raise_emotions() -> tuple[str, ...]:
    from emoshift.emotions import PROTOTYPES, WORD_VARIANTS

    has17 = lambda aus: any(t.lstrip("LR").rstrip("ABCDE") == "17" for t in aus.split("+"))  # noqa: E731
    return tuple(e for e in PROTOTYPES if any(has17(a) for a in PROTOTYPES[e] + WORD_VARIANTS.get(e, ())))


#: The emotions one of whose FACS variants raises the chin (AU17): anger (pressed lips), disgust, sadness.
CHIN_RAISE_EMOTIONS = _chin_raise_emotions()


def _lower_face() -> np.ndarray:
    from emoshift.emotions import EXPRESSION_NAMES

    return np.array([n.startswith(("mouth", "jaw")) for n in EXPRESSION_NAMES])


def view_ramp(rotation: np.ndarray) -> float:
    """0 up to :data:`OFF_AXIS_DEG` [0] degrees off-axis, 1 from [1], smoothstep between (axis-angle (3,) or
    a (3, 3) matrix)."""
    from emoshift.rotations import axis_angle_to_matrix

    r = np.asarray(rotation, np.float64)
    m = r if r.shape == (3, 3) else axis_angle_to_matrix(r.reshape(1, 3))[0]
    off = float(np.degrees(np.arccos(np.clip(m[2, 2], -1.0, 1.0))))
    lo, hi = OFF_AXIS_DEG
    x = float(np.clip((off - lo) / (hi - lo), 0.0, 1.0))
    return x * x * (3 - 2 * x)


def pitch_up(rotation: np.ndarray) -> float:
    """Degrees the head (axis-angle (3,) or a (3, 3) matrix) looks up, away from the camera (< 0: looking down):
    :func:`emoshift.rotations.matrix_to_euler`'s pitch, negated."""
    from emoshift.rotations import axis_angle_to_matrix

    r = np.asarray(rotation, np.float64)
    m = r if r.shape == (3, 3) else axis_angle_to_matrix(r.reshape(1, 3))[0]
    return -float(np.degrees(np.arctan2(m[2, 1], m[2, 2])))


def below_ramp(rotation: np.ndarray) -> float:
    """0 up to :data:`BELOW_DEG` [0] degrees looking up (:func:`pitch_up`), 1 from [1], smoothstep between."""
    lo, hi = BELOW_DEG
    x = float(np.clip((pitch_up(rotation) - lo) / (hi - lo), 0.0, 1.0))
    return x * x * (3 - 2 * x)


def _descend(
    e: np.ndarray, moves: Sequence[tuple[int, float, float]], cost, probe_in_room: bool, rounds: int = 3,
) -> np.ndarray:
    """(53,) float64 weights moved channel by channel to lower ``cost(weights) -> float`` (nearly linear in them: a
    few coordinate-descent rounds). ``moves``: (channel, direction +1 / -1, limit it may reach). Each channel's
    slope is probed 0.05 along its direction (no further than its room with ``probe_in_room``); a step goes to the
    linear zero of the cost, within the room, halved up to 4 times until it lowers the cost."""
    for _ in range(rounds):
        for ch, sign, limit in moves:
            now, room = cost(e), sign * (limit - e[ch])
            if now <= 1e-4 or room <= 1e-4:
                continue
            d = min(0.05, room) if probe_in_room else 0.05
            probe = e.copy()
            probe[ch] += sign * d
            slope = (cost(probe) - now) / (sign * (probe[ch] - e[ch]) if probe_in_room else d)
            if slope >= -1e-3:
                continue
            step = min(now / -slope, room)
            for _ in range(4):  # halve a step that does not lower the cost
                probe = e.copy()
                probe[ch] += sign * step
                if cost(probe) < now:
                    e = probe
                    break
                step *= 0.5
    return e


class MouthView:
    """The fitted head's mouth on screen: identity (K,), translation (3,) cm and camera of a fit, and the
    head model's 68-point landmark bases (any region: they are the same)."""

    def __init__(self, model, identity, translation, camera, names: Sequence[str]) -> None:
        pts = list(CORNER_68 + MIDDLE_68)
        self.identity = np.asarray(identity, np.float64).reshape(1, -1)
        k = self.identity.shape[1]
        self.neutral = model.lmk68_neutral[pts].astype(np.float64)  # (4, 3)
        self.identity_basis = model.lmk68_identity[:k, pts].astype(np.float64)  # (K, 4, 3)
        from emoshift.render.mesh_tables import StretchDown, lateral_stretch

        # as the reenactor draws them: ICT's mouthStretch (its lateral fade leaves these four points as ICT's), its
        # downward pull taken back at fear's strong stretch (mesh_tables.STRETCH_DOWN_DROP; none up to 0.8)
        basis = model.lmk68_expression[:, pts].astype(np.float64)
        self.basis = lateral_stretch(basis, self.neutral, model.expression_names, self.neutral[:2])  # (53, 4, 3)
        self.stretch_down = StretchDown.of(model.expression_names, self.basis)
        self.translation = np.asarray(translation, np.float64).reshape(1, 3)
        self.camera = camera
        self.names = list(names)

    @classmethod
    def of_fit(cls, fit, model) -> MouthView:
        return cls(model, fit.identity, fit.translation, fit.camera, fit.expression_names or model.expression_names)

    def _on_screen(self, expressions: np.ndarray, rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(m, 53), (m, 3) axis-angle -> the mouth points on screen (m, 4, 2: corners 48, 54, inner lips' middles
        62, 66; y down), the head's on-screen up axis (m, 2, unit) and the mouth's width on screen (m,)."""
        from emoshift.rotations import axis_angle_to_matrix

        from emoshift.headmodel.ops import head_points

        e = np.asarray(expressions, np.float64).reshape(-1, 53)
        rots = np.asarray(rotations, np.float64).reshape(-1, 3)
        mats = axis_angle_to_matrix(rots)
        m = len(e)
        cam = head_points(self.neutral, self.identity_basis, self.basis, np.repeat(self.identity, m, 0), e, rots,
                          np.repeat(self.translation, m, 0))  # fmt: skip
        cam = np.asarray(cam, np.float64) + np.einsum("mij,mpj->mpi", mats, self.drawn_offsets(e))
        scr = np.asarray(self.camera.project(cam), np.float64)
        up = np.stack([mats[:, 0, 1], -mats[:, 1, 1]], -1)
        up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
        width = np.maximum(np.linalg.norm(scr[:, 0] - scr[:, 1], axis=-1), 1e-9)
        return scr, up, width

    def drawn_offsets(self, expressions: np.ndarray) -> np.ndarray:
        """(m, 53) -> (m, 4, 3) head-frame cm the renderer's correctives add to the linear shape at the four mouth
        points (:class:`emoshift.render.mesh_tables.StretchDown`: zeros up to mouthStretch 0.8)."""
        e = np.asarray(expressions, np.float64).reshape(-1, 53)
        out = np.zeros((len(e), len(self.neutral), 3))
        if self.stretch_down is not None:
            self.stretch_down.apply(out, e)
        return out

    def corners(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(m, 53), (m, 3) axis-angle -> (m, 2): each corner's (48, 54) height above the inner lips' middle
        along the head's on-screen up axis, over the mouth's width on screen (> 0: curving up like a smile)."""
        scr, up, width = self._on_screen(expressions, rotations)
        mid = scr[:, 2:].mean(1)
        return np.einsum("mpc,mc->mp", scr[:, :2] - mid[:, None], up) / width[:, None]

    def opening(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(m, 53), (m, 3) axis-angle -> (m,): the inner lips' gap on screen (the upper lip's middle 62 above the
        lower's 66 along the head's on-screen up axis) over the mouth's width on screen: how open the mouth looks
        (seen from above the drop of the jaw is foreshortened)."""
        scr, up, width = self._on_screen(expressions, rotations)
        return np.einsum("mc,mc->m", scr[:, 2] - scr[:, 3], up) / width

    def front(self, expressions: np.ndarray) -> np.ndarray:
        """(m, 53) -> (m, 2): :meth:`corners` face-on at the same distance."""
        e = np.asarray(expressions, np.float64).reshape(-1, 53)
        return self.corners(e, np.zeros((len(e), 3)))

    def curve(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(m,) the mouth's on-screen curve: the mean of :meth:`corners`."""
        return self.corners(expressions, rotations).mean(-1)

    def from_above(self, source_rotation: np.ndarray) -> bool:
        """Whether the photo's head (axis-angle (3,)) is seen steeply from above: :func:`view_ramp` at least 0.5 and
        the view curving the neutral mouth up on screen (a face seen from below curves it down)."""
        if view_ramp(source_rotation) < 0.5:
            return False
        zero, rot = np.zeros((1, 53)), np.asarray(source_rotation, np.float64).reshape(1, 3)
        return bool(self.curve(zero, rot)[0] > self.front(zero)[0].mean())

    def shut_from_above(
        self, targets: np.ndarray, labels: Sequence[str], rotations: np.ndarray, source_rotation: np.ndarray
    ) -> np.ndarray:
        """(m, 53) targets of the emotions ``labels`` at absolute ``rotations`` (m, 3) with the mouth and jaw channels
        of each emotion in :data:`VIEW_VARIANTS` moved towards that variant's (anger closed, fear and
        surprise opened further), by :func:`view_ramp` of ``source_rotation`` (near-frontal photos unchanged), where
        the view at the anchor's rotation curves the neutral mouth up (a face seen from above; from below it is left
        as it is). The variant's mouth is scaled by the anchor's own strength outside the mouth
        (:func:`emoshift.emotions.apex_strength` of its brows and lids, at most 1), so a mild anger presses its lips
        mildly and a mild surprise drops the jaw less; the brows, lids and head pose stay the anchor's."""
        from emoshift.emotions import apex_strength, au_vector

        out = np.array(targets, np.float32).reshape(-1, 53)
        ramp = view_ramp(source_rotation)
        if ramp <= 0.0:
            return out
        rots = np.asarray(rotations, np.float64).reshape(-1, 3)
        mouth, zero = _lower_face(), np.zeros((1, 53))
        for i, label in enumerate(labels):
            if label not in VIEW_VARIANTS:
                continue
            if self.curve(zero, rots[i])[0] <= self.front(zero)[0].mean():  # the view does not curve a mouth up
                continue
            strength = float(np.nan_to_num(apex_strength(out[i], label, shapes=~mouth)[0]))
            want = au_vector(VIEW_VARIANTS[label]) * float(np.clip(strength, 0.0, 1.0))
            out[i, mouth] = (1.0 - ramp) * out[i, mouth] + ramp * want[mouth]
        return out

    def compensate(
        self, targets: np.ndarray, labels: Sequence[str], rotations: np.ndarray, source_rotation: np.ndarray,
        caps: Sequence[float] = LOWERING_MAX,
    ) -> np.ndarray:
        """(m, 53) targets of the emotions ``labels`` at absolute ``rotations`` (m, 3) with each mouth corner
        lowered (:data:`LOWERING` channels, each raised to at most ``caps``; no mouthStretch for
        :data:`UNSTRETCHED`) until its on-screen height
        at the anchor's rotation exceeds the same expression's face-on height by at most ``1 - ramp`` of the
        view's excess (:func:`view_ramp` of ``source_rotation``). Unchanged where the ramp is 0, where the view
        does not curve the mouth up (both corners' mean: a face seen from below, whose far corner may still
        rise on screen), or the label is in :data:`KEEP_UPTURN`; a corner the view does not raise is not a goal."""
        out = np.array(targets, np.float32).reshape(-1, 53)
        ramp = view_ramp(source_rotation)
        if ramp <= 0.0:
            return out
        rots = np.asarray(rotations, np.float64).reshape(-1, 3)
        # both sides' first channel, then both sides' second (a corner's channel moves the other corner a little)
        chans = [(self.names.index(f"{c}_{s}"), cap) for c, cap in zip(LOWERING, caps, strict=True) for s in ("R", "L")]
        chin = [(self.names.index(CHIN_RAISE[0]), CHIN_RAISE[1])]
        for i, label in enumerate(labels):
            if label in KEEP_UPTURN:
                continue
            keep = label not in UNSTRETCHED
            spend = [(ch, cap) for ch, cap in chans if keep or not self.names[ch].startswith("mouthStretch")]
            spend += chin if label in CHIN_RAISE_EMOTIONS else []
            e = out[i].astype(np.float64)
            view, goal = self.corners(e, rots[i])[0], self.front(e)[0]
            if view.mean() <= goal.mean():  # the view does not curve this mouth up (a face seen from below)
                continue
            want = view - ramp * np.maximum(view - goal, 0.0)  # the height each corner should reach

            def excess(x: np.ndarray, r: np.ndarray = rots[i], want: np.ndarray = want) -> float:
                return float(np.maximum(self.corners(x, r)[0] - want, 0.0).sum())

            e = _descend(e, [(ch, 1.0, cap) for ch, cap in spend], excess, probe_in_room=False)
            out[i] = e.astype(np.float32)
        return out.clip(0.0, 1.0)

    def raise_from_below(
        self, targets: np.ndarray, labels: Sequence[str], rotations: np.ndarray, source_rotation: np.ndarray,
        keep: float = RAISING_KEEP,
    ) -> np.ndarray:
        """(m, 53) targets of the emotions ``labels`` at absolute ``rotations`` (m, 3) with each mouth corner raised
        back (weight taken off the anchor's own :data:`RAISING` channels, each down to ``keep`` of its planned weight)
        until its on-screen height at the anchor's rotation falls short of the same expression's face-on height by at
        most ``1 - ramp`` of the view's sinking (:func:`below_ramp` of ``source_rotation``): the mirror of
        :meth:`compensate` for a face seen from below. Unchanged where the ramp is 0, where the view does not curve
        the neutral mouth down at the anchor's rotation, or the label is in :data:`KEEP_UPTURN` or :data:`UNRAISED`;
        no channel rises, and none is raised above its face-on height (a sad mouth keeps its frown)."""
        out = np.array(targets, np.float32).reshape(-1, 53)
        ramp = below_ramp(source_rotation)
        if ramp <= 0.0:
            return out
        rots = np.asarray(rotations, np.float64).reshape(-1, 3)
        sided = lambda c: (f"{c}_R", f"{c}_L") if f"{c}_R" in self.names else (c,)  # noqa: E731
        chans = [self.names.index(n) for c in RAISING for n in sided(c)]
        zero = np.zeros((1, 53))
        for i, label in enumerate(labels):
            if label in KEEP_UPTURN or label in UNRAISED:
                continue
            if self.curve(zero, rots[i])[0] >= self.front(zero)[0].mean():  # the view does not curve a mouth down
                continue
            e = out[i].astype(np.float64)
            floor = keep * e
            view, goal = self.corners(e, rots[i])[0], self.front(e)[0]
            want = view + ramp * np.maximum(goal - view, 0.0)  # the height each corner should reach
            top = np.maximum(view, goal)  # and none climbs above its face-on height (or where the view has it)

            def short(x: np.ndarray, r: np.ndarray = rots[i], want: np.ndarray = want, top: np.ndarray = top) -> float:
                c = self.corners(x, r)[0]
                return float(np.maximum(want - c, 0.0).sum() + np.maximum(c - top, 0.0).sum())

            e = _descend(e, [(ch, -1.0, floor[ch]) for ch in chans], short, probe_in_room=True)
            out[i] = e.astype(np.float32)
        return out.clip(0.0, 1.0)
