"""Tests of the suspicion signals that order the crops of a group."""

from __future__ import annotations

import pytest

from labeling_ui.dataset import Crop
from labeling_ui.predictions import Prediction
from labeling_ui.suspicion import near_duplicate_conflicts, suspicion_reasons, suspicion_score

THRESHOLDS = {"low_score": 0.5, "model_min_score": 0.5}


def crop(crop_id: str, character: str, phash: str | None = None, **extra) -> Crop:
    return Crop(crop_id, character, "latin-0001", "train", phash=phash, **extra)


def test_near_duplicates_with_different_labels() -> None:
    crops = [
        crop("a", "O", "ffff0000ffff0000"),
        crop("b", "0", "ffff0000ffff0007"),  # 3 bits from a
        crop("c", "O", "ffff0000ffff000f"),  # 1 bit from b, 4 from a (same label as a)
        crop("d", "Q", "0000ffff0000ffff"),  # far from all
        crop("e", "D", None),
    ]
    labels = {c.crop_id: c.character for c in crops}
    assert near_duplicate_conflicts(crops, labels, max_hamming=3) == {"a", "b", "c"}
    assert near_duplicate_conflicts(crops, labels, max_hamming=2) == {"b", "c"}
    assert near_duplicate_conflicts(crops, labels, max_hamming=0) == set()


def test_near_duplicates_use_current_labels() -> None:
    crops = [crop("a", "O", "00000000000000ff"), crop("b", "0", "00000000000000ff")]
    assert near_duplicate_conflicts(crops, {"a": "O", "b": "0"}, 0) == {"a", "b"}
    assert near_duplicate_conflicts(crops, {"a": "O", "b": "O"}, 0) == set()


def test_reasons_for_each_signal() -> None:
    doubtful = crop("a", "O", engines_agree=False, ocr_score=0.2)
    reasons = suspicion_reasons(doubtful, "O", Prediction("0", 0.9), True, **THRESHOLDS)
    assert reasons == [
        "model_disagrees",
        "near_duplicate_conflict",
        "engines_disagree",
        "low_score",
    ]
    clean = crop("b", "O", engines_agree=True, ocr_score=0.9, confidence=0.95)
    assert suspicion_reasons(clean, "O", Prediction("O", 0.99), False, **THRESHOLDS) == []


def test_low_confidence_counts_as_low_score() -> None:
    unsure = crop("a", "O", ocr_score=0.9, confidence=0.3)
    assert suspicion_reasons(unsure, "O", None, False, **THRESHOLDS) == ["low_score"]


def test_weak_prediction_not_disagreement() -> None:
    clean = crop("a", "O", ocr_score=0.9)
    weak = Prediction("0", 0.31)
    assert suspicion_reasons(clean, "O", weak, False, low_score=0.5, model_min_score=0.5) == []
    at_threshold = Prediction("0", 0.5)
    assert suspicion_reasons(clean, "O", at_threshold, False, **THRESHOLDS) == ["model_disagrees"]
    assert suspicion_reasons(clean, "O", weak, False, low_score=0.5, model_min_score=0.0) == [
        "model_disagrees"
    ]


def test_score_ranks_model_disagreement_first() -> None:
    disagree = crop("a", "O", ocr_score=0.99)
    low = crop("b", "O", ocr_score=0.05)
    prediction = Prediction("0", 0.5)
    assert suspicion_score(["model_disagrees"], disagree, prediction) > suspicion_score(
        ["low_score"], low
    )
    assert suspicion_score([], crop("c", "O", ocr_score=0.2)) == 0.3 * 0.8


def test_higher_model_score_sorts_first() -> None:
    # The surer prediction outranks a lower OCR score within the same reasons.
    surer = suspicion_score(
        ["model_disagrees"], crop("a", "O", ocr_score=0.9), Prediction("0", 0.95)
    )
    weaker = suspicion_score(
        ["model_disagrees"], crop("b", "O", ocr_score=0.6), Prediction("0", 0.6)
    )
    assert surer > weaker
    assert surer == pytest.approx(4.0 + 0.6 * 0.95 + 0.3 * (1 - 0.9))


def test_tie_breaks_stay_below_smallest_weight() -> None:
    max_tie_break = suspicion_score(
        ["model_disagrees"], crop("a", "O", ocr_score=0.0), Prediction("0", 1.0)
    )
    one_more_reason = suspicion_score(
        ["model_disagrees", "low_score"], crop("b", "O", ocr_score=0.4), Prediction("0", 0.5)
    )
    assert max_tie_break < one_more_reason
