"""The rasterizer against independently computed coverage, depth order and barycentrics."""

import numpy as np
import pytest

from emoshift.render.raster import rasterize


def _inside(tri_xy: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Point-in-triangle by same-side tests in float64 (independent of the rasterizer's formula)."""
    a, b, c = tri_xy.astype(np.float64)

    def side(p, q, r):
        return (q[0] - p[0]) * (r[..., 1] - p[1]) - (q[1] - p[1]) * (r[..., 0] - p[0])

    s1, s2, s3 = side(a, b, px), side(b, c, px), side(c, a, px)
    return ((s1 >= 0) & (s2 >= 0) & (s3 >= 0)) | ((s1 <= 0) & (s2 <= 0) & (s3 <= 0))


def _centres(h, w):
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx + 0.5, yy + 0.5], -1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_triangle_coverage_matches_analytic(seed):
    rng = np.random.default_rng(seed)
    h, w = 60, 80
    xy = rng.uniform([3, 3], [w - 3, h - 3], size=(3, 2)).astype(np.float32)
    screen = np.concatenate([xy, np.full((3, 1), 5.0, np.float32)], 1)
    frags = rasterize(screen, np.array([[0, 1, 2]]), w, h)
    expected = _inside(xy, _centres(h, w))
    # pixels within float rounding of an edge may go either way; there are none for random corners
    assert (frags.mask == expected).mean() > 0.999
    area = 0.5 * abs(np.cross(xy[1] - xy[0], xy[2] - xy[0]))
    assert abs(frags.mask.sum() - area) < 0.1 * area + 2 * np.sqrt(area)
    assert np.all(frags.tri_id[frags.mask] == 0) and np.all(frags.tri_id[~frags.mask] == -1)
    assert np.allclose(frags.depth[frags.mask], 5.0) and np.all(np.isinf(frags.depth[~frags.mask]))


def test_barycentrics_reproduce_pixel_centres_and_depth():
    screen = np.array([[2.0, 3.0, 1.0], [50.0, 10.0, 3.0], [20.0, 45.0, 7.0]], np.float32)
    tris = np.array([[0, 1, 2]])
    frags = rasterize(screen, tris, 64, 48)
    m = frags.mask
    pos = frags.interpolate(screen, tris)
    assert np.allclose(pos[m][:, :2], _centres(48, 64)[m], atol=1e-3)
    assert np.allclose(pos[m][:, 2], frags.depth[m], atol=1e-4)
    assert np.allclose(frags.bary[m].sum(-1), 1.0, atol=1e-5) and (frags.bary[m] >= 0).all()


def test_closer_triangle_wins_regardless_of_order():
    quad = lambda z: np.array([[0, 0, z], [40, 0, z], [40, 40, z], [0, 40, z]], np.float32)  # noqa: E731
    small = np.array([[10, 10, 1], [30, 10, 1], [20, 30, 1]], np.float32)
    screen = np.concatenate([quad(5.0), small])
    for tris in (np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6]]), np.array([[4, 5, 6], [0, 1, 2], [0, 2, 3]])):
        frags = rasterize(screen, tris, 40, 40)
        front = _inside(small[:, :2], _centres(40, 40))
        small_id = int(np.nonzero((tris == 4).any(1))[0][0])
        assert np.all(frags.tri_id[front] == small_id)
        assert np.all(frags.depth[front] == 1.0)
        assert frags.mask.all()  # two triangles of the quad tile the whole image, no cracks


def test_shared_edge_has_no_cracks_and_clipping_at_borders():
    screen = np.array([[-10, -10, 1], [100, -5, 1], [90, 90, 1], [-5, 80, 1]], np.float32)
    frags = rasterize(screen, np.array([[0, 1, 2], [0, 2, 3]]), 32, 24)
    assert frags.mask.all()


def test_back_face_culling():
    # top-left -> top-right -> bottom-left: clockwise as seen on the screen (a back face)
    clockwise = np.array([[0, 0, 1], [20, 0, 1], [0, 20, 1]], np.float32)
    tri = np.array([[0, 1, 2]])
    assert rasterize(clockwise, tri, 24, 24).mask.any()
    assert not rasterize(clockwise, tri, 24, 24, cull_back=True).mask.any()
    assert rasterize(clockwise, tri[:, ::-1], 24, 24, cull_back=True).mask.any()


def test_degenerate_and_nonfinite_triangles_are_skipped():
    screen = np.array([[0, 0, 1], [10, 10, 1], [20, 20, 1], [np.nan, 1, 1], [5, 30, 1]], np.float32)
    frags = rasterize(screen, np.array([[0, 1, 2], [3, 1, 4]]), 32, 32)
    assert not frags.mask.any()


def _raster_in_child(_):
    screen = np.array([[0, 0, 1], [30, 0, 1], [0, 30, 1]], np.float32)
    return int(rasterize(screen, np.array([[0, 1, 2]]), 64, 64).mask.sum())


def test_thread_pool_survives_fork():
    """Workers forked after the parent used the pool (e.g. a batch's process pool) start their own."""
    import multiprocessing as mp

    expected = _raster_in_child(0)  # creates the parent's pool
    with mp.get_context("fork").Pool(1) as pool:
        assert pool.map_async(_raster_in_child, [0]).get(timeout=180) == [expected]


def _assert_head_raster(screen, tris, n_skin, w, h, ref):
    """rasterize_head gives the fragments ``ref`` (tri_id, bary, depth) inside inline() (one band) and on the
    pool (bands)."""
    from emoshift.render.raster import inline, rasterize_head

    for inlined in (True, False):
        if inlined:
            with inline():
                got = rasterize_head(screen, tris, n_skin, w, h)
        else:
            got = rasterize_head(screen, tris, n_skin, w, h)
        np.testing.assert_array_equal(got.tri_id, ref[0])
        np.testing.assert_array_equal(got.bary, ref[1])
        np.testing.assert_array_equal(got.depth, ref[2])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_head_raster_is_the_merged_two_lists(seed):
    """rasterize_head (skin culled, then the inside parts two-sided, into one set of buffers) gives the fragments
    of the two lists rasterized apart and merged (an inner fragment wins where strictly closer), inside
    inline() (one band) and on the pool (bands). Overlapping random triangles at random depths, with ties.
    Controls: the skin drawn without culling differs; raster_box's single z-test (the float64 depth against
    the skin's stored float32 one) differs where the two lists meet within float32 rounding (seed 0)."""
    rng = np.random.default_rng(seed)
    h, w, n, n_skin = 70, 90, 160, 100
    xy = rng.uniform([-5, -5], [w + 5, h + 5], size=(n * 3, 2)).astype(np.float32)
    z = rng.choice([4.0, 5.0, 6.0], size=(n * 3, 1)).astype(np.float32)  # ties between the lists too
    screen = np.concatenate([xy, z], 1)
    tris = np.arange(n * 3, dtype=np.int32).reshape(n, 3)
    skin = rasterize(screen, tris[:n_skin], w, h, cull_back=True)
    inner = rasterize(screen, tris[n_skin:], w, h)
    closer = inner.depth < skin.depth
    ref_id = np.where(closer, inner.tri_id + n_skin, skin.tri_id)
    ref_bary = np.where(closer[..., None], inner.bary, skin.bary)
    ref_depth = np.where(closer, inner.depth, skin.depth)
    assert closer.sum() > 50 and (skin.tri_id >= 0).sum() > 500  # both lists show
    _assert_head_raster(screen, tris, n_skin, w, h, (ref_id, ref_bary, ref_depth))
    unculled = rasterize(screen, tris[:n_skin], w, h)  # the control: back faces drawn
    assert (unculled.tri_id != skin.tri_id).sum() > 50
    if seed == 0:
        from emoshift.render.raster import raster_box

        single = raster_box(screen, tris, n_skin, 0, 0, w, h)[1]
        assert 0 < (single != ref_id).sum() < 50


def _hidden_scene(seed: int):
    """A skin wall (culled, counter-clockwise) at depth 5 over most of a 96 x 80 box, a hole in it, and 400
    small two-sided inner triangles: behind the wall, in front of it, crossing it, a hair behind it (within
    HIDDEN_MARGIN_CM, ties at 5.0 included) and over the hole."""
    rng = np.random.default_rng(seed)
    w, h = 96, 80
    wall = np.array([[0, 0, 5], [0, 70, 5], [96, 70, 5], [96, 0, 5]], np.float32)  # rows 70.. uncovered
    skin = np.array([[0, 1, 2], [0, 2, 3]], np.int32)
    n = 400
    centre = rng.uniform([2, 2], [w - 2, h - 2], size=(n, 1, 2))
    xy = centre + rng.uniform(-3, 3, size=(n, 3, 2))
    base = rng.choice([6.0, 4.0, 5.0, 5.0002], size=(n, 1), p=[0.6, 0.15, 0.15, 0.1])
    z = base + rng.uniform(-0.3, 0.3, size=(n, 3)) * (base == 6.0) + rng.uniform(-1.5, 1.5, size=(n, 3)) * (base == 4.0)
    inner = np.concatenate([xy, z[..., None]], 2).reshape(-1, 3).astype(np.float32)
    screen = np.concatenate([wall, inner])
    tris = np.concatenate([skin, 4 + np.arange(3 * n, dtype=np.int32).reshape(n, 3)])
    return screen, tris, 2, w, h


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inner_parts_hidden_behind_the_skin_are_skipped_exactly(seed):
    """raster_inner_into (the inner parts' triangles hidden behind the skin's tiles not walked) gives the
    fragments of raster_into / raster_over_into, which walk them all: in rasterize_head (inline and on the pool's
    bands) and raster_box. The skip does happen: over a third of the scene's triangles are hidden by the tile test
    (_hidden). Controls: tiles 2 cm too near (a wrong skip) lose fragments; the inner list alone over empty
    buffers is never skipped."""
    from emoshift.render.raster import (
        FAR, HIDDEN_MARGIN_CM, HIDDEN_TILE, _hidden, _raster, new_buffers, raster_box, raster_over_into, tile_far,
    )

    screen, tris, n_skin, w, h = _hidden_scene(seed)
    raster_into_all = rasterize(screen, tris[:n_skin], w, h, cull_back=True)
    ref = (raster_into_all.tri_id.copy(), raster_into_all.bary.copy(), raster_into_all.depth.copy())
    far = tile_far(ref[2], 0, h)
    raster_over_into(screen, tris[n_skin:], 0, h, 0, n_skin, *ref)
    inner = (ref[0] >= n_skin).sum()
    wall = ((ref[0] >= 0) & (ref[0] < n_skin)).sum()
    assert inner > 150 and wall > 4000  # inner parts show (in front of the wall, in the hole), and the wall
    _assert_head_raster(screen, tris, n_skin, w, h, ref)
    # raster_box: the same single z-test as raster_into's over the skin
    box_ref = (raster_into_all.tri_id.copy(), raster_into_all.bary.copy(), raster_into_all.depth.copy())
    _raster(screen, tris[n_skin:], 0, h, 0, n_skin, *box_ref, False, np.empty((0, 0), np.float32))
    box = raster_box(screen, tris, n_skin, 0, 0, w, h)
    for a, b in zip(box[1:], box_ref):
        np.testing.assert_array_equal(a, b)
    # the skip happens: the tile test finds many triangles hidden
    hidden = 0
    for t in tris[n_skin:]:
        p = screen[t]
        i0, i1 = max(int(np.ceil(p[:, 1].min() - 0.5)), 0), min(int(np.floor(p[:, 1].max() - 0.5)), h - 1)
        j0, j1 = max(int(np.ceil(p[:, 0].min() - 0.5)), 0), min(int(np.floor(p[:, 0].max() - 0.5)), w - 1)
        if i0 <= i1 and j0 <= j1:
            hidden += _hidden(far, i0 // HIDDEN_TILE, i1 // HIDDEN_TILE, j0 // HIDDEN_TILE, j1 // HIDDEN_TILE,
                              float(p[:, 2].min()) - HIDDEN_MARGIN_CM)
    assert hidden > 0.35 * (len(tris) - n_skin)  # 0.6 lie behind the wall, 0.8 of it far from its edge: ~0.45
    # controls: tiles claimed nearer than the skin is skip triangles in front of it (fragments lost)
    wrong = (raster_into_all.tri_id.copy(), raster_into_all.bary.copy(), raster_into_all.depth.copy())
    _raster(screen, tris[n_skin:], 0, h, 0, n_skin, *wrong, True, far - np.float32(2.0))
    assert (wrong[0] != ref[0]).sum() > 50
    empty = new_buffers(h, w)  # no skin: every tile is FAR, nothing is skipped
    assert np.isinf(tile_far(empty[2], 0, h)).all() and FAR == np.inf
