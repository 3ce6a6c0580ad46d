"""Parted lips stay thin (issue 11 part 5, "fish lips"): the head model turns its inner lip surface to the camera as
the jaw drops, and drawn as it is that surface read as a second, thicker lip ring; the frames tuck it towards the
line where the photo's lips meet (:data:`emoshift.render.source_parts.INNER_LIP_TUCK`,
:meth:`emoshift.render.reenact.Reenactor._frame_shapes`), except the upper lip's where the expression raises that lip
off the teeth (:data:`emoshift.render.reenact.UPPER_LIP_RAISED_CM`). A speaking video frame's inner lips are neither
tucked nor darkened by the still photo's constants (:data:`emoshift.render.reenact.SPEECH_LIP_DARK`).

Measured on the synthetic closed-mouth photo (the model's own landmarks, 1024 px: its upper lip 12.7 px thick at
the middle) at jawOpen 0.3 / 0.5 / 0.7: the frame's upper lip at the middle (rows of skin from the outer lip's middle
vertex down to the opening) 0.78 / 0.78 / 0.78 of the photo's, untucked (the control, INNER_LIP_TUCK = 0) 1.25 at
each; the bound sits half way. (Its lower lip has 19 vertices past the photo's contour, of 411 inner-lip vertices:
1.05-1.1 either way; on the development photos' apexes the lower lip thins too: bench/bench_mouth_real.py.)
"""

import numpy as np
import pytest

from emoshift.headmodel.regions import MULTIPIE_68
from emoshift.render import reenact, source_parts
from emoshift.render.source_parts import INNER_LIP_TUCK, tuck_inner_lips
from emoshift.render.view import SKIN, SOCKET, TEETH

SIZE = 1024
JAWS = (0.3, 0.5, 0.7)
OUTER_UP, OUTER_LO = int(MULTIPIE_68[51]), int(MULTIPIE_68[57])  # the outer lip contour's middles (vertices)
UPPER_MAX = 1.0  # tucked 0.78, untucked 1.25


@pytest.fixture(scope="module")
def closed(full_model, open_mouth_fit, texture_factory):
    """A reenactor of a closed-mouth synthetic photo (its detected landmarks the model's own)."""
    from emoshift.render.reenact import Reenactor

    fit = open_mouth_fit(SIZE, 0.0)
    return Reenactor(texture_factory(SIZE, SIZE, seed=3), fit, full_model), fit


def lip_rows(r, e) -> tuple[int, int]:
    """Rows of skin in the frame's middle column from the upper (lower) outer lip's middle vertex to the opening."""
    screen = r.screens(np.asarray(e, np.float32)[None], r.source_rotation[None])[0]
    frags = r._raster_full(screen, r.width, r.height)
    part = np.full(frags.tri_id.shape, -1)
    part[frags.mask] = r.tri_part[frags.tri_id[frags.mask]]
    x = int(round(float(screen[OUTER_UP, 0])))
    col = part[:, x]
    inside = np.flatnonzero((col >= SOCKET) & (col <= TEETH))
    top, bottom = int(round(float(screen[OUTER_UP, 1]))), int(round(float(screen[OUTER_LO, 1])))
    assert len(inside) and top < inside.min() and inside.max() < bottom and (col[top : inside.min()] == SKIN).all()
    return int(inside.min() - top), int(bottom - inside.max())


def photo_lips(fit) -> tuple[float, float]:
    """The photo's upper and lower lip thickness at the middle (MediaPipe 0-13, 14-17), pixels."""
    lm = np.asarray(fit.landmarks_detected, np.float64)
    return float(np.linalg.norm(lm[0] - lm[13])), float(np.linalg.norm(lm[14] - lm[17]))


def ratios(closed, full_model, jaw: float, **weights) -> np.ndarray:
    r, fit = closed
    up, lo = lip_rows(r, full_model.expression_vector({"jawOpen": jaw, **weights}))
    pu, pl = photo_lips(fit)
    return np.array([up / pu, lo / pl])


@pytest.mark.parametrize("jaw", JAWS)
def test_parted_lips_are_no_thicker_than_the_photos(closed, full_model, jaw):
    got = ratios(closed, full_model, jaw)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(source_parts, "INNER_LIP_TUCK", 0.0)
        control = ratios(closed, full_model, jaw)
    print(f"jawOpen {jaw}: upper, lower lip / the photo's {got.round(2)} (untucked {control.round(2)})")
    assert got[0] <= UPPER_MAX and got[1] <= control[1] + 0.02
    assert control[0] > UPPER_MAX  # control: the model's inner lip shows, a thicker lip


def test_a_raised_upper_lip_is_not_tucked(closed, full_model):
    """A lip raised off the teeth (mouthUpperUp: AU10) keeps its inner side (tucked it bared the gums)."""
    r, _ = closed
    e = full_model.expression_vector({"jawOpen": 0.5, "mouthUpperUp_L": 1.0, "mouthUpperUp_R": 1.0})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(source_parts, "RAISED_LIP_THIN", False)  # the tuck's gate alone (test_raised_lip.py: its thinning)
        got = lip_rows(r, e)
        mp.setattr(source_parts, "INNER_LIP_TUCK", 0.0)
        untucked = lip_rows(r, e)
        mp.setattr(reenact, "UPPER_LIP_RAISED_CM", (5.0, 6.0))  # control: no raise counts: tucked as a jaw's drop
        mp.setattr(source_parts, "INNER_LIP_TUCK", 0.8)
        ungated = lip_rows(r, e)
    print(f"raised: upper, lower rows {got} (untucked {untucked}, ungated {ungated})")
    assert abs(got[0] - untucked[0]) <= 1
    assert ungated[0] < untucked[0] - 2


def test_the_photos_own_mouth_is_not_tucked(closed):
    """At the source expression the photo is reproduced: nothing is tucked (keep = 1)."""
    r, fit = closed
    shaped, keep, _ = r._frame_shapes(np.asarray(fit.expression, np.float32)[None])
    assert keep[0] == 1.0 and np.array_equal(shaped, r._shaped(np.asarray(fit.expression, np.float32)[None]))
    assert r._tuck is not None and len(r._tuck[0]) > 50  # control: it has inner lips to tuck


def test_tuck_draws_each_inner_lip_vertex_towards_its_anchor():
    rng = np.random.default_rng(0)
    shaped = rng.normal(size=(3, 10, 3)).astype(np.float32)
    idx, anchor, weight = np.array([2, 5, 7]), np.array([1, 1, 8]), np.array([1.0, 0.5, 0.0], np.float32)
    out = shaped.copy()
    tuck_inner_lips(out, idx, anchor, weight, np.array([0.0, 1.0, 0.5], np.float32))
    assert np.array_equal(out[0], shaped[0])  # amount 0: unchanged
    want = shaped[1, idx] - INNER_LIP_TUCK * weight[:, None] * (shaped[1, idx] - shaped[1, anchor])
    np.testing.assert_allclose(out[1, idx], want, atol=1e-6)
    np.testing.assert_allclose(out[2, idx[0]], shaped[2, 2] - 0.5 * INNER_LIP_TUCK * (shaped[2, 2] - shaped[2, 1]), atol=1e-6)
    assert np.array_equal(np.delete(out, idx, 1), np.delete(shaped, idx, 1))  # only the inner lips move
    per = shaped.copy()  # per vertex amounts (T, n): the upper lip's gated apart from the lower's
    tuck_inner_lips(per, idx, anchor, weight, np.array([[0.0, 1.0, 1.0]] * 3, np.float32))
    assert np.array_equal(per[:, 2], shaped[:, 2]) and not np.array_equal(per[:, 5], shaped[:, 5])


def test_a_speaking_frame_darkens_by_its_own_constants(closed, full_model):
    """The still photo's inner-lip darkening may change without darkening a speaking frame's teeth."""
    from emoshift.render.reenact import SPEECH_LIP_DARK, Reenactor

    r, fit = closed
    photo = r.image
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(source_parts, "INNER_LIP_DARK", 0.65)
        mp.setattr(source_parts, "INNER_LIP_DARK_LOWER", 0.55)
        still = Reenactor(photo, fit, full_model)
        speech = Reenactor.of_frame(photo, fit, full_model, speech=True)
    assert speech.source.lip_dark.max() == pytest.approx(max(SPEECH_LIP_DARK[:2]), abs=0.01)
    assert speech._tuck is None
    assert still.source.lip_dark.max() == pytest.approx(0.65, abs=0.01)  # control: the still photo's follows them


def _one_column(lower: bool = False):
    """A lip column (head-frame y down from its outer contour at vertex 0: vermilion 1, 2, the lip line 3, the
    inner lip 4), photographed 1.5 px thick at 1 px per cm, drawn 3 cm thick."""
    from emoshift.render.source_parts import LipEdges, LipThinning

    s = -1.0 if not lower else 1.0
    shaped = np.zeros((2, 6, 3), np.float32)
    shaped[:, :5, 1] = s * np.arange(5)
    shaped[:, 5, 1] = -s  # past the outer contour (skin): never moved
    f, one = np.float32, np.ones(2, np.float32)
    edges = LipEdges(np.array([1, 2]), f([0.5, 1.0]), f([1.0, 0.5]), np.zeros((2, 2), f), one,
                     np.zeros((2, 3), np.int64), np.tile(f([1, 0, 0]), (2, 1)), np.full((2, 3), 3, np.int64),
                     np.tile(f([1, 0, 0]), (2, 1)))
    verts = np.array([1, 2, 3, 4, 5])
    thin = LipThinning(edges, one, f([10, 10]), np.full(2, lower), verts, np.full(5, 10, f), np.full(5, lower),
                       np.ones(5, f))
    return shaped, thin


@pytest.mark.parametrize("lower", [False, True])
def test_thin_lips_draws_a_thick_lip_to_the_photos_thickness(lower):
    """Per column: depth x below the outer contour -> k x within the lip (k = LIP_THICK_MAX x photo / frame
    thickness), x - (1 - k) t past it; amount 0 changes nothing."""
    from emoshift.render.source_parts import LIP_THICK_MAX, thin_lips

    shaped, thin = _one_column(lower)
    out = shaped.copy()
    k = thin_lips(out, thin, np.array([0.0, 1.0], np.float32))
    assert np.array_equal(out[0], shaped[0])  # amount 0: unchanged
    kk = LIP_THICK_MAX * 1.5 / 3.0
    np.testing.assert_allclose(k[1], [kk, kk], rtol=1e-5)
    depth = np.abs(out[1, :5, 1])
    np.testing.assert_allclose(depth, [0, kk, 2 * kk, 3 * kk, 4 - (1 - kk) * 3], atol=1e-5)
    assert out[1, 5, 1] == shaped[1, 5, 1]  # above the outer contour: unmoved
    assert (np.diff(depth) > 0).all()  # monotone: no fold
    # control: a lip no thicker than the photo's LIP_THICK_MAX is left as it is
    thin2 = thin._replace(px_per_cm=np.full(2, 0.4, np.float32))
    out2 = shaped.copy()
    thin_lips(out2, thin2, np.array([1.0, 1.0], np.float32))
    assert np.array_equal(out2, shaped)


def test_thin_lips_takes_each_lips_own_amount():
    """(T, 2) amounts: the upper lip's, the lower lip's (a raised upper lip is not thinned)."""
    from emoshift.render.source_parts import thin_lips

    for lower in (False, True):
        shaped, thin = _one_column(lower)
        out = shaped.copy()
        thin_lips(out, thin, np.array([[1.0, 0.0], [0.0, 1.0]], np.float32))
        moved = [not np.array_equal(out[t], shaped[t]) for t in range(2)]
        assert moved == ([False, True] if lower else [True, False])
