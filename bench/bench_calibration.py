"""How far each FACS-calibrated ICT shape moves the face, raw vs calibrated (issue 11.2,
:mod:`emoshift.headmodel.calibration`).

Per shape (both sides at weight 1 on the mean head): the largest vertex excursion in cm, and the change of
the feature the shape's action unit is read by, measured on the head's MediaPipe points over the outer-eye-
corner distance (IOD): brow to lid, inner brow to inner eye corner, lid opening, subnasale to upper lip,
mouth width, lip-corner height. mouthSmile (AU12, reads at first glance) is the reference row.

    .venv/bin/python bench/bench_calibration.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

SHAPES = ("browDown", "browInnerUp", "eyeSquint", "eyeWide", "mouthFrown", "mouthPress", "mouthDimple",
          "noseSneer", "mouthStretch", "mouthSmile")  # fmt: skip


def features(p: np.ndarray) -> dict[str, float]:
    """(478, 2) MediaPipe points (y up) -> feature distances over the IOD."""
    iod = np.linalg.norm(p[33] - p[263])
    d = lambda i, j: float(np.linalg.norm(p[i] - p[j]) / iod)  # noqa: E731
    return {
        "brow_to_lid": (d(105, 159) + d(334, 386)) / 2,
        "inner_brow_to_eye": (d(55, 133) + d(285, 362)) / 2,
        "lid_opening": (d(159, 145) + d(386, 374)) / 2,
        "nose_to_lip": d(2, 0),
        "mouth_width": d(61, 291),
        "corner_height": float(((p[61, 1] + p[291, 1]) / 2 - (p[0, 1] + p[17, 1]) / 2) / iod),
    }


def main() -> None:
    import torch

    from emoshift.emotions import EXPRESSION_NAMES
    from emoshift.headmodel import HeadModel
    from emoshift.headmodel.calibration import expression_gains

    models = {c: HeadModel.load(region="head", calibrated=c) for c in (False, True)}
    gains = expression_gains(EXPRESSION_NAMES)
    rows = []
    for stem in SHAPES:
        names = [n for n in EXPRESSION_NAMES if n == stem or n[:-2] == stem]
        row = {"shape": stem, "gain": float(gains[EXPRESSION_NAMES.index(names[0])])}
        for cal, m in models.items():
            e = torch.zeros(2, 53)
            e[1, [EXPRESSION_NAMES.index(n) for n in names]] = 1.0
            with torch.no_grad():
                out = m(torch.zeros(2, m.n_identity), e)
            tag = "cal" if cal else "raw"
            row[f"{tag}_max_cm"] = float(np.linalg.norm(out.vertices[1] - out.vertices[0], axis=1).max())
            f0, f1 = (features(out.landmarks[k, :, :2]) for k in (0, 1))
            key = max(f0, key=lambda k: abs(f1[k] - f0[k]))
            row[f"{tag}_feature"] = f"{key} {f1[key] - f0[key]:+.3f}"
        rows.append(row)
    report("calibration", rows)


if __name__ == "__main__":
    main()
