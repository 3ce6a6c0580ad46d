"""Progress of a web job: the pipeline stage running and an approximate percentage.

:func:`track` wraps, for the length of one job, the stage methods of the pipeline instance the
worker uses (``fit``, ``plan``, ``make_trajectory``, ``render``; the renderer's ``render_batch`` for
frames done) so that each reports when it starts; the pipeline itself knows nothing of it. Stages a
pipeline does not have are skipped. The percentages are fixed shares of a typical job (rendering the
frames is most of it), not a time estimate; writing the outputs is the last share, reported by the
job runner through :func:`output_percent`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: (pipeline method, label shown on the page, percent at its start, percent at its end)
STAGES: tuple[tuple[str, str, float, float], ...] = (
    ("read_photo", "Reading the photo", 0, 3),
    ("fit", "Fitting the 3D face", 3, 15),
    ("plan", "Planning the expressions", 15, 20),
    ("make_trajectory", "Timing the animation", 20, 22),
    ("render", "Rendering the frames", 22, 85),
)
OUTPUTS_START, DONE = 85.0, 100.0

Report = Callable[[str, float], None]


def output_percent(done: int, total: int) -> float:
    """Percent after ``done`` of ``total`` output files are written."""
    return OUTPUTS_START + (DONE - OUTPUTS_START) * done / max(total, 1)


class _CountingRenderer:
    """A renderer whose ``render_batch`` reports the frames done out of ``total``."""

    def __init__(self, inner: Any, total: int, report: Report, label: str, lo: float, hi: float):
        self.inner, self.total, self.report = inner, max(total, 1), report
        self.label, self.lo, self.hi, self.done = label, lo, hi, 0

    def render_batch(self, expression: Any, rotation: Any) -> Any:
        out = self.inner.render_batch(expression, rotation)
        self.done += len(expression)
        self.report(self.label, self.lo + (self.hi - self.lo) * min(self.done / self.total, 1.0))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@contextmanager
def track(pipe: Any, report: Report) -> Iterator[None]:
    """Within the block, ``pipe``'s stages call ``report(label, percent)`` as they start (and the
    renderer after each batch of frames). Restores the instance on exit."""
    saved: dict[str, Any] = {}

    def patch(name: str, value: Any) -> None:
        saved[name] = pipe.__dict__.get(name, _CLASS)
        setattr(pipe, name, value)

    for name, label, lo, hi in STAGES:
        method = getattr(pipe, name, None)
        if not callable(method):
            continue

        def stage(*args: Any, _m: Any = method, _n: str = name, _label: str = label, _lo: float = lo,
                  _hi: float = hi, **kw: Any) -> Any:  # fmt: skip
            report(_label, _lo)
            traj = args[2] if len(args) >= 3 else kw.get("trajectory")
            if _n == "render" and traj is not None and callable(getattr(pipe, "renderer", None)):
                make = pipe.renderer
                total = len(getattr(traj, "expression", ()))
                def counting(*a: Any, **k: Any) -> _CountingRenderer:
                    return _CountingRenderer(make(*a, **k), total, report, _label, _lo, _hi)

                setattr(pipe, "renderer", counting)
                try:
                    return _m(*args, **kw)
                finally:
                    setattr(pipe, "renderer", make)
            return _m(*args, **kw)

        patch(name, stage)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is _CLASS:
                delattr(pipe, name)
            else:
                setattr(pipe, name, old)


_CLASS = object()  # marks an attribute that came from the class (restored by deleting the instance's)
