"""A photo that shows teeth, rendered at a target whose lips are closed or nearly closed, closes its lips over
them (shut22): skin the fit laid over the photo's teeth takes the mouth painted shut however little it moves
(reenact.SHUT_GAP_CM, shaders.skin_sample's ``shut``), and teeth the detected inner contour misses (a smile seen
from above shows its upper teeth up to the outer contour) are taken into the opening that is painted shut
(source_parts.OPENING_TEETH_FRACTION). Each test has a control that fails on the former behaviour."""

import numpy as np
import pytest

from emoshift.render import reenact, source_parts

LUMA = np.float32([0.299, 0.587, 0.114])


def _lips_with_long_teeth(rng, reach_px: int):
    """(70, 140, 3) float32 red lips inside an outer ellipse, the detected opening (a thinner ellipse), and a band
    of teeth (ivory) from the opening's upper edge up to ``reach_px`` rows above it, inside the lips: the upper
    teeth of a smile seen from above, whose upper lip the view hides. Returns (patch, hole, lips, teeth)."""
    h, w = 70, 140
    yy, xx = np.mgrid[0:h, 0:w]
    lips = ((xx - 70) / 60.0) ** 2 + ((yy - 38) / 28.0) ** 2 <= 1.0
    hole = ((xx - 70) / 44.0) ** 2 + ((yy - 40) / 6.0) ** 2 <= 1.0
    patch = np.empty((h, w, 3), np.float32)
    patch[:] = (150, 60, 60)
    patch += rng.normal(0, 4, (h, w, 1))
    patch[~lips] = (160, 110, 80)
    patch[hole] = (35, 20, 20)
    top = np.argmax(hole, axis=0)  # the opening's upper edge per column (0 where the column misses it)
    above = (yy < top[None, :]) & (yy >= top[None, :] - reach_px) & hole.any(0)[None, :]
    teeth = lips & ~hole & above
    patch[teeth] = (225, 215, 190) + rng.normal(0, 4, (int(teeth.sum()), 1))
    return patch, hole, lips, teeth


@pytest.mark.parametrize("seed, reach", [(0, 12), (1, 16), (2, 20)])
def test_teeth_past_the_detected_opening_are_taken_into_it(seed, reach):
    """Upper teeth 12-20 rows past the detected opening of a 120-pixel-wide mouth (0.1-0.17 of its width, as dev11's
    upper teeth past its detected inner contour) are all taken into the opening before it is painted shut, and
    almost none of the lips (red) beside them. Control: with the former reach (OPENING_GROW_FRACTION only, 0.06 x
    the width: 7 steps) at least a quarter of the teeth stay in the lips (dev11's white fragments)."""
    patch, hole, lips, teeth = _lips_with_long_teeth(np.random.default_rng(seed), reach)
    width = 120.0
    reach_px = int(source_parts.OPENING_GROW_FRACTION * width + 0.5)
    grown = source_parts.grow_opening(patch, hole, lips, reach_px, int(source_parts.OPENING_TEETH_FRACTION * width + 0.5))
    assert (grown & teeth).sum() == teeth.sum()
    assert (grown & lips & ~hole & ~teeth).sum() <= 0.02 * teeth.sum()
    old = source_parts.grow_opening(patch, hole, lips, reach_px)
    assert (teeth & ~old).sum() >= 0.25 * teeth.sum()


def test_a_closed_mouths_lips_grow_nothing():
    """Teeth reach changes nothing where the lips show no teeth: a red mouth with a dark opening grows the same
    opening with and without it (the bright-only steps find no pixel)."""
    patch, hole, lips, teeth = _lips_with_long_teeth(np.random.default_rng(3), 0)
    assert teeth.sum() == 0
    a = source_parts.grow_opening(patch, hole, lips, 7, 30)
    b = source_parts.grow_opening(patch, hole, lips, 7)
    assert np.array_equal(a, b)


def test_shut_follows_the_frames_lip_gap():
    """Closed and nearly closed lips (sadness, contempt: under 0.4 cm) are shut whole, open mouths (happiness 0.76
    cm and wider at seed 0 on the 14 benchmark photos) not at all, a raised lip (disgust's 0.5-0.65) partly."""
    assert reenact._shut(0.0) == pytest.approx(1.0)
    assert reenact._shut(0.35) == pytest.approx(1.0)
    assert reenact._shut(0.76) == pytest.approx(0.0)
    assert 0.05 < reenact._shut(0.55) < 0.95
    assert all(reenact._shut(a) >= reenact._shut(b) for a, b in zip(np.arange(0, 1, 0.05), np.arange(0.05, 1.05, 0.05)))


# ------------------------------------------------------------------------- the warp: skin over the photo's teeth


def _skin_at(shut: float, d: float, seed: int):
    """shaders.skin_sample of a photo whose mouth box shows teeth (ivory, with grain) where its mouth painted shut
    shows lip (red), at a pixel in the box moved by ``d`` px, with ``shut``. Returns (sample, teeth, lip)."""
    from emoshift.render.shaders import photo_coefficients, skin_sample, spline_coefficients

    rng = np.random.default_rng(seed)
    photo = np.full((80, 80, 3), (190, 140, 115), np.float32)
    photo[20:60, 20:60] = (228, 220, 200)  # the mouth box
    photo = np.clip(photo + rng.normal(0, 3, photo.shape), 0, 255).astype(np.uint8)
    closed = np.clip(np.full((40, 40, 3), (170, 80, 80), np.float32) + rng.normal(0, 3, (40, 40, 3)), 0, 255)
    closed = closed.astype(np.uint8)
    coef, corg = photo_coefficients(photo, np.array([0, 0], np.int64), (80, 80))
    ccoef = spline_coefficients(closed, 0, 0, 40, 40)
    mouth = np.array([20, 20, 60, 60], np.int64)
    lift = np.zeros((80, 80, 3), np.float32)
    pix, tmp = np.zeros(3, np.float32), np.zeros(3, np.float32)
    skin_sample(photo, coef, corg, closed, ccoef, mouth, np.float64(shut), lift, 0, 0, 40.5, 40.5, d, 0.0, 1.0, 0.0,
                0.0, pix, tmp)
    return pix.copy(), np.float32([228, 220, 200]), np.float32([170, 80, 80])


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("d", [0.0, 0.4, 0.8])
def test_a_shut_frames_skin_shows_the_lips_not_the_photos_teeth(seed, d):
    """Skin that moved under CLOSE_PX (0-0.8 px) over the photo's open mouth samples the mouth painted shut in a shut
    frame (within 12 levels of the lip), and (control: the former sampling, ``shut`` 0) at least half the way
    towards the photo's teeth without it (dev06's band of upper teeth at sadness: its fitted upper lip lay over
    them and moved under 2 px)."""
    got, teeth, lip = _skin_at(1.0, d, seed)
    assert np.abs(got - lip).max() <= 12
    old, _, _ = _skin_at(0.0, d, seed)
    assert float(np.dot(old - lip, teeth - lip) / np.dot(teeth - lip, teeth - lip)) >= 0.5


# ------------------------------------------------------------------------- the target's own lips: closed


def _interior_px(r, e, rot):
    """Pixels of the mouth's inside (socket, gums, teeth) the frame's mesh shows."""
    from emoshift.render.view import SOCKET, TEETH

    screen = r.screens(e[None], rot[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    part = r.tri_part[frags.tri_id[frags.mask]]
    return int(((part >= SOCKET) & (part <= TEETH)).sum())


@pytest.mark.parametrize("jaw", [0.04, 0.06])
def test_a_nearly_closed_target_closes_its_lips(full_model, open_mouth_fit, jaw):
    """A sad mouth (mouthFrown 0.85) with a small jaw drop (0.04-0.06: 0.13-0.2 cm of gap, as the generated anchors
    of sadness carry) on a photo whose mouth is open (jawOpen 0.3) is drawn with its lips closed to the head
    model's rest gap (within 0.02 cm) and shows at most a few pixels of the mouth's inside. Control: without the
    closure (CLOSE_GAP_CM never reached) its lips part by 0.05 cm more and show at least 3x the inside (and 15 px)."""
    from emoshift.render.reenact import Reenactor

    photo = np.full((384, 384, 3), 150, np.uint8)
    r = Reenactor(photo, open_mouth_fit(384, 0.3), full_model)
    e = full_model.expression_vector({"jawOpen": jaw, "mouthFrown_L": 0.85, "mouthFrown_R": 0.85})
    rot = np.zeros(3, np.float32)
    gap = float(r._frame_shapes(e[None])[2][0])
    inside = _interior_px(r, e, rot)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(reenact, "CLOSE_GAP_CM", (-2.0, -1.0))
        old_gap = float(r._frame_shapes(e[None])[2][0])
        old_inside = _interior_px(r, e, rot)
    finally:
        mp.undo()
    print("gap", gap, old_gap, "inside", inside, old_inside)
    assert gap <= r._rest_gap + 0.02
    assert old_gap >= gap + 0.05
    assert old_inside >= 3 * max(inside, 5)


@pytest.mark.parametrize("pitch", [-15.0, 0.0])
def test_a_closed_targets_lips_meet_with_no_slit(full_model, open_mouth_fit, pitch):
    """A sad mouth (mouthFrown 0.85, jawOpen 0.04) with the lips rolled in 0.25 (a laughing photo's roll, which
    planning.with_source_lip_roll now carries) on a photo whose mouth is open, drawn on a 768-pixel photo turned 20
    degrees and tilted 0 / 15 degrees: its lips are closed until they touch (CLOSE_TO_CM: gap under 0.01 cm) and show
    at most 7 pixels of the mouth's inside (measured 0-7). Control: closed to ICT's rest gap (0.076 cm) within
    jawOpen + 0.03, as before, the slit stays (0.076 cm) and shows 35-58 pixels of the inside, the model's teeth lit
    only through the slit: dev06's black line at sadness (dip 0.81-0.88 against real closed mouths' 0.19-0.26)."""
    from emoshift.planning import euler_deg_to_axis_angle
    from emoshift.render.reenact import Reenactor

    photo = np.full((768, 768, 3), 150, np.uint8)
    r = Reenactor(photo, open_mouth_fit(768, 0.3), full_model)
    e = full_model.expression_vector({"jawOpen": 0.04, "mouthFrown_L": 0.85, "mouthFrown_R": 0.85,
                                      "mouthRollUpper": 0.25, "mouthRollLower": 0.25})  # fmt: skip
    rot = euler_deg_to_axis_angle(np.array([pitch, -20.0, 10.0], np.float32))
    gap, inside = float(r._frame_shapes(e[None])[2][0]), _interior_px(r, e, rot)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(reenact, "CLOSE_TO_CM", r._rest_gap)
        mp.setattr(reenact, "CLOSE_OVER_JAW", 0.03)
        old_gap, old_inside = float(r._frame_shapes(e[None])[2][0]), _interior_px(r, e, rot)
    finally:
        mp.undo()
    print("gap", gap, old_gap, "inside", inside, old_inside)
    assert gap < 0.01 and inside <= 7
    assert old_gap > 0.07 and old_inside >= 25 and inside <= 0.25 * old_inside  # control


def test_an_open_target_keeps_its_gap(full_model, open_mouth_fit):
    """An open target (jawOpen 0.25: lips 0.9 cm apart) and the photo's own expression keep their lips as they were."""
    from emoshift.render.reenact import Reenactor

    photo = np.full((384, 384, 3), 150, np.uint8)
    fit = open_mouth_fit(384, 0.3)
    r = Reenactor(photo, fit, full_model)
    for e in (full_model.expression_vector({"jawOpen": 0.25}), np.asarray(fit.expression, np.float32)):
        assert r._frame_shapes(e[None])[2][0] == pytest.approx(r.lip_gaps(e[None])[0], abs=1e-4)


def test_open_target_renders_as_before(full_model, open_mouth_fit, monkeypatch):
    """An open target (lips 0.8 cm apart and more) renders exactly as before: neither the shut frame nor the
    closure applies."""
    from emoshift.render.reenact import Reenactor

    rng = np.random.default_rng(0)
    photo = np.clip(150 + rng.normal(0, 20, (384, 384, 3)), 0, 255).astype(np.uint8)
    r = Reenactor(photo, open_mouth_fit(384, 0.3), full_model)
    e = full_model.expression_vector({"jawOpen": 0.35, "mouthSmile_L": 0.8, "mouthSmile_R": 0.8})
    rot = np.asarray(r.source_rotation, np.float32)
    assert r._frame_shapes(e[None])[2][0] > reenact.SHUT_GAP_CM[1]
    new = r.render(e, rot)
    monkeypatch.setattr(reenact, "SHUT_GAP_CM", (-2.0, -1.0))
    monkeypatch.setattr(reenact, "CLOSE_GAP_CM", (-2.0, -1.0))
    assert np.array_equal(new, r.render(e, rot))
