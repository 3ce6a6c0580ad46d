"""emoshift.cli.exit_now (the command line's exit without the interpreter's teardown) keeps what a normal exit
does for the user: the exit code, the buffered output on stdout and stderr, the exit handlers. The control
shows what it guards against: a bare os._exit loses the buffered output."""

import os
import subprocess
import sys

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
