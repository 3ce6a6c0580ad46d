"""Numba kernels compile once: a notice on stderr when they do, silence when they load from the cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from emoshift.jit import NOTICE

KERNEL = '''
from emoshift.jit import njit

@njit(nogil=True)
def triple(x):
    return 3 * x

print(triple(7))
'''


def _run(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", "import emoshift_probe_kernel"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_first_call_compiles_with_a_notice_then_loads_from_the_cache(tmp_path):
    (tmp_path / "emoshift_probe_kernel.py").write_text(KERNEL)
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stdout.strip() == "21"
    assert first.stderr.count(NOTICE) == 1 and "compiled 1 render kernels" in first.stderr
    assert "emoshift: why: no cached kernels in" in first.stderr  # the notice says why
    assert any((tmp_path / "cache").rglob("*.nbi"))  # the index of the on-disk cache
    second = _run(tmp_path)
    assert second.returncode == 0 and second.stdout.strip() == "21"
    assert NOTICE not in second.stderr and "compiled" not in second.stderr, second.stderr


def test_render_kernels_use_the_cached_njit():
    import emoshift.render.raster as raster
    import emoshift.render.warp as warp

    for mod in (raster, warp):
        kernels = [v for v in vars(mod).values() if type(v).__name__ == "CPUDispatcher"]
        assert kernels and all(k.targetoptions.get("cache") is not False for k in kernels)
        assert all(k._cache.__class__.__name__ == "KernelCache" for k in kernels)  # numba's FunctionCache, loading light


ALLOCATING = '''
import sys
import numpy as np
from emoshift.jit import njit

@njit(nogil=True)
def spread(x):
    out = np.zeros(x.shape[0] + 1)  # numba.np.arrayobj's np.zeros, loaded with the cached code
    for i in range(x.shape[0]):
        out[i + 1] = out[i] + x[i]
    return out, out[-1] / x.shape[0]

FAIL_LIGHT = {fail_light}
if FAIL_LIGHT:  # the first load (the light one) fails: numba's own load_overload (refresh, then load) takes over
    import emoshift.jit as jit
    load, calls = jit.KernelCache._load_overload, []
    def fails_once(self, sig, ctx):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("light load broken")
        return load(self, sig, ctx)
    jit.KernelCache._load_overload = fails_once
out, low = spread(np.array([1.0, 2.0, -4.0]))
print(out.tolist(), low, sorted(m for m in ("numba.np.arraymath", "scipy.linalg", "numba.np.linalg") if m in sys.modules))
'''


@pytest.mark.parametrize("fail_light", [False, True])
def test_a_cached_kernel_loads_without_numbas_compiler_set_up(tmp_path, fail_light):
    """KernelCache: a kernel loaded from the cache brings only the modules its cached code refers to (here
    numba.np.arrayobj, for np.zeros), not numba's whole compiler set-up: neither numba.np.arraymath (whose
    import checks BLAS by importing scipy.linalg) nor numba.np.linalg; same results. Control: the first run,
    which compiles, imports them all (numba's refresh). With the light load broken, numba's own load path
    still loads the cached kernel (no compile)."""
    (tmp_path / "emoshift_probe_kernel.py").write_text(ALLOCATING.format(fail_light=fail_light))
    first = _run(tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert NOTICE in first.stderr
    assert first.stdout.strip() == "[0.0, 1.0, 3.0, -1.0] -0.3333333333333333 ['numba.np.arraymath', 'numba.np.linalg', 'scipy.linalg']"
    again = _run(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert NOTICE not in again.stderr and "compiled" not in again.stderr, again.stderr
    if fail_light:  # numba's path: refresh (all of numba's registries, scipy.linalg too), then the load
        assert again.stdout.strip() == first.stdout.strip()
    else:
        assert again.stdout.strip() == "[0.0, 1.0, 3.0, -1.0] -0.3333333333333333 []"


def test_a_changed_render_source_drops_the_cached_kernels(tmp_path, monkeypatch):
    """A kernel's cache is keyed on its own file: a change in a module it calls must drop every cached
    render kernel (the stamp of all render sources decides). Control: an unchanged tree keeps them."""
    import shutil

    import emoshift.jit as jit

    pkg = tmp_path / "emoshift"
    (pkg / "render" / "__pycache__").mkdir(parents=True)
    for src in (Path(jit.__file__).parent / "render").glob("*.py"):
        shutil.copy(src, pkg / "render" / src.name)
    shutil.copy(jit.__file__, pkg / "jit.py")
    monkeypatch.setattr(jit, "__file__", str(pkg / "jit.py"))
    cache = pkg / "render" / "__pycache__"
    jit.drop_stale_cache()
    (cache / "warp.render_frame_into-1.py311.nbi").write_bytes(b"index")
    assert jit.drop_stale_cache() is False and (cache / "warp.render_frame_into-1.py311.nbi").exists()
    (pkg / "render" / "edges.py").write_text((pkg / "render" / "edges.py").read_text() + "\n# changed\n")
    assert jit.drop_stale_cache() is True and not any(cache.glob("*.nbi"))


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), EMOSHIFT_NATIVE_LOGS="1", PYTHONWARNINGS="ignore")
    env.pop("NUMBA_CACHE_DIR", None)
    return {**env, **extra}


@pytest.mark.slow
def test_after_the_install_warm_up_a_user_run_compiles_nothing(tmp_path):
    """``make install`` runs ``python -m emoshift.warmup``; a user's first run afterwards must load every kernel
    from the cache. The user's run here is the CLI on a photo *file* (decoded read-only, another numba type
    than the writable sample array) writing .mp4 and .glb: the two things the warm-up once missed."""
    from PIL import Image

    from emoshift.samples import sample_photo

    warm = subprocess.run([sys.executable, "-m", "emoshift.warmup"], env=_env(), capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    assert warm.returncode == 0, warm.stderr[-2000:]
    assert "render kernels ready" in warm.stderr
    Image.fromarray(sample_photo()).save(tmp_path / "photo.png")
    cmd = [sys.executable, "-m", "emoshift", "animate", str(tmp_path / "photo.png"), "from fear to happiness",
           "--out", str(tmp_path / "x.mp4"), "--glb", "--seconds", "0.5", "--fps", "8", "--quiet"]  # fmt: skip
    user = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=600)
    assert user.returncode == 0, user.stderr[-2000:]
    assert (tmp_path / "x.mp4").stat().st_size > 0 and (tmp_path / "x.glb").stat().st_size > 0
    assert NOTICE not in user.stderr and "compiled" not in user.stderr, user.stderr[-2000:]


def test_a_render_kernel_called_with_a_new_type_compiles_with_the_notice(tmp_path):
    """Control for the test above: the same check sees a real render kernel compile (a float64 image, a
    type no emoshift path uses), in a cache folder of its own so the tree's cache is left alone."""
    code = ("import numpy as np; from emoshift.render.shaders import bilinear; out = np.zeros(3, np.float32); "
            "bilinear(np.ones((4, 4, 3)), 1.5, 1.5, out); print(out)")  # fmt: skip
    run = subprocess.run([sys.executable, "-c", code], env=_env(NUMBA_CACHE_DIR=str(tmp_path / "cache")),
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["[1.", "1.", "1.]"]
    assert NOTICE in run.stderr and "compiled" in run.stderr


def test_the_notice_says_when_only_the_input_type_is_new(tmp_path):
    """A cached kernel called with another argument type compiles again; the notice says that is why."""
    (tmp_path / "emoshift_probe_kernel.py").write_text(KERNEL)
    assert _run(tmp_path).returncode == 0  # int: compiled and cached
    (tmp_path / "emoshift_probe_kernel.py").write_text(KERNEL.replace("triple(7)", "triple(7.5)"))
    again = _run(tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "22.5"
    assert NOTICE in again.stderr and "why: the cache has these kernels for other input types only" in again.stderr


def test_the_notice_says_when_the_sources_changed(monkeypatch):
    from types import SimpleNamespace

    import emoshift.jit as jit
    from emoshift.render.shaders import bilinear

    ev = SimpleNamespace(data={"dispatcher": bilinear})
    monkeypatch.setitem(jit._state, "dropped", True)
    assert jit._why(ev) == "the render sources changed since the cached kernels were compiled"
    monkeypatch.setitem(jit._state, "dropped", False)  # control: nothing dropped -> another reason
    assert jit._why(ev) != "the render sources changed since the cached kernels were compiled"
    assert jit._why(None) == "no cached kernels for these inputs"  # no dispatcher to ask: the generic reason


def test_the_install_step_writes_the_packages_bytecode(tmp_path):
    """emoshift.warmup.compile_bytecode (run by ``python -m emoshift.warmup``, the install step) writes a current
    .pyc beside every module, so that a process that may not write bytecode (PYTHONDONTWRITEBYTECODE) still
    reads it instead of compiling the sources. Control: none before; a module that does not compile makes
    it report False (the others are still written)."""
    import importlib.util

    from emoshift.warmup import compile_bytecode

    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    sources = [pkg / "__init__.py", pkg / "a.py", pkg / "sub" / "__init__.py", pkg / "sub" / "b.py"]
    for i, src in enumerate(sources):
        src.write_text(f"VALUE = {i}\n")
    pycs = [Path(importlib.util.cache_from_source(str(src))) for src in sources]
    assert not any(p.exists() for p in pycs)
    assert compile_bytecode(pkg) is True
    assert all(p.is_file() for p in pycs)
    (pkg / "broken.py").write_text("def (:\n")
    assert compile_bytecode(pkg) is False


YAML_PROBE = "import sys; import {first}; import numba; print('yaml' in sys.modules, numba.config.NUMBA_NUM_THREADS)"


@pytest.mark.parametrize("config", [False, True])
def test_numba_imports_without_pyyaml_unless_it_has_a_config_file(tmp_path, config):
    """emoshift.jit imports numba with a stand-in for PyYAML: numba reads it only for a .numba_config.yaml in
    the working folder, which must still apply (the stand-in imports the real yaml). Control: a plain
    ``import numba`` imports yaml."""
    if config:
        (tmp_path / ".numba_config.yaml").write_text("NUM_THREADS: 1\n")
    env = _env()
    env.pop("NUMBA_NUM_THREADS", None)
    runs = {first: subprocess.run([sys.executable, "-c", YAML_PROBE.format(first=first)], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=120)  # fmt: skip
            for first in ("emoshift.jit", "numba")}
    for run in runs.values():
        assert run.returncode == 0, run.stderr[-2000:]
    ours, plain = runs["emoshift.jit"].stdout.split(), runs["numba"].stdout.split()
    assert plain[0] == "True"
    assert ours[0] == ("True" if config else "False")
    assert ours[1] == plain[1] and (ours[1] == "1") == config
