"""The warm-up: every render kernel compiled (or loaded from numba's cache, :mod:`emoshift.jit`) by running
each renderer once on tiny inputs, so that no user-facing run pays the compile. ``make install`` runs it
(``python -m emoshift.warmup``) and ``emoshift serve`` before its first job (:class:`WarmPipeline`).
Its ``Pipeline.load`` also writes the numpy export of the shipped generator (the first load does,
:mod:`emoshift.models.numpy_infer`), so that ``generate`` and ``animate`` never need torch to plan.
The install step also writes the package's Python bytecode (:func:`compile_bytecode`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from emoshift.jit import compile_reported, compile_stats

#: What the warm-up writes of each result: the video and the .glb (its texture baker has kernels of its own).
WARM_UP_OUTPUTS = ("warm.mp4", "warm.glb")
#: ... in a temporary folder named so (``emoshift serve`` warms up while it already takes uploads: its own files in
#: TMPDIR must be told from an upload spooled there, tests/web/test_web_hardening.py).
WARM_UP_PREFIX = "emoshift-warm-"


def warm_up_photos(photo):
    """The photo as each kind of caller hands it to the renderer: numba compiles a kernel once per
    argument *type*, and a read-only array is another type than a writable one. Photos decoded from a
    file (PIL, and every downscaled photo) are read-only; arrays from Python callers and the bundled
    samples are writable. Warming one only left the other to compile on a user's first run."""
    import numpy as np

    writable = np.array(photo, np.uint8, copy=True)
    read_only = writable.copy()
    read_only.flags.writeable = False
    return [writable, read_only]


def warm_up(pipeline=None, shapes: bool = True, progress: bool = True) -> dict:
    """Compile (or load from the cache) every render kernel by running each renderer once on small inputs.

    Covers the photo reenactment path of ``animate`` (``pipeline``, default ``Pipeline.load()``: fit of the
    bundled astronaut photo, 4 frames rendered and written as .mp4 and .glb, once with a writable and
    once with a read-only photo, see :func:`warm_up_photos`; its fit compiles the solver's kernels,
    :mod:`emoshift.fitting.kernels`, which the video path's fits share) and, with ``shapes``, the shape-image renderer of ``eval``. Returns ``compile_stats()`` and the wall time. Cheap to call again: cached
    kernels load in milliseconds.
    """
    import tempfile
    import warnings

    import numpy as np

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from emoshift.pipeline import DEFAULT_INSTRUCTION, Pipeline, sample_photo

        pipe = pipeline if pipeline is not None else Pipeline.load(seed=0)
        for photo in warm_up_photos(sample_photo()):
            res = pipe.animate(photo, DEFAULT_INSTRUCTION, fps=8, seconds=0.5)
            with tempfile.TemporaryDirectory(prefix=WARM_UP_PREFIX) as tmp:
                for name in WARM_UP_OUTPUTS:
                    pipe.save(res, Path(tmp) / name)
        # a photo with glasses (the astronaut wears none) also runs the distance transform of their fill
        from emoshift.render.filters import distance_transform_edt

        distance_transform_edt(np.eye(3, dtype=bool))
        if shapes:
            from emoshift.eval.shapes import ShapeRenderer

            r = ShapeRenderer()
            r.render(np.zeros((2, r.model.n_identity), np.float32), np.zeros((2, 53), np.float32))
    stats = {**compile_stats(), "wall_s": time.perf_counter() - t0}
    compile_reported(progress)
    if progress:
        print(f"emoshift: render kernels ready ({stats['kernels']} compiled in {stats['seconds']:.1f} s; "
              f"warm-up {stats['wall_s']:.1f} s)", file=sys.stderr)
    return stats


def compile_bytecode(folder: str | Path | None = None) -> bool:
    """Write the bytecode (``__pycache__/*.pyc``) of every module of the package (or of ``folder``) now.

    Python writes a module's bytecode at its first import, unless writing is off (``PYTHONDONTWRITEBYTECODE``,
    ``python -B``): then every process compiled the ~90 modules of an ``animate`` from source again, about
    0.1 s of each command (bytecode that exists is read either way). ``make install`` runs this, as pip does
    for the packages it installs from wheels. Best effort: False when some file could not be written
    (a read-only install) or compiled."""
    import compileall

    root = Path(folder) if folder is not None else Path(__file__).resolve().parent
    return bool(compileall.compile_dir(str(root), quiet=2))


class WarmPipeline:
    """``Pipeline.load`` then :func:`warm_up` on it: what ``emoshift serve`` preloads, so its first job
    neither compiles nor loads the render kernels."""

    @staticmethod
    def load(**kwargs):
        from emoshift.pipeline import Pipeline

        pipe = Pipeline.load(**kwargs)
        try:
            warm_up(pipe, shapes=False)
        except Exception as err:  # an optimisation only: the first job compiles what is missing
            print(f"emoshift: kernel warm-up skipped ({err.__class__.__name__}: {err}); the first job may compile",
                  file=sys.stderr)
        return pipe


if __name__ == "__main__":  # python -m emoshift.warmup: the install step's warm-up (through the imported module)
    from emoshift.warmup import compile_bytecode as _compile_bytecode
    from emoshift.warmup import warm_up as _warm_up

    _compile_bytecode()
    _warm_up()
