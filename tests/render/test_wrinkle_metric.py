"""wrinkles._source_metric: the strain metric fs^T fs summed elementwise equals numpy's stacked matmul's to
float rounding, and stored as the field's float32, exactly."""

import numpy as np
import pytest

from emoshift.render.wrinkles import _source_metric


def _reference(source, tris, uv):
    """The former computation: fs^T fs by a stacked matmul."""
    src, uvd = np.asarray(source, np.float64), uv.astype(np.float64)
    du = np.stack([uvd[tris[:, 1]] - uvd[tris[:, 0]], uvd[tris[:, 2]] - uvd[tris[:, 0]]], 2)
    det = du[:, 0, 0] * du[:, 1, 1] - du[:, 0, 1] * du[:, 1, 0]
    ok = np.abs(det) > 1e-10
    adj2 = np.stack([du[:, 1, 1], -du[:, 0, 1], -du[:, 1, 0], du[:, 0, 0]], 1).reshape(-1, 2, 2)
    inv = np.where(ok[:, None, None], adj2 / np.where(ok, det, 1.0)[:, None, None], 0.0)
    es = np.stack([src[tris[:, 1]] - src[tris[:, 0]], src[tris[:, 2]] - src[tris[:, 0]]], 2)
    fs = es @ inv
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
