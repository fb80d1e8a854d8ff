"""Label checks and label confidence."""

from __future__ import annotations

import pytest

from pipeline.crop.labels import check_label, label_confidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("未", ("未", "")),
        ("Ａ", ("A", "")),  # full-width, NFKC-normalised
        (" 0 ", ("0", "")),
        ("|", ("|", "")),  # a symbol, kept as a look-alike of l and 1
        ("ab", (None, "not_single_character")),
        (" ", (None, "space_or_punctuation_label")),
        ("", (None, "space_or_punctuation_label")),
        ("，", (None, "space_or_punctuation_label")),
        (".", (None, "space_or_punctuation_label")),
    ],
)
def test_check_label(text, expected):
    assert check_label(text) == expected


def test_confidence_of_synthetic_and_annotation():
    assert label_confidence("synthetic", None, None) == 1.0
    assert label_confidence("annotation", None, None) == 1.0
    assert label_confidence("annotation", 0.9, True) == 1.0
    assert label_confidence("annotation", 0.9, False) == 0.5


def test_confidence_of_ocr_labels():
    assert label_confidence("ocr", 0.8, None) == pytest.approx(0.8)
    assert label_confidence("ocr", 0.8, True, 0.5) == pytest.approx(1 - 0.2 * 0.5)
    assert label_confidence("ocr", 0.8, False, 0.5) == pytest.approx(0.8 * 0.5)
    assert label_confidence("ocr", 0.8, False, 0.0) == pytest.approx(0.8)
