"""Classification metrics, within-group confusion in particular."""

from __future__ import annotations

import numpy as np
import pytest

from model.metrics import classification_metrics, within_group_confusion

CLASS_TO_GROUP = np.array([0, 0, 1, 1])


def test_within_group_confusion_counts_group_errors():
    y_true = np.array([0, 0, 1, 2, 3, 3])
    y_pred = np.array([0, 1, 0, 0, 3, 2])
    # Errors: 0->1 (same group), 1->0 (same), 2->0 (other), 3->2 (same): 3 of 4.
    assert within_group_confusion(y_true, y_pred, CLASS_TO_GROUP) == pytest.approx(0.75)


def test_within_group_confusion_without_errors_is_zero():
    y = np.array([0, 1, 2])
    assert within_group_confusion(y, y, CLASS_TO_GROUP) == 0.0


def test_classification_metrics_values():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([0, 1, 1, 1])
    metrics = classification_metrics(y_true, y_pred, CLASS_TO_GROUP)
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["balanced_accuracy"] == pytest.approx(0.75)
    # F1 of class 0: p=1, r=0.5 -> 2/3; class 1: p=2/3, r=1 -> 0.8.
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert metrics["within_group_confusion"] == 1.0
    assert metrics["num_errors"] == 1


def test_classification_metrics_reject_empty_split():
    with pytest.raises(ValueError, match="cannot compute metrics on an empty split"):
        classification_metrics(np.array([]), np.array([]), CLASS_TO_GROUP)
