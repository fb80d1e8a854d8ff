"""Agreement between a candidate's label and another engine's reading of the same box."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.crop.candidates import Candidate, compare_with_engine
from pipeline.crop.engines.base import CharBox
from pipeline.crop.engines.easyocr import EasyOcrEngine
from pipeline.crop.labels import label_confidence


def quad(x0: float) -> np.ndarray:
    return np.array([[x0, 0], [x0 + 10, 0], [x0 + 10, 20], [x0, 20]], dtype=np.float32)


def english(char: str) -> bool:
    return EasyOcrEngine.supports(char)


def test_ocr_candidates_compared_by_iou():
    candidates = [
        Candidate(quad(0), "O", "ocr", ocr_score=0.9),
        Candidate(quad(20), "l", "ocr", ocr_score=0.8),
        Candidate(quad(40), "Q", "ocr", ocr_score=0.7),
        Candidate(quad(60), "未", "ocr", ocr_score=0.9),
    ]
    second = [CharBox(quad(1), "O", 0.6), CharBox(quad(21), "1", 0.5), CharBox(quad(60), "x", 0.9)]

    compared = compare_with_engine(candidates, second, english, min_iou=0.5, keep_score=False)

    assert [c.engines_agree for c in compared] == [True, False, False, None]
    assert [c.second_score for c in compared] == [0.6, 0.5, 0.0, None]
    assert compared[0].ocr_score == 0.9  # the first engine's score is kept
    confidences = [
        label_confidence(c.label_source, c.ocr_score, c.engines_agree, c.second_score)
        for c in compared
    ]
    assert confidences == pytest.approx([1 - 0.1 * 0.4, 0.8 * 0.5, 0.7, 0.9])


def test_annotation_checked_by_engine():
    candidates = [Candidate(quad(0), "0", "annotation"), Candidate(quad(40), "B", "annotation")]
    engine = [CharBox(quad(0), "O", 0.95)]

    compared = compare_with_engine(candidates, engine, english, min_iou=0.5, keep_score=True)

    assert compared[0].engines_agree is False
    assert compared[0].ocr_score == 0.95
    # No engine box at B: detectors miss characters, so no verdict instead of a disagreement.
    assert compared[1].engines_agree is None
    assert label_confidence("annotation", 0.95, False) == 0.5


def test_candidate_with_verdict_unchanged():
    checked = Candidate(quad(0), "A", "annotation", ocr_score=0.9, engines_agree=True)
    assert compare_with_engine([checked], [CharBox(quad(0), "B", 0.9)], english, 0.5, True) == [
        checked
    ]
