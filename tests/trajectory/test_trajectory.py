"""Trajectories: the paper's eq. 16, minimum-jerk timing, slerp, idle motion, bounds and bad input."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from emoshift.io import UserError
from emoshift.trajectory import BLINK_CHANNELS, Anchor, build_trajectory, step_bound


def _anchors(seed=0, n=3):
    rng = np.random.default_rng(seed)
    out = [Anchor(rng.uniform(0, 0.3, 53), np.radians([2.0, -4.0, 1.0]), "source")]
    for k in range(1, n):
        e = rng.uniform(0, 1, 53)
        e[list(BLINK_CHANNELS)] = 0.1 * k
        out.append(Anchor(e, np.radians(rng.uniform(-12, 12, 3)), f"emotion{k}"))
    return out


def test_linear_is_the_papers_equation_16():
    a = _anchors()
    tr = build_trajectory(a, fps=30, seconds=2.0, timing="linear")
    assert len(tr) == 60 and tr.anchor_frames == [0, 30, 59] and tr.labels == ["source", "emotion1", "emotion2"]
    for (l, n), (fa, fb) in zip([(a[0], a[1]), (a[1], a[2])], [(0, 30), (30, 59)]):
        for f in range(fa, fb + 1):
            delta = 1 - (f - fa) / (fb - fa)  # eq. 16: e = δ e_l + (1 - δ) e_n
            assert np.allclose(tr.expression[f], delta * l.expression + (1 - delta) * n.expression, atol=1e-6)
            assert np.allclose(tr.rotation[f], delta * l.rotation + (1 - delta) * n.rotation, atol=1e-6)


def test_natural_hits_anchors_holds_and_eases():
    a = _anchors()
    tr = build_trajectory(a, fps=30, segment_seconds=1.0, hold_seconds=0.5, idle=False)
    assert len(tr) == 105  # 3 holds of 0.5 s + 2 moves of 1 s = 3.5 s
    for k, f in enumerate(tr.anchor_frames):
        assert np.allclose(tr.expression[f], a[k].expression, atol=1e-6)
        assert np.allclose(tr.rotation[f], a[k].rotation, atol=1e-6)
    b = tr.meta["frame_bounds"]
    assert np.allclose(tr.expression[b[0] : b[1] + 1], a[0].expression, atol=1e-6)  # apex hold
    # minimum jerk: the move starts and ends at (almost) zero speed, fastest in the middle
    steps = np.abs(np.diff(tr.expression[b[1] : b[2] + 1], axis=0)).max(1)
    assert steps[0] < 0.1 * steps.max() and steps[-1] < 0.1 * steps.max()
    assert np.argmax(steps) in range(len(steps) // 2 - 2, len(steps) // 2 + 2)
    # exact min-jerk profile at the move's midpoint frame (tau = 0.5 -> s = 0.5)
    mid = (b[1] + b[2]) // 2
    tau = (mid - b[1]) / (b[2] - b[1])
    s = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
    assert np.allclose(tr.expression[mid], a[0].expression + s * (a[1].expression - a[0].expression), atol=1e-6)


def test_natural_rotations_follow_the_geodesic():
    a = _anchors(1)
    tr = build_trajectory(a, idle=False)
    b = tr.meta["frame_bounds"]
    frames = np.arange(b[1], b[2] + 1)
    tau = (frames - b[1]) / (b[2] - b[1])
    s = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
    ref = Slerp([0, 1], Rotation.from_rotvec([a[0].rotation, a[1].rotation]))(s)
    got = Rotation.from_rotvec(tr.rotation[frames].astype(np.float64))
    assert np.degrees((ref.inv() * got).magnitude()).max() < 1e-3


def test_idle_motion_is_seeded_subtle_and_leaves_frame_zero_exact():
    a = _anchors()
    t1 = build_trajectory(a, seconds=20, seed=3)
    t2 = build_trajectory(a, seconds=20, seed=3)
    t3 = build_trajectory(a, seconds=20, seed=4)
    assert np.array_equal(t1.expression, t2.expression) and np.array_equal(t1.rotation, t2.rotation)
    assert not np.array_equal(t1.rotation, t3.rotation)
    assert np.allclose(t1.expression[0], a[0].expression, atol=1e-6) and np.allclose(t1.rotation[0], a[0].rotation)
    calm = build_trajectory(a, seconds=20, seed=3, idle=False)
    blink = t1.expression[:, BLINK_CHANNELS[0]] - calm.expression[:, BLINK_CHANNELS[0]]
    assert blink.max() > 0.5  # at least one real blink in 20 s
    others = np.delete(np.arange(53), BLINK_CHANNELS)
    assert np.array_equal(t1.expression[:, others], calm.expression[:, others])
    sway = (Rotation.from_rotvec(calm.rotation.astype(float)).inv() * Rotation.from_rotvec(t1.rotation.astype(float)))
    assert 0.05 < np.degrees(sway.magnitude()).max() < 2.5


def test_blink_rate_is_natural():
    still = [Anchor(np.zeros(53), np.zeros(3), "source")]
    counts = []
    for seed in range(5):
        tr = build_trajectory(still, seconds=60, seed=seed)
        closed = tr.expression[:, BLINK_CHANNELS[0]] > 0.9
        counts.append(int((np.diff(closed.astype(int)) == 1).sum()))
    assert 8 <= np.mean(counts) <= 24  # people blink ~15-20 times a minute


@pytest.mark.parametrize("timing", ["natural", "linear"])
def test_frame_to_frame_steps_stay_within_the_documented_bound(timing):
    for seed in range(4):
        tr = build_trajectory(_anchors(seed), timing=timing, segment_seconds=[0.4, 0.8], seed=seed)
        got, bound = tr.max_step(), step_bound(tr)
        for key in got:
            assert got[key] <= bound[key] + 1e-5, (key, got[key], bound[key])
        assert bound["expression"] < 0.25  # and the bound itself is small for these durations


def test_intensity_scales_target_anchors_only():
    a = _anchors()
    tr = build_trajectory(a, intensity=0.5, idle=False)
    assert np.allclose(tr.expression[0], a[0].expression, atol=1e-6)
    assert np.allclose(tr.expression[tr.anchor_frames[1]], 0.5 * a[1].expression, atol=1e-6)
    zero = build_trajectory(a, intensity=0.0, idle=False)  # the documented 0: a neutral face at every target
    assert np.allclose(zero.expression[zero.anchor_frames[1]], 0.0) and np.allclose(zero.expression[0], a[0].expression)


def test_single_anchor_and_anchor_holds():
    one = build_trajectory([Anchor(np.full(53, 0.2), np.zeros(3), "x")], fps=10, seconds=1.0, idle=False)
    assert len(one) == 10 and np.allclose(one.expression, 0.2)
    a = _anchors()
    a[1].hold = 2.0
    tr = build_trajectory(a, idle=False)
    b = tr.meta["frame_bounds"]
    assert abs((b[3] - b[2]) - 60) <= 1  # a 2 s apex hold at 30 fps (the layout spans T - 1 frames)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fps": 0},
        {"fps": -5},
        {"fps": 1e6},
        {"seconds": 0},
        {"seconds": float("nan")},
        {"seconds": 1e9},
        {"segment_seconds": [1.0]},
        {"segment_seconds": -1},
        {"timing": "cubic"},
        {"intensity": -1},
        {"hold_seconds": -0.1},
    ],
)
def test_bad_input_is_a_user_error(kwargs):
    with pytest.raises(UserError):
        build_trajectory(_anchors(), **kwargs)


def test_bad_anchors_are_user_errors():
    with pytest.raises(UserError):
        build_trajectory([])
    with pytest.raises(UserError):
        build_trajectory([Anchor(np.zeros(52), np.zeros(3), "x")])
    with pytest.raises(UserError):
        build_trajectory([Anchor(np.full(53, np.nan), np.zeros(3), "x")])
