"""The render pass's workers (videoin/run.py ``_Workers``): forked processes (Linux) write the frames that
threads write, bit for bit, in order; a worker's error reaches the caller as itself with nothing written.

A short synthetic clip (the astronaut speaking) whose every face frame gets the brows pulled down, so each
is reenacted. Controls: the reenacted frames differ from the input frames (the comparison sees the
reenactment), and the forked workers' CPU shows up as the process's children's (they ran elsewhere).
"""

import resource
import warnings

import numpy as np
import pytest

N, FPS, SIZE = 8, 12.0, 256


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from emoshift.pipeline import Pipeline
    from emoshift.videoin.probe import probe
    from emoshift.videoin.run import fit_clip
    from emoshift.videoin.synthetic import talking_frames, write_clip

    d = tmp_path_factory.mktemp("workers")
    frames, _ = talking_frames(N, FPS, SIZE)
    path = write_clip(d / "talk.mp4", frames, FPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = Pipeline.load(generator="prototype")
        info = probe(path)
        own, fits = fit_clip(pipe.fitter, info, False)
    names = list(next(iter(fits.values())).expression_names)
    target = np.where(np.isfinite(own), own, 0.0).astype(np.float32)
    target[:, [names.index("browDown_L"), names.index("browDown_R")]] = 0.8
    return {"dir": d, "pipe": pipe, "info": info, "own": own, "fits": fits, "target": target}


def _write(clip, out, processes, monkeypatch):
    from emoshift.videoin.run import write_clip
    from emoshift.videoin.writer import Mp4Writer

    written = []
    original = Mp4Writer.write

    def record(self, frame, pts=None):
        written.append(np.array(frame))
        original(self, frame, pts)

    monkeypatch.setattr(Mp4Writer, "write", record)
    rendered = np.zeros(len(clip["own"]), bool)
    timings: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        n = write_clip(clip["pipe"], clip["info"], clip["fits"], clip["own"], clip["target"], None, rendered,
                       out, False, timings=timings, processes=processes)  # fmt: skip
    return n, np.stack(written), rendered, timings


def test_processes_write_the_frames_threads_write(clip, monkeypatch):
    from emoshift.videoin.probe import iter_frames

    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    n_p, procs, rendered_p, t_p = _write(clip, clip["dir"] / "procs.mp4", True, monkeypatch)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    n_t, threads, rendered_t, _ = _write(clip, clip["dir"] / "threads.mp4", False, monkeypatch)
    assert n_p == n_t == N and (clip["dir"] / "procs.mp4").is_file()
    assert rendered_p.sum() == len(clip["fits"]) >= N - 1 and np.array_equal(rendered_p, rendered_t)
    np.testing.assert_array_equal(procs, threads)
    # controls: the frames were reenacted, and by other processes
    inputs = np.stack([f for _, f, _ in iter_frames(clip["info"])])
    diff = np.abs(procs.astype(int) - inputs)[rendered_p].reshape(int(rendered_p.sum()), -1).max(1)
    assert (diff > 20).all()
    children = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    assert children > 0.5 * (t_p["cpu_renderer"] + t_p["cpu_reenact"]) > 0


@pytest.mark.parametrize("processes", [True, False])
def test_a_workers_error_reaches_the_caller_and_nothing_is_written(clip, monkeypatch, processes):
    from emoshift.io import UserError
    from emoshift.videoin.run import ClipRenderer

    original = ClipRenderer.reenact_timed
    bad = sorted(clip["fits"])[N // 2]

    def fail(self, rgb, fit, target, rotation=None):
        if fit.frame == bad:
            raise UserError(f"frame {bad} failed")
        return original(self, rgb, fit, target, rotation)

    monkeypatch.setattr(ClipRenderer, "reenact_timed", fail)  # before the workers fork: they inherit it
    out = clip["dir"] / f"fails_{processes}.mp4"
    with pytest.raises(UserError, match=f"frame {bad} failed"):
        _write(clip, out, processes, monkeypatch)
    assert not out.exists() and not list(clip["dir"].glob(".fails_*"))


def _kind_of_workers(conn):
    from emoshift.videoin.run import _Job, _Workers

    with _Workers(_Job(None, None, None, None), 2, True) as w:
        conn.send("processes" if w.pool is not None else "threads")


def test_a_daemonic_process_falls_back_to_threads():
    """A daemonic process (a multiprocessing.Pool worker) may not fork children: threads then. Control:
    the same call in a normal process forks."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    kinds = {}
    for daemon in (True, False):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_kind_of_workers, args=(child,), daemon=daemon)
        p.start()
        kinds[daemon] = parent.recv()
        p.join(30)
    assert kinds == {True: "threads", False: "processes"}
