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


def process_cpu() -> float:
    """CPU seconds (user + system) of this process's threads and of its finished children (e.g.
    :func:`forked_map`'s): what a stage costs on a shared machine, where wall time says little."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


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


#: :func:`forked_map` forks (False: every item in this process; EMOSHIFT_FORK=0 in the environment too).
FORK = True
#: Seconds :func:`forked_map` waits for its child after its own half before doing the child's half itself.
FORK_TIMEOUT = 120.0
#: ... or sooner: FORK_WAIT_FACTOR x this process's own half's time (at least FORK_MIN_WAIT s) after it.
FORK_WAIT_FACTOR = 4.0
FORK_MIN_WAIT = 2.0
#: :func:`forked_map` forks only while the 1-minute load average is below this (None: the number of cores
#: this process may run on): on a machine whose cores are all busy the child gets no core of its own, and
#: the fork's copy-on-write costs CPU for nothing (a video's clip fits, 512² synthetic clip at load 2.7 on
#: two cores: 22-24 CPU-ms per frame and 36-39 wall-ms forked, 18.5-19 and 25-28 in one process). The
#: results are the same either way.
FORK_MAX_LOAD: float | None = None


def spare_core() -> bool:
    """Whether the machine has a core to spare for :func:`forked_map`'s child (:data:`FORK_MAX_LOAD`)."""
    import os

    limit = FORK_MAX_LOAD
    if limit is None:
        limit = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        return os.getloadavg()[0] < limit
    except (AttributeError, OSError):  # no load average here: fork as before
        return True


def forked_map(fn, items) -> list:
    """``[fn(x) for x in items]`` on two cores: a forked child computes the second half while this process
    computes the first; the same results in the same order (the same code on the same data: ``fn`` must be
    deterministic and change nothing the other items read). For the fitter's independent single-frame
    fits, whose small numpy arrays hold the GIL (two threads run them no faster than one). Only while a
    core is to spare (:func:`spare_core`): on a busy machine every item is computed here.

    The child only computes, pickles its results down a pipe and leaves with ``os._exit``. Without
    ``os.fork`` (or :data:`FORK` off), for fewer than 2 items, or if the child fails, is not done within
    FORK_WAIT_FACTOR x this process's own half's time (at least FORK_MIN_WAIT, at most :data:`FORK_TIMEOUT`
    seconds) after this process's half, or its results do not unpickle, its half is computed here (never a
    hang, never other results)."""
    import os
    import pickle
    import select
    import time

    items = list(items)
    off = not FORK or not hasattr(os, "fork") or os.environ.get("EMOSHIFT_FORK") == "0"
    if len(items) < 2 or off or not spare_core():
        return [fn(x) for x in items]
    half = len(items) // 2
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return [fn(x) for x in items]
    if pid == 0:  # the child: its half, pickled down the pipe, and out without any clean-up of the parent's
        code = 1
        try:
            os.close(r)
            data = pickle.dumps([fn(x) for x in items[half:]], protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(w, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    got = None
    try:
        t0 = time.monotonic()
        mine = [fn(x) for x in items[:half]]
        # the child's half is the same work: waiting past a few times this half's own time means it is stuck
        # (a lock a parent thread held at the fork), so it is computed here instead of stalling the job
        took = time.monotonic() - t0
        chunks, deadline = [], time.monotonic() + min(FORK_TIMEOUT, max(FORK_MIN_WAIT, FORK_WAIT_FACTOR * took))
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break  # too slow: computed here below
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        try:
            got = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 (a failed or killed child: its half is computed here)
            got = None
        if not isinstance(got, list) or len(got) != len(items) - half:
            got = None
    finally:
        os.close(r)
        if got is None:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
    return mine + (got if got is not None else [fn(x) for x in items[half:]])
