"""Tests for the evaluation plots on large class counts."""

from __future__ import annotations

import numpy as np
from PIL import Image

from model import plots


def test_most_confused_ranks_error_counts():
    matrix = np.array([[5, 3, 0], [0, 5, 0], [1, 0, 5]])

    # Class 0: 3 + 1 errors, class 1: 3, class 2: 1.
    assert plots.most_confused(matrix, 2).tolist() == [0, 1]
    assert plots.most_confused(matrix, 1).tolist() == [0]


def test_large_confusion_plots_stay_bounded(tmp_path):
    classes = 300
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 3, (classes, classes))
    np.fill_diagonal(matrix, 10)
    names = [chr(0x4E00 + i) for i in range(classes)]

    plots.plot_confusion(matrix, names, tmp_path / "confusion.png", "test")
    plots.plot_group_confusion(
        matrix,
        names,
        np.arange(classes) // 3,
        [f"g{i}" for i in range(classes // 3)],
        tmp_path / "groups.png",
        "test",
    )

    width, height = Image.open(tmp_path / "confusion.png").size
    assert max(width, height) < 4000
    width, height = Image.open(tmp_path / "groups.png").size
    assert max(width, height) < 4000
