"""QA round 3 on the command line: one line on stderr for bad output extensions, ``generate`` options and
corrupt checkpoints; no progress bars in a redirected stderr; Ctrl+C / SIGTERM said on a line of their own
after the progress bar is cleared (a real terminal: a pty); float image arrays outside [0, 1] refused."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fake_components import fake_pipeline
from test_cli_hardening import HERE as PIPELINE_TESTS
from test_cli_hardening import SIGNAL_SCRIPT, SRC, _photo  # SIGNAL_SCRIPT: the fake pipeline, a slow .csv writer

from emoshift.cli import cmd_animate, main
from emoshift.io import UserError


@pytest.fixture
def fake(monkeypatch):
    pipe = fake_pipeline()
    monkeypatch.setattr(cmd_animate, "_PIPELINE", pipe)
    return pipe


def _one_line(capsys, *needles) -> str:
    err = capsys.readouterr().err
    assert err.startswith("emoshift: error: ") and err.endswith("\n") and len(err.splitlines()) == 1, repr(err)
    for n in needles:
        assert n in err, err
    return err


# ------------------------------------------------------------------------------ output extensions


@pytest.mark.parametrize("option, name, valid", [("--sheet", "o.gif", ".png, .jpg, .jpeg"), ("--glb", "o.obj", ".glb"),
                                                 ("--csv", "o.json", ".csv"), ("--json", "o.csv", ".json")])
def test_extra_output_takes_only_its_own_extensions(fake, tmp_path, capsys, option, name, valid):
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "happy", "--out", str(tmp_path / "o.mp4"), option, str(tmp_path / name)]) == 2
    err = _one_line(capsys, f"for {option} ", f"use one of {valid}\n")
    assert ".mp4" not in err.split("use one of")[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png"] and fake.fitter.calls == []


def test_extra_outputs_with_their_extensions_still_work(fake, tmp_path):
    img = _photo(tmp_path / "me.png")
    argv = ["animate", img, "happy", "--out", str(tmp_path / "o.gif"), "--sheet", str(tmp_path / "s.jpg"),
            "--glb", str(tmp_path / "g.glb"), "--csv", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.glb", "me.png", "o.csv", "o.gif", "s.jpg"]


# ------------------------------------------------------------------------------ generate, --model


@pytest.mark.parametrize("extra, msg", [(["--top", "-3"], "--top must be at least 1, got -3"),
                                        (["--top", "0"], "--top must be at least 1, got 0"),
                                        (["--compact"], "--compact applies to --json")])  # fmt: skip
def test_generate_bad_options(capsys, extra, msg):
    assert main(["generate", "happy", *extra]) == 2
    _one_line(capsys, msg)


def test_generate_top_and_compact_controls(capsys):
    assert main(["generate", "happy", "--top", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[2].count("=") == 1  # one blendshape listed
    assert main(["generate", "happy", "--json", "--compact"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def _bad_checkpoints(folder: Path) -> dict[str, tuple[Path, str]]:
    (folder / "text.pt").write_text("hello\n")
    (folder / "noise.pt").write_bytes(np.random.default_rng(0).bytes(1000))
    (folder / "empty.pt").write_bytes(b"")
    with zipfile.ZipFile(folder / "other.zip.pt", "w") as z:
        z.writestr("a.txt", "not a checkpoint")
    return {"text": (folder / "text.pt", "not the zip archive torch.save writes: corrupt, cut short"),
            "noise": (folder / "noise.pt", "corrupt"),
            "empty": (folder / "empty.pt", "the file is empty"),
            "zip": (folder / "other.zip.pt", "a zip archive, but not a torch checkpoint")}


@pytest.mark.parametrize("case", ["text", "noise", "empty", "zip"])
def test_corrupt_model_says_what_is_wrong(tmp_path, capsys, case, fake):
    path, msg = _bad_checkpoints(tmp_path)[case]
    assert main(["generate", "happy", "--model", str(path)]) == 2
    err = _one_line(capsys, f"{path} is not a usable model checkpoint (", msg, "'emoshift train'")
    assert not re.search(r": \d+$", err.strip())  # not a bare number ("101")
    img = _photo(tmp_path / "me.png")
    assert main(["animate", img, "happy", "--out", str(tmp_path / "o.mp4"), "--model", str(path)]) == 2
    _one_line(capsys, msg)
    assert fake.fitter.calls == []


def test_a_real_checkpoint_passes_the_check(capsys):
    from emoshift.models.generator import default_checkpoint_path

    assert main(["generate", "happy", "--model", str(default_checkpoint_path()), "--json"]) == 0
    assert '"happiness"' in capsys.readouterr().out


# ------------------------------------------------------------------------------ float arrays


def test_float_array_outside_unit_range_is_a_clear_error():
    from emoshift.fitting import load_image

    pipe = fake_pipeline(load_image=load_image)
    img = np.random.default_rng(0).random((60, 80, 3)) * 255
    with pytest.raises(UserError, match=r"float image array must hold values in \[0, 1\].*divide by 255"):
        pipe.animate(img, "happy")
    with pytest.raises(UserError, match=r"\[0, 1\]"):
        load_image(np.full((4, 4), -3.0))
    assert pipe.animate(img / 255, "happy").frames is not None  # control: the same photo in 0..1
    assert load_image(np.full((4, 4, 3), 1.02)).min() == 255  # resampling overshoot is still clipped


# ------------------------------------------------------------------------------ progress bars


def test_redirected_stderr_gets_only_the_error_line(fake, tmp_path, capsys):
    """Not --quiet, stderr not a terminal (capsys): no bar before the error (today: tqdm's partial lines)."""
    img = _photo(tmp_path / "black.png", value=0)  # the fake fitter finds no face in a black photo
    assert main(["animate", img, "happy", "--out", str(tmp_path / "o.mp4")]) == 2
    assert capsys.readouterr().err == "emoshift: error: no face found in the photo\n"
    img = _photo(tmp_path / "me.png")  # control: a good run prints its summary, still no bar
    assert main(["animate", img, "happy", "--out", str(tmp_path / "o.mp4")]) == 0
    out, err = capsys.readouterr()
    assert "wrote" in out and err == ""


def _screen(raw: str) -> list[str]:
    """What a terminal shows for ``raw``: CR returns to column 0, LF goes down, ESC[A up; text overwrites."""
    rows: list[list[str]] = [[]]
    r = c = 0
    for tok in re.findall(r"\x1b\[[0-9;]*[A-Za-z]|.", raw, re.S):
        if tok == "\x1b[A":
            r = max(0, r - 1)
        elif tok.startswith("\x1b"):
            continue
        elif tok == "\r":
            c = 0
        elif tok == "\n":
            r += 1
            rows += [[] for _ in range(r + 1 - len(rows))]
        else:
            row = rows[r]
            row += [" "] * (c + 1 - len(row))
            row[c] = tok
            c += 1
    return [line for line in ("".join(row).rstrip() for row in rows) if line]


def _on_a_terminal(argv: list[str], sig: int) -> tuple[int, str]:
    """Run the CLI (fake pipeline, a slow .csv writer) with stderr on a pty; send ``sig`` while it writes."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm needs a width
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    script = SIGNAL_SCRIPT.format(here=str(PIPELINE_TESTS))
    proc = subprocess.Popen([sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, stderr=slave, text=True,
                            env=env)  # fmt: skip
    os.close(slave)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(sig)
        rc = proc.wait(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    raw = b""
    while select.select([master], [], [], 1.0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child's side is closed and everything was read
            break
        if not chunk:
            break
        raw += chunk
    os.close(master)
    return rc, raw.decode("utf-8", "replace")


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_signal_message_on_its_own_line_after_the_bar(tmp_path, sig, code, word):
    img = _photo(tmp_path / "me.png")
    rc, raw = _on_a_terminal(["animate", img, "happy", "--out", str(tmp_path / "o.mp4"), "--glb", "--csv"], sig)
    assert rc == code, raw
    assert "writing o.csv" in raw  # control: on a terminal the bar of stages is shown
    screen = _screen(raw)
    assert screen[-1] == f"emoshift: {word}", screen
    assert sum("emoshift:" in line for line in screen) == 1 and "Traceback" not in raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png"]  # clean-up kept
