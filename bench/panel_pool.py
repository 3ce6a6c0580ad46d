"""Pool scored blind panels: several labellers' results of :mod:`panel_score` summed per set and emotion.

One labeller resolves little (the same render is named differently by different labellers far more than a change
moves it); a crossover gives each labeller half of each set. This sums the ``rows`` of the scored panels given
(``bench/results/panelNN*.json``) per set (A, B of :mod:`panel_mix`; ``-`` for an unmixed panel) and emotion:
named / shown, mean realism, and the untouched photos' realism; then, per set, every render's accuracy, the mean of
the emotions' accuracies and the issue 11 targets (>= 80% overall, every emotion >= 60%, realism >= 4.2).

    .venv/bin/python bench/panel_pool.py bench/results/panel77x_*.json [--name panel77x_pooled]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report  # noqa: E402
from panel_score import TARGET_EACH, TARGET_OVERALL, TARGET_REALISM, fail, read_json  # noqa: E402


def pool(panels: list[dict]) -> tuple[list[dict], dict]:
    """(rows per set and emotion, summary per set) of scored panels (each panel_score's JSON)."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for p in panels:
        for r in p["rows"]:
            a = acc[(r.get("set", "-"), r["emotion"])]
            a[0] += 0 if r["correct"] == "n/a" else r["correct"]
            a[1] += r["n"]
            a[2] += r["realism"] * r["n"]
    rows, summary = [], {}
    for s in sorted({k[0] for k in acc}):
        emos = sorted(e for (t, e) in acc if t == s)
        for e in emos:
            c, n, rs = acc[(s, e)]
            rows.append({"set": s, "emotion": e, "n": int(n), "correct": "n/a" if e == "untouched" else int(c),
                         "accuracy": "n/a" if e == "untouched" else c / n, "realism": rs / n})  # fmt: skip
        shown = [acc[(s, e)] for e in emos if e != "untouched"]
        c, n, rs = sum(a[0] for a in shown), sum(a[1] for a in shown), sum(a[2] for a in shown)
        each = [a[0] / a[1] for a in shown]
        summary[s] = {"renders": int(n), "correct": int(c), "overall_accuracy": c / n, "mean_of_emotions": sum(each) / len(each),
                      "lowest_emotion": min(each), "overall_realism": rs / n,
                      "meets_targets": bool(c / n >= TARGET_OVERALL and min(each) >= TARGET_EACH and rs / n >= TARGET_REALISM)}  # fmt: skip
    return rows, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("panels", nargs="+", help="scored panels (panel_score.py's bench/results/NAME.json)")
    ap.add_argument("--name", default="panel_pooled", help="results name: bench/results/NAME.json")
    args = ap.parse_args()
    panels = []
    for path in args.panels:
        p = read_json(path)
        if not isinstance(p, dict) or not isinstance(p.get("rows"), list) or not p["rows"]:
            fail(f"{path}: no 'rows' (is it a panel scored by panel_score.py?)")
        panels.append(p)
    rows, summary = pool(panels)
    report(args.name, rows, {"sets": summary, "panels": [str(p) for p in args.panels]})
    for s, m in summary.items():
        print(f"{s}: named {m['correct']} of {m['renders']} ({m['overall_accuracy']:.1%}), lowest emotion "
              f"{m['lowest_emotion']:.0%}, realism {m['overall_realism']:.2f}/5; meets targets: {m['meets_targets']}")


if __name__ == "__main__":
    main()
