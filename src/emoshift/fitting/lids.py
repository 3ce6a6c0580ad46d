"""The lower lids of a smiling photo: the cheek raise (AU6) that the landmark fit misses (issue 11, part 3).

A felt smile raises the cheeks and with them the lower lids (AU6, Duchenne's marker of enjoyment: Ekman,
Davidson & Friesen, "The Duchenne smile", *J. Pers. Soc. Psychol.* 1990), so the eyes narrow from below.
The landmark fit of one photo explains that raised lid with the identity (a face with higher lower lids)
rather than with an expression, because ICT's ``cheekSquint`` barely moves the lids and the identity is
fitted on the same photo. Then a smiling photo animated to sadness, fear or anger keeps its smiling eyes:
nothing tells the renderer that the lids should come down. This module reads the raise from the detected
landmarks instead: the lower lid's distance below the iris centre, in iris radii, is about 0.7-0.95 on
neutral frontal faces of the development photos and 0.5-0.6 on the two smiling faces whose eyes narrow; it
sets the fitted ``eyeSquint`` (the calibrated shape that raises the lower lid, our stand-in for AU6's lid
component) to at least that raise, scaled by how much the photo smiles. An expression without the squint
then lowers the lids back; one with it (anger's AU7) keeps them.
"""

from __future__ import annotations

import numpy as np

from emoshift.headmodel.mp_indices import EYELID_CONTOURS, IRISES

#: MediaPipe points per eye: iris centre, the four iris rim points, the lower lid's middle (145, 374).
EYES = tuple((IRISES[5 * k], IRISES[5 * k + 1 : 5 * k + 5], EYELID_CONTOURS[2 * k + 1][4]) for k in range(2))
#: Lower lid below the iris centre (iris radii): at or above LID_NEUTRAL nothing is raised; the squint
#: weight grows to 1 over LID_SPAN below it.
LID_NEUTRAL = 0.75
LID_SPAN = 0.3
#: Smile weight (mean of mouthSmile_L/R) at which the raise counts fully; below it, in proportion.
SMILE_FULL = 0.4


def lower_lid_raise(landmarks: np.ndarray) -> float:
    """Raise of the lower lids in [0, 1] from (478, 2+) detected landmarks (pixels): the mean over both
    eyes of the lower lid's distance below the iris centre in iris radii, mapped by LID_NEUTRAL / LID_SPAN
    (0 for fewer than 478 points)."""
    lm = np.asarray(landmarks, np.float64)
    if len(lm) < 478:
        return 0.0
    dist = []
    for centre, rim, lid in EYES:
        r = float(np.linalg.norm(lm[list(rim), :2] - lm[centre, :2], axis=1).mean())
        dist.append((lm[lid, 1] - lm[centre, 1]) / max(r, 1e-6))
    return float(np.clip((LID_NEUTRAL - np.mean(dist)) / LID_SPAN, 0.0, 1.0))


def with_smile_squint(expression: np.ndarray, names: list[str], landmarks: np.ndarray) -> np.ndarray:
    """(53,) float32 ``expression`` with ``eyeSquint_L/R`` raised to at least :func:`lower_lid_raise` x
    min(smile / SMILE_FULL, 1) (never lowered)."""
    e = np.array(expression, np.float32).reshape(-1)
    idx = {n: i for i, n in enumerate(names)}
    smile = 0.5 * (e[idx["mouthSmile_L"]] + e[idx["mouthSmile_R"]])
    squint = lower_lid_raise(landmarks) * min(float(smile) / SMILE_FULL, 1.0)
    for side in ("L", "R"):
        i = idx["eyeSquint_" + side]
        e[i] = max(e[i], squint)
    return e
