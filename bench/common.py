"""Shared helpers for the bench scripts: timing, a printed table, and a JSON result file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timeit(fn, repeat: int = 20, warmup: int = 3) -> dict:
    """Median/min/max wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "repeat": repeat}


def machine() -> dict:
    import torch

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
    }


def report(name: str, rows: list[dict], extra: dict | None = None) -> Path:
    """Print rows as an aligned table and write bench/results/<name>.json."""
    if rows:
        cols = list(rows[0])
        fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
        widths = {c: max(len(c), *(len(fmt(r.get(c, ""))) for r in rows)) for c in cols}
        print("  ".join(c.ljust(widths[c]) for c in cols))
        for r in rows:
            print("  ".join(fmt(r.get(c, "")).ljust(widths[c]) for c in cols))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"bench": name, "machine": machine(), "rows": rows, **(extra or {})}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")
    return path
