"""AU4's brow heads: the inner ends of the brows lowered and drawn together, a corrective on ICT's browDown.

FACS's brow lowerer (AU4: corrugator, depressor supercilii, procerus) lowers the brows and pulls them
together; its marks are the brows' inner ends drawn down and towards each other and the vertical furrows
between them (Ekman, Friesen & Hager, *FACS Manual*, 2002, AU4 "appearance changes"; Ekman & Friesen,
*Unmasking the Face*, 1975, ch. 7: in anger "the brows are lowered and drawn together", the inner corners
lowest, the angry "V"). ICT's browDown lowers the brow's middle (MultiPIE landmarks 19/24) by 0.62 cm at
weight 1 (calibrated) but its inner head (21/22) by only 0.38 cm: the brow flattens, its inner end left high
against its middle, the oblique brow of worry, while disgust's nose wrinkler (noseSneer, AU9) lowers the
inner head more than the middle (0.36 vs 0.23 cm), the V (``bench/bench_anger_brows.py``). On the
development photos blind labellers named our anger "disgust" 27 of 72 times on the four frontal photos
(panels 45-48).

The corrective (a "combination shape" of the kind face rigs add where linear blendshapes fall short) adds,
per side, :data:`HEAD_DROP_CM` down and :data:`HEAD_PULL_CM` towards the midline at the inner brow head, in
proportion to that side's browDown, fading to nothing at the brow's middle, over the forehead above and
towards the eye below (the lid margin does not move), and across the midline (the two sides meet smoothly).
With the inner brow raised (AU1, browInnerUp) FACS's 1+4 shows the inner corners raised and drawn together
(sadness, fear): there the corrective fades out, at :data:`INNER_UP_OFF` of browInnerUp, so sadness's and fear's
oblique brows are unchanged. Both the photo's own expression and the frame's get it, so only the difference
moves the skin. The head's shapes (fit, rig export) are unchanged: this is the renderer's.

Disgust's brows are lowered, not drawn together. Our AU9 drives browDown too (0.25 per unit of noseSneer,
:data:`emoshift.emotions.AU_TO_SHAPES`: FACS 2002's AU9 "pulls the medial portion of the brows down", which "may
be mistaken for AU4"), and ICT's browDown draws the whole brow towards the midline as it lowers it (calibrated,
per side: 0.78 cm at the brow's middle, 0.29 cm at the inner head), the corrugator's work, AU4's. Ekman & Friesen
(*Unmasking the Face*, 1975, ch. 6-7) separate the two by it: in disgust the brow is lowered, lowering the upper
lid, with the nose wrinkled and the upper lip raised; in anger the brows are lowered *and drawn together*, with
vertical lines between them. So the share of browDown that AU9 accounts for (:meth:`BrowHeads.shares`: at most
0.25 x noseSneer per side, once the nose is wrinkled past a trace, :data:`AU9_ON`) gets no corrective (its weight
is the rest, AU4's) and, given the expression basis, its medial pull is taken back (:attr:`BrowHeads.apart`: minus
the x part of browDown, per side). On ICT's mean head at disgust's apex (noseSneer 0.93, browDown 0.23) the inner
heads' gap closed by 0.035 of the eye-corner distance and they dropped 0.066 below the inner eye corners (anger
0.097 / 0.100); now 0.011 and 0.053, the V (inner heads below the middles) -0.019 -> -0.006 (anger -0.024).
Session 24's panel 60 read disgust as anger on dev08, dev10, dev04 and dev12 (15 of 32 labels). Anger's brows
(noseSneer 0.005), every other emotion's and the photos' own (fits 0-0.05) are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoshift.emotions import AU_TO_SHAPES
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render.ramp import smoothstep
from emoshift.render.wrinkles import ICT_SKIN_VERTICES as _SKIN  # the skin vertices come first

#: Extra lowering and medial pull (cm) of the inner brow head at browDown 1 (FACS AU4 at E), on top of
#: ICT's calibrated shape (0.38 cm down, 0.36 cm in): the inner head then drops as far as the brow's middle
#: and further (0.88 vs 0.62 cm): the angry V (0.3 and 0.4 were looked at on the development photos' 256-px
#: crops and 3x zooms: the V still faint on dev01, dev02); the brows' heads come 0.2 cm closer.
HEAD_DROP_CM = 0.5
HEAD_PULL_CM = 0.1
#: browInnerUp weight (AU1) at which the corrective is gone (linear fade from 0).
INNER_UP_OFF = 0.3
#: browDown per unit of noseSneer that AU9 drives (lowered, not drawn together: see the module docstring).
AU9_BROW_DOWN = AU_TO_SHAPES[9]["browDown"]
#: noseSneer over which that share fades in: AU9 from below its trace (A, 0.2); none under 0.1 (the photos' fits
#: carry 0-0.05, other emotions' anchors 0.005), so only a wrinkled nose's brows change.
AU9_ON = (0.1, 0.2)


@dataclass
class BrowHeads:
    """The corrective of one identity: ``idx`` (K,) vertices, ``delta`` (2, K, 3) float32 at full weight of the
    left (subject's left, +x) and right side, ``cols`` the expression columns (browDown_L, browDown_R,
    browInnerUp_L, browInnerUp_R, noseSneer_L, noseSneer_R); ``apart_idx`` (J,) and ``apart`` (2, J, 3): minus
    the x part of each side's browDown (none without the expression basis)."""

    idx: np.ndarray
    delta: np.ndarray
    cols: tuple[int, int, int, int, int, int]
    apart_idx: np.ndarray | None = None
    apart: np.ndarray | None = None

    @classmethod
    def of(cls, base: np.ndarray, names, basis: np.ndarray | None = None) -> BrowHeads | None:
        """From an ICT identity's rest shape (V, 3), head frame cm, the 53 expression names and, optionally, the
        (53, V * 3) expression basis (for :attr:`apart`); None for a mesh that is not ICT's or names without the
        brow and nose shapes."""
        names = [str(n) for n in names]
        want = ("browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "noseSneer_L", "noseSneer_R")
        if len(base) < _SKIN or any(n not in names for n in want):
            return None
        base = np.asarray(base, np.float64)
        lm = base[MULTIPIE_68]
        x, y = base[:_SKIN, 0] - lm[27, 0], base[:_SKIN, 1]
        head_x = 0.5 * abs(lm[22, 0] - lm[21, 0])
        mid_x = 0.5 * abs(lm[24, 0] - lm[19, 0])
        head_y = lm[[21, 22], 1].mean()
        eye_top = lm[[37, 38, 43, 44], 1].mean()
        wy = smoothstep((y - (eye_top + 0.4)) / max(head_y - eye_top - 0.4, 0.3))  # nothing at the lid
        wy = wy * (1.0 - smoothstep((y - (head_y + 0.8)) / 2.0))  # the forehead above follows, fading
        wy = wy * (base[:_SKIN, 2] > lm[27, 2] - 2.5)  # the face's front
        delta = np.zeros((2, _SKIN, 3))
        for k, side in enumerate((1.0, -1.0)):  # browDown_L moves the +x brow
            xs = side * x
            wx = smoothstep((xs + 0.5) / 1.0) * (1.0 - smoothstep((xs - head_x) / (mid_x - head_x)))
            w = wx * wy
            delta[k, :, 0] = -side * HEAD_PULL_CM * w * smoothstep(xs / 0.5)  # towards the midline, none on it
            delta[k, :, 1] = -HEAD_DROP_CM * w
        idx = np.flatnonzero(np.abs(delta).max((0, 2)) > 1e-4)
        cols = tuple(names.index(n) for n in want)
        apart_idx = apart = None
        if basis is not None:
            down = np.asarray(basis, np.float32).reshape(len(names), -1, 3)[list(cols[:2])]
            apart_idx = np.flatnonzero(np.abs(down[:, :, 0]).max(0) > 1e-4).astype(np.int64)
            apart = np.zeros((2, len(apart_idx), 3), np.float32)
            apart[:, :, 0] = -down[:, apart_idx, 0]
        delta = np.ascontiguousarray(delta[:, idx], np.float32)
        return cls(idx.astype(np.int64), delta, cols, apart_idx, apart)  # type: ignore[arg-type]

    def shares(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T, 2) float32: each side's browDown that AU9 accounts for, min(browDown, AU9_BROW_DOWN x
        noseSneer), faded in over :data:`AU9_ON` of noseSneer."""
        e = np.asarray(expressions, np.float32).reshape(len(expressions), -1)
        down = np.clip(e[:, list(self.cols[:2])], 0.0, 1.0)
        nose = np.clip(e[:, list(self.cols[4:])], 0.0, 1.0)
        on = smoothstep((nose - AU9_ON[0]) / (AU9_ON[1] - AU9_ON[0]))
        return np.minimum(down, AU9_BROW_DOWN * nose * on).astype(np.float32)

    def weights(self, expressions: np.ndarray) -> np.ndarray:
        """(T, 53) -> (T, 2) float32 weight of each side's corrective: browDown less AU9's share (AU4's), faded out
        by browInnerUp."""
        e = np.asarray(expressions, np.float32).reshape(len(expressions), -1)
        down = np.clip(e[:, list(self.cols[:2])], 0.0, 1.0) - self.shares(e)
        up = np.clip(e[:, list(self.cols[2:4])] / INNER_UP_OFF, 0.0, 1.0)
        return (down * (1.0 - up)).astype(np.float32)

    def apply(self, shaped: np.ndarray, expressions: np.ndarray) -> None:
        """Add the corrective and AU9's share taken apart to (T, V, 3) shapes of (T, 53) expressions, in place."""
        w = self.weights(expressions)
        if w.any():
            shaped[:, self.idx] += np.einsum("ts,skc->tkc", w, self.delta).astype(shaped.dtype)
        if self.apart is not None:
            s = self.shares(expressions)
            if s.any():
                shaped[:, self.apart_idx] += np.einsum("ts,skc->tkc", s, self.apart).astype(shaped.dtype)
