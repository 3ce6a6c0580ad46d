"""The CLI's background preload loads cached render kernels ahead of their first call, and never compiles."""

import importlib
import os
import subprocess
import sys

from emoshift.cli.preload import KERNELS

KERNEL = '''
from emoshift.jit import njit

@njit(nogil=True)
def triple(x):
    return 3 * x

@njit(nogil=True)
def double(x):
    return 2 * x
'''
FIRST = "import emoshift_probe_preload as k; print(k.triple(7), k.double(7), k.double(2.5))"  # double: two cached signatures
SECOND = '''
import emoshift_probe_preload as k
from emoshift.cli.preload import load_cached
from emoshift.jit import compile_stats
print(load_cached(k.triple), len(k.triple.overloads), load_cached(k.double), len(k.double.overloads))
print(k.triple(5), compile_stats()["kernels"], len(k.triple.overloads))
'''


def _run(tmp_path, code, cache="cache"):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / cache), PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout.split()


def test_a_cached_kernel_loads_before_its_call_which_then_neither_loads_nor_compiles(tmp_path):
    (tmp_path / "emoshift_probe_preload.py").write_text(KERNEL)
    assert _run(tmp_path, FIRST) == ["21", "14", "5.0"]
    out = _run(tmp_path, SECOND)
    # triple: its one cached version loaded (1 overload before any call); double: two versions, left to its calls
    assert out[:4] == ["True", "1", "False", "0"]
    assert out[4:] == ["15", "0", "1"]  # the call used the loaded version: nothing compiled, no second overload


def test_control_without_a_cache_nothing_is_loaded_and_the_call_compiles(tmp_path):
    (tmp_path / "emoshift_probe_preload.py").write_text(KERNEL)
    out = _run(tmp_path, SECOND, cache="empty")
    assert out[:4] == ["False", "0", "False", "0"]
    assert out[4:] == ["15", "1", "1"]  # compiled at the call


def test_the_listed_kernels_exist_and_cache_to_disk():
    for module, name in KERNELS:
        disp = getattr(importlib.import_module(module), name)
        assert hasattr(disp, "overloads") and disp._cache.__class__.__name__ == "KernelCache", (module, name)
