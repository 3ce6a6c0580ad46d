"""wrinkles._source_metric: the strain metric fs^T fs summed elementwise equals numpy's stacked matmul's to
float rounding, and stored as the field's float32, exactly; its numba kernels (_edges_into, _metric_into)
and the chart's cached inverse (_chart_inverse, WrinkleField.with_source) give the former numpy code's
values to the bit."""

import numpy as np
import pytest

from emoshift.render.wrinkles import _chart_inverse, _source_metric


def _gradients(source, tris, uv):
    """The former numpy code's chart inverse and deformation gradients: (es, inv, ok, fs), float64."""
    src, uvd = np.asarray(source, np.float64), uv.astype(np.float64)
    du = np.stack([uvd[tris[:, 1]] - uvd[tris[:, 0]], uvd[tris[:, 2]] - uvd[tris[:, 0]]], 2)
    det = du[:, 0, 0] * du[:, 1, 1] - du[:, 0, 1] * du[:, 1, 0]
    ok = np.abs(det) > 1e-10
    adj2 = np.stack([du[:, 1, 1], -du[:, 0, 1], -du[:, 1, 0], du[:, 0, 0]], 1).reshape(-1, 2, 2)
    inv = np.where(ok[:, None, None], adj2 / np.where(ok, det, 1.0)[:, None, None], 0.0)
    es = np.stack([src[tris[:, 1]] - src[tris[:, 0]], src[tris[:, 2]] - src[tris[:, 0]]], 2)
    fs = es @ inv
    return es, inv, ok, fs


def _reference(source, tris, uv):
    """The former computation: fs^T fs by a stacked matmul."""
    es, inv, ok, fs = _gradients(source, tris, uv)
    ms = np.transpose(fs, (0, 2, 1)) @ fs
    return np.stack([ms[:, 0, 0], ms[:, 0, 1], ms[:, 1, 1]], 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metric_matches_the_matmul(seed):
    rng = np.random.default_rng(seed)
    v, t = 4000, 20000
    uv = rng.uniform(0, 1, (v, 2)).astype(np.float32)
    source = rng.normal(0, 3, (v, 3))
    tris = rng.integers(0, v, (t, 3)).astype(np.int32)
    metric, _, _ = _source_metric(source, tris, uv)
    ref = _reference(source, tris, uv)
    scale = np.abs(ref).max(1, keepdims=True)
    assert np.abs(metric[:, :3] - ref).max() <= 1e-12 * scale.max()
    assert np.all(np.abs(metric[:, :3] - ref) <= 1e-13 * scale)
    assert np.array_equal(metric[:, :3].astype(np.float32), ref.astype(np.float32))  # the field's float32: equal
    # control: a metric off by one part in a million is caught by the float32 comparison
    off = (metric[:, :3] * (1 + 1e-6)).astype(np.float32)
    assert not np.array_equal(off, ref.astype(np.float32))


def _numpy_metric(source, tris, uv):
    """The numpy code before the kernels: (T, ...) temporaries, np.cross, np.linalg.norm, np.add.at."""
    es, inv, ok, fs = _gradients(source, tris, uv)
    f0, f1 = fs[:, :, 0], fs[:, :, 1]
    m00 = (f0[:, 0] * f0[:, 0] + f0[:, 1] * f0[:, 1]) + f0[:, 2] * f0[:, 2]
    m01 = (f0[:, 0] * f1[:, 0] + f0[:, 1] * f1[:, 1]) + f0[:, 2] * f1[:, 2]
    m11 = (f1[:, 0] * f1[:, 0] + f1[:, 1] * f1[:, 1]) + f1[:, 2] * f1[:, 2]
    area = 0.5 * np.linalg.norm(np.cross(es[:, :, 0], es[:, :, 1]), axis=1) * ok
    vert_area = np.zeros(len(uv))
    for k in range(3):
        np.add.at(vert_area, tris[:, k], area)
    return np.stack([m00, m01, m11, area], 1), inv, vert_area


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_equal_the_numpy_code_bitwise(seed):
    rng = np.random.default_rng(seed)
    v, t = 3000, 12000
    uv = rng.uniform(0, 1, (v, 2)).astype(np.float32)
    source = rng.normal(0, 3, (v, 3)).astype(np.float32)
    tris = rng.integers(0, v, (t, 3)).astype(np.int32)
    tris[:40, 2] = tris[:40, 1]  # degenerate in the chart: zero inverse, zero area
    ref = _numpy_metric(source, tris, uv)
    for chart in (None, _chart_inverse(tris, uv)):  # computed here, or the chart's cached inverse
        got = _source_metric(source, tris, uv, chart)
        for g, r in zip(got, ref):
            assert g.shape == r.shape and np.array_equal(g, r)
    assert np.all(ref[0][:40, 3] == 0) and ref[2].sum() > 0
    # control: the same kernels on a source moved by one float32 step somewhere differ
    moved = source.copy()
    moved[tris[100, 1], 0] = np.nextafter(moved[tris[100, 1], 0], np.float32(np.inf))
    assert not np.array_equal(_source_metric(moved, tris, uv)[0], ref[0])


def test_with_source_caches_the_chart_and_equals_a_fresh_field():
    """A video frame's field (with_source, the chart's inverse made once and shared) equals the field made
    from that frame's shape directly, on the same triangles."""
    from emoshift.render.wrinkles import WrinkleField

    rng = np.random.default_rng(4)
    n = 12
    xs, ys = np.meshgrid(np.linspace(-4, 4, n), np.linspace(-4, 4, n))
    rest = np.stack([xs.ravel(), ys.ravel(), np.zeros(n * n)], 1).astype(np.float32)
    q = np.arange(n * n).reshape(n, n)
    tris = np.concatenate([np.stack([q[:-1, :-1], q[:-1, 1:], q[1:, :-1]], -1).reshape(-1, 3),
                           np.stack([q[1:, :-1], q[:-1, 1:], q[1:, 1:]], -1).reshape(-1, 3)]).astype(np.int32)  # fmt: skip
    uv = rest[:, :2].copy()
    mask = np.ones(n * n, np.float32)
    base = WrinkleField.from_shapes(rest, tris, rest, uv=uv, mask=mask)
    for k in range(2):
        shape = rest + rng.normal(0, 0.2, rest.shape).astype(np.float32)
        a = base.with_source(shape)
        assert base._chart is not None and a._chart is base._chart  # made once, shared
        metric, _, area = _numpy_metric(shape, base.tris, uv)
        assert np.array_equal(a._src_metric, metric.astype(np.float32))
        assert np.array_equal(a._vert_area, area.astype(np.float32))
    # control: the base shape's own metric is not the moved one's
    assert not np.array_equal(base._src_metric, a._src_metric)
