"""What each command imports (start-up time): generate and animate load neither sympy, transformers,
matplotlib nor skimage.io; generate not scipy nor torch either (it runs in numpy). Each check also lists a
module the path does import, so a probe that saw nothing would fail."""

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
from emoshift.cli import main
code = main({argv!r})
print(code, sorted(m for m in {modules!r} if m in sys.modules))
"""
HEAVY = ("sympy", "transformers", "matplotlib", "matplotlib.pyplot", "skimage.io", "scipy")


def _imported(argv, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore",
               EMOSHIFT_CACHE=str(tmp_path / "cache"))  # fmt: skip
    code = PROBE.format(argv=argv, modules=(*HEAVY, "torch", "numba", "mediapipe", "emoshift.models.numpy_infer"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    status, mods = out.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "0", out.stdout[-2000:]
    return set(eval(mods))  # noqa: S307 - our own probe's printed list


def test_generate_imports_neither_torch_nor_anything_heavy(tmp_path):
    _imported(["generate", "Make her look happy", "--json"], tmp_path)  # a first run may export the model (torch)
    mods = _imported(["generate", "Turn this face from disgust to happiness", "--json"], tmp_path)
    assert "emoshift.models.numpy_infer" in mods  # control: the probe sees imports
    assert not mods & {*HEAVY, "torch"}, mods


@pytest.mark.slow
def test_animate_imports_no_sympy_transformers_matplotlib_or_skimage_io(tmp_path):
    argv = ["animate", "astronaut", "from disgust to happiness", "--out", str(tmp_path / "x.mp4"), "--seconds", "0.5",
            "--fps", "8", "--quiet"]  # fmt: skip
    mods = _imported(argv, tmp_path)
    assert {"torch", "numba", "mediapipe"} <= mods  # control: the probe sees imports
    assert not mods & {"sympy", "transformers", "matplotlib", "matplotlib.pyplot", "skimage.io"}, mods
    assert (tmp_path / "x.mp4").stat().st_size > 0
