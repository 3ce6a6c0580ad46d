"""Score a blind panel: the labeller's labels against the key of bench/panel_make.py.

labels.json: ``{"001": {"emotion": "anger", "realism": 4}, ...}`` (the filled labels_template.json), one
entry per crop of the key; emotion one of the 8 (neutral included), realism 1-5.
Per instructed emotion: accuracy (named correctly), confusions (what it was read as instead) and mean
realism; the untouched photos' realism and labels; overall accuracy and realism of the renders.

Issue 11 targets: >= 80% named correctly overall, every emotion >= 60%, mean realism >= 4.2 of 5.

    .venv/bin/python bench/panel_score.py labels.json key.json [--name panel]   # -> bench/results/panel.json

A mixed panel's key (bench/panel_mix.py) marks each render's ``set``; each set is then scored on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apex_renders import EMOTIONS8  # noqa: E402
from common import report  # noqa: E402

TARGET_OVERALL, TARGET_EACH, TARGET_REALISM = 0.80, 0.60, 4.2


def fail(msg: str) -> None:
    """One line on stderr, named after the script that runs (panel_score, panel_pool), and exit code 2."""
    print(f"{Path(sys.argv[0]).stem or 'panel_score'}: {msg}", file=sys.stderr)
    raise SystemExit(2)


def read_json(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        fail(f"{path}: cannot read JSON ({e.__class__.__name__})")


def check_labels(labels: dict, key: dict) -> None:
    """Exit 2 with one line unless every key item has a valid label (and nothing else is labelled)."""
    missing = sorted(set(key) - set(labels))
    extra = sorted(set(labels) - set(key))
    if missing or extra:
        fail(f"labels do not match the key: missing {missing[:5]}, unknown {extra[:5]}")
    for ident, lab in labels.items():
        if not isinstance(lab, dict) or lab.get("emotion") not in EMOTIONS8:
            fail(f"item {ident}: emotion must be one of {', '.join(EMOTIONS8)}, got {lab!r}")
        r = lab.get("realism")
        if not isinstance(r, (int, float)) or isinstance(r, bool) or not 1 <= r <= 5:
            fail(f"item {ident}: realism must be a number from 1 to 5, got {r!r}")


def score(labels: dict, key: dict) -> tuple[list[dict], dict]:
    """(rows per instructed emotion + untouched, summary) of labels against key items."""
    rows, renders = [], []
    groups = [(e, [i for i, m in key.items() if m["kind"] == "render" and m["emotion"] == e]) for e in EMOTIONS8]
    groups.append(("untouched", [i for i, m in key.items() if m["kind"] == "untouched"]))
    for name, ids in groups:
        if not ids:
            continue
        said = [labels[i]["emotion"] for i in ids]
        realism = [float(labels[i]["realism"]) for i in ids]
        wrong = Counter(s for s in said if s != name)
        row = {
            "emotion": name,
            "n": len(ids),
            "correct": sum(s == name for s in said) if name != "untouched" else "n/a",
            "accuracy": float(np.mean([s == name for s in said])) if name != "untouched" else "n/a",
            "realism": float(np.mean(realism)),
            "read_as": ", ".join(f"{k} {v}" for k, v in wrong.most_common()) or "-",
        }
        rows.append(row)
        if name != "untouched":
            renders += [(s == name, r) for s, r in zip(said, realism)]
    acc = float(np.mean([c for c, _ in renders])) if renders else float("nan")
    realism = float(np.mean([r for _, r in renders])) if renders else float("nan")
    per = [r["accuracy"] for r in rows if r["emotion"] != "untouched"]
    summary = {
        "renders": len(renders),
        "overall_accuracy": acc,
        "overall_realism": realism,
        "targets": {"overall_accuracy": TARGET_OVERALL, "each_emotion": TARGET_EACH, "realism": TARGET_REALISM},
        "meets_targets": bool(acc >= TARGET_OVERALL and min(per, default=0) >= TARGET_EACH and realism >= TARGET_REALISM),
    }
    return rows, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels")
    ap.add_argument("key")
    ap.add_argument("--name", default="panel", help="results name: bench/results/NAME.json")
    args = ap.parse_args()
    key = read_json(args.key).get("items")
    if not isinstance(key, dict) or not key:
        fail(f"{args.key}: no 'items' (is it the key written by panel_make.py?)")
    labels = read_json(args.labels)
    check_labels(labels, key)
    sets = sorted({m.get("set") for m in key.values() if m.get("set")})
    if sets:  # a mixed panel (bench/panel_mix.py): each set scored on its own, the untouched photos shared
        rows, per_set = [], {}
        for name in sets:
            sub = {i: m for i, m in key.items() if m.get("set") == name or m["kind"] == "untouched"}
            r, per_set[name] = score(labels, sub)
            rows += [{"set": name, **x} for x in r]
            print(f"{name}: named correctly {per_set[name]['overall_accuracy']:.0%} of {per_set[name]['renders']} "
                  f"renders; realism {per_set[name]['overall_realism']:.2f}/5")  # fmt: skip
        report(args.name, rows, {"sets": per_set, "labels": labels, "key": key})
        return
    rows, summary = score(labels, key)
    report(args.name, rows, {**summary, "labels": labels, "key": key})
    print(f"named correctly: {summary['overall_accuracy']:.0%} of {summary['renders']} renders "
          f"(target {TARGET_OVERALL:.0%}, each emotion {TARGET_EACH:.0%}); realism {summary['overall_realism']:.2f}/5 "
          f"(target {TARGET_REALISM}); meets targets: {summary['meets_targets']}")  # fmt: skip


if __name__ == "__main__":
    main()
