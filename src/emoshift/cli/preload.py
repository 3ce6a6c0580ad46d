"""The render path made ready in a background thread while ``animate`` loads its models and fits the face.

A CLI ``animate`` is one process: before its first frame it imports numba and the render modules (about
0.15-0.2 s) and loads the render kernels from numba's cache (each a few to 60 ms), all after the fit, one
after another. :func:`start` runs that in a thread from the start of the command instead, beside the
model loading, the photo's decoding and the fit (MediaPipe's graph runs in its own threads, file reads and
numpy's large operations release the GIL), so the first render finds them ready. The same machine code is
loaded either way, only earlier: the frames are identical.

Kernels are loaded only where numba's cache holds exactly one version of them for this machine and their
current source (:func:`load_cached`); the reenactor hands every kernel a read-only photo, so one version of
each is cached whether the caller's photo was writable or not (:func:`emoshift.warmup.warm_up_photos`). A
kernel cached in several versions is left to its first call, which picks the right one. Nothing is compiled here: a kernel missing from the cache compiles at its first call, with
the first-run notice (:mod:`emoshift.jit`). Any error ends the thread quietly (an optimisation only).
"""

from __future__ import annotations

import threading

#: The kernels the photo path of ``animate`` calls from Python (module, name), roughly in call order:
#: the fit's residuals and Jacobian, the reenactor's set-up (projection, shading, rasterized source, masks,
#: fills), then the frames.
KERNELS = (
    ("emoshift.fitting.kernels", "forward"),
    ("emoshift.fitting.kernels", "jacobian"),
    ("emoshift.render.warp", "pose_and_project"),
    ("emoshift.render.warp", "lambert_at"),
    ("emoshift.render.warp", "xy_bounds"),
    ("emoshift.render.raster", "raster_into"),
    ("emoshift.render.raster", "raster_inner_into"),
    ("emoshift.render.coverage", "coverage_into"),
    ("emoshift.render.filters", "_gaussian2d"),
    ("emoshift.render.filters", "_uniform3_rows"),
    ("emoshift.render.filters", "_dilate_into"),
    ("emoshift.render.fill", "_push"),
    ("emoshift.render.fill", "_pull"),
    ("emoshift.render.fill", "_paste_into"),
    ("emoshift.render.teeth", "light_mouth"),
    ("emoshift.render.wrinkles", "_field_into"),
    ("emoshift.render.warp", "_render_frame_flat"),
)
#: Modules imported in the thread too (the video writer's).
MODULES = ("emoshift.render.reenact", "av")


def load_cached(dispatcher) -> bool:
    """Load the one version of a ``cache=True`` numba kernel in its on-disk cache for this machine and its
    current source, as its first call would (the same cache entry); False (nothing loaded) when there is
    none or several."""
    cache = getattr(dispatcher, "_cache", None)
    if cache is None or not hasattr(cache, "_cache_file"):
        return False
    codegen = dispatcher.targetctx.codegen()
    want = cache._index_key((), codegen)[1:]  # (machine, source hashes): the key without the signature
    sigs = [key[0] for key in cache._cache_file._load_index() if tuple(key[1:]) == want]
    if len(sigs) != 1:
        return False
    from numba.core.compiler_lock import global_compiler_lock

    sig, ctx = sigs[0], dispatcher.targetctx
    with global_compiler_lock:  # what Dispatcher.compile does on a cache hit (and never a compile on a miss)
        if tuple(sig) in dispatcher.overloads:
            return False
        cres = cache.load_overload(sig, ctx)
        if cres is None:
            return False
        dispatcher._cache_hits[sig] += 1
        if not cres.objectmode:
            ctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        dispatcher.add_overload(cres)
    return True


def _work() -> None:
    import importlib

    try:
        for name in MODULES:
            importlib.import_module(name)
        for module, name in KERNELS:
            load_cached(getattr(importlib.import_module(module), name))
    except Exception:  # noqa: BLE001 - an optimisation only: the first calls load (or compile) what is missing
        pass


def start() -> threading.Thread:
    """Start :func:`_work` in a daemon thread; returns it (joining is never needed)."""
    thread = threading.Thread(target=_work, name="emoshift-preload", daemon=True)
    thread.start()
    return thread
