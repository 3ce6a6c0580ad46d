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
    import time

    items = list(items)
    half = len(items) // 2
    child = _fork(lambda: [fn(x) for x in items[half:]]) if len(items) >= 2 else None
    if child is None:
        return [fn(x) for x in items]
    got = None
    try:
        t0 = time.monotonic()
        mine = [fn(x) for x in items[:half]]
        # the child's half is the same work: waiting past a few times this half's own time means it is stuck
        # (a lock a parent thread held at the fork), so it is computed here instead of stalling the job
        got = _collect(child, time.monotonic() - t0, len(items) - half)
    finally:
        _end(child, got is None)
    return mine + (got if got is not None else [fn(x) for x in items[half:]])


def forked_call(fn, expected: float, meanwhile=None) -> list:
    """``fn()`` (a list) computed by a forked child while this process calls ``meanwhile()`` and then waits
    without the GIL: the threads ``meanwhile`` starts (e.g. video in's renderer prebuild,
    :meth:`emoshift.videoin.run.ClipRenderer.prebuild`) run on one core, ``fn`` on the other, neither
    waiting for the other's GIL (started after the fork, the child never holds a lock of theirs). The same
    result (``fn`` must be deterministic); computed here after ``meanwhile()`` instead, as
    :func:`forked_map`'s child half is (no spare core, no fork, a failed child, or one not done within
    FORK_WAIT_FACTOR x ``expected`` seconds, at least FORK_MIN_WAIT, at most :data:`FORK_TIMEOUT`)."""
    child = _fork(fn)
    got = None
    try:
        if meanwhile is not None:
            meanwhile()
        if child is not None:
            got = _collect(child, expected, None)
    finally:
        if child is not None:
            _end(child, got is None)
    return got if got is not None else fn()


def _fork(work):
    """(pid, read end of its pipe) of a forked child computing ``work()`` (a list) and pickling it down the
    pipe, then leaving with ``os._exit`` without any clean-up of the parent's; None when this process
    does not fork (:data:`FORK` off, ``EMOSHIFT_FORK=0``, no ``os.fork``, no spare core, the fork failed)."""
    import os
    import pickle

    off = not FORK or not hasattr(os, "fork") or os.environ.get("EMOSHIFT_FORK") == "0"
    if off or not spare_core():
        return None
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child
        code = 1
        try:
            os.close(r)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(w, view) :]
            os.close(w)  # the parent reads its end now, not after this process's exit has unmapped its memory
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _collect(child, took: float, n: int | None) -> list | None:
    """The child's list (of ``n`` items if given), or None when it failed or is not done within
    FORK_WAIT_FACTOR x ``took`` seconds (at least FORK_MIN_WAIT, at most FORK_TIMEOUT) from now."""
    import os
    import pickle
    import select
    import time

    _, r = child
    chunks, deadline = [], time.monotonic() + min(FORK_TIMEOUT, max(FORK_MIN_WAIT, FORK_WAIT_FACTOR * took))
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            break  # too slow: computed here by the caller
        chunk = os.read(r, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        got = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 (a failed or killed child: its part is computed here)
        return None
    return got if isinstance(got, list) and (n is None or len(got) == n) else None


def _end(child, kill: bool) -> None:
    """Close the child's pipe, kill it if ``kill`` (stuck or failed), and reap it: on a background thread
    when it is done (its exit, which unmaps a copy of this process's memory, takes tens of milliseconds
    that nothing here waits for)."""
    import os
    import threading

    pid, r = child
    os.close(r)
    if kill:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    threading.Thread(target=_reap, args=(pid,), name="emoshift-reap", daemon=True).start()


def _reap(pid: int) -> None:
    import os

    try:
        os.waitpid(pid, 0)
    except OSError:
        pass
