"""emoshift.threads: BLAS on one thread inside single_thread, restored after; the library scan kept."""

import sys

import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

from emoshift import threads  # noqa: E402


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_single_thread_limits_and_restores():
    if not _blas_threads():
        pytest.skip("no BLAS library found by threadpoolctl")
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        before = _blas_threads()
        assert max(before) == 2  # control: the limit below is what makes them 1
        for _ in range(2):  # the second time with the kept controller
            with threads.single_thread():
                assert _blas_threads() == [1] * len(before)
            assert _blas_threads() == before


def test_controller_kept_until_an_import(monkeypatch):
    made = []
    real = threadpoolctl.ThreadpoolController

    class Counting(real):
        def __init__(self):
            made.append(1)
            super().__init__()

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", Counting)
    monkeypatch.setattr(threads, "_CONTROLLER", (-1, None))
    for _ in range(5):
        with threads.single_thread():
            pass
    assert len(made) == 1  # scanned once, not once per block (threadpool_limits' cost)
    monkeypatch.setitem(sys.modules, "emoshift_test_new_module", object())  # control: an import rescans
    with threads.single_thread():
        pass
    assert len(made) == 2
