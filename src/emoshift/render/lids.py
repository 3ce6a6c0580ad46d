"""AU7's lower lid: the lid tightened and raised, the cheek below it left where it is, a corrective on ICT's eyeSquint.

FACS separates the lid tightener from the cheek raiser by the skin below the lower lid (Ekman, Friesen & Hager,
*FACS Manual*, 2002, AU6 and AU7 "appearance changes"; Ekman & Friesen, *Unmasking the Face*, 1975, ch. 6-7):
AU6 (orbicularis oculi, pars orbitalis) draws the skin of the cheek and temple towards the eye, raising the
cheek, bagging the skin below the eye and bringing out crow's-feet lines, as do disgust's nose wrinkler (AU9,
which raises the cheeks and pushes the lower lid up) and the smile; AU7 (pars palpebralis) tightens the lids
themselves: the lower lid rises and straightens, a bulge in the lid, the cheek does not move. Anger's glare is
AU4+5+7 with no AU6 (EMFACS; :mod:`emoshift.emotions`). ICT's eyeSquint, our AU7 (calibrated: the lower lid's
margin 0.32 cm up at anger's 0.94 on ICT's mean head), moves the skin 0.3-1.3 cm below the margin further, 0.42-0.45 cm
up and as much towards the nose, and the cheek 1.5-2.5 cm below it 0.29 cm up (dev07's fit): at anger's apex
(eyeSquint 0.94, cheekSquint 0.01) the skin 0.5-2.5 cm below the lower lids rose 0.39-0.48 cm on the six neutral
development photos, more than at happiness's (0.26-0.36; disgust 0.54-0.62), with lines under the lower lids (the
wrinkle field's amplitude 0.3-1.3 cm below them 0.26-0.39; happiness 0.24-0.31, disgust 0.51-0.59;
``bench/bench_anger_brows.py`` ``cheek_up``, ``infra_amp``), and blind labellers read anger as disgust on the
photos whose upper face shows (dev07 6 of 8, dev08 3, dev01 2 in panels 61-63, issue 11). With the corrective:
0.12-0.15 cm (what is left is AU10's and AU11's raise of the upper lip, mouthUpperUp: FACS's AU10 lifts the
infraorbital triangle too) and lines 0.02-0.13; disgust, happiness and surprise are drawn as before (their panel
crops byte-identical; sadness's and contempt's anchors, whose eyeSquint is a little over the photo's, change by under
0.005 grey levels on average), fear's cheek 0.10-0.19 -> 0.00-0.05.

The corrective takes back eyeSquint's motion below the lower lid (:func:`cheek_mask`: none within
:data:`LID_KEEP_CM` of the lid's margin, all of it from :data:`LID_KEEP_CM` + :data:`LID_RAMP_CM` down), per side in
proportion to that side's AU7 of its own (:meth:`LidTightener.weights`): eyeSquint less what AU6 and AU9 account
for, cheekSquint + AU9's eyeSquint x noseSneer (a smile's squint and disgust's lower lid pushed up by AU9 keep their
cheeks), or less the photo's own eyeSquint where that is more (a smiling photo's fitted squint, the stand-in for
AU6's lid raise in :mod:`emoshift.fitting.lids`, keeps its cheek: with the whole squint taken back the cheeks of
dev04 and dev12 at anger fell 0.3 cm below where the photo's smile had them, and the photo's smile bags, drawn
down and stretched, showed as dark crescents under the eyes). The photo's own expression gets none, so a frame's
lower lids narrow the eyes from below as before, the lid margin where it was, while the cheek under them stays;
fear's tensed lower lid (AU7 with AU5, :data:`emoshift.emotions.WIDENED_LID_TENSION`) loses its cheek raise too,
which FACS's fear does not have either. The head's shapes (fit, rig export) are unchanged: this is the renderer's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emoshift.emotions import AU_TO_SHAPES
from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render.ramp import smoothstep
from emoshift.render.wrinkles import ICT_SKIN_VERTICES as _SKIN  # the skin vertices come first

#: Below the lower lid's margin (cm): eyeSquint's motion is kept in full within LID_KEEP_CM (the lid itself and
#: its bulge) and taken back in full from LID_KEEP_CM + LID_RAMP_CM down (the cheek).
LID_KEEP_CM = 0.15
LID_RAMP_CM = 0.5
#: eyeSquint per unit of noseSneer that AU9 drives (the lower lid pushed up by the nose wrinkler).
AU9_SQUINT = AU_TO_SHAPES[9]["eyeSquint"]
#: The lower lids' MultiPIE landmarks from the outer to the inner corner, subject's right eye then left.
_LOWER_LIDS = ((36, 41, 40, 39), (45, 46, 47, 42))


def cheek_mask(rest: np.ndarray) -> np.ndarray:
    """(V,) float32 in [0, 1] over an ICT ``rest`` (head frame, cm): the skin below each eye's lower lid, 0 within
    LID_KEEP_CM of the lid's margin (landmarks interpolated across the eye, level beyond its corners), 1 from
    LID_KEEP_CM + LID_RAMP_CM below it; 0 above the lids, off the face's front and off the skin."""
    rest = np.asarray(rest, np.float64)
    lm = rest[MULTIPIE_68]
    x, y = rest[:, 0], rest[:, 1]
    out = np.zeros(len(rest), np.float64)
    mid = lm[27, 0]
    for lids in _LOWER_LIDS:
        pts = lm[list(lids)]
        order = np.argsort(pts[:, 0])
        lid_y = np.interp(x, pts[order, 0], pts[order, 1])
        side = (x - mid) * np.sign(pts[0, 0] - mid) > 0  # this eye's half of the face
        w = smoothstep((lid_y - y - LID_KEEP_CM) / LID_RAMP_CM)
        out = np.where(side, w, out)
    out *= rest[:, 2] > lm[27, 2] - 4.0
    out[_SKIN:] = 0.0
    return out.astype(np.float32)


@dataclass
class LidTightener:
    """The corrective of one identity: ``idx`` (K,) vertices, ``delta`` (2, K, 3) float32 at full weight of the
    left (subject's left, ``_L``) and right eyeSquint (minus its motion on :func:`cheek_mask`), ``cols`` the
    expression columns (eyeSquint_L, eyeSquint_R, cheekSquint_L, cheekSquint_R, noseSneer_L, noseSneer_R)."""

    idx: np.ndarray
    delta: np.ndarray
    cols: tuple[int, int, int, int, int, int]

    @classmethod
    def of(cls, base: np.ndarray, names, basis: np.ndarray) -> LidTightener | None:
        """From an ICT identity's rest shape (V, 3), head frame cm, the 53 expression names and the (53, V * 3)
        expression basis; None for a mesh that is not ICT's or names without the lid, cheek and nose shapes."""
        names = [str(n) for n in names]
        want = ("eyeSquint_L", "eyeSquint_R", "cheekSquint_L", "cheekSquint_R", "noseSneer_L", "noseSneer_R")
        if basis is None or len(base) < _SKIN or any(n not in names for n in want):
            return None
        cols = tuple(names.index(n) for n in want)
        squint = np.asarray(basis, np.float32).reshape(len(names), -1, 3)[list(cols[:2])]
        mask = cheek_mask(base)
        delta = -squint * mask[None, :, None]
        idx = np.flatnonzero(np.abs(delta).max((0, 2)) > 1e-5)
        return cls(idx.astype(np.int64), np.ascontiguousarray(delta[:, idx], np.float32), cols)  # type: ignore[arg-type]

    def weights(self, expressions: np.ndarray, source: np.ndarray | None = None) -> np.ndarray:
        """(T, 53) -> (T, 2) float32 weight of each side's corrective, AU7's own squint (see the module): eyeSquint less
        what AU6 and AU9 account for (cheekSquint + AU9_SQUINT x noseSneer) or, when more, the (53,) ``source``
        expression's own eyeSquint (the photo's squint keeps its cheek), never below 0."""
        e = np.clip(np.asarray(expressions, np.float32).reshape(len(expressions), -1), 0.0, 1.0)
        squint = e[:, list(self.cols[:2])]
        other = e[:, list(self.cols[2:4])] + np.float32(AU9_SQUINT) * e[:, list(self.cols[4:])]
        if source is not None:
            other = np.maximum(other, np.clip(np.asarray(source, np.float32).reshape(-1)[list(self.cols[:2])], 0.0, 1.0))
        return (squint - np.minimum(squint, other)).astype(np.float32)

    def apply(self, shaped: np.ndarray, expressions: np.ndarray, source: np.ndarray | None = None) -> None:
        """Add the corrective to (T, V, 3) shapes of (T, 53) expressions, in place (``source``: :meth:`weights`)."""
        w = self.weights(expressions, source)
        if w.any():
            shaped[:, self.idx] += np.einsum("ts,skc->tkc", w, self.delta).astype(shaped.dtype)
