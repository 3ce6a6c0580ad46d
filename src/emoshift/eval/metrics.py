"""The paper's metrics (§IV-C, §IV-D): Acc1, Acc2, G-mean, confusion matrices, mean ± std over runs.

- **Acc1**: the fraction of generated expressions (every expression slot of every instruction) that
  the judge classifies as the label the instruction asked for.
- **Acc2**: the fraction of instructions whose expressions are *all* classified right (both of a
  two-emotion instruction; one or three for instructions naming one or three emotions).
- **G-mean**: the geometric mean of the per-class recalls over the classes present in the ground
  truth, ``(prod_c TP_c / N_c)^(1/C)``; it is 0 as soon as one class is never recognised, which is why
  the paper uses it to expose minority-class failures (Table X shows such zeros).

Labels are integer indices (into :data:`emoshift.emotions.EMOTIONS`); ``-1`` pads unused slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def confusion_matrix(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(C, C) int64 counts, rows = true label, columns = predicted label; entries with true < 0 are ignored."""
    t = np.asarray(true).ravel()
    p = np.asarray(pred).ravel()
    if t.shape != p.shape:
        raise ValueError(f"true and pred differ in size: {t.shape} vs {p.shape}")
    keep = t >= 0
    t, p = t[keep], p[keep]
    if ((p < 0) | (p >= n_classes)).any() or (t >= n_classes).any():
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def recalls(cm: np.ndarray) -> np.ndarray:
    """(C,) per-class recall TP_c / N_c; NaN for classes absent from the ground truth."""
    n = cm.sum(axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.diag(cm) / n, np.nan)


def gmean(cm: np.ndarray) -> float:
    """Geometric mean of the recalls of the classes present (0 if any of them is 0)."""
    r = recalls(cm)
    r = r[~np.isnan(r)]
    if r.size == 0:
        return float("nan")
    if (r <= 0).any():
        return 0.0
    return float(np.exp(np.log(r).mean()))


def acc1(true: np.ndarray, pred: np.ndarray) -> float:
    """Fraction of valid slots (true >= 0) predicted right."""
    t, p = np.asarray(true), np.asarray(pred)
    keep = t >= 0
    return float((t[keep] == p[keep]).mean()) if keep.any() else float("nan")


def acc2(true: np.ndarray, pred: np.ndarray) -> float:
    """Fraction of instructions (rows of (N, S) arrays) with every valid slot predicted right."""
    t, p = np.atleast_2d(np.asarray(true)), np.atleast_2d(np.asarray(pred))
    rows = (t >= 0).any(axis=1)
    ok = ((t == p) | (t < 0)).all(axis=1)
    return float(ok[rows].mean()) if rows.any() else float("nan")


@dataclass
class Scores:
    """Scores of one run: fractions in [0, 1]; ``confusion`` (C, C) over ``labels``."""

    acc1: float
    acc2: float
    gmean: float
    n: int  # instructions
    n_expressions: int
    confusion: np.ndarray = field(repr=False)
    labels: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"n": self.n, "acc1": self.acc1, "acc2": self.acc2, "gmean": self.gmean}


def score(true: np.ndarray, pred: np.ndarray, labels: Sequence[str]) -> Scores:
    """All metrics for (N, S) instructed labels ``true`` (-1 = unused slot) and judged labels ``pred``.

    G-mean runs over the classes that occur in ``true``; the confusion matrix has all ``labels``.
    """
    t, p = np.atleast_2d(np.asarray(true)), np.atleast_2d(np.asarray(pred))
    if t.shape != p.shape:
        raise ValueError(f"true and pred differ in shape: {t.shape} vs {p.shape}")
    cm = confusion_matrix(t, np.where(t >= 0, p, 0), len(labels))
    return Scores(
        acc1=acc1(t, p),
        acc2=acc2(t, p),
        gmean=gmean(cm),
        n=int((t >= 0).any(axis=1).sum()),
        n_expressions=int((t >= 0).sum()),
        confusion=cm,
        labels=tuple(labels),
    )


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation of repeated-run values (NaNs ignored)."""
    v = np.asarray(values, np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std())
