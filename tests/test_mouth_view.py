"""A mouth seen steeply from above curves up on screen; the planner lowers its corners (issue 11,
:mod:`emoshift.mouth_view`).

Heads of the shipped model (identities of six seeds) posed looking down like dev11 (pitch 35-45 degrees, turned
and rolled) and dev05 (turned 45, rolled 24, pitch 48 on the synthetic head): each non-happy prototype's on-screen
mouth curve (:meth:`MouthView.curve`) exceeds its face-on curve by 0.05-0.22 mouth widths. With the compensation
the summed excess over the six emotions falls to at most 0.88 of itself on every head and pose (measured
-0.17 to 0.78: the prototypes of sadness and fear already frown or stretch); the control is the target as
planned before (a ratio of 1), which fails. Near-frontal heads, a head seen from below and happiness are left
exactly as they were; the compensation raises only mouthFrown and mouthStretch, each to at most
:data:`LOWERING_MAX` (or the target's own higher weight)."""

import numpy as np
import pytest

from emoshift.camera import Camera
from emoshift.emotions import EXPRESSION_NAMES, prototype
from emoshift.mouth_view import LOWERING, LOWERING_MAX, MouthView, view_ramp
from emoshift.rotations import euler_to_axis_angle

EMOTIONS = ("anger", "contempt", "disgust", "fear", "sadness", "surprise")
#: pitch (down +), yaw, roll degrees: dev11 is fitted at 39.5 / -23.7 / 25.4, dev05 at 8.9 / -46.9 / 24.3
#: (47.6 degrees off-axis; here pitched further, as the fit under-reads such views).
DOWN = ((40.0, -24.0, 25.0), (45.0, -20.0, 20.0), (35.0, 25.0, -15.0), (48.0, -45.0, 24.0))
FRONT = ((15.0, -10.0, 5.0), (-12.0, 12.0, -10.0), (8.0, 0.0, 0.0), (20.0, 5.0, 0.0))
UP = ((-40.0, -15.0, 10.0), (-45.0, 20.0, -5.0))
SEEDS = range(6)
#: Largest share of the view's summed excess left after the compensation (measured -0.17 to 0.78 over DOWN x SEEDS).
LEFT_MAX = 0.88


def _view(head_model, seed: int) -> MouthView:
    cam = Camera.default(1000, 1000, 1.5)
    a = np.random.default_rng(100 + seed).standard_normal(head_model.n_identity) * 0.7
    return MouthView(head_model, a, np.array([0.0, 0.0, -cam.focal * 16.0 / 450.0]), cam, EXPRESSION_NAMES)


def _rot(pyr) -> np.ndarray:
    return euler_to_axis_angle(np.float32(pyr))


def _targets(labels=EMOTIONS) -> np.ndarray:
    return np.stack([prototype(e) for e in labels]).astype(np.float32)


def _left(view: MouthView, before: np.ndarray, after: np.ndarray, rot: np.ndarray) -> float:
    """Share of the summed on-screen excess over face-on (``before``'s) that ``after`` keeps."""
    rots = np.repeat(rot[None], len(before), 0)
    goal = view.front(before).mean(-1)
    return float((view.curve(after, rots) - goal).sum() / (view.curve(before, rots) - goal).sum())


def _compensated(view, pyr, labels=EMOTIONS):
    e, rot = _targets(labels), _rot(pyr)
    return e, view.compensate(e, labels, np.repeat(rot[None], len(e), 0), rot), rot


@pytest.mark.parametrize("pyr", DOWN)
def test_a_mouth_seen_from_above_is_lowered_towards_its_face_on_curve(head_model, pyr):
    assert view_ramp(_rot(pyr)) == pytest.approx(1.0)
    for seed in SEEDS:
        view = _view(head_model, seed)
        e, out, rot = _compensated(view, pyr)
        assert _left(view, e, e, rot) == pytest.approx(1.0)  # control: the targets as planned before
        assert _left(view, e, out, rot) <= LEFT_MAX, (pyr, seed)


def test_only_the_corner_lowering_channels_rise_within_their_cap(head_model):
    lowering = {f"{c}_{s}": cap for c, cap in zip(LOWERING, LOWERING_MAX, strict=True) for s in ("L", "R")}
    idx = [EXPRESSION_NAMES.index(n) for n in lowering]
    caps = np.float32(list(lowering.values()))
    for pyr in DOWN:
        e, out, _ = _compensated(_view(head_model, 0), pyr)
        others = np.setdiff1d(np.arange(53), idx)
        assert np.abs(out[:, others] - e[:, others]).max() < 1e-6
        assert (out[:, idx] >= e[:, idx] - 1e-6).all()
        assert (out[:, idx] <= np.maximum(e[:, idx], caps) + 1e-6).all()
        assert (out[:, idx] - e[:, idx]).max() > 0.2  # it did lower something


@pytest.mark.parametrize("pyr", FRONT + UP)
def test_near_frontal_faces_and_faces_seen_from_below_are_unchanged(head_model, pyr):
    for seed in (0, 1):
        e, out, _ = _compensated(_view(head_model, seed), pyr)
        np.testing.assert_array_equal(out, e)


def test_happiness_keeps_the_upturn_the_view_adds(head_model):
    labels = ("happiness", "anger")
    e, out, _ = _compensated(_view(head_model, 0), DOWN[0], labels)
    np.testing.assert_array_equal(out[0], e[0])
    assert np.abs(out[1] - e[1]).max() > 0.2


def test_make_plan_lowers_the_corners_only_for_a_photo_looking_down(head_model):
    from types import SimpleNamespace

    from emoshift.planning import make_plan

    frown = [EXPRESSION_NAMES.index("mouthFrown_L"), EXPRESSION_NAMES.index("mouthFrown_R")]
    gen = SimpleNamespace(parsed=SimpleNamespace(emotions=["anger"], intensities=[1.0]),
                          expressions=prototype("anger")[None], rotations=np.zeros((1, 3), np.float32))  # fmt: skip
    view = _view(head_model, 0)
    src_e = np.zeros(53, np.float32)
    for pyr, lowered in ((DOWN[0], True), (FRONT[0], False)):
        src_r = _rot(pyr)
        old = make_plan("x", gen, src_e, src_r, None, "prototype")
        new = make_plan("x", gen, src_e, src_r, None, "prototype", view=view)
        np.testing.assert_array_equal(new.rotations, old.rotations)
        if lowered:
            assert (new.expressions[1, frown] > old.expressions[1, frown] + 0.2).all()
        else:
            np.testing.assert_array_equal(new.expressions, old.expressions)
