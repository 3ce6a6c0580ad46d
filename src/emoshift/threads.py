"""Torch on one thread for a moment (:func:`single_thread`), shared by the fitter, the generator and video in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore its thread count.

    The fitter's and the generator's tensors are tiny: OpenMP's thread hand-off costs more than it saves,
    and a second torch thread fights MediaPipe's and the render threads for the two cores (fitting: 20 ms
    on one thread vs 600+ ms on two after a detection; generation: median 10 ms, p95 430 ms with 2
    threads vs 1.7 / 6 ms, bench/bench_generate.py)."""
    import torch

    n = torch.get_num_threads()
    if n == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)
