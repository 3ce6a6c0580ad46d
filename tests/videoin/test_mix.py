"""The per-frame expression mix of a video input (pure functions; values, not shapes)."""

import numpy as np

from emoshift.emotions import EXPRESSION_NAMES
from emoshift.videoin import mix

NAMES = list(EXPRESSION_NAMES)


def idx(name):
    return NAMES.index(name)


def test_channel_roles_keep_gaze_and_closed_lips_articulate_the_jaw_and_lids_follow_the_rest():
    r = mix.channel_roles(NAMES)
    for n in ("mouthClose", "eyeLookUp_L", "eyeLookIn_R"):
        assert r[idx(n)] == mix.ROLE_KEEP, n
    for n in ("jawOpen", "mouthFunnel", "mouthPucker", "mouthRollLower", "mouthUpperUp_L", "mouthLowerDown_R", "eyeBlink_L"):
        assert r[idx(n)] == mix.ROLE_ARTICULATE, n
    for n in ("browDown_L", "browInnerUp_R", "eyeWide_L", "eyeSquint_R", "cheekSquint_L", "noseSneer_R",
              "mouthSmile_L", "mouthFrown_R", "mouthStretch_L", "mouthPress_R", "mouthDimple_L", "mouthShrugLower"):
        assert r[idx(n)] == mix.ROLE_FOLLOW, n


def test_targets_add_the_change_before_the_emotion_and_take_its_values_once_it_is_in():
    rng = np.random.default_rng(0)
    t = 20
    own = rng.uniform(0.1, 0.4, (t, 53)).astype(np.float32)
    rest = mix.baseline(own)
    traj = np.repeat(rest[None], t, 0)
    traj[10:, idx("browDown_L")] = 0.9  # the emotion lowers the brow from frame 10
    traj[10:, idx("mouthFrown_L")] = 0.7
    traj[10:, idx("jawOpen")] += 0.3  # ... and opens the jaw: laid over the speaker's own
    traj[10:, idx("mouthClose")] += 0.5  # ... and would close the lips: not taken
    present = (np.arange(t) >= 10).astype(np.float32)
    out = mix.targets(own, traj, rest, mix.channel_roles(NAMES), np.ones(t), NAMES, present=present)
    np.testing.assert_array_equal(out[:10], own[:10])  # no change before the trajectory moves
    np.testing.assert_allclose(out[10:, idx("browDown_L")], 0.9, atol=1e-6)  # the emotion's own value
    np.testing.assert_allclose(out[10:, idx("mouthFrown_L")], 0.7, atol=1e-6)
    np.testing.assert_allclose(out[10:, idx("jawOpen")], own[10:, idx("jawOpen")] + 0.3, atol=1e-6)
    np.testing.assert_array_equal(out[:, idx("mouthClose")], own[:, idx("mouthClose")])
    assert out.min() >= 0 and out.max() <= 1
    changed = mix.changed(own, out)
    assert not changed[:10].any() and changed[10:].all()
    # control: measured from the clip's rest instead (present 0), the brow is only moved by the change
    added = mix.targets(own, traj, rest, mix.channel_roles(NAMES), np.ones(t), NAMES, present=np.zeros(t))
    assert np.abs(added[10:, idx("browDown_L")] - 0.9).max() > 0.05


def test_presence_is_zero_on_the_first_anchor_eases_in_and_is_one_after():
    p = mix.presence([0, 10, 20, 40, 59], 60)
    assert (p[:11] == 0).all() and (p[20:] == 1).all()
    assert (np.diff(p[10:21]) > 0).all()  # rising through the first move
    lin = mix.presence([0, 10, 20, 40, 59], 60, timing="linear")
    np.testing.assert_allclose(lin[15], 0.5, atol=1e-6)
    np.testing.assert_array_equal(mix.presence([0, 59], 60), np.zeros(60))  # one anchor: no emotion


def test_face_fade_is_zero_without_a_face_and_rises_smoothly_away_from_it():
    has = np.ones(30, bool)
    has[10:13] = False
    f = mix.face_fade(has, 4.0)
    assert (f[10:13] == 0).all()
    assert f[0] == 1.0 and f[29] == 1.0
    assert 0 < f[13] < f[14] < f[16] <= 1.0 and 0 < f[9] < f[8] < f[6] <= 1.0  # both sides ramp
    assert np.abs(np.diff(f)).max() <= 0.5  # no jump of more than half the effect in one frame
    np.testing.assert_array_equal(mix.face_fade(np.ones(5, bool), 4.0), np.ones(5))


def test_a_frame_without_a_face_is_never_marked_for_reenactment():
    own = np.full((4, 53), 0.2, np.float32)
    own[2] = np.nan
    target = np.full((4, 53), 0.5, np.float32)
    np.testing.assert_array_equal(mix.changed(own, target), [True, True, False, True])


def test_an_eye_closed_in_a_blink_is_not_opened_by_the_emotion():
    own = np.zeros((3, 53), np.float32)
    own[:, idx("eyeBlink_L")] = [0.0, 0.5, 1.0]  # open, half closed, closed: not held (its floor is 0)
    traj = np.zeros((3, 53), np.float32)
    traj[:, idx("eyeWide_L")] = 0.4
    traj[:, idx("eyeBlink_L")] = -0.3  # an emotion that would open the lids
    out = mix.targets(own, traj, np.zeros(53, np.float32), mix.channel_roles(NAMES), np.ones(3), NAMES)
    np.testing.assert_allclose(out[:, idx("eyeWide_L")], [0.4, 0.2, 0.0], atol=1e-6)
    np.testing.assert_array_equal(out[:, idx("eyeBlink_L")], own[:, idx("eyeBlink_L")])


def test_the_change_does_not_carry_the_fits_jitter_where_the_emotion_clips_a_channel():
    rng = np.random.default_rng(3)
    t = 60
    own = np.zeros((t, 53), np.float32)
    own[:, idx("browInnerUp_L")] = 0.05 + 0.03 * rng.standard_normal(t)  # a still brow, noisy fit
    own = own.clip(0, 1)
    traj = np.zeros((t, 53), np.float32)
    traj[:, idx("browInnerUp_L")] = -0.5  # the emotion lowers it below zero: clipped
    args = (own, traj, np.zeros(53, np.float32), mix.channel_roles(NAMES), np.ones(t), NAMES)
    c = idx("browInnerUp_L")
    raw = np.diff(mix.targets(*args)[:, c] - own[:, c]).std()  # control: clipped on the raw fit
    smoothed = np.diff(mix.targets(*args, sigma_frames=2.0)[:, c] - own[:, c]).std()
    assert smoothed < 0.5 * raw and raw > 0.02


def test_pose_offset_is_the_planners_turn_on_top_of_the_frames_own_and_fades():
    from emoshift.planning import compose_rotations

    src = np.array([0.0, 0.3, 0.0], np.float32)  # the clip's first pose (yaw)
    nod = np.array([0.2, 0.0, 0.0], np.float32)  # what the planner adds at the apex
    traj = np.stack([src, compose_rotations(src, nod[None])[0], compose_rotations(src, nod[None])[0]])
    own = np.array([[0.0, 0.3, 0.0], [0.05, -0.2, 0.1], [0.05, -0.2, 0.1]], np.float32)
    out = mix.pose_targets(own, traj, src, np.array([1.0, 1.0, 0.5]))
    np.testing.assert_allclose(out[0], own[0], atol=1e-5)  # no offset at the source anchor
    rel = compose_rotations(-own[1], out[1][None])[0]  # R_own^-1 R_out = the nod
    np.testing.assert_allclose(rel, nod, atol=1e-5)
    np.testing.assert_allclose(compose_rotations(-own[2], out[2][None])[0], 0.5 * nod, atol=1e-5)  # faded
