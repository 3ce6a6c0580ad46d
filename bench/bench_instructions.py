"""Anchors grounded in the sentence (issue 13.1): held-out free-form phrasings, Acc1/Acc2 per seed,
order-swap and shift rates, and generation time per instruction.

The phrasing set is our own and never used in training: sentence structures that are not in
``emoshift.data.templates`` (checked at run time: no held-out frame equals a training template) with
emotion words drawn (seeded) from the parser's vocabulary, 1-3 emotions, orders given by "first ...
then", "ends up", "turns into", lists and narratives. Labels are the emotions in sentence order. The
product path is measured: the parser decides the number of anchors, the generator samples (apex
latents, spans, anchor check), the shipped shape judge reads each anchor on the mean head.

    .venv/bin/python bench/bench_instructions.py [--model PATH] [--compare OLD.pt] [--seeds 0 1 2] [--n 60]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402

# {a1} adjective phrase, {n1} noun phrase of slot 1 ... ; none of these frames is a training template
HELD_OUT = {
    1: ("Could you make the portrait appear {a1}?", "I'd like a {a1} look on this face.",
        "Give the photo a touch of {n1}.", "The person should look {a1} here."),
    2: ("Initially {a1}; later on, {a2}.", "Open with {n1} and close on {n2}.",
        "The expression drifts from {n1} toward {n2}.", "{a1} at the beginning, {a2} by the end.",
        "Picture someone {a1} who slowly grows {a2}.", "Let the mood change: {n1} first, {n2} second.",
        "Starting out {a1}, the face then turns {a2}.", "Her look moves from {n1} over into {n2}.",
        "Show a face that is {a1} and afterwards {a2}.", "It begins as {n1} and becomes {n2}."),
    3: ("Travel from {n1} through {n2} to {n3}.", "It starts as {n1}, moves to {n2}, and settles into {n3}.",
        "Sequence: {a1}, next {a2}, lastly {a3}.", "Begin {a1}; midway {a2}; end {a3}.",
        "The face runs through {n1}, {n2} and, finally, {n3}."),
}


def held_out_set(n: int, seed: int = 12345) -> tuple[list[str], list[list[str]]]:
    import numpy as np

    from emoshift.data.templates import TEMPLATES
    from emoshift.emotions import ADJECTIVES, EMOTIONS, NOUNS
    from emoshift.text.parser import parse_instruction

    training = {t.text.lower() for t in TEMPLATES}
    rng = np.random.default_rng(seed)
    emos = list(EMOTIONS)
    texts, labels = [], []
    while len(texts) < n:
        k = int(rng.choice([1, 2, 3], p=[0.2, 0.5, 0.3]))
        frame = HELD_OUT[k][int(rng.integers(len(HELD_OUT[k])))]
        assert frame.lower() not in training
        pick = [str(e) for e in rng.choice(emos[1:], size=k, replace=False)]
        vals = {}
        for j, e in enumerate(pick, 1):
            vals[f"a{j}"] = ADJECTIVES[e][int(rng.integers(len(ADJECTIVES[e])))]
            vals[f"n{j}"] = NOUNS[e][int(rng.integers(len(NOUNS[e])))].removeprefix("a ")
        text = frame.format(**vals)
        if text in texts or parse_instruction(text).emotions != pick:  # keep sentences the parser reads right
            continue
        texts.append(text)
        labels.append(pick)
    return texts, labels


def measure(gen, judge, renderer, texts, labels, seeds) -> list[dict]:
    import numpy as np

    from emoshift.emotions import EMOTIONS
    from emoshift.eval.evaluate import judge_instructions, order_errors

    lab = np.array([[EMOTIONS.index(e) for e in ls] + [-1] * (3 - len(ls)) for ls in labels])
    rows = []
    for s in seeds:
        sc, pred = judge_instructions(texts, lab, gen, judge, renderer, seed=s)
        oe = order_errors(lab, pred)
        rows.append({"seed": s, "n": sc.n, "acc1": sc.acc1, "acc2": sc.acc2, "gmean": sc.gmean,
                     "swap_rate": oe["swap"], "shift_rate": oe["shift"], "n_multi": oe["n"]})
    return rows


def gen_ms(gen, texts, repeat: int = 3) -> float:
    gen.generate(texts[0])
    times = []
    for _ in range(repeat):
        for t in texts[:30]:
            t0 = time.perf_counter()
            gen.generate(t, seed=1)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="checkpoint (default: the shipped model)")
    ap.add_argument("--compare", help="another checkpoint measured the same way (e.g. the previous model)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--n", type=int, default=60, help="held-out instructions (default 60)")
    args = ap.parse_args()

    from emoshift.eval.judge import ShapeJudge
    from emoshift.eval.shapes import ShapeRenderer
    from emoshift.models.generator import Generator

    gen = Generator.load(args.model) if args.model else Generator.load_default()
    judge, renderer = ShapeJudge.load_default(), ShapeRenderer()
    texts, labels = held_out_set(args.n)
    runs = [("model" if args.model else "shipped", gen)]
    if args.compare:
        runs.append((f"compare {Path(args.compare).name}", Generator.load(args.compare, gen.text_encoder)))
    rows, extra = [], {"texts": texts, "labels": labels}
    for name, g in runs:
        ms = gen_ms(g, texts)
        for r in measure(g, judge, renderer, texts, labels, args.seeds):
            rows.append({"model": name, **r, "generate_ms_median": ms})
    report("instructions", rows, extra)


if __name__ == "__main__":
    main()
