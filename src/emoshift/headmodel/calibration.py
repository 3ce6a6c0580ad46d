"""FACS calibration of the ICT expression shapes: per-shape gains on the expression deltas (issue 11).

The ICT FaceKit shapes are a rig's, not FACS's: several move far less at weight 1 than their action unit at
the strong end (E, "maximum") in the FACS manual's photographs and descriptions (Ekman, Friesen & Hager,
*FACS Manual*, 2002), so an apex expression built from them reads on a photo as a faint version of the
emotion or as neutral (blind panels of issue 11: anger and sadness renders read as neutral). Measured on
ICT's mean head (``bench/bench_calibration.py``; distances over the outer-eye-corner distance
IOD, MediaPipe points on the head):

==================  ==============================================================================
browDown            mid-brow to upper lid -0.055 IOD, inner brow to inner eye corner -0.011 IOD
                    (AU4 at E: the brows lowered and drawn together, vertical furrows between them)
eyeSquint           lower-lid opening -0.024 IOD (AU7 at E: lids tightened, lower lid raised and straight)
eyeWide             lid opening +0.033 IOD (AU5 at E: sclera shows above the iris)
browInnerUp         inner brow +0.060 IOD (AU1 at E: the inner brows raised and oblique)
mouthFrown          lip corners -0.042 IOD, at most 0.61 cm (AU15 at E: the corners clearly below the lip line)
mouthPress          at most 0.56 cm (AU24 at E: lips pressed thin and bulging around them)
mouthDimple         mouth width +0.027 IOD, at most 0.89 cm (AU14 at E: the corner pulled in and tightened into a dimple)
mouthStretch        mouth width +0.159 IOD, 1.03 cm (AU20 at E: lips stretched sideways and flat)
==================  ==============================================================================

noseSneer (AU9, subnasale to lip -0.048 IOD, 1.03 cm) keeps gain 1: more distorts the nose and bares the
teeth. All against mouthSmile (AU12): mouth width +0.170 IOD, 1.58 cm, which reads at first glance. The gains below scale those shapes so
that weight 1 looks like the AU at E on the development photos and on the grey head; they are our
calibration (no published millimetre norms per AU exist for this rig), chosen on renders looked at by
eye, never against a classifier. Shapes not listed keep gain 1. Weights stay in [0, 1] everywhere (the
exported ARKit curves are unchanged); the ``.glb`` morph targets, the fit, the photo renders and the
textured head all use the calibrated shapes, so what a rig plays is what the video shows. The shape
images that the evaluation judge reads keep the raw ICT shapes it was trained on
(``HeadModel.load(calibrated=False)``).

eyeWide was 1.5: at the fear and surprise apexes of the development photos the eyeball then showed
0.44-1.26 (fear, median 0.61) and 0.21-1.05 (surprise, 0.42) iris radii above the photo's iris circle
(``bench/bench_eyes.py`` ``above``), the "enlarged", "bulging", "cartoonish" eyes of panel 27 (a real AU5
shows a thin band of white over the iris); at 1.1 the band is about 0.7 of that and still shows at
panel size (256 px face crops), looked at on eight photos.
"""

from __future__ import annotations

import numpy as np

#: ICT shape stem (both sides) or name -> gain on its deltas.
EXPRESSION_GAIN: dict[str, float] = {
    "browDown": 1.7,
    "eyeSquint": 1.8,
    "eyeWide": 1.1,
    "browInnerUp": 1.4,
    "mouthFrown": 1.7,
    "mouthPress": 1.6,
    "mouthDimple": 1.5,
    "mouthStretch": 1.3,
}


def expression_gains(names) -> np.ndarray:
    """(53,) float32 gain per shape of ``names`` (ICT order) from :data:`EXPRESSION_GAIN`."""
    out = np.ones(len(names), np.float32)
    for i, n in enumerate(map(str, names)):
        stem = n[:-2] if n.endswith(("_L", "_R")) else n
        out[i] = EXPRESSION_GAIN.get(n, EXPRESSION_GAIN.get(stem, 1.0))
    return out


def calibrate(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The ICT arrays with ``expression_deltas`` (53, V, 3) scaled by :func:`expression_gains` (a new dict
    sharing every other array)."""
    gains = expression_gains(arrays["expression_names"])
    out = dict(arrays)
    out["expression_deltas"] = (arrays["expression_deltas"] * gains[:, None, None]).astype(np.float32)
    return out
