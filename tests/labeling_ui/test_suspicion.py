"""Tests of the suspicion signals that order the crops of a group."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from labeling_ui.dataset import Crop
from labeling_ui.suspicion import (
    Prediction,
    load_predictions,
    near_duplicate_conflicts,
    suspicion_reasons,
    suspicion_score,
)


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
    reasons = suspicion_reasons(doubtful, "O", Prediction("0", 0.9), 0.5, True)
    assert reasons == [
        "model_disagrees",
        "near_duplicate_conflict",
        "engines_disagree",
        "low_score",
    ]
    clean = crop("b", "O", engines_agree=True, ocr_score=0.9, confidence=0.95)
    assert suspicion_reasons(clean, "O", Prediction("O", 0.99), 0.5, False) == []


def test_low_confidence_counts_as_low_score() -> None:
    unsure = crop("a", "O", ocr_score=0.9, confidence=0.3)
    assert suspicion_reasons(unsure, "O", None, 0.5, False) == ["low_score"]


def test_score_ranks_model_disagreement_first() -> None:
    disagree = crop("a", "O", ocr_score=0.99)
    low = crop("b", "O", ocr_score=0.05)
    assert suspicion_score(["model_disagrees"], disagree) > suspicion_score(["low_score"], low)
    assert suspicion_score([], crop("c", "O", ocr_score=0.2)) == 0.5 * 0.8


def test_load_predictions(tmp_path: Path) -> None:
    path = tmp_path / "predictions.parquet"
    table = pa.table({"crop_id": ["a", "b"], "predicted": ["0", "O"], "score": [0.7, 0.9]})
    pq.write_table(table, path)
    assert load_predictions(path) == {"a": Prediction("0", 0.7), "b": Prediction("O", 0.9)}
    assert load_predictions(tmp_path / "missing.parquet") == {}


def test_predictions_without_columns_ignored(tmp_path: Path) -> None:
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"crop_id": ["a"], "logits": [[0.1, 0.9]]}), path)
    assert load_predictions(path) == {}
