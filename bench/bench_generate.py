"""Generation speed: instruction -> anchors with the shipped I2FET, text encoder loaded once.

Target (issue 5): <= 20 ms per instruction on CPU including (cached) text encoding. Reported: the one-off
load time, the first (uncached) call per instruction, and repeated (cached-encoder) calls, each the whole
``Generator.generate`` (parse + text features + I2FET sampling). Also the batched throughput used by
evaluation (``generate_batch``). Each for the numpy inference (the default, no torch: issue 14) and the
torch modules (``backend="torch"``), in the same run.

    .venv/bin/python bench/bench_generate.py [--repeat 20] [--model PATH] [--backend numpy torch]
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

TARGET_MS = 20.0
INSTRUCTIONS = [
    "Turn this face from fear to happiness.",
    "Change this face from disgust to happiness.",
    "Transform this face from anger to surprise.",
    "Modify this face, changing it from sadness to contempt.",
    "Replace this face from surprise to fear.",
    "Make her look slightly sad, then very happy.",
    "He starts angry, becomes disgusted, and ends up smiling.",
    "Show a neutral face turning into deep terror.",
    "Make him look happy.",
    "Let the expression move from shock into cheerfulness.",
    "She goes from contempt to anger and then to sadness.",
    "Turn this face from extremely happy to a little scared.",
]


def measure(backend: str, model: str | None, repeat: int) -> tuple[float, list[dict]]:
    """(load seconds, rows) of one backend."""
    from emoshift.models.generator import Generator

    t0 = time.perf_counter()
    gen = Generator.load(model, backend=backend) if model else Generator.load_default(backend=backend)
    gen.text_encoder.encode(["warm up the encoder"])  # the encoder is loaded once, like the pipeline does
    load_s = time.perf_counter() - t0

    first = []
    for text in INSTRUCTIONS:  # uncached: runs the text encoder
        t = time.perf_counter()
        gen.generate(text, seed=0)
        first.append((time.perf_counter() - t) * 1000)
    cached = []
    for i in range(repeat):
        for text in INSTRUCTIONS:
            t = time.perf_counter()
            gen.generate(text, seed=i)
            cached.append((time.perf_counter() - t) * 1000)
    texts = INSTRUCTIONS * 32
    from emoshift.text.parser import parse_instruction

    n_slots = [len(parse_instruction(t).emotions) for t in texts]
    t = time.perf_counter()
    gen.generate_batch(texts, n_slots, seed=0)
    batch_ms = (time.perf_counter() - t) * 1000 / len(texts)

    def row(name, xs):
        xs = sorted(xs)
        return {"backend": backend, "case": name, "median_ms": statistics.median(xs),
                "p95_ms": xs[int(0.95 * (len(xs) - 1))], "max_ms": xs[-1], "n": len(xs)}  # fmt: skip

    return load_s, [row("generate, cached text features", cached), row("generate, first call (runs the encoder)", first),
                    {"backend": backend, "case": "generate_batch (384 instructions), per instruction",
                     "median_ms": batch_ms, "p95_ms": "", "max_ms": "", "n": len(texts)}]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--model", help="model.pt (default: the shipped checkpoint)")
    ap.add_argument("--backend", nargs="+", default=["numpy", "torch"], choices=["numpy", "torch"])
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rows, loads = [], {}
    for backend in args.backend:
        loads[backend], r = measure(backend, args.model, args.repeat)
        rows += r
    med = rows[0]["median_ms"]
    ok = med <= TARGET_MS
    for backend, s in loads.items():
        print(f"load {backend} (once, incl. text encoder): {s:.2f} s")
    print(f"generation <= {TARGET_MS:.0f} ms per instruction (cached encoder, {args.backend[0]}): "
          f"{'PASS' if ok else 'FAIL'} ({med:.2f} ms)")  # fmt: skip
    report("generate", rows, {"target_ms": TARGET_MS, "pass": ok, "load_s": loads, "backends": args.backend,
                              "model": args.model or "shipped default", "load_average": os.getloadavg()})  # fmt: skip


if __name__ == "__main__":
    main()
