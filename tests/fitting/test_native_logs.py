"""MediaPipe's C++ set-up logs must not reach the user's terminal."""

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_fit_prints_nothing_on_stderr(tmp_path):
    out = tmp_path / "c.json"
    proc = subprocess.run(
        [sys.executable, "-m", "emoshift", "fit", "astronaut", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert out.is_file()


def test_silencing_restores_stderr(capfd):
    import os

    from emoshift.fitting.detect import native_logs_silenced

    with native_logs_silenced():
        os.write(2, b"hidden\n")
    os.write(2, b"visible\n")
    assert capfd.readouterr().err == "visible\n"
