"""The inner lips (issue 11 part 5): a lip's surface beyond the line where the photo's lips meet samples its own
lip's inner edge, compressed towards the contour, and is darkened as the lips move (:func:`emoshift.render.source_parts.inner_lips`,
:func:`emoshift.render.mouth.darken_lips`). Before, the model's upper inner lip sampled the photo's lower lip
across that line, stretched up to 8x: an opened upper lip carried the lip line and a smeared band of the lower
lip (a doubled, thick lip ring: "mouth looks pasted")."""

import numpy as np
import pytest

from emoshift.render.mouth import darken_lips
from emoshift.render import source_parts
from emoshift.render.source_parts import INNER_LIP_BAND, INNER_LIP_DARK, INNER_LIP_DARK_LOWER, inner_lips

PX_PER_CM = 20.0
SEAM_Y = 100.0  # the photo's lips meet along y = 100 (a closed mouth) from x = 0 to x = 100
OUTER_UP, OUTER_LO = 80.0, 125.0  # the outer contour: the upper lip 20 px thick, the lower 25 px


def contours(roll: float = 0.0):
    """(inner, outer) (20, 2) lip contours of a closed mouth (MediaPipe's INNER_LIPS / OUTER_LIPS orders),
    rotated by ``roll`` radians about the mouth's left corner."""
    xs = np.linspace(0.0, 100.0, 11)
    inner = np.concatenate([np.c_[xs, np.full(11, SEAM_Y)], np.c_[xs[::-1][1:-1], np.full(9, SEAM_Y)]])
    outer = np.concatenate([np.c_[xs, np.full(11, OUTER_LO)], np.c_[xs[::-1][1:-1], np.full(9, OUTER_UP)]])
    outer[0, 1] = outer[10, 1] = SEAM_Y  # the corners
    c, s = np.cos(roll), np.sin(roll)
    rot = np.array([[c, -s], [s, c]])
    origin = inner[0].copy()
    return (inner - origin) @ rot.T + origin, (outer - origin) @ rot.T + origin


def upper_lip(roll: float = 0.0):
    """An upper lip's vertices along the mouth's middle column: the vermilion from its outer edge (y 82) to the
    line where the lips meet, then the inner lip curling back behind it, 0.05 cm a step, foreshortened in the
    photo to 0.2 px a step past that line (it faces away from the camera). Returns the source projection
    (n, 2), the rest shape (n, 3) cm, the lower-lip flags (n,) and how many vertices lie past the line."""
    front = np.arange(82.0, SEAM_Y, 2.0)  # vermilion: 2 px (0.1 cm) a step
    n_in = 16
    beyond = SEAM_Y + 0.2 * np.arange(1, n_in + 1)
    ys = np.concatenate([front, beyond])
    screen = np.c_[np.full(len(ys), 50.0), ys]
    rest = np.zeros((len(ys), 3))
    rest[: len(front), 1] = -front / PX_PER_CM
    rest[: len(front), 2] = 1.0
    rest[len(front) :, 1] = -SEAM_Y / PX_PER_CM  # the inner lip goes back into the mouth
    rest[len(front) :, 2] = 1.0 - 0.05 * np.arange(1, n_in + 1)
    c, s = np.cos(roll), np.sin(roll)
    screen = (screen - [0.0, SEAM_Y]) @ np.array([[c, -s], [s, c]]).T + [0.0, SEAM_Y]
    return screen, rest, np.zeros(len(ys), bool), n_in


def sampled_across(screen: np.ndarray, delta: np.ndarray, n_in: int, roll: float = 0.0) -> np.ndarray:
    """Whether each inner-lip vertex (the last ``n_in``) samples past the lips' line (the other lip)."""
    p = (screen + delta)[-n_in:] - [0.0, SEAM_Y]
    across = p @ np.array([-np.sin(roll), np.cos(roll)])  # downwards across the mouth
    return across > 0


@pytest.mark.parametrize("roll", [0.0, 0.3, -0.2])
def test_the_inner_lip_samples_its_own_lip_within_it(roll):
    screen, rest, lower, n_in = upper_lip(roll)
    inner, outer = contours(roll)
    delta, dark = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    assert not sampled_across(screen, delta, n_in, roll).any()
    # within the lip (the outer contour 20 px above the line), not the skin above it
    p = (screen + delta)[-n_in:] - [0.0, SEAM_Y]
    up = -(p @ np.array([-np.sin(roll), np.cos(roll)]))
    assert up.max() <= (SEAM_Y - OUTER_UP) + 1e-3
    # the vermilion (short of the line) keeps its samples
    assert np.abs(delta[:-n_in]).max() == 0.0 and dark[:-n_in].max() == 0.0
    # control: the plain source projection samples the other lip
    assert sampled_across(screen, np.zeros_like(delta), n_in, roll).all()


def test_the_inner_lip_samples_the_lips_inner_edge_not_a_second_lip():
    """Its samples start at the contour 1:1 (continuous with the vermilion) and stay within INNER_LIP_BAND of the
    lip's thickness (20 px) from it: the 0.75 cm (15 px) of inner lip a parted mouth turns to the camera carries
    the lip's inner edge, not a mirrored copy of the whole lip (the blind panels' "fish lips")."""
    screen, rest, lower, n_in = upper_lip()
    inner, outer = contours()
    delta, _ = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    depth = SEAM_Y - (screen + delta)[-n_in:, 1]  # px into the upper lip from the contour
    thick = SEAM_Y - OUTER_UP
    assert np.all(np.diff(depth) > 0)  # still unfolded in order, not one smeared pixel
    assert depth[0] < 0.5  # continuous with the vermilion at the contour
    assert depth.max() <= INNER_LIP_BAND * thick + 1e-3 and INNER_LIP_BAND <= 0.25
    # control: a band of the old reach (0.8 of the lip) samples 9 of its 20 px, half the lip again (the old
    # bouncing rule: 15)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(source_parts, "INNER_LIP_BAND", 0.8)
        old, _ = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    assert (SEAM_Y - (screen + old)[-n_in:, 1]).max() > 0.4 * thick


def test_the_inner_lip_darkens_with_its_depth_into_the_mouth():
    screen, rest, lower, n_in = upper_lip()
    inner, outer = contours()
    _, dark = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    d = dark[-n_in:]
    assert np.all(np.diff(d) >= -1e-6) and d[0] < 0.1 * INNER_LIP_DARK
    assert d[-1] == pytest.approx(INNER_LIP_DARK, rel=1e-3)


def test_each_inner_lip_vertex_is_anchored_on_its_lips_nearest_front_vertex():
    screen, rest, lower, n_in = upper_lip()
    inner, outer = contours()
    lips = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)
    n = len(rest)
    assert np.array_equal(lips.idx, np.arange(n - n_in, n))
    assert (lips.anchor == n - n_in - 1).all()  # the vermilion's last vertex, at the line where the lips meet
    assert lips.weight.min() > 0.99  # the middle of the mouth: no corner fade


def test_the_lower_lip_unfolds_downwards():
    """The same lip mirrored (the lower lip's inner surface past the line, upwards): it samples the lower lip."""
    screen, rest, _, n_in = upper_lip()
    screen = screen.copy()
    screen[:, 1] = 2 * SEAM_Y - screen[:, 1]
    inner, outer = contours()
    delta, dark = inner_lips(screen, rest, np.ones(len(rest), bool), np.ones(len(rest), bool), inner, outer,
                             PX_PER_CM)[:2]  # fmt: skip
    assert np.all((screen + delta)[-n_in:, 1] >= SEAM_Y)
    assert np.all(screen[-n_in:, 1] < SEAM_Y)  # control
    assert dark[-1] > 0.9 * INNER_LIP_DARK_LOWER


def test_nothing_changes_at_the_corners_beyond_the_mouth_or_off_the_skin():
    screen, rest, lower, n_in = upper_lip()
    inner, outer = contours()
    for x in (0.0, 101.0, -20.0):  # a corner, beyond it
        s = screen.copy()
        s[:, 0] = x
        delta, dark = inner_lips(s, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
        assert np.abs(delta).max() == 0.0 and dark.max() == 0.0
    delta, dark = inner_lips(screen, rest, np.zeros(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    assert np.abs(delta).max() == 0.0 and dark.max() == 0.0
    # control: the middle of the mouth, on the skin
    delta, _ = inner_lips(screen, rest, np.ones(len(rest), bool), lower, inner, outer, PX_PER_CM)[:2]
    assert np.abs(delta).max() > 1.0


def test_darken_lips_scales_the_flagged_skin_by_its_darkness():
    tri_id = np.array([[0, 1, -1, 2]], np.int32)
    bary = np.zeros((1, 4, 3), np.float32)
    bary[..., 0] = 1.0
    tris = np.array([[0, 1, 2], [3, 4, 5], [0, 1, 2]], np.int32)
    dark = np.array([0.5, 0.0, 0.0, 0.0, 0.0, 0.0], np.float32)
    flags = np.array([True, False], np.bool_)  # two skin triangles; triangle 2 is an inner part's
    out = np.full((1, 4, 3), 200, np.uint8)
    darken_lips(tri_id, bary, tris, dark, flags, 0.5, 0, 0, out)
    assert out[0, 0, 0] == 150  # 200 x (1 - 0.5 x 0.5)
    assert (out[0, 1:] == 200).all()  # unflagged, off the mesh, not skin
    ctrl = np.full((1, 4, 3), 200, np.uint8)  # control: at strength 0 (the photo's own mouth) nothing darkens
    darken_lips(tri_id, bary, tris, dark, flags, 0.0, 0, 0, ctrl)
    assert (ctrl == 200).all()
