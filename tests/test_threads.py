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


def _work(x):
    import os

    import numpy as np

    rng = np.random.default_rng(x)
    a = rng.normal(size=(60, 60))
    return x, os.getpid(), float(np.linalg.solve(a @ a.T + np.eye(60), rng.normal(size=60)).sum())


def test_forked_map_same_results_in_order_on_two_processes(monkeypatch):
    import os

    monkeypatch.delenv("EMOSHIFT_FORK", raising=False)
    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))  # forks whatever the machine's load
    items = list(range(9))
    got = threads.forked_map(_work, items)
    serial = [_work(x) for x in items]
    assert [(x, v) for x, _, v in got] == [(x, v) for x, _, v in serial]  # same values, same order, to the bit
    pids = [p for _, p, _ in got]
    assert pids[:4] == [os.getpid()] * 4 and set(pids[4:]) != {os.getpid()}  # the second half in the child
    monkeypatch.setattr(threads, "FORK", False)  # control: off, all here
    assert {p for _, p, _ in threads.forked_map(_work, items)} == {os.getpid()}


def test_forked_map_stays_in_process_on_a_busy_machine(monkeypatch):
    import os

    monkeypatch.delenv("EMOSHIFT_FORK", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (64.0, 64.0, 64.0))  # every core busy
    items = list(range(9))
    got = threads.forked_map(_work, items)
    assert not threads.spare_core()
    assert [(x, v) for x, _, v in got] == [(x, v) for x, _, v in map(_work, items)]  # the same results
    assert {p for _, p, _ in got} == {os.getpid()}  # all here
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # control: an idle machine forks
    assert threads.spare_core()
    assert {p for _, p, _ in threads.forked_map(_work, items)} != {os.getpid()}


def test_forked_map_child_failure_falls_back(monkeypatch):
    import os

    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))

    parent = os.getpid()

    def only_here(x):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return x * x

    assert threads.forked_map(only_here, range(6)) == [x * x for x in range(6)]
    with pytest.raises(ZeroDivisionError):  # an error of the items is raised as without the fork
        threads.forked_map(lambda x: 1 / (x - 4), range(6))


def _stuck_in_child(parent: int):
    import os
    import time

    def fn(x):
        if os.getpid() != parent:  # the child hangs, as on a lock a parent thread held at the fork
            time.sleep(600)
        return x * x

    return fn


def test_forked_map_does_not_wait_for_a_stuck_child(monkeypatch):
    import os
    import time

    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))
    monkeypatch.setattr(threads, "FORK_TIMEOUT", 600.0)
    monkeypatch.setattr(threads, "FORK_MIN_WAIT", 0.5)
    t0 = time.monotonic()
    got = threads.forked_map(_stuck_in_child(os.getpid()), range(6))
    took = time.monotonic() - t0
    assert got == [x * x for x in range(6)]  # the child's half computed here
    # bounded by a few times this process's own half (milliseconds) and FORK_MIN_WAIT, not FORK_TIMEOUT;
    # the control is FORK_TIMEOUT itself (600 s): a wait for it would take 600 s
    assert took < 60.0


def test_forked_call_same_result_from_a_child_while_meanwhile_runs_here(monkeypatch):
    import os

    monkeypatch.delenv("EMOSHIFT_FORK", raising=False)
    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))
    items = list(range(7))
    seen = []
    got = threads.forked_call(lambda: [_work(x) for x in items], 0.1, meanwhile=lambda: seen.append(os.getpid()))
    assert [(x, v) for x, _, v in got] == [(x, v) for x, _, v in map(_work, items)]  # same values, to the bit
    assert {p for _, p, _ in got} != {os.getpid()} and seen == [os.getpid()]  # computed by the child
    monkeypatch.setattr(threads, "FORK", False)  # control: off, computed here (after meanwhile)
    seen.clear()
    assert {p for _, p, _ in threads.forked_call(lambda: [_work(x) for x in items], 0.1,
                                                 meanwhile=lambda: seen.append(1))} == {os.getpid()}  # fmt: skip
    assert seen == [1]


def test_forked_call_does_not_wait_for_a_stuck_child(monkeypatch):
    import os
    import time

    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))
    monkeypatch.setattr(threads, "FORK_TIMEOUT", 600.0)
    monkeypatch.setattr(threads, "FORK_MIN_WAIT", 0.5)
    fn = _stuck_in_child(os.getpid())
    t0 = time.monotonic()
    got = threads.forked_call(lambda: [fn(x) for x in range(4)], 0.01)
    assert got == [0, 1, 4, 9]  # computed here after FORK_MIN_WAIT, not FORK_TIMEOUT (the control: 600 s)
    assert time.monotonic() - t0 < 60.0


def _state(pid: int) -> str | None:
    """The process's state letter (/proc; R, S, Z, ...), None once it is reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def test_forked_map_does_not_wait_for_its_childs_exit(monkeypatch):
    """The child closes its pipe before it exits, and is reaped on a background thread: the results are
    taken as soon as they are written, not after the child's exit (which unmaps a copy of a large
    process's memory: tens of milliseconds). Control: once reaped, the check finds no such process."""
    import os
    import sys
    import time

    if not sys.platform.startswith("linux"):
        pytest.skip("/proc")
    monkeypatch.setattr(threads, "FORK_MAX_LOAD", float("inf"))
    monkeypatch.delenv("EMOSHIFT_FORK", raising=False)
    real_fork, real_exit, pids = os.fork, os._exit, []

    def fork():
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    def slow_exit(code):  # in the child: its exit held up for 5 s
        time.sleep(5.0)
        real_exit(code)

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(os, "_exit", slow_exit)
    got = threads.forked_map(_work, range(6))
    assert [v for _, _, v in got] == [v for _, _, v in map(_work, range(6))] and len(pids) == 1
    assert {p for _, p, _ in got[3:]} == {pids[0]}  # the child's half, returned while it ...
    assert _state(pids[0]) in ("S", "R", "D")  # ... still lives (sleeping in its exit)
    threads._reap(pids[0])  # the control: reaped, no such process
    assert _state(pids[0]) is None
