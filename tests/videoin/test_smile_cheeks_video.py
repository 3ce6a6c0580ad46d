"""A speaker's smile brings its cheek raise into the frame's fit, as a photo's does, and an emotion without
it lowers the cheeks (issue 11 part 3 on the video path).

The landmark fit never reads the cheeks (AU6, ``cheekSquint``), so :func:`emoshift.fitting.lids.with_smile_squint`
gives each side's smile its raise (:func:`~emoshift.fitting.lids.smile_cheeks`) in ``Fitter.fit_landmarks``,
which the clip's per-frame fits go through (:func:`emoshift.fitting.video.fit_frames`); the cheeks are
"follow" channels (:mod:`emoshift.videoin.mix`), so at an instructed anchor they take the emotion's own
value and a smiling frame's raised cheeks come down under sadness.

Measured on the stored landmarks of the grinning astronaut clip (test_rest_identity.py: 24 frames, mouthSmile
0.9 in the first 12, jaw seeds 0 and 2), the clip's fits through ``_fit_frames``: the smiling frames'
cheekSquint 0.800 (both seeds), the resting frames' 0.128-0.132 (the fit's own, as without the raise);
sadness's targets lower the smiling frames' cheeks by 0.757. The change the renderer draws (target - own) on the
cheeks away from the clip's step: largest second difference over frames 0.029-0.031 (0.012 without the raise;
the step itself is 0.8). Control (``lids.CHEEK_RAISE`` = 0, the fits without the raise): smiling frames'
cheeks 0.048-0.054, lowered by 0.053-0.061.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

SIZE, FPS = 256, 24.0
LANDMARKS = Path(__file__).parent / "data" / "rest_clip_landmarks.npz"
SMILING = 12
CHEEKS = ("cheekSquint_L", "cheekSquint_R")
#: Frames either side of the clip's step (the smile ends at once at frame SMILING) left out of the resting
#: frames and of the smoothness measure: the change follows the fit smoothed over time, so it takes the step
#: over ~2 frames there.
STEP = 3
#: Raise of the smiling frames' cheeks over the resting ones' and sadness's lowering of them: measured
#: 0.67-0.76; the control's < 0.07.
RAISED = 0.4
#: Largest second difference over frames of the change on the cheeks (measured 0.029-0.031).
D2_MAX = 0.08


@pytest.fixture(scope="module")
def fitter():
    from emoshift.fitting import Fitter

    return Fitter()


def _clip(fitter, seed: int) -> tuple[np.ndarray, list[str]]:
    """(24, 53) the clip's per-frame fitted expressions (as video in fits them) and the channel names."""
    from emoshift.fitting.video import _fit_frames, clip_camera
    from emoshift.videoin.rest import resting_keyframes

    lms = list(np.load(LANDMARKS)[f"seed{seed}"].astype(np.float64) / 32)
    size = (SIZE, SIZE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with clip_camera(fitter, lms, size, resting_keyframes) as (keys, states):
            fits = _fit_frames(fitter, list(enumerate(lms)), keys, size, False, states=states)
    return np.stack([np.asarray(f.expression, np.float32) for f in fits]), list(fits[0].expression_names)


def _sad_targets(own: np.ndarray, names: list[str]) -> np.ndarray:
    """(T, 53) video in's targets at sadness's anchor on every frame (presence and fade 1)."""
    from emoshift.emotions import prototype
    from emoshift.videoin import mix

    n = len(own)
    traj = np.repeat(prototype("sadness")[None], n, 0).astype(np.float32)
    return mix.targets(own, traj, mix.baseline(own), mix.channel_roles(names), np.ones(n, np.float32), names,
                       mix.SMOOTH_SECONDS * FPS, np.ones(n, np.float32), mix.HOLD_SECONDS * FPS)  # fmt: skip


@pytest.mark.parametrize("seed", [0, 2])
def test_a_speakers_smile_raises_its_cheeks_and_sadness_lowers_them(fitter, seed, monkeypatch):
    from emoshift.fitting import lids

    def measure():
        own, names = _clip(fitter, seed)
        c = [names.index(n) for n in CHEEKS]
        change = (_sad_targets(own, names) - own)[:, c]
        d2 = np.abs(change[2:] - 2 * change[1:-1] + change[:-2])  # at frames 1 .. T-2
        held = np.r_[1 : SMILING - STEP, SMILING + STEP : len(own) - 1] - 1  # away from the clip's step
        return own[:SMILING, c].mean(), own[SMILING + STEP :, c].mean(), -change[:SMILING].mean(), float(d2[held].max())

    smiling, resting, lowered, d2 = measure()
    monkeypatch.setattr(lids, "CHEEK_RAISE", 0.0)  # control: fits without the smile's cheek raise
    smiling0, resting0, lowered0, d20 = measure()
    print(f"seed {seed}: cheeks smiling {smiling:.3f} resting {resting:.3f}; sadness lowers them {lowered:.3f}; "
          f"d2 {d2:.4f}; control: {smiling0:.3f} {resting0:.3f}, lowers {lowered0:.3f}, d2 {d20:.4f}")
    assert smiling - resting > RAISED
    assert lowered > RAISED
    assert d2 < D2_MAX
    assert smiling0 - resting0 < RAISED and lowered0 < RAISED  # control: the fits keep no raise, nothing comes down
