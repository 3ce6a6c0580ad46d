"""Report helpers: mean ± std cells, markdown tables, figures; slot bookkeeping."""

import numpy as np

from emoshift.emotions import EMOTIONS
from emoshift.eval.metrics import score
from emoshift.eval.report import markdown_table, pct, plot_confusions, plot_tsne, rotation_table, scores_row
from emoshift.eval.shapes import slot_table


def test_pct_mean_std():
    assert pct([0.9]) == "90.00"
    assert pct([0.9, 0.8]) == "85.00 ± 5.00"
    assert pct([]) == "–"


def test_tables():
    s1 = score(np.array([[1, 2]]), np.array([[1, 2]]), EMOTIONS)
    s2 = score(np.array([[1, 2]]), np.array([[1, 3]]), EMOTIONS)
    row = scores_row("Ours", [s1, s2])
    assert row == ["Ours", "75.00 ± 25.00", "50.00 ± 50.00", "50.00 ± 50.00"]
    md = markdown_table(["Method", "a", "b", "c"], [row])
    assert md.splitlines()[1] == "|---|---|---|---|" and md.splitlines()[2].startswith("| Ours | 75.00")
    rt = rotation_table({"judge": {0: [s1], 10: [s2]}})
    assert "±10° Acc (%)" in rt and "| judge | 100.00 | 100.00 | 50.00 | 0.00 |" in rt


def test_slot_table_uses_n_slots_and_padding():
    emo = np.array([[1, 2, -1], [3, -1, -1], [4, 5, 6]])
    rows, slots = slot_table(emo, np.array([2, 1, 2]))  # the third sample's third slot is beyond n_slots
    assert list(zip(rows.tolist(), slots.tolist())) == [(0, 0), (0, 1), (1, 0), (2, 0), (2, 1)]


def test_figures_are_pngs(tmp_path):
    cm = np.array([[5, 1], [2, 3]])
    p = plot_confusions(tmp_path / "c.png", [cm, cm.T], ["a", "b"], ["happiness", "anger"])
    assert p.read_bytes()[:4] == b"\x89PNG"
    rng = np.random.default_rng(0)
    lab = rng.integers(1, 4, 60)
    z = rng.normal(size=(60, 8)) + lab[:, None] * 3.0
    p = plot_tsne(tmp_path / "t.png", [("x", z, lab)], EMOTIONS)
    assert p.read_bytes()[:4] == b"\x89PNG" and not list(tmp_path.glob(".*tmp*"))
