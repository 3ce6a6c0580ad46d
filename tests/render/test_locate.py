"""source_parts._locate: the containing (else least-outside) triangle and its weights, the same to the bit as
the former all-pairs numpy search."""

import numpy as np
import pytest

from emoshift.render.source_parts import _locate


def _reference(points, screen, tris):
    """The former implementation: (m, k) barycentric arrays, argmax of the summed negative weights."""
    p = np.asarray(screen, np.float64)[:, :2][tris]
    a, e1, e2 = p[:, 0], p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    ok = np.abs(det) > 1e-9
    a, e1, e2, det, tris = a[ok], e1[ok], e2[ok], det[ok], tris[ok]
    vs, bs = np.zeros((len(points), 3), np.int64), np.zeros((len(points), 3), np.float64)
    for lo in range(0, len(points), 256):
        d = np.asarray(points[lo : lo + 256], np.float64)[:, None] - a[None]
        l1 = (d[..., 0] * e2[:, 1] - d[..., 1] * e2[:, 0]) / det
        l2 = (e1[:, 0] * d[..., 1] - e1[:, 1] * d[..., 0]) / det
        bary = np.stack([1 - l1 - l2, l1, l2], -1)
        k = np.minimum(bary, 0).sum(-1).argmax(1)
        b = np.clip(bary[np.arange(len(k)), k], 0, None)
        vs[lo : lo + 256], bs[lo : lo + 256] = tris[k], b / np.maximum(b.sum(1, keepdims=True), 1e-9)
    return vs, bs


def _grid_mesh(rng, n=12):
    """A jittered n x n grid of points, two triangles per cell, some degenerate (zero area)."""
    y, x = np.mgrid[0:n, 0:n].astype(np.float64)
    screen = np.stack([x.ravel(), y.ravel()], 1) * 10 + rng.normal(0, 1.5, (n * n, 2))
    tris = []
    for i in range(n - 1):
        for j in range(n - 1):
            v = i * n + j
            tris += [[v, v + 1, v + n], [v + 1, v + n + 1, v + n]]
    tris = np.array(tris, np.int64)
    tris[::17, 2] = tris[::17, 1]  # degenerate: dropped by the determinant test
    return screen, rng.permutation(tris)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_locate_matches_the_all_pairs_search(seed):
    rng = np.random.default_rng(seed)
    screen, tris = _grid_mesh(rng)
    inside = rng.uniform(5, 105, (300, 2))
    outside = rng.uniform(-40, 150, (300, 2))  # many beyond the mesh: the least-outside triangle
    on_vertices = screen[rng.choice(len(screen), 40)]  # exactly on shared corners: ties, the first kept
    points = np.concatenate([inside, outside, on_vertices])
    vs, bs = _locate(points, screen, tris)
    rv, rb = _reference(points, screen, tris)
    assert np.array_equal(vs, rv)
    assert np.array_equal(bs.view(np.int64), rb.view(np.int64))
    # control: the last of equal candidates instead of the first picks other triangles for corner points
    rv_last, _ = _reference(points, screen, tris[::-1])
    assert not np.array_equal(rv_last, rv)
