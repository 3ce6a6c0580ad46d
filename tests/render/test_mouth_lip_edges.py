"""The lips' edges (issue 11 part 5, "crisp lip edges"): a lip the frame stretches across its thickness keeps the
photo's lip-skin edge and lip line unstretched (:func:`emoshift.render.source_parts.lip_edge_anchors`,
:func:`~emoshift.render.source_parts.lip_edge_remap`). Before, the plain warp spread disgust's raised upper lip
2-3x over its thickness: the photo's edge and its dark lip line 2-3x wider (soft, uniformly dark lips, "lips
look painted", "mouth smeared")."""

import numpy as np
import pytest

from emoshift.render.source_parts import EDGE_SHARE, lip_edge_anchors, lip_edge_remap

from test_mouth_inner_lips import OUTER_UP, SEAM_Y, contours

STEP = 2.0  # source rows 2 px apart across the upper lip (20 px thick: 80 .. 100)


def upper_lip_grid(xs=np.arange(20.0, 81.0, 10.0)):
    """(V, 2) source projection of a grid over the upper lip (rows from its outer edge to the lips' line, the
    contours themselves included), its (k, 3) triangles and the rows' y."""
    ys = np.arange(OUTER_UP, SEAM_Y + 1e-6, STEP)
    gx, gy = np.meshgrid(xs, ys)
    screen = np.c_[gx.ravel(), gy.ravel()]
    nx = len(xs)
    tris = []
    for r in range(len(ys) - 1):
        for c in range(nx - 1):
            a, b, d, e = r * nx + c, r * nx + c + 1, (r + 1) * nx + c, (r + 1) * nx + c + 1
            tris += [(a, b, d), (b, e, d)]
    return screen, np.array(tris, np.int64), ys


def stretched(screen: np.ndarray, m: float) -> np.ndarray:
    """The frame: the lip stretched ``m``-fold across (down from its outer edge), 5 px to the right."""
    f = screen.copy()
    f[:, 1] = OUTER_UP + m * (f[:, 1] - OUTER_UP)
    f[:, 0] += 5.0
    return f


def row_magnification(src: np.ndarray, frame: np.ndarray, ys: np.ndarray, col: int, ncols: int) -> np.ndarray:
    """Per row interval of grid column ``col``: frame height over source height (the stretch across the lip)."""
    k = np.arange(len(ys)) * ncols + col
    return np.diff(frame[k, 1]) / np.maximum(np.diff(src[k, 1]), 1e-6)


@pytest.fixture(scope="module")
def lip():
    screen, tris, ys = upper_lip_grid()
    inner, outer = contours()
    n = len(screen)
    edges = lip_edge_anchors(screen, tris, np.ones(n, bool), np.zeros(n, bool), inner, outer)
    return screen, tris, ys, edges


@pytest.mark.parametrize("m", [2.0, 2.5, 3.0])
def test_a_stretched_lip_keeps_its_edges_unstretched(lip, m):
    screen, tris, ys, edges = lip
    assert edges is not None and len(edges.idx) > 0
    frame = stretched(screen, m)
    src = screen.copy()
    src[edges.idx] += lip_edge_remap(edges, frame)
    col, ncols = 3, 7  # the mouth's middle column (x = 50)
    mag = row_magnification(src, frame, ys, col, ncols)
    # the rows within EDGE_SHARE of the lip's thickness of either edge (outer edge, lips' line): unstretched
    edge_rows = int(EDGE_SHARE * (SEAM_Y - OUTER_UP) / (m * STEP))
    assert edge_rows >= 1
    assert mag[:edge_rows].max() <= 1.1 and mag[-edge_rows:].max() <= 1.1
    # the middle takes up the stretch; the samples stay within the lip, in order
    assert mag.max() > m
    k = np.arange(len(ys)) * ncols + col
    assert np.all(np.diff(src[k, 1]) > 0) and src[k, 1].min() >= OUTER_UP - 1e-3 and src[k, 1].max() <= SEAM_Y + 1e-3
    # control: the plain warp stretches the edges m-fold
    assert row_magnification(screen, frame, ys, col, ncols)[0] == pytest.approx(m)


def test_nothing_changes_unless_the_frame_stretches_the_lip(lip):
    screen, _, _, edges = lip
    for m in (1.0, 0.7):  # the photo's own lip, a compressed one
        assert np.abs(lip_edge_remap(edges, stretched(screen, m))).max() < 1e-4
    assert np.abs(lip_edge_remap(edges, stretched(screen, 2.0))).max() > 1.0  # control


def test_it_fades_out_towards_the_corners():
    screen, tris, ys = upper_lip_grid(xs=np.array([2.0, 8.0, 50.0, 92.0, 98.0]))
    inner, outer = contours()
    n = len(screen)
    edges = lip_edge_anchors(screen, tris, np.ones(n, bool), np.zeros(n, bool), inner, outer)
    d = np.zeros((n, 2))
    d[edges.idx] = lip_edge_remap(edges, stretched(screen, 2.5))
    x = screen[:, 0]
    corner, middle = np.abs(d[(x < 5) | (x > 95)]).max(), np.abs(d[x == 50.0]).max()
    assert corner < 0.2 * middle and middle > 1.0  # control: the middle moves


def test_no_anchors_without_a_lip():
    screen, tris, _ = upper_lip_grid()
    inner, outer = contours()
    n = len(screen)
    assert lip_edge_anchors(screen, tris, np.zeros(n, bool), np.zeros(n, bool), inner, outer) is None
    assert lip_edge_anchors(screen, tris, np.ones(n, bool), np.zeros(n, bool), inner, outer) is not None  # control
