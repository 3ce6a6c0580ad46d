"""What each command imports (start-up time): generate and animate load neither sympy, transformers,
matplotlib nor skimage.io, nor torch, nor scipy's ndimage, sparse or spatial (both run in numpy: the generator, the head model, the fitter, the
renderer); generate not scipy either. Each check also lists a module the path does import, so a probe that
saw nothing would fail; and a probe that imports torch before the command must see it."""

import os
import subprocess
import sys

import pytest

PROBE = """
import sys
{pre}
from emoshift.cli import main
code = main({argv!r})
print(code, sorted(m for m in {modules!r} if m in sys.modules))
"""
HEAVY = ("sympy", "transformers", "matplotlib", "matplotlib.pyplot", "skimage.io", "scipy")
#: scipy's parts the renderer once used (0.05-0.15 s of imports each); numba itself imports scipy.linalg.
SCIPY_PARTS = ("scipy.ndimage", "scipy.sparse", "scipy.spatial")


def _imported(argv, tmp_path, pre: str = ""):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore",
               EMOSHIFT_CACHE=str(tmp_path / "cache"))  # fmt: skip
    code = PROBE.format(pre=pre, argv=argv, modules=(*HEAVY, *SCIPY_PARTS, "torch", "numba", "mediapipe",
                                                      "emoshift.models.numpy_infer"))
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


ANIMATE = ["animate", "astronaut", "from disgust to happiness", "--out", "{out}", "--seconds", "0.5", "--fps", "8",
           "--quiet"]  # fmt: skip


@pytest.mark.slow
def test_animate_imports_no_torch_sympy_transformers_matplotlib_or_skimage_io(tmp_path):
    _imported(["generate", "Make her look happy", "--json"], tmp_path)  # a first run may export the model (torch)
    first = _imported([a.format(out=tmp_path / "w.mp4") for a in ANIMATE], tmp_path)  # fills the array cache
    mods = _imported([a.format(out=tmp_path / "x.mp4") for a in ANIMATE], tmp_path)
    assert {"numba", "mediapipe"} <= mods  # control: the probe sees imports
    assert "scipy.sparse" in first  # control: building the model tables (first run) does use scipy.sparse
    assert not mods & {"torch", "sympy", "transformers", "matplotlib", "matplotlib.pyplot", "skimage.io"}, mods
    assert not mods & set(SCIPY_PARTS), mods
    assert (tmp_path / "x.mp4").stat().st_size > 0


@pytest.mark.slow
def test_control_the_animate_probe_sees_torch_when_it_is_imported(tmp_path):
    mods = _imported([a.format(out=tmp_path / "y.mp4") for a in ANIMATE], tmp_path, pre="import torch")
    assert "torch" in mods
