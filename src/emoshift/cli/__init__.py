"""The ``emoshift`` command. Each ``cmd_*.py`` module beside this file adds one sub-command.

A command module defines ``register(subparsers)`` which adds its parser and sets ``func`` (called with
the parsed args, returning an exit code). Heavy imports belong inside ``func`` so that ``--help`` and
bad input stay fast. User errors become one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from typing import NoReturn

EXIT_USER_ERROR = 2

EPILOG = """examples:
  emoshift animate photo.jpg "Turn this face from disgust to happiness" --out out.mp4
  emoshift head --expression mouthSmile_L=1,mouthSmile_R=1,jawOpen=0.3 --out head.obj
  emoshift assets
"""


class OneLineParser(argparse.ArgumentParser):
    """argparse with the project's error format: a bad option is one line on stderr and exit code 2
    (argparse prints its usage block first); the sub-command parsers inherit the class."""

    def error(self, message: str) -> NoReturn:
        from emoshift.checks import terminal_safe

        self.exit(EXIT_USER_ERROR, f"emoshift: error: {terminal_safe(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="emoshift",
        description="Animate a face photo through the expressions a sentence names (offline, on CPU).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from emoshift import __version__

    parser.add_argument("--version", action="version", version=f"emoshift {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    pkg = sys.modules[__name__]
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


def user_error_types() -> tuple[type[BaseException], ...]:
    from emoshift.assets import AssetMissingError
    from emoshift.io import UserError

    return (UserError, AssetMissingError)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # mediapipe's C++ logging
    os.environ.setdefault("GLOG_minloglevel", "2")
    # torch's OpenMP threads otherwise spin at every barrier: on a busy machine a parallel op then waits
    # for a descheduled spinner (measured 2 cores at load 13: 25 s instead of 0.8 s). Read once, at torch import.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    from emoshift.outputs import divert_native_stderr, install_signal_handlers

    install_signal_handlers()  # SIGTERM unwinds like Ctrl+C: partial outputs are removed, exit 143
    divert_native_stderr()  # MediaPipe's C++ log lines must not break the one-line error
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from emoshift.outputs import WRITE_ERRNOS, write_error

    try:
        return int(args.func(args) or 0)
    except user_error_types() as err:
        return _fail(f"error: {err}", EXIT_USER_ERROR)
    except BrokenPipeError:  # the reader went away (e.g. `emoshift generate ... | head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:  # a write failing late (full disk, read-only): one line, not a traceback
        if err.errno not in WRITE_ERRNOS:
            raise
        return _fail(f"error: {write_error(err)}", EXIT_USER_ERROR)
    except KeyboardInterrupt as err:  # Ctrl+C (130) or SIGTERM (outputs.Terminated, 143)
        return _fail(str(err) or "interrupted", getattr(err, "exit_code", 130))


def _fail(message: str, code: int) -> int:
    """``emoshift: <message>`` on a line of its own (open progress bars cleared first); returns ``code``."""
    close_progress_bars()
    print(f"emoshift: {message}", file=sys.stderr)
    return code


def show_progress(quiet: bool) -> bool:
    """Progress bars only on a terminal: in a redirected stderr (a log, ``2>err.txt``) their partial
    lines would come before the one-line error."""
    try:
        return not quiet and sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def close_progress_bars() -> None:
    """Close (clear) every open tqdm bar, so that a message printed next starts a line of its own
    (an interrupt unwinds past the code that would close them)."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or []):
        try:
            bar.close()
        except Exception:  # a bar half torn down by the interrupt: the message matters more
            pass



def exit_now(code: int) -> NoReturn:
    """End the command-line process with ``code``, skipping the interpreter's teardown: freeing numba's,
    MediaPipe's and the other modules' objects one by one took 0.3 s after every ``emoshift animate`` (of a
    ~2 s run). The exit handlers (:mod:`atexit`: logging, numba's compile report) still run and the standard
    streams are flushed; every output file is closed (written to a temporary and renamed) before a command
    returns, and no thread is still working then."""
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written
                pass
        os._exit(code)


def cli_entry() -> None:  # pragma: no cover - console-script shim
    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    exit_now(main())
