"""One thread for a moment (:func:`single_thread`), shared by the fitter, the generator and video in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext


#: (len(sys.modules) when it was made, threadpoolctl's controller): the loaded libraries, scanned once.
_CONTROLLER: tuple = (-1, None)


def _blas_one_thread():
    """numpy's BLAS on one thread inside a block (``threadpoolctl``, installed with scikit-learn; without it
    nothing changes). ``threadpool_limits`` scans every loaded shared library on each call (~0.3-3 ms with
    MediaPipe, torch and numba loaded: a video's ~100 fits spent 0.03-0.3 s there); the controller is kept
    and scanned again only after an import (which is what loads a BLAS library)."""
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return nullcontext()
    key = len(sys.modules)
    if _CONTROLLER[0] != key:
        _CONTROLLER = (key, ThreadpoolController())
    return _CONTROLLER[1].limit(limits=1, user_api="blas")


@contextmanager
def single_thread() -> Iterator[None]:
    """Run numpy's BLAS, and torch if it is loaded, on one thread inside the block, then restore their thread
    counts. Torch is never imported here: the app's fitter runs in numpy.

    The fitter's and the generator's arrays are tiny: OpenMP's thread hand-off costs more than it saves,
    and a second thread fights MediaPipe's and the render threads for the two cores (fitting: 20 ms
    on one thread vs 600+ ms on two after a detection; generation: median 10 ms, p95 430 ms with 2
    threads vs 1.7 / 6 ms, bench/bench_generate.py)."""
    torch = sys.modules.get("torch")
    with _blas_one_thread():
        n = 1 if torch is None else torch.get_num_threads()
        if n == 1:
            yield
            return
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(n)


def limit_threads(n: int) -> None:
    """``n`` threads from now on for numpy's BLAS and for torch (set now if it is loaded, else through
    ``OMP_NUM_THREADS`` when it is imported): a worker process's share of the CPUs."""
    import os

    os.environ["OMP_NUM_THREADS"] = str(n)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n, user_api="blas")
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)
