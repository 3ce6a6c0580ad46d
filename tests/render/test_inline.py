"""raster.inline: inside it parallel_map runs fn(k) in order on the calling thread (the video's frame
threads), and a rasterization there equals the pooled one bit for bit; Reenactor._residual_basis (np.take)
equals the fancy-index gather."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from emoshift.render import raster
from emoshift.render.reenact import Reenactor


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setattr(raster, "n_threads", lambda: 2)


def _calls(n: int) -> list[tuple[int, int]]:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def fn(k: int) -> None:
        with lock:
            seen.append((k, threading.get_ident()))

    raster.parallel_map(fn, n)
    return seen


def test_inline_runs_in_order_on_the_calling_thread(two_threads):
    me = threading.get_ident()
    with raster.inline():
        seen = _calls(6)
        with raster.inline():  # nested: still inline after the inner block
            pass
        assert _calls(3) == [(k, me) for k in range(3)]
    assert seen == [(k, me) for k in range(6)]
    # control: outside the block the pool's threads do the work
    assert all(t != me for _, t in _calls(6))


def test_inline_is_per_thread(two_threads):
    """Another thread's block leaves this thread's parallel_map on the pool."""
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with raster.inline():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(10)
    try:
        assert all(tid != threading.get_ident() for _, tid in _calls(4))
    finally:
        release.set()
        t.join()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rasterize_inline_equals_pooled(two_threads, seed):
    rng = np.random.default_rng(seed)
    v, t, size = 300, 500, 96
    screen = np.concatenate([rng.uniform(-5, size + 5, (v, 2)), rng.uniform(1, 10, (v, 1))], 1).astype(np.float32)
    tris = rng.integers(0, v, (t, 3)).astype(np.int32)
    pooled = raster.rasterize(screen, tris, size, size, cull_back=True)
    with raster.inline():
        inl = raster.rasterize(screen, tris, size, size, cull_back=True)
    assert (pooled.tri_id >= 0).mean() > 0.3
    for a, b in ((pooled.tri_id, inl.tri_id), (pooled.bary, inl.bary), (pooled.depth, inl.depth)):
        assert np.array_equal(a, b)
    # control: another mesh's fragments differ
    other = raster.rasterize(screen[::-1].copy(), tris, size, size, cull_back=True)
    assert not np.array_equal(other.tri_id, pooled.tri_id)


def test_residual_basis_equals_the_fancy_index_gather():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(53, 400 * 3)).astype(np.float32)
    r = SimpleNamespace(expression_basis=basis)
    for idx in (np.array([3, 7, 8, 20]), np.sort(rng.choice(400, 150, replace=False)), np.array([], np.int64)):
        got = Reenactor._residual_basis(r, idx)
        ref = np.ascontiguousarray(basis.reshape(53, -1, 3)[:, idx].reshape(53, -1))
        assert got.shape == ref.shape == (53, 3 * len(idx)) and got.flags.c_contiguous
        assert np.array_equal(got, ref)
    # control: another vertex set's basis differs
    assert not np.array_equal(Reenactor._residual_basis(r, np.array([3, 7, 9, 20])), Reenactor._residual_basis(r, np.array([3, 7, 8, 20])))
