"""Loss curves like the paper's Fig. 15 (validation loss per epoch, one curve per model)."""

from __future__ import annotations

from pathlib import Path

from emoshift.io import atomic_write_with


def plot_losses(histories: dict[str, list[dict]], path: str | Path, key: str = "loss",
                title: str = "Validation loss during training") -> Path:
    """One PNG: ``val_<key>`` (solid) and ``train_<key>`` (dashed) against epoch for each labelled history."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for i, (label, hist) in enumerate(histories.items()):
        color = f"C{i}"
        epochs = [row["epoch"] for row in hist]
        if any(f"val_{key}" in row for row in hist):
            ax.plot(epochs, [row.get(f"val_{key}", float("nan")) for row in hist], color=color, label=f"{label} (val)")
        ax.plot(epochs, [row.get(f"train_{key}", float("nan")) for row in hist], color=color, ls="--", alpha=0.6,
                label=f"{label} (train)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    try:
        return atomic_write_with(path, lambda p: fig.savefig(p, format="png"))
    finally:
        plt.close(fig)
