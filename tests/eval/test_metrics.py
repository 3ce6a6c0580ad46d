"""Acc1, Acc2, G-mean and confusion matrices on hand-made cases."""

import math

import numpy as np
import pytest

from emoshift.eval.metrics import acc1, acc2, confusion_matrix, gmean, mean_std, recalls, score

LABELS = ("neutral", "happiness", "disgust", "anger")


def test_confusion_rows_are_truth_and_padding_ignored():
    true = np.array([[1, 2], [1, -1], [3, 3]])
    pred = np.array([[1, 3], [2, 0], [3, 3]])  # the padded slot's prediction (0) must not count
    cm = confusion_matrix(true, pred, 4)
    expected = np.zeros((4, 4), int)
    expected[1, 1] = 1
    expected[2, 3] = 1
    expected[1, 2] = 1
    expected[3, 3] = 2
    assert (cm == expected).all()
    assert cm.sum() == 5


def test_acc1_acc2_by_hand():
    true = np.array([[1, 2], [1, 3], [3, 2], [2, -1]])
    pred = np.array([[1, 2], [1, 2], [0, 0], [2, 0]])
    # slots: right = (1,2),(1),(2) of 7 valid -> 4/7; rows all right: row 0 and row 3 -> 2/4
    assert acc1(true, pred) == pytest.approx(4 / 7)
    assert acc2(true, pred) == pytest.approx(0.5)


def test_gmean_is_geometric_mean_of_recalls():
    cm = np.array([[0, 0, 0], [0, 8, 2], [0, 1, 3]])  # class 0 absent: ignored
    r = recalls(cm)
    assert math.isnan(r[0])
    assert r[1] == pytest.approx(0.8) and r[2] == pytest.approx(0.75)
    assert gmean(cm) == pytest.approx(math.sqrt(0.8 * 0.75))


def test_gmean_zero_when_a_class_is_never_recognised():
    # 99% accuracy but the minority class is always missed: G-mean exposes it
    true = np.array([1] * 99 + [2])
    pred = np.array([1] * 99 + [1])
    s = score(true[:, None], pred[:, None], LABELS)
    assert s.acc1 == pytest.approx(0.99)
    assert s.gmean == 0.0


def test_score_perfect_and_counts():
    true = np.array([[1, 2], [3, 1], [2, -1]])
    s = score(true, true.copy(), LABELS)
    assert (s.acc1, s.acc2, s.gmean) == (1.0, 1.0, 1.0)
    assert s.n == 3 and s.n_expressions == 5
    assert s.as_dict() == {"n": 3, "acc1": 1.0, "acc2": 1.0, "gmean": 1.0}


def test_score_shape_mismatch_and_bad_labels():
    with pytest.raises(ValueError):
        score(np.zeros((2, 2), int), np.zeros((2, 3), int), LABELS)
    with pytest.raises(ValueError):
        confusion_matrix(np.array([0, 1]), np.array([0, 9]), 4)


def test_mean_std():
    m, s = mean_std([0.9, 0.8, float("nan"), 1.0])
    assert m == pytest.approx(0.9) and s == pytest.approx(np.std([0.9, 0.8, 1.0]))
