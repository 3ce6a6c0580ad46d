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
(``mouthFrown`` of both sides first, then ``mouthStretch``, each raised to at most :data:`LOWERING_MAX`)
towards each corner's height above the lips' middle on screen, at the anchor's rotation, that the same
expression shows face-on, times :func:`view_ramp` of the photo's head: 0 up to :data:`OFF_AXIS_DEG` [0] degrees
off-axis (near-frontal photos are unchanged), 1 from [1]; a mouth the view curves down (a face seen from below)
is left as it is. Happiness keeps its upturn (the smile is its cue).

Measured (``bench/bench_view_mouth.py``, the drawn apex mesh's curve on screen, seed 0; face-on in brackets):
dev11 anger +0.22 -> +0.12 (+0.06), contempt +0.20 -> +0.10 (+0.02), disgust +0.11 -> +0.05 (-0.05), fear +0.18
-> +0.10 (+0.01), sadness +0.06 -> +0.03 (-0.10), surprise +0.26 -> +0.08 (+0.12); dev05 anger +0.13 -> +0.02
(+0.07), fear +0.06 -> -0.01 (+0.03), surprise +0.19 -> +0.11 (+0.12), its disgust and sadness already curve
down and are unchanged. The caps keep dev11 short of face-on: its far corner would need mouthFrown near 2.
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
#: The most the compensation raises each :data:`LOWERING` channel to (a target's own higher weight is kept): on
#: dev11 mouthFrown 1.0 on the near side left the photo's own smile crease behind as a dark tick on the cheek by
#: the hair at every emotion; 0.75 did not.
LOWERING_MAX = (0.8, 0.8)
#: The 68-point indices of the mouth corners (subject's right 48, left 54) and the inner lips' middles.
CORNER_68 = (48, 54)
MIDDLE_68 = (62, 66)


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


class MouthView:
    """The fitted head's mouth on screen: identity (K,), translation (3,) cm and camera of a fit, and the
    head model's 68-point landmark bases (any region: they are the same)."""

    def __init__(self, model, identity, translation, camera, names: Sequence[str]) -> None:
        pts = list(CORNER_68 + MIDDLE_68)
        self.identity = np.asarray(identity, np.float64).reshape(1, -1)
        k = self.identity.shape[1]
        self.neutral = model.lmk68_neutral[pts].astype(np.float64)  # (4, 3)
        self.identity_basis = model.lmk68_identity[:k, pts].astype(np.float64)  # (K, 4, 3)
        self.basis = model.lmk68_expression[:, pts].astype(np.float64)  # (53, 4, 3)
        self.translation = np.asarray(translation, np.float64).reshape(1, 3)
        self.camera = camera
        self.names = list(names)

    @classmethod
    def of_fit(cls, fit, model) -> MouthView:
        return cls(model, fit.identity, fit.translation, fit.camera, fit.expression_names or model.expression_names)

    def corners(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(m, 53), (m, 3) axis-angle -> (m, 2): each corner's (48, 54) height above the inner lips' middle
        along the head's on-screen up axis, over the mouth's width on screen (> 0: curving up like a smile)."""
        from emoshift.rotations import axis_angle_to_matrix

        from emoshift.headmodel.ops import head_points

        e = np.asarray(expressions, np.float64).reshape(-1, 53)
        rots = np.asarray(rotations, np.float64).reshape(-1, 3)
        mats = axis_angle_to_matrix(rots)
        m = len(e)
        cam = head_points(self.neutral, self.identity_basis, self.basis, np.repeat(self.identity, m, 0), e, rots,
                          np.repeat(self.translation, m, 0))  # fmt: skip
        scr = np.asarray(self.camera.project(cam), np.float64)  # (m, 4, 2), y down
        up = np.stack([mats[:, 0, 1], -mats[:, 1, 1]], -1)
        up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
        mid = scr[:, 2:].mean(1)
        width = np.maximum(np.linalg.norm(scr[:, 0] - scr[:, 1], axis=-1), 1e-9)
        return np.einsum("mpc,mc->mp", scr[:, :2] - mid[:, None], up) / width[:, None]

    def front(self, expressions: np.ndarray) -> np.ndarray:
        """(m, 53) -> (m, 2): :meth:`corners` face-on at the same distance."""
        e = np.asarray(expressions, np.float64).reshape(-1, 53)
        return self.corners(e, np.zeros((len(e), 3)))

    def curve(self, expressions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """(m,) the mouth's on-screen curve: the mean of :meth:`corners`."""
        return self.corners(expressions, rotations).mean(-1)

    def compensate(
        self, targets: np.ndarray, labels: Sequence[str], rotations: np.ndarray, source_rotation: np.ndarray,
        caps: Sequence[float] = LOWERING_MAX,
    ) -> np.ndarray:
        """(m, 53) targets of the emotions ``labels`` at absolute ``rotations`` (m, 3) with each mouth corner
        lowered (:data:`LOWERING` channels, each raised to at most ``caps``) until its on-screen height
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
        for i, label in enumerate(labels):
            if label in KEEP_UPTURN:
                continue
            e = out[i].astype(np.float64)
            view, goal = self.corners(e, rots[i])[0], self.front(e)[0]
            if view.mean() <= goal.mean():  # the view does not curve this mouth up (a face seen from below)
                continue
            want = view - ramp * np.maximum(view - goal, 0.0)  # the height each corner should reach

            def excess(x: np.ndarray, r: np.ndarray = rots[i], want: np.ndarray = want) -> float:
                return float(np.maximum(self.corners(x, r)[0] - want, 0.0).sum())

            for _ in range(3):  # the projection is nearly linear in the weights: a few descent rounds
                for ch, cap in chans:
                    now, room = excess(e), cap - e[ch]
                    if now <= 1e-4 or room <= 1e-4:
                        continue
                    probe = e.copy()
                    probe[ch] += 0.05
                    slope = (excess(probe) - now) / 0.05
                    if slope >= -1e-3:
                        continue
                    step = min(now / -slope, room)
                    for _ in range(4):  # halve a step that does not lower the excess
                        probe = e.copy()
                        probe[ch] += step
                        if excess(probe) < now:
                            e = probe
                            break
                        step *= 0.5
            out[i] = e.astype(np.float32)
        return out.clip(0.0, 1.0)
