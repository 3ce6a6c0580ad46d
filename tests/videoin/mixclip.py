"""A synthetic clip mixed with an instructed emotion as the video path plans it (shared by the mix tests)."""

import numpy as np

from emoshift.emotions import EXPRESSION_NAMES, prototype
from emoshift.trajectory import Anchor, build_trajectory
from emoshift.videoin import mix

FPS = 30.0


def mixed(own, emotion, variant, rule=mix.targets, names=None):
    """The clip (t, 53) with "emotion" planned from its rest as the video path does (plan_clip's arguments);
    ``rule`` is mix.targets or a test's variant of it, ``names`` the expression names (default: all 53)
    -> (target (t, 53), trajectory expression (t, 53), apex frames: the last anchor's hold)."""
    names = list(EXPRESSION_NAMES) if names is None else names
    t = len(own)
    rest = mix.baseline(own)
    zero = np.zeros(3, np.float32)
    anchors = [Anchor(rest, zero, "source"), Anchor(prototype(emotion, variant), zero, emotion)]
    traj = build_trajectory(anchors, fps=FPS, seconds=t / FPS, idle=False)
    s = mix.presence(traj.meta["frame_bounds"], t, traj.timing)
    target = rule(own, traj.expression, rest, mix.channel_roles(names), np.ones(t, np.float32), names,
                  mix.SMOOTH_SECONDS * FPS, s, mix.HOLD_SECONDS * FPS)  # fmt: skip
    k, half = traj.anchor_frames[-1], int(traj.meta["holds"][-1] * FPS) // 2
    return target, np.asarray(traj.expression), np.arange(k - half, min(t, k + half + 1))
