"""Numba kernels compiled once: an on-disk cache and a notice when compiling happens.

The render kernels (``emoshift.render``) are ``numba.njit(cache=True)`` functions: the first call of each
signature compiles it (about 20-30 s of CPU for all of them) and writes the machine code into numba's
cache; every later process loads it in milliseconds. Numba keeps the cache in ``__pycache__`` beside
the sources when that folder is writable, else in the user's cache folder (``~/.cache/numba``), or in
``NUMBA_CACHE_DIR`` when set. Entries are keyed on the source file and the CPU, so an edit or another
machine recompiles.

- :func:`njit` is ``numba.njit`` with ``cache=True`` by default; importing it installs a listener that
  prints ``emoshift: compiling ... (first run only)`` on stderr when an emoshift kernel really compiles
  (a cache miss; loading from the cache is silent), and at exit how long it took. Its kernels load from
  the cache through :class:`KernelCache`, without numba's compiler set-up (a quarter of a second of every
  CLI run), and this module imports numba without PyYAML (:func:`_import_numba`).
- :func:`emoshift.warmup.warm_up` compiles every kernel on tiny inputs: run by ``make install``
  (``python -m emoshift.warmup``) and by ``emoshift serve`` before its first job, so no user-facing run
  pays the compile.
"""

from __future__ import annotations

import atexit
import sys
import time
import types
from pathlib import Path


class _YamlOnUse(types.ModuleType):
    """Stands for PyYAML while numba imports: the real ``yaml`` is imported at the first use of any attribute."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        import importlib

        if sys.modules.get("yaml") is self:
            del sys.modules["yaml"]
        return getattr(importlib.import_module("yaml"), attr)


def _import_numba():
    """``import numba`` with :class:`_YamlOnUse` in ``sys.modules`` meanwhile: numba's config imports PyYAML
    (17-25 ms, on every start-up) only to read a ``.numba_config.yaml`` in the working folder, which then
    imports the real one through the stand-in. Afterwards ``sys.modules`` holds no stand-in."""
    if "numba" not in sys.modules and "yaml" not in sys.modules:
        stand_in = _YamlOnUse("yaml")
        sys.modules["yaml"] = stand_in
        try:
            import numba  # noqa: F401
        finally:
            if sys.modules.get("yaml") is stand_in:
                del sys.modules["yaml"]


_import_numba()

import numba  # noqa: E402
from numba.core import event  # noqa: E402
from numba.core.caching import FunctionCache  # noqa: E402

_state = {"depth": 0, "start": 0.0, "seconds": 0.0, "kernels": 0, "announced": False, "installed": False}
NOTICE = "emoshift: compiling the render kernels (first run only; cached for later runs, about 20-30 s)"


def _is_ours(ev) -> bool:
    disp = (ev.data or {}).get("dispatcher")
    return getattr(getattr(disp, "py_func", None), "__module__", "").startswith("emoshift")


def _why(ev) -> str:
    """Why a kernel compiles instead of loading from the cache, in a user's words."""
    disp = None if ev is None else (ev.data or {}).get("dispatcher")
    module = getattr(getattr(disp, "py_func", None), "__module__", "")
    if _state.get("dropped") and module.startswith("emoshift.render"):
        return "the render sources changed since the cached kernels were compiled"
    try:  # numba's cache of this kernel: its index file exists once any of its types was compiled
        index = Path(disp._cache._cache_file._index_path)
    except (AttributeError, KeyError, TypeError):
        return "no cached kernels for these inputs"
    if not index.is_file():
        return (f"no cached kernels in {index.parent} yet (`python -m emoshift.warmup`, run by `make install`, "
                "compiles them ahead)")  # fmt: skip
    return "the cache has these kernels for other input types only (a kind of input not seen before)"


class _CompileNotice(event.Listener):
    """Announces the first cache miss of an emoshift kernel and times the outermost compiles."""

    def on_start(self, ev) -> None:
        if not _is_ours(ev):
            return
        if _state["depth"] == 0:
            _state["start"] = time.perf_counter()
            if not _state["announced"]:
                _state["announced"] = True
                sys.stderr.write(f"\n{NOTICE}\nemoshift: why: {_why(ev)}\n")
                sys.stderr.flush()
        _state["depth"] += 1
        _state["kernels"] += 1

    def on_end(self, ev) -> None:
        if not _is_ours(ev):
            return
        _state["depth"] -= 1
        if _state["depth"] == 0:
            _state["seconds"] += time.perf_counter() - _state["start"]


def _report_at_exit() -> None:
    if _state["kernels"] and not _state.get("reported"):
        sys.stderr.write(f"emoshift: compiled {_state['kernels']} render kernels in {_state['seconds']:.1f} s "
                         "(cached: later runs skip this)\n")


def install_notice() -> None:
    """Register the compile notice (idempotent)."""
    if not _state["installed"]:
        _state["installed"] = True
        event.register("numba:compile", _CompileNotice())
        atexit.register(_report_at_exit)


def compile_stats() -> dict:
    """Kernels compiled in this process (cache misses) and the seconds spent compiling them."""
    return {"kernels": _state["kernels"], "seconds": _state["seconds"]}


def compile_reported(reported: bool = True) -> None:
    """Whether the compiling done so far has been reported (by the warm-up), so the exit line stays silent."""
    _state["reported"] = reported


def drop_stale_cache() -> bool:
    """Delete the cached render kernels when any render source changed since they were written.

    Numba keys a kernel's cache on its own file only: a kernel that calls into another module (warp.py
    into shaders.py, edges.py, flow.py) would load stale machine code after that module changed. A stamp
    of every render source's hash beside the cache decides; True when entries were dropped. Idempotent.
    """
    import hashlib

    render = Path(__file__).resolve().parent / "render"
    cache = render / "__pycache__"
    digest = hashlib.sha256()
    for src in sorted(render.glob("*.py")) + [Path(__file__).resolve()]:
        digest.update(src.name.encode() + src.read_bytes())
    stamp, want = cache / "kernels.sha256", digest.hexdigest()
    try:
        if stamp.is_file() and stamp.read_text() == want:
            return False
        stale = [*cache.glob("*.nbi"), *cache.glob("*.nbc")] if cache.is_dir() else []
        for f in stale:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(want)
        return bool(stale)
    except OSError:  # a read-only install: numba then caches in the user's folder, keyed per file
        return False


class KernelCache(FunctionCache):
    """numba's on-disk cache of one kernel, loading without numba's whole compiler set-up.

    numba's ``load_overload`` first refreshes the target context (``BaseContext.refresh``): it imports
    and registers the implementations of everything numba can compile (numba.np.linalg, arraymath and its
    BLAS check, which imports scipy.linalg; the typed containers, random, polynomial, ...), about 0.25 s
    of the ~2 s of a CLI ``animate`` that only loads cached machine code. Loading needs only the runtime
    (NRT) set up: the cached library and its environments (whose modules are imported by name as they
    are unpickled) carry the rest. So the load is tried with the runtime alone; a cache miss, or any
    error, goes through numba's own ``load_overload`` (refresh, then load), and a compile refreshes the
    context itself (``numba.core.compiler``). The machine code loaded is the same either way.
    """

    def load_overload(self, sig, target_context):
        from numba.core.runtime import rtsys

        try:
            rtsys.initialize(target_context)
            with self._guard_against_spurious_io_errors():
                data = self._load_overload(sig, target_context)
        except Exception:  # noqa: BLE001 - anything unexpected: numba's full path below decides
            data = None
        return data if data is not None else super().load_overload(sig, target_context)


def njit(*args, **kwargs):
    """``numba.njit`` with ``cache=True`` unless given (cached kernels loaded by :class:`KernelCache`), and the
    first-run compile notice installed."""
    if not _state["installed"]:
        _state["dropped"] = drop_stale_cache()
    install_notice()
    kwargs.setdefault("cache", True)
    if args and callable(args[0]):
        return _quick_load(numba.njit(*args, **kwargs))
    decorate = numba.njit(*args, **kwargs)
    return lambda fn: _quick_load(decorate(fn))


def _quick_load(dispatcher):
    """The dispatcher with its numba FunctionCache (``cache=True``) turned into a :class:`KernelCache` (a
    subclass without state of its own: same cache files, same index)."""
    if type(dispatcher._cache) is FunctionCache:
        dispatcher._cache.__class__ = KernelCache
    return dispatcher
