"""Writing results: markdown tables like the paper's (mean ± std over runs), confusion matrices, t-SNE.

All files go through :mod:`emoshift.io`'s atomic writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emoshift.eval.metrics import Scores, mean_std
from emoshift.io import atomic_write, atomic_write_with


def pct(values: Sequence[float]) -> str:
    """``"91.44 ± 0.24"`` (percent) for repeated runs, ``"91.44"`` for one."""
    m, s = mean_std([100.0 * v for v in values])
    if np.isnan(m):
        return "–"
    return f"{m:.2f}" if len(values) < 2 else f"{m:.2f} ± {s:.2f}"


def scores_row(label: str | Sequence[str], runs: Sequence[Scores]) -> list[str]:
    """A table row: label cell(s), then Acc1, Acc2, G-mean as mean ± std over ``runs``."""
    cells = [label] if isinstance(label, str) else list(label)
    return cells + [pct([r.acc1 for r in runs]), pct([r.acc2 for r in runs]), pct([r.gmean for r in runs])]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


METRIC_HEADER = ["Acc1 (%) ↑", "Acc2 (%) ↑", "G-mean (%) ↑"]


def rotation_table(rows: dict[str, dict[int, Sequence[Scores]]]) -> str:
    """Table X: one row per classifier; Acc and G-mean per rotation angle (mean ± std over runs)."""
    angles = sorted({a for r in rows.values() for a in r})
    header = ["Classifier"] + [f"{'±' if a else ''}{a}° {m}" for a in angles for m in ("Acc (%)", "G-mean (%)")]
    body = []
    for name, by_angle in rows.items():
        cells = [name]
        for a in angles:
            runs = by_angle.get(a, [])
            cells += [pct([r.acc1 for r in runs]), pct([r.gmean for r in runs])]
        body.append(cells)
    return markdown_table(header, body)


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, text.encode())


def plot_confusions(path: str | Path, matrices: Sequence[np.ndarray], titles: Sequence[str],
                    labels: Sequence[str]) -> Path:  # fmt: skip
    """Row-normalised confusion matrices side by side (Figs. 8-9) as a PNG; rows = instructed label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(matrices)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 4.4), squeeze=False)
    for ax, cm, title in zip(axes[0], matrices, titles):
        cm = np.asarray(cm, np.float64)
        norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
        ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        k = len(labels)
        ax.set_xticks(range(k), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(k), labels, fontsize=8)
        for i in range(k):
            for j in range(k):
                if cm[i].sum() > 0:
                    ax.text(j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=6.5,
                            color="white" if norm[i, j] > 0.5 else "black")  # fmt: skip
        ax.set_xlabel("judged")
        ax.set_ylabel("instructed")
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return _save_fig(fig, path)


def plot_tsne(path: str | Path, panels: Sequence[tuple[str, np.ndarray, np.ndarray]], names: Sequence[str],
              seed: int = 0) -> Path:  # fmt: skip
    """t-SNE of latents (Fig. 7): panels of (title, latents (K,D), labels (K,) into ``names``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 4.2), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, (title, z, lab) in zip(axes[0], panels):
        z = np.asarray(z, np.float64)
        if len(z) >= 5:
            perp = float(min(30.0, max(2.0, (len(z) - 1) / 3.0)))
            method = "exact" if len(z) <= 300 else "barnes_hut"  # exact is faster for a few hundred points
            tsne = TSNE(n_components=2, perplexity=perp, init="pca", random_state=seed, method=method, max_iter=500)
            y = tsne.fit_transform(z)
            for c in np.unique(lab):
                sel = lab == c
                ax.scatter(y[sel, 0], y[sel, 1], s=5, color=cmap(int(c) % 10), label=names[int(c)])
            ax.legend(fontsize=7, markerscale=2, loc="best")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return _save_fig(fig, path)


def _save_fig(fig, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        return atomic_write_with(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
