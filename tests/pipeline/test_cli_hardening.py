"""Issue 15 on the CLI: one-line errors (exit 2) for bad seeds, unwritable outputs, full disks;
all-or-nothing outputs under exceptions, Ctrl+C and SIGTERM; no empty batch folder; escaped
instruction text in the batch table; image checks before any model loads. Fake pipeline throughout
(the real one is exercised in the subprocess tests at the end)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from fake_components import fake_pipeline
from PIL import Image

from emoshift.cli import cmd_animate, main

HERE = Path(__file__).parent
SRC = Path(cmd_animate.__file__).parents[2]


@pytest.fixture
def fake(monkeypatch):
    pipe = fake_pipeline()
    monkeypatch.setattr(cmd_animate, "_PIPELINE", pipe)
    return pipe


def _photo(path, value=120):
    Image.fromarray(np.full((20, 30, 3), value, np.uint8)).save(path)
    return str(path)


def _one_line(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize("seed", ["-1", str(2**70), str(2**32)])
def test_bad_seed_is_one_line(fake, tmp_path, capsys, seed):
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "happy", "--out", str(tmp_path / "a.mp4"), "--seed", seed]) == 2
    _one_line(capsys, "--seed must lie in [0, 4294967295]")
    assert fake.fitter.calls == []
    assert main(["animate", img, "happy", "--out", str(tmp_path / "a.mp4"), "--seed", str(2**32 - 1), "--quiet"]) == 0


def test_unwritable_out_found_before_work(fake, tmp_path, capsys):
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "happy", "--out", "/proc/x.mp4"]) == 2
    _one_line(capsys, "output folder is not writable: /proc")
    assert fake.fitter.calls == []  # refused before the fit
    assert main(["fit", img, "--out", "/proc/x.json"]) == 2
    _one_line(capsys, "not writable: /proc")


@pytest.mark.parametrize("fail", ["enospc", "interrupt", "crash"])
def test_multi_output_run_leaves_all_or_nothing(fake, tmp_path, capsys, monkeypatch, fail):
    """mp4 + glb + csv: the csv writer fails after the mp4 and glb are written -> none of them, and no
    temporary file, is left; the previous outputs (with --force) are untouched."""
    img = _photo(tmp_path / "me.png")
    out = tmp_path / "o.mp4"
    exc = {"enospc": OSError(errno.ENOSPC, "No space left on device"), "interrupt": KeyboardInterrupt(),
           "crash": RuntimeError("boom")}[fail]  # fmt: skip
    written = []

    def bad_csv(result, path):
        Path(path).write_text("partial")
        written.append(path)
        raise exc

    monkeypatch.setattr(fake.writers, "csv", bad_csv)
    argv = ["animate", img, "happy", "--out", str(out), "--glb", "--csv", "--quiet"]
    if fail == "crash":
        with pytest.raises(RuntimeError):
            main(argv)
    else:
        rc = main(argv)
        assert rc == (2 if fail == "enospc" else 130)
        if fail == "enospc":
            _one_line(capsys, "cannot write", "o.csv", "No space left on device")
    assert written and sorted(p.name for p in tmp_path.iterdir()) == ["me.png"]
    # control: the same run without the failure writes all three
    monkeypatch.undo()
    monkeypatch.setattr(cmd_animate, "_PIPELINE", fake)
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png", "o.csv", "o.glb", "o.mp4"]


@pytest.mark.parametrize("bad", [["--fps", "0"], ["--seed", "-1"], ["--intensity", "9"], ["--timing", "x"]])
def test_batch_with_bad_option_leaves_no_folder(fake, tmp_path, capsys, bad):
    a, b = _photo(tmp_path / "a.png"), _photo(tmp_path / "b.png")
    res = tmp_path / "res"
    with pytest.raises(SystemExit) if bad[0] == "--timing" else _nullcontext():
        assert main(["animate", a, b, "happy", "--out", str(res), *bad]) == 2
    assert not res.exists()


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_directory_and_unreadable_images_before_models(tmp_path, capsys, monkeypatch):
    """No model may load: Pipeline.load is made to fail loudly, so the image check must come first."""
    from emoshift import pipeline

    monkeypatch.setattr(cmd_animate, "_PIPELINE", None)
    monkeypatch.setattr(pipeline.Pipeline, "load", classmethod(lambda cls, **kw: pytest.fail("models loaded")))
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "junk.png").write_text("not an image")
    for arg, msg in [(tmp_path, "is a directory"), (tmp_path / "empty.jpg", "is empty"),
                     (tmp_path / "junk.png", "not a readable image")]:  # fmt: skip
        assert main(["animate", str(arg), "happy", "--out", str(tmp_path / "o.mp4")]) == 2
        _one_line(capsys, msg)


def test_batch_summary_escapes_control_characters(fake, tmp_path, capsys):
    img = _photo(tmp_path / "me.png")
    lines = tmp_path / "l.txt"
    lines.write_text("happy \x1b[2J\x1b]0;pwned\x07 face\nsad\x1b[31m red\n", encoding="utf-8")
    rc = main(["animate", img, "--instructions", str(lines), "--out", str(tmp_path / "res"), "--workers", "1",
               "--quiet"])  # fmt: skip
    table = capsys.readouterr().out
    assert rc in (0, 1) and "2 jobs" in table
    assert "\x1b" not in table and "\x07" not in table
    assert "\\x1b[2J" in table and "\\x1b[31m" in table


@pytest.mark.parametrize("n", ["0", "9", "100000"])
def test_generate_samples_bounded(capsys, n):
    assert main(["generate", "happy", "--samples", n]) == 2
    _one_line(capsys, "--samples must lie in [1, 8]")


def test_generate_bad_seed(capsys):
    assert main(["generate", "happy", "--seed", "-1"]) == 2
    _one_line(capsys, "--seed must lie in [0, 4294967295]")


# ------------------------------------------------------------------------------ real signals

SIGNAL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {here!r})
    from fake_components import fake_pipeline
    from emoshift.cli import cmd_animate, main
    pipe = fake_pipeline()
    def slow_csv(result, path):
        Path(path).write_text("partial")
        print("writing", flush=True)
        time.sleep(30)
    pipe.writers.csv = slow_csv
    cmd_animate._PIPELINE = pipe
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_writing_leaves_nothing(tmp_path, sig, code):
    img = _photo(tmp_path / "me.png")
    out = tmp_path / "o.mp4"
    script = SIGNAL_SCRIPT.format(here=str(HERE))
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.Popen([sys.executable, "-c", script, "animate", img, "happy", "--out", str(out), "--glb",
                             "--csv", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "writing"  # mp4 and glb are staged, csv half-written
        staged = sorted(p.name for p in tmp_path.iterdir())
        assert len(staged) >= 3 and all(n.startswith(".o-emoshift-tmp-") for n in staged if n != "me.png")
        proc.send_signal(sig)
        rc = proc.wait(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    err = proc.stderr.read().strip()
    assert rc == code, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png"]


def test_long_video_refused_before_the_models(fake, tmp_path, capsys):
    """--fps 60 --seconds 60 on a 512x512 photo needs 2.6 GiB of frames: refused from the header, before
    the fit; a short clip of the same photo passes (control)."""
    img = tmp_path / "big.png"
    Image.fromarray(np.full((512, 512, 3), 120, np.uint8)).save(img)
    assert main(["animate", str(img), "happy", "--out", str(tmp_path / "a.mp4"), "--fps", "60", "--seconds", "60"]) == 2
    _one_line(capsys, "3600 frames of 512x512 need 2.6 GiB", "shorten seconds, lower fps")
    assert fake.fitter.calls == []
    assert main(["animate", str(img), "happy", "--out", str(tmp_path / "a.mp4"), "--seconds", "1", "--quiet"]) == 0


def test_render_keeps_one_copy_of_the_clip():
    """Pipeline.render fills one (T, H, W, 3) array: traced peak < 1.3x the clip (concatenating chunks
    needed 2x); control: np.concatenate of the same chunks exceeds 1.9x."""
    import tracemalloc

    from fake_components import FakeFitter

    pipe = fake_pipeline()
    img = np.full((96, 128, 3), 100, np.uint8)
    fit = FakeFitter().fit(img)
    from types import SimpleNamespace

    rng = np.random.default_rng(0)
    traj = SimpleNamespace(expression=rng.uniform(0, 1, (600, 53)), rotation=np.zeros((600, 3)))
    clip = len(traj.expression) * img.size
    tracemalloc.start()
    try:
        frames = pipe.render(img, fit, traj)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        chunks = [frames[i : i + 16].copy() for i in range(0, len(frames), 16)]
        both = np.concatenate(chunks)
        _, peak_concat = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert frames.shape == (len(traj.expression), 96, 128, 3) and (both == frames).all()
    assert peak < 1.3 * clip, peak / clip
    assert peak_concat > 1.9 * clip  # control


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs (we run as root in the test machine); unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}); the monkeypatched ENOSPC test covers the logic")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_full_disk_is_one_line_and_leaves_nothing(fake, tmp_path, capsys, monkeypatch, tiny_disk):
    """A real ENOSPC from the kernel: the .glb writer writes 2 MB onto a 1 MB disk after the mp4 is done."""
    img = _photo(tmp_path / "me.png")

    def big_glb(result, path):
        with open(path, "wb") as f:
            for _ in range(8):
                f.write(b"\0" * 2**18)
                f.flush()
                os.fsync(f.fileno())

    monkeypatch.setattr(fake.writers, "glb", big_glb)
    rc = main(["animate", img, "happy", "--out", str(tiny_disk / "o.mp4"), "--glb", "--csv", "--quiet"])
    assert rc == 2
    _one_line(capsys, "cannot write", "o.glb", "No space left on device", "free some space")
    assert list(tiny_disk.iterdir()) == []
    monkeypatch.undo()  # control: small outputs fit on the same disk
    monkeypatch.setattr(cmd_animate, "_PIPELINE", fake)
    assert main(["animate", img, "happy", "--out", str(tiny_disk / "o.mp4"), "--glb", "--csv", "--quiet"]) == 0
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["o.csv", "o.glb", "o.mp4"]


def test_output_set_removes_writer_temps_and_staged_leftovers(tmp_path):
    """A writer that makes its own temporary beside the staged path (as atomic_write does) and then
    fails: both are removed; remove_staged cleans what a killed worker left; other files stay."""
    from emoshift.io import atomic_write_with
    from emoshift.outputs import OutputSet, remove_staged

    (tmp_path / "keep.txt").write_text("mine")

    def failing(tmp):
        def inner(t):
            t.write_bytes(b"half")
            raise RuntimeError("writer failed")

        atomic_write_with(tmp, inner)

    with pytest.raises(RuntimeError), OutputSet() as outs:
        outs.write(tmp_path / "a.glb", lambda tmp: tmp.write_bytes(b"glb"))
        outs.write(tmp_path / "a.csv", failing)
        outs.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    outs = OutputSet()
    outs.write(tmp_path / "b.mp4", lambda tmp: tmp.write_bytes(b"x"))  # staged, never committed (a killed worker)
    (tmp_path / f".b.x1y2.tmp-{outs.token}").write_text("x")  # unrelated name pattern: kept
    assert remove_staged(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["keep.txt", f".b.x1y2.tmp-{outs.token}"])
