"""Data card of an expression dataset: counts per class and split, a class-distribution plot like the
paper's Fig. 5, the instruction templates and example instructions."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from emoshift.data.dataset import SPLITS, ExpressionDataset
from emoshift.emotions import EMOTIONS
from emoshift.io import atomic_write, atomic_write_with


def card_paths(out: str | Path) -> tuple[Path, Path]:
    """(markdown, png) paths of the card written beside a dataset file ``out``."""
    out = Path(out)
    stem = out.with_suffix("")
    return Path(f"{stem}.card.md"), Path(f"{stem}.classes.png")


def class_counts(ds: ExpressionDataset) -> np.ndarray:
    """(4 splits, 8 emotions) number of filled slots per split and label."""
    out = np.zeros((len(SPLITS), len(EMOTIONS)), np.int64)
    for i, s in enumerate(SPLITS):
        lab = ds.emotion[ds.split == s]
        out[i] = np.bincount(lab[lab >= 0], minlength=len(EMOTIONS))
    return out


def plot_classes(ds: ExpressionDataset, path: str | Path) -> Path:
    """Bar chart of labelled expressions per emotion, stacked by split, with percentages (cf. Fig. 5)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = class_counts(ds)
    used = [i for i, e in enumerate(EMOTIONS) if e in ds.meta.get("emotions", EMOTIONS)]
    total = counts[:, used].sum(0)
    order = [used[j] for j in np.argsort(-total)]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    left = np.zeros(len(order))
    colours = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")
    for i, s in enumerate(SPLITS):
        vals = counts[i, order]
        ax.barh(range(len(order)), vals, left=left, color=colours[i], label=s)
        left += vals
    grand = max(1, int(left.sum()))
    for y, v in enumerate(left):
        ax.text(v, y, f" {int(v)} ({100 * v / grand:.1f}%)", va="center", fontsize=8)
    ax.set_yticks(range(len(order)), [EMOTIONS[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() * 1.3 if len(left) else 1)
    ax.set_xlabel("labelled expressions (instruction slots)")
    ax.set_title(f"{ds.meta.get('preset', 'dataset')}: {len(ds)} samples, {ds.n_subjects} subjects")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    try:
        return atomic_write_with(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def card_markdown(ds: ExpressionDataset, png_name: str, summary: dict | None = None) -> str:
    """The card's text."""
    m = ds.meta
    counts = class_counts(ds)
    used = [i for i, e in enumerate(EMOTIONS) if e in m.get("emotions", EMOTIONS)]
    lines = [
        f"# Data card: {m.get('preset', 'dataset')}",
        "",
        f"- source: {m.get('source', 'unknown')}",
        f"- seed: {m.get('seed')}; scale: {m.get('scale', 1.0)}",
        f"- samples: {len(ds)}; subjects: {ds.n_subjects}; neutral frames: {len(ds.neutral_expression)}",
        "- instruction slots: " + ", ".join(f"{k} emotion(s) {int((ds.n_slots == k).sum())}" for k in (1, 2, 3)),
        f"- slots with an intensity word: {int(((ds.intensity != 1) & (ds.emotion >= 0)).sum())}",
        "- splits by subject: 10% test, 10% of the rest validation (paper §IV-B); held-out templates only in "
        "test_unseen_phrasing",
    ]
    for k, v in (summary or {}).items():
        lines.append(f"- {k}: {v}")
    lines += ["", f"![class distribution]({png_name})", "", "## Labelled expressions per class and split", ""]
    lines.append("| emotion | " + " | ".join(SPLITS) + " | total |")
    lines.append("|---|" + "---:|" * (len(SPLITS) + 1))
    for i in used:
        lines.append(f"| {EMOTIONS[i]} | " + " | ".join(str(int(c)) for c in counts[:, i]) + f" | {int(counts[:, i].sum())} |")
    n_split = [int((ds.split == s).sum()) for s in SPLITS]
    lines.append("| **samples** | " + " | ".join(map(str, n_split)) + f" | {len(ds)} |")
    lines += ["", "## Instruction templates", ""]
    lines += ["| id | emotions | template | held out | source | samples |", "|---:|---:|---|---|---|---:|"]
    templates = m.get("templates", [])
    per_t = np.bincount(ds.template[ds.template >= 0], minlength=len(templates))
    for t, text in enumerate(templates):
        held = "yes" if m.get("template_held_out", [False] * len(templates))[t] else ""
        src = m.get("template_source", [""] * len(templates))[t]
        slots = len(set(re.findall(r"\{[NA](\d)\}", text)))
        lines.append(f"| {t} | {slots} | {text} | {held} | {src} | {int(per_t[t])} |")
    lines += ["", "## Example instructions", ""]
    rng = np.random.default_rng(0)
    for s in SPLITS:
        idx = np.flatnonzero(ds.split == s)
        for i in rng.choice(idx, size=min(3, len(idx)), replace=False) if len(idx) else []:
            lines.append(f"- ({s}) {ds.text[i]}")
    return "\n".join(lines) + "\n"


def write_card(ds: ExpressionDataset, out: str | Path, summary: dict | None = None) -> list[Path]:
    """Write ``<out>.card.md`` and ``<out>.classes.png`` beside the dataset file ``out``."""
    md, png = card_paths(out)
    plot_classes(ds, png)
    atomic_write(md, card_markdown(ds, png.name, summary).encode())
    return [md, png]
