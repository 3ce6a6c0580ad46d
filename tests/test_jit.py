"""Numba kernels compile once: a notice on stderr when they do, silence when they load from the cache."""

import os
import subprocess
import sys
from pathlib import Path

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
        assert all(k._cache.__class__.__name__ == "FunctionCache" for k in kernels)


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
