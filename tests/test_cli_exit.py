"""emoshift.cli.exit_now (the command line's exit without the interpreter's teardown) keeps what a normal exit
does for the user: the exit code, the buffered output on stdout and stderr, the exit handlers. The control
shows what it guards against: a bare os._exit loses the buffered output. Errors are one line on stderr, exit 2:
user errors, argparse's (every command), and with stderr redirected (no progress bars)."""

import os
import subprocess
import sys

import pytest
from PIL import Image

from emoshift.cli import main

PROBE = """
import atexit, os, sys
from emoshift.cli import exit_now
atexit.register(lambda: print("handler ran", file=sys.stderr))
sys.stdout.write("partial line without newline")
sys.stderr.write("emoshift: error: something\\n")
{end}
"""


def _run(end: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    env.pop("PYTHONUNBUFFERED", None)  # stdout to a pipe is block-buffered, as for a user's `| head`
    return subprocess.run([sys.executable, "-c", PROBE.format(end=end)], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def test_exit_now_keeps_code_output_and_handlers():
    p = _run("exit_now(3)")
    assert p.returncode == 3
    assert p.stdout == "partial line without newline"
    assert p.stderr == "emoshift: error: something\nhandler ran\n"


def test_control_a_bare_os_exit_loses_the_buffered_output():
    p = _run("os._exit(3)")
    assert p.returncode == 3
    assert p.stdout == "" and "handler ran" not in p.stderr


def test_cli_user_error_is_one_line_and_exit_2(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.run([sys.executable, "-m", "emoshift", "animate", str(tmp_path / "missing.jpg"), "happy", "--out",
                        str(tmp_path / "x.mp4")], capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and p.stderr.startswith("emoshift: error: ")
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize("argv, needle", [
    (["animate", "x.jpg", "happy", "--fps", "abc"],
     "argument --fps: invalid float value: 'abc' (see emoshift animate --help)"),
    (["generate"], "the following arguments are required: instruction (see emoshift generate --help)"),
    (["head", "--region", "nose"], "argument --region: invalid choice: 'nose'"),
    (["fit", "a.jpg", "--stride", "x"], "(see emoshift fit --help)"),
    (["eval", "--seed", "1.5"], "(see emoshift eval --help)"),
    (["train", "--epochs", "many"], "(see emoshift train --help)"),
    (["serve", "--port", "http"], "(see emoshift serve --help)"),
    (["data", "build", "--seed", "x"], "(see emoshift data build --help)"),
    (["assets", "nothing"], "(see emoshift assets --help)"),
    (["nothing"], "argument COMMAND: invalid choice: 'nothing'"),
    (["head", "--bogus", "a\nb"], "unrecognized arguments: --bogus a\\nb"),  # a newline in the input stays escaped
])  # fmt: skip
def test_argparse_errors_are_one_line_in_every_command(capsys, argv, needle):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("emoshift: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert needle in err and "usage:" not in err


def test_help_still_prints_the_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["animate", "--help"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("usage: emoshift animate")


def test_no_face_error_in_a_redirected_stderr_is_one_line(tmp_path):
    """The QA case: real models, a face-less photo, stderr to a file and no --quiet: no progress bar lines."""
    flat = tmp_path / "flat.jpg"
    Image.new("RGB", (300, 300), (120, 130, 140)).save(flat)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    with open(tmp_path / "err.txt", "w") as err:
        argv = ["animate", str(flat), "from sad to happy", "--out", str(tmp_path / "o.mp4")]
        p = subprocess.run([sys.executable, "-m", "emoshift", *argv], stdout=subprocess.PIPE, stderr=err, env=env,
                           timeout=300)  # fmt: skip
    assert p.returncode == 2
    assert (tmp_path / "err.txt").read_text() == f"emoshift: error: no face found in {flat}\n"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["err.txt", "flat.jpg"]
