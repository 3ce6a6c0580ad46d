"""What each command imports (start-up time): generate and animate load neither sympy, transformers,
matplotlib nor skimage.io, nor torch, nor scipy's ndimage, sparse or spatial (both run in numpy: the generator, the head model, the fitter, the
renderer); generate not scipy either; animate not what loading numba's cached kernels once pulled in
(scipy.linalg, numba.np.arraymath), nor mediapipe's Tasks API, nor tqdm when quiet. Each check also lists a module the path does import, so a probe that
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
#: scipy's parts the renderer once used (0.05-0.15 s of imports each).
SCIPY_PARTS = ("scipy.ndimage", "scipy.sparse", "scipy.spatial")
#: What loading the render kernels from numba's cache once imported (numba's compiler set-up: arraymath's BLAS
#: check imports scipy.linalg), PyYAML (numba.core.config), the mediapipe parts the fitter does not use, and tqdm
#: for a --quiet run.
FIXED_COST = ("scipy.linalg", "numba.np.arraymath", "numba.np.linalg", "yaml", "mediapipe.tasks.python",
              "mediapipe.python.solutions.pose", "tqdm")  # fmt: skip


def _imported(argv, tmp_path, pre: str = ""):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore",
               EMOSHIFT_CACHE=str(tmp_path / "cache"))  # fmt: skip
    code = PROBE.format(pre=pre, argv=argv, modules=(*HEAVY, *SCIPY_PARTS, *FIXED_COST, "torch", "numba", "mediapipe",
                                                      "numba.np.arrayobj", "emoshift.models.numpy_infer"))
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
    assert "numba.np.arrayobj" in mods  # control: what the cached kernels' code refers to is imported
    assert not mods & set(FIXED_COST), mods
    assert (tmp_path / "x.mp4").stat().st_size > 0


@pytest.mark.slow
def test_control_without_quiet_animate_shows_its_bar_with_tqdm(tmp_path):
    mods = _imported([a.format(out=tmp_path / "z.mp4") for a in ANIMATE if a != "--quiet"], tmp_path)
    assert "tqdm" in mods and (tmp_path / "z.mp4").stat().st_size > 0


@pytest.mark.slow
def test_control_the_animate_probe_sees_torch_when_it_is_imported(tmp_path):
    mods = _imported([a.format(out=tmp_path / "y.mp4") for a in ANIMATE], tmp_path, pre="import torch")
    assert "torch" in mods
