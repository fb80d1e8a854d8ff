"""Classification metrics for look-alike glyphs, including how many errors stay inside a group."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score


def within_group_confusion(
    y_true: np.ndarray, y_pred: np.ndarray, class_to_group: np.ndarray
) -> float:
    """Return the share of errors whose predicted class is in the true class's look-alike group.

    Returns 0.0 when there are no errors. A high value means the model already finds the right
    group and fails only on the fine-grained distinction inside it.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    errors = y_true != y_pred
    if not errors.any():
        return 0.0
    groups = np.asarray(class_to_group)
    same_group = groups[y_true[errors]] == groups[y_pred[errors]]
    return float(same_group.mean())


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, class_to_group: np.ndarray
) -> dict[str, float | int]:
    """Return accuracy, balanced accuracy, macro/weighted F1 and within-group confusion.

    F1 scores average over the classes that occur in ``y_true`` or ``y_pred`` (scikit-learn's
    default), so a class absent from the evaluated split does not count as a zero.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) == 0:
        raise ValueError("cannot compute metrics on an empty split; check the dataset export")
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", zero_division=0)),
        "within_group_confusion": within_group_confusion(y_true, y_pred, class_to_group),
        "num_samples": int(len(y_true)),
        "num_errors": int((y_true != y_pred).sum()),
    }


def confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Return the ``[num_classes, num_classes]`` confusion matrix (rows: true, columns: predicted)."""
    return confusion_matrix(y_true, y_pred, labels=np.arange(num_classes))
