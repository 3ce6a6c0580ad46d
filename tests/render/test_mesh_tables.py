"""The reenactor's model tables (emoshift.render.mesh_tables): kept in the user cache for a loaded model,
equal to the computed ones."""

from dataclasses import asdict

import numpy as np

from emoshift.headmodel import HeadModel
from emoshift.render import mesh_tables


def test_cached_tables_are_the_computed_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path))
    for _ in range(2):  # the first computes and writes the copy, the second reads it
        model = HeadModel.load(n_identity=5, region="full")
        got, want = mesh_tables.model_tables(model), mesh_tables._build_tables(model)
        for k, v in asdict(want).items():
            g = getattr(got, k)
            assert np.asarray(g).dtype == np.asarray(v).dtype and np.array_equal(g, v), k
        assert isinstance(got.n_skin, int)
    assert len(list(tmp_path.glob("ict_facekit_light.tables.full.5.calibrated-*"))) == 1
    # control: another identity count gives other tables (the key holds the model's arguments)
    other = mesh_tables.model_tables(HeadModel.load(n_identity=3, region="full"))
    assert other.identity_basis.shape[0] == 3


def test_a_constant_changed_at_run_time_is_not_served_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSHIFT_CACHE", str(tmp_path))
    model = HeadModel.load(n_identity=5, region="full")
    before = mesh_tables.model_tables(model).neutral.copy()
    mesh_tables.TABLES.pop(model, None)
    monkeypatch.setattr(mesh_tables, "GUMS_RAISE_CM", 0.0)
    after = mesh_tables.model_tables(model).neutral
    mesh_tables.TABLES.pop(model, None)
    assert np.abs(after - before).max() > 0.1  # the gums not raised: computed afresh, not the cached copy
    assert np.array_equal(after, mesh_tables._build_tables(model).neutral)


def test_mesh_adjacency_and_smoothing_are_scipys_csr():
    """The adjacency (sorted, each edge once) is scipy's CSR of the same edges, and the smoothing over it
    equals scipy's product to the bit, without scipy on the animate path; control: one iteration fewer
    differs."""
    from scipy.sparse import coo_matrix

    from emoshift.render.mesh_tables import mesh_adjacency, smooth_on_mesh

    rng = np.random.default_rng(3)
    n = 400
    tris = rng.integers(0, n, (900, 3))
    for loops in (False, True):
        own = [np.arange(n)] if loops else []
        i = np.concatenate([tris[:, 0], tris[:, 1], tris[:, 2], tris[:, 1], tris[:, 2], tris[:, 0], *own])
        j = np.concatenate([tris[:, 1], tris[:, 2], tris[:, 0], tris[:, 0], tris[:, 1], tris[:, 2], *own])
        adj = coo_matrix((np.ones(len(i), np.float32), (i, j)), shape=(n, n)).tocsr()
        rows, cols = mesh_adjacency(tris, n, self_loops=loops)
        assert np.array_equal(cols, adj.indices) and np.array_equal(np.bincount(rows, minlength=n), np.diff(adj.indptr))
    adj.data[:] = 1.0
    deg = np.asarray(adj.sum(1)).ravel()
    v = ref = (rng.normal(size=n) * 10).astype(np.float32)
    for _ in range(4):
        ref = (adj @ ref) / deg
    np.testing.assert_array_equal(smooth_on_mesh(v, tris, 4), ref)
    assert not np.array_equal(smooth_on_mesh(v, tris, 3), ref)
