"""Annotation boxes to character candidates: char boxes, vertical lines and engine alignment."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.crop.annotations import (
    AnnotationError,
    align_with_engine,
    parse_annotations,
    split_annotations,
    split_vertical,
)
from pipeline.crop.engines.base import CharBox


def rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def char_box(x0: float, char: str, score: float = 0.9) -> CharBox:
    return CharBox(np.array(rect(x0, 0, x0 + 10, 20), dtype=np.float32), char, score)


def no_engine() -> list[CharBox]:
    raise AssertionError("the engine must not run for char boxes and vertical lines")


def test_parse_rejects_invalid_json():
    with pytest.raises(AnnotationError, match="annotations are not valid JSON"):
        parse_annotations("[{")


def test_parse_rejects_non_list():
    with pytest.raises(AnnotationError, match="must be a JSON list, got dict"):
        parse_annotations('{"points": []}')


def test_char_level_boxes_used_directly():
    items = [{"points": rect(0, 0, 10, 10), "text": "未", "level": "char"}]
    result = split_annotations(items, no_engine)
    assert [c.label for c in result.candidates] == ["未"]
    assert result.candidates[0].label_source == "annotation"
    assert not result.used_engine


def test_vertical_line_split_along_height():
    items = [{"points": rect(0, 0, 20, 62), "text": "中国人", "level": "line"}]
    result = split_annotations(items, no_engine)
    assert [c.label for c in result.candidates] == ["中", "国", "人"]
    tops = [float(c.quad[0, 1]) for c in result.candidates]
    assert tops == pytest.approx([0, 62 / 3, 124 / 3])


def test_vertical_box_with_wrong_length_not_split():
    # 3:1 box with 6 characters: the text does not fill the box evenly.
    assert split_vertical(np.array(rect(0, 0, 20, 60), dtype=np.float32), 6) is not None
    assert split_vertical(np.array(rect(0, 0, 20, 60), dtype=np.float32), 7) is None
    assert split_vertical(np.array(rect(0, 0, 60, 20), dtype=np.float32), 3) is None


def test_word_aligned_with_engine_boxes():
    boxes = [char_box(0, "O"), char_box(10, "1"), char_box(20, "Q"), char_box(100, "Z")]
    aligned, unaligned = align_with_engine(
        np.array(rect(0, 0, 30, 20), dtype=np.float32), list("OIQ"), boxes
    )
    assert [c.label for c in aligned] == ["O", "I", "Q"]
    assert [c.engines_agree for c in aligned] == [True, False, True]
    assert aligned[1].quad.tolist() == rect(10, 0, 20, 20)
    assert unaligned == []


def test_word_chars_without_engine_box_unaligned():
    boxes = [char_box(0, "A"), char_box(20, "C")]
    aligned, unaligned = align_with_engine(
        np.array(rect(0, 0, 30, 20), dtype=np.float32), list("ABC"), boxes
    )
    assert [c.label for c in aligned] == ["A", "C"]
    assert unaligned == ["B"]


def test_word_annotation_runs_engine_once():
    calls = []

    def engine() -> list[CharBox]:
        calls.append(1)
        return [char_box(0, "h"), char_box(10, "i")]

    items = [
        {"points": rect(0, 0, 20, 20), "text": "hi", "level": "word"},
        {"points": rect(0, 0, 20, 20), "text": "hi", "level": "word"},
    ]
    result = split_annotations(items, engine)
    assert [c.label for c in result.candidates] == ["h", "i", "h", "i"]
    assert result.used_engine
    assert len(calls) == 1


def test_invalid_items_skipped_with_reason():
    items = [
        {"points": rect(0, 0, 10, 10)},
        {"points": [[0, 0], [1, 1]], "text": "a"},
        {"points": rect(0, 0, 10, 10), "text": "a", "level": "paragraph"},
        {"points": rect(0, 0, 10, 10), "text": "b"},
    ]
    result = split_annotations(json.loads(json.dumps(items)), no_engine)
    assert [c.label for c in result.candidates] == ["b"]
    assert [reason for reason, _ in result.skips] == [
        "invalid_annotation",
        "invalid_box",
        "invalid_annotation",
    ]
