"""Everyday vocabulary (issue 13): how many held-out instructions and words the parser + lexicon read right.

Held-out sets written for this bench, never training templates (bench/heldout_everyday.txt: instructions
with the expected family of each anchor; bench/heldout_words.txt: words with their family). Reported:

- instructions: accepted (no UserError), and right = accepted with one anchor per expected family, each
  in it (target of issue 13: at least 27 of 30, here scaled to the set's size);
- words: accepted, and family accuracy of the accepted ones;
- lexicon targets: the shipped judge (:mod:`emoshift.eval.judge`) reading each lexicon entry on the mean
  head, its own AUs alone and its anchor target (with the family display, what the generator learns;
  entries of an emotion family; compounds count when either emotion is read);
- with ``--generator`` (the shipped model, or ``--model PATH``): the generated anchors of the held-out
  instructions read by the judge, per seed: all anchors of an instruction in their expected families.

``--calibrate`` prints the cosine table behind :data:`emoshift.text.placement.THRESHOLD`. ``--dev`` measures
the thesaurus dev set bench/dev_everyday.txt instead (for development; the held-out sets are only measured).

    PYTHONPATH=src .venv/bin/python bench/bench_vocabulary.py [--generator] [--model PATH] [--seeds 0 1 2] [--calibrate] [--dev]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import report  # noqa: E402


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """(text, label) of a "text | label" file, skipping comments."""
    out = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            text, _, label = line.rpartition("|")
            out.append((text.strip(), label.strip()))
    return out


def expected_families(label: str) -> list[set[str]]:
    """"fear, surprise/happiness" -> [{"fear"}, {"surprise", "happiness"}]."""
    return [set(x.strip().split("/")) for x in label.split(",")]


def right(families: list[str], want: list[set[str]]) -> bool:
    return len(families) == len(want) and all(f in w for f, w in zip(families, want))


def parse_all(items: list[tuple[str, str]]) -> list[dict]:
    from emoshift.io import UserError
    from emoshift.text.parser import parse_instruction

    rows = []
    for text, label in items:
        want = expected_families(label)
        try:
            p = parse_instruction(text)
            got, entries, err = p.emotions, [list(e) for e in p.entries], ""
        except UserError as e:
            p, got, entries, err = None, [], [], str(e)
        rows.append({"text": text, "expected": label, "got": got, "entries": entries, "accepted": p is not None,
                     "right": p is not None and right(got, want), "error": err, "parsed": p})  # fmt: skip
    return rows


def judge_lexicon(anchor: bool = True) -> dict:
    """The shipped judge's reading of every lexicon entry on the mean head (no rotation): with ``anchor``
    the anchor target the generator learns (:func:`emoshift.text.lexicon.anchor_expression`: the entry's
    AUs with its family display), else the entry's own AUs alone (:attr:`Entry.expression`)."""
    from emoshift.emotions import EMOTIONS
    from emoshift.eval.judge import ShapeJudge
    from emoshift.eval.shapes import ShapeRenderer
    from emoshift.text import lexicon

    judge, renderer = ShapeJudge.load_default(), ShapeRenderer()
    es = [e for e in lexicon.entries() if e.family != "neutral"]
    ex = np.stack([lexicon.anchor_expression(e.family, (e.phrase,)) if anchor else e.expression for e in es])
    pred = judge.predict(renderer.render(np.zeros((len(es), 50), np.float32), ex))
    out: dict = {}
    for kind in lexicon.KINDS:
        idx = [i for i, e in enumerate(es) if e.kind == kind]
        ok = [EMOTIONS[pred[i]] in (es[i].family, es[i].blend) for i in idx]
        out[kind] = {"n": len(idx), "judged_in_family": int(sum(ok))}
    out["misread"] = [f"{es[i].phrase}: {es[i].family} read as {EMOTIONS[pred[i]]}" for i in range(len(es))
                      if EMOTIONS[pred[i]] not in (es[i].family, es[i].blend)]  # fmt: skip
    return out


def judge_generated(rows: list[dict], model: str | None, seeds: list[int]) -> list[dict]:
    """Per seed: instructions whose generated anchors the judge reads all in their expected families."""
    from emoshift.emotions import EMOTIONS
    from emoshift.eval.judge import ShapeJudge
    from emoshift.eval.shapes import ShapeRenderer
    from emoshift.models.generator import Generator

    gen = Generator.load(model) if model else Generator.load_default()
    judge, renderer = ShapeJudge.load_default(), ShapeRenderer()
    out = []
    accepted = [r for r in rows if r["accepted"]]
    for seed in seeds:
        n_right, misses = 0, []
        for r in accepted:
            plan = gen.generate(r["text"], seed=seed)[0]
            m = len(plan.expressions)
            imgs = renderer.render(np.zeros((m, 50), np.float32), plan.expressions, plan.rotations)
            judged = [EMOTIONS[i] for i in judge.predict(imgs)]
            ok = right(judged, expected_families(r["expected"]))
            n_right += ok
            if not ok:
                misses.append(f"{r['text']!r}: expected {r['expected']}, judged {', '.join(judged)}")
                print(f"seed {seed} generated MISS {misses[-1]}")
        out.append({"seed": seed, "instructions": len(rows), "all_anchors_judged_right": n_right, "misses": misses})
    return out


def calibrate() -> list[dict]:
    from emoshift.text.placement import THRESHOLD, nearest

    rows = []
    for word, label in read_pairs(HERE / "placement_calibration.txt"):
        w, fam, _, cos = nearest(word, 1)[0]
        rows.append({"word": word, "label": label, "nearest": w, "family": fam, "cosine": round(cos, 3),
                     "placed": cos >= THRESHOLD, "right": fam == label})  # fmt: skip
    for r in sorted(rows, key=lambda r: -r["cosine"]):
        print(f"{r['cosine']:.3f}  {r['word']:16} {r['label']:10} -> {r['nearest']} ({r['family']})")
    unrel = [r["cosine"] for r in rows if r["label"] == "unrelated"]
    syn = [r for r in rows if r["label"] != "unrelated"]
    placed = [r for r in syn if r["placed"]]
    print(f"threshold {THRESHOLD}: unrelated max {max(unrel):.3f}, placed {len(placed)}/{len(syn)} synonyms, "
          f"{sum(r['right'] for r in placed)} in the right family; unrelated placed {sum(c >= THRESHOLD for c in unrel)}")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", action="store_true", help="also judge the generated anchors")
    ap.add_argument("--model", help="generator checkpoint (default: the shipped one)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--calibrate", action="store_true", help="print the placement threshold table and stop")
    ap.add_argument("--no-judge", action="store_true", help="skip the judge's reading of the lexicon")
    ap.add_argument("--dev", action="store_true",
                    help="the thesaurus dev set (bench/dev_everyday.txt) instead of the held-out instructions")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.calibrate:
        calibrate()
        return
    from emoshift.text import lexicon

    inst = parse_all(read_pairs(HERE / ("dev_everyday.txt" if args.dev else "heldout_everyday.txt")))
    words = parse_all(read_pairs(HERE / "heldout_words.txt"))
    for r in inst + words:
        if not r["right"]:
            print(f"MISS {r['text']!r}: expected {r['expected']}, got {r['got'] or r['error']}")
    n_i, n_w = len(inst), len(words)
    acc_w = [r for r in words if r["accepted"]]
    rows = [
        {"set": "everyday instructions", "n": n_i, "accepted": sum(r["accepted"] for r in inst),
         "right": sum(r["right"] for r in inst), "target_right": int(np.ceil(27 / 30 * n_i))},
        {"set": "everyday words", "n": n_w, "accepted": len(acc_w), "right": sum(r["right"] for r in words),
         "target_right": ""},
    ]  # fmt: skip
    c = lexicon.counts()
    extra: dict = {"lexicon_entries": c.entries, "lexicon_wordings": c.wordings,
                   "instructions": [{k: v for k, v in r.items() if k != "parsed"} for r in inst],
                   "words": [{k: v for k, v in r.items() if k != "parsed"} for r in words]}  # fmt: skip
    extra["word_family_accuracy_of_accepted"] = round(sum(r["right"] for r in acc_w) / max(1, len(acc_w)), 3)
    if not args.no_judge:
        extra["lexicon_judged"] = judge_lexicon(anchor=True)
        extra["lexicon_own_aus_judged"] = judge_lexicon(anchor=False)
        for key, label in (("lexicon_own_aus_judged", "own AUs"), ("lexicon_judged", "anchor targets")):
            for kind, v in extra[key].items():
                if kind != "misread":
                    rows.append({"set": f"lexicon {kind} {label}, judge", "n": v["n"], "accepted": "",
                                 "right": v["judged_in_family"], "target_right": ""})  # fmt: skip
    if args.generator:
        gen_rows = judge_generated(inst, args.model, args.seeds)
        extra["generated"] = gen_rows
        for g in gen_rows:
            rows.append({"set": f"generated anchors, judge, seed {g['seed']}", "n": n_i, "accepted": "",
                         "right": g["all_anchors_judged_right"], "target_right": int(np.ceil(27 / 30 * n_i))})  # fmt: skip
    extra["instruction_set"] = "dev_everyday.txt" if args.dev else "heldout_everyday.txt"
    report("vocabulary_dev" if args.dev else "vocabulary", rows, extra)


if __name__ == "__main__":
    main()
