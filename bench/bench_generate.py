"""Generation speed: instruction -> anchors with the shipped I2FET, text encoder loaded once.

Target (issue 5): <= 20 ms per instruction on CPU including (cached) text encoding. Reported: the one-off
load time, the first (uncached) call per instruction, and repeated (cached-encoder) calls, each the whole
``Generator.generate`` (parse + text features + I2FET sampling). Also the batched throughput used by
evaluation (``generate_batch``).

    .venv/bin/python bench/bench_generate.py [--repeat 20] [--model PATH]
"""

import argparse
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--model", help="model.pt (default: the shipped checkpoint)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from emoshift.models.generator import Generator

    t0 = time.perf_counter()
    gen = Generator.load(args.model) if args.model else Generator.load_default()
    gen.text_encoder.encode(["warm up the encoder"])  # the encoder is loaded once, like the pipeline does
    load_s = time.perf_counter() - t0

    first = []
    for text in INSTRUCTIONS:  # uncached: runs the text encoder
        t = time.perf_counter()
        gen.generate(text, seed=0)
        first.append((time.perf_counter() - t) * 1000)
    cached = []
    for i in range(args.repeat):
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
        return {"case": name, "median_ms": statistics.median(xs), "p95_ms": xs[int(0.95 * (len(xs) - 1))],
                "max_ms": xs[-1], "n": len(xs)}

    rows = [row("generate, cached text features", cached), row("generate, first call (runs the encoder)", first),
            {"case": "generate_batch (384 instructions), per instruction", "median_ms": batch_ms, "p95_ms": "",
             "max_ms": "", "n": len(texts)}]
    med = rows[0]["median_ms"]
    ok = med <= TARGET_MS
    print(f"load (once, incl. text encoder): {load_s:.2f} s")
    print(f"generation <= {TARGET_MS:.0f} ms per instruction (cached encoder): {'PASS' if ok else 'FAIL'} ({med:.2f} ms)")
    report("generate", rows, {"target_ms": TARGET_MS, "pass": ok, "load_s": load_s,
                              "model": args.model or "shipped default"})


if __name__ == "__main__":
    main()
