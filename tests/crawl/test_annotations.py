"""Tests for box validation and transcription cleaning shared by the annotated formats."""

from __future__ import annotations

import pytest

from pipeline.crawl.annotations import (
    check_quad,
    clean_text,
    polygon_area,
    quad_from_flat,
    quad_from_xywh,
)


def test_quad_from_xywh_is_clockwise():
    assert quad_from_xywh(1, 2, 10, 5) == [[1, 2], [11, 2], [11, 7], [1, 7]]


def test_quad_from_flat_rejects_wrong_length():
    with pytest.raises(ValueError, match="expected 8 numbers x1 y1 ... x4 y4, got 6"):
        quad_from_flat([0, 0, 1, 0, 1, 1])


def test_polygon_area_of_rectangle():
    assert polygon_area([[0, 0], [4, 0], [4, 3], [0, 3]]) == 12.0
    assert polygon_area([[0, 3], [4, 3], [4, 0], [0, 0]]) == 12.0


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([[1, 1], [5, 1], [5, 4], [1, 4]], ([[1, 1], [5, 1], [5, 4], [1, 4]], None)),
        ([[-5, 2], [5, 2], [5, 8], [-5, 8]], ([[0, 2], [5, 2], [5, 8], [0, 8]], None)),
        ([[3, 3], [3, 3], [3, 3], [3, 3]], (None, "zero_area_box")),
        ([[0, 0], [10, 0], [20, 0], [30, 0]], (None, "zero_area_box")),
        ([[20, 20], [30, 20], [30, 30], [20, 30]], (None, "box_outside_image")),
        ([[1, 1], [5, 1], [5, 4]], (None, "malformed_box")),
        ([[1, 1], [5, "x"], [5, 4], [1, 4]], (None, "malformed_box")),
        ([[1, 1], [5, float("nan")], [5, 4], [1, 4]], (None, "malformed_box")),
        ("not a box", (None, "malformed_box")),
    ],
)
def test_check_quad(points, expected):
    assert check_quad(points, 10, 10) == expected


def test_clean_text_normalises_and_counts(skips):
    assert clean_text("Ａ", "box 0", skips) == "A"
    assert clean_text(" 未 ", "box 1", skips) == "未"
    assert clean_text("  ", "box 2", skips) is None
    assert clean_text(None, "box 3", skips) is None
    assert skips.as_dict() == {"empty_text": 1, "missing_text": 1}
    assert dict(skips.notes) == {"label_normalized": 2}
