"""Data building speed and content: both built-in presets at full size, and the parser's throughput.

Target (issue 4 / helper brief): building either full preset takes well under a minute on 2 cores.
Also reports the sample counts, the share of 1-/3-emotion instructions, and a label-recovery check:
the nearest EMFACS prototype (cosine) of each target versus its label.

    .venv/bin/python bench/bench_data.py
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report, timeit  # noqa: E402

from emoshift.data import build_preset  # noqa: E402
from emoshift.emotions import nearest_prototype  # noqa: E402
from emoshift.text.parser import parse_instruction  # noqa: E402

TARGET_BUILD_S = 60.0


def prototype_recovery(ds) -> float:
    """Share of targets whose nearest prototype variant has the target's label (neutral = near zero)."""
    slot = ds.emotion >= 0
    ex, lab = ds.expression[slot], ds.emotion[slot]
    pred = nearest_prototype(ex)
    keep = lab != 0
    return float((pred[keep] == lab[keep]).mean())


def main() -> None:
    rows = []
    for name in ("ckplus-like", "celebvhq-like"):
        t0 = time.perf_counter()
        ds = build_preset(name, seed=0)
        build_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            ds.save(Path(tmp) / "d.npz")
            save_s = time.perf_counter() - t0
            size_mb = (Path(tmp) / "d.npz").stat().st_size / 1e6
        rows.append({
            "preset": name, "samples": len(ds), "subjects": ds.n_subjects, "build_s": build_s, "save_s": save_s,
            "file_mb": size_mb, "one_emotion": float((ds.n_slots == 1).mean()),
            "three_emotions": float((ds.n_slots == 3).mean()),
            "unseen_phrasing": int((ds.split == "test_unseen_phrasing").sum()),
            "prototype_recovery": prototype_recovery(ds), "within_target": build_s < TARGET_BUILD_S,
        })  # fmt: skip
    texts = [str(t) for t in build_preset("celebvhq-like", scale=0.01).text[:200]]
    parse = timeit(lambda: [parse_instruction(t) for t in texts], repeat=5, warmup=1)
    report("data", rows, {"target_build_s": TARGET_BUILD_S, "parse_us_per_instruction": parse["median_ms"] * 1000 / len(texts)})


if __name__ == "__main__":
    main()
