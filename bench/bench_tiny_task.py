"""The seed distribution behind tests/models/test_train.py::test_training_learns_the_tiny_task.

Trains the tiny task (96 instructions, 32 held out: 72 slots) once per TrainConfig seed and recon loss,
with the test's config, and reports the nearest-pattern accuracy on train and held out, and the two
controls on the same model (text zeroed, instructions shuffled). About 8 s per training on one idle core.

    .venv/bin/python bench/bench_tiny_task.py [--seeds 16]
"""

import argparse
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "models"))
from common import report  # noqa: E402

from test_train import _nearest_pattern_accuracy, held_out_task, tiny_task_config  # noqa: E402

from emoshift.models.train import train  # noqa: E402

CASES = [("train", "as given"), ("val", "as given"), ("val", "zeroed"), ("val", "shuffled")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(1)
    ds, table, patterns = held_out_task()
    runs = []
    for loss in ("gaussian", "mse"):
        for seed in range(args.seeds):
            model = train(tiny_task_config(loss, seed), ds, None, table=table, progress=False, validate=False)
            acc = {f"{s} {x}": _nearest_pattern_accuracy(model, ds, table, patterns, s, x) for s, x in CASES}
            runs.append({"loss": loss, "seed": seed, **acc})
            print(runs[-1], flush=True)
    rows = []
    for loss in ("gaussian", "mse"):
        for s, x in CASES:
            v = [r[f"{s} {x}"] for r in runs if r["loss"] == loss]
            rows.append({"loss": loss, "accuracy": f"{s} {x}", "min": min(v), "median": statistics.median(v),
                         "max": max(v)})
    report("tiny_task", rows, {"runs": runs, "bounds": {"train": 0.6, "held out": 0.5, "controls max": 0.42}})


if __name__ == "__main__":
    main()
