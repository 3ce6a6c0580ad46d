"""What each command imports (start-up time): generate and animate load neither sympy, transformers,
matplotlib nor skimage.io, nor torch, nor scipy's ndimage, sparse or spatial (both run in numpy: the generator, the head model, the fitter, the
renderer); generate not scipy either; animate not what loading numba's cached kernels once pulled in
(scipy.linalg, numba.np.arraymath), nor mediapipe's Tasks API, nor tqdm when quiet. Each check also lists a module the path does import, so a probe that
saw nothing would fail; and a probe that imports torch before the command must see it. The astronaut wears no
glasses, so its animate never reaches the glasses' set-up (:mod:`emoshift.render.glasses`, which imported
scipy.ndimage's distance transform until session 22): the same check runs on the astronaut with painted
sunglasses, and its probe counts the renderer's glasses fills (control: the glasses are found and filled)."""

import os
import subprocess
import sys

import numpy as np
import pytest

PROBE = """
import sys
{pre}
from emoshift.cli import main
code = main({argv!r})
{post}
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


def _imported(argv, tmp_path, pre: str = "", post: str = ""):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PYTHONWARNINGS="ignore",
               EMOSHIFT_CACHE=str(tmp_path / "cache"))  # fmt: skip
    code = PROBE.format(pre=pre, post=post, argv=argv, modules=(*HEAVY, *SCIPY_PARTS, *FIXED_COST, "torch", "numba", "mediapipe",
                                                      "numba.np.arrayobj", "emoshift.models.numpy_infer"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    status, mods = lines[-1].split(" ", 1)
    assert status == "0", out.stdout[-2000:]
    if post:
        return set(eval(mods)), lines[-2]  # noqa: S307 - our own probe's printed list; the line post printed
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


#: The probe's count of the renderer's glasses fills (``fill_glasses`` as the renderer calls it).
COUNT_FILLS = """
import emoshift.render.reenact as _reenact
_fills = []
_fill = _reenact.fill_glasses
_reenact.fill_glasses = lambda *a: _fills.append(1) or _fill(*a)
"""


def _sunglasses_photo(path) -> None:
    """The astronaut with dark round sunglasses painted over her detected eyes (lenses 0.95 x 0.7 eye widths, a
    darker rim, a bridge), written to ``path``: the glasses' detector finds them (``sun``, ~2500 px)."""
    from PIL import Image

    from emoshift.fitting import Fitter
    from emoshift.headmodel import HeadModel
    from emoshift.samples import sample_photo

    photo = np.array(sample_photo("astronaut"))
    fit = Fitter(model=HeadModel.load(n_identity=50, region="full")).fit(photo)
    lm = np.asarray(fit.landmarks_detected, np.float64)
    img = photo.astype(np.float64)
    yy, xx = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]] + 0.5
    for outer, inner in ((33, 133), (263, 362)):
        c = 0.5 * (lm[outer] + lm[inner]) + np.array([0.0, 2.0])
        we = float(np.linalg.norm(lm[outer] - lm[inner]))
        r = (np.abs(xx - c[0]) / (0.95 * we)) ** 2 + (np.abs(yy - c[1]) / (0.7 * we)) ** 2
        img[r <= 1] = (28, 30, 36)
        img[(r <= 1) & (r >= (1 - 3.0 / (0.95 * we)) ** 2)] = (12, 10, 10)
    y, xa, xb = int(min(lm[133][1], lm[362][1]) - 2), int(min(lm[133][0], lm[362][0])), int(max(lm[133][0], lm[362][0]))
    img[y - 2 : y + 2, xa + 2 : xb - 2] = (12, 10, 10)
    Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8)).save(path)


@pytest.mark.slow
def test_animate_of_a_photo_with_glasses_imports_no_scipy_ndimage(tmp_path):
    """The glasses' set-up (detect, feather, fill: :mod:`emoshift.render.glasses`) on the animate path imports no
    scipy part either (it imported scipy.ndimage for its distance transforms: the control, on the former code);
    control: the renderer did find and fill the painted glasses."""
    photo = tmp_path / "sunglasses.png"
    _sunglasses_photo(photo)
    _imported(["generate", "Make her look happy", "--json"], tmp_path)  # a first run may export the model (torch)
    argv = [str(photo) if a == "astronaut" else a for a in ANIMATE]
    _imported([a.format(out=tmp_path / "w.mp4") for a in argv], tmp_path)  # fills the array cache
    mods, fills = _imported([a.format(out=tmp_path / "x.mp4") for a in argv], tmp_path, pre=COUNT_FILLS,
                            post="print('fills', len(_fills))")  # fmt: skip
    assert fills == "fills 1", fills  # control: the glasses were found and filled in
    assert {"numba", "mediapipe", "numba.np.arrayobj"} <= mods  # control: the probe sees imports
    assert not mods & set(SCIPY_PARTS), mods
    assert not mods & {"torch", *HEAVY} - {"scipy"}, mods
    assert not mods & set(FIXED_COST), mods  # the glasses' kernels load from numba's cache as the rest
    assert (tmp_path / "x.mp4").stat().st_size > 0
