"""Order the crops of a group so that the likeliest label errors come first."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from labeling_ui.dataset import Crop

logger = logging.getLogger(__name__)

# Weights of each signal in the suspicion score. A model that disagrees with the label is the
# strongest hint of an error, and a low recogniser score is the weakest.
WEIGHTS = {
    "model_disagrees": 4.0,
    "near_duplicate_conflict": 3.0,
    "engines_disagree": 2.0,
    "low_score": 1.0,
}


@dataclass(frozen=True)
class Prediction:
    """A model's top-1 character for a crop and its softmax score."""

    predicted: str
    score: float


def load_predictions(path: Path | None) -> dict[str, Prediction]:
    """Read ``crop_id, predicted, score`` rows written by the evaluate stage, if the file exists."""
    if path is None or not path.is_file():
        return {}
    missing = sorted({"crop_id", "predicted", "score"} - set(pq.read_schema(path).names))
    if missing:
        logger.warning(
            "ignored the predictions in %s: columns %s are missing; expected crop_id, predicted, "
            "score, so the suspicion order leaves out the model signal",
            path,
            missing,
        )
        return {}
    table = pq.read_table(path, columns=["crop_id", "predicted", "score"]).to_pydict()
    predictions = {
        crop_id: Prediction(str(predicted), float(score))
        for crop_id, predicted, score in zip(
            table["crop_id"], table["predicted"], table["score"], strict=True
        )
    }
    logger.info("loaded %d model predictions from %s", len(predictions), path)
    return predictions


def phash_to_int(phash: str | None) -> int | None:
    try:
        return int(phash, 16) if phash else None
    except ValueError:
        return None


def near_duplicate_conflicts(
    crops: list[Crop], labels: dict[str, str], max_hamming: int
) -> set[str]:
    """Return the ids of crops that have a near-duplicate (by pHash) with a different label."""
    hashed = [(crop.crop_id, phash_to_int(crop.phash)) for crop in crops]
    hashed = [(crop_id, value) for crop_id, value in hashed if value is not None]
    if len(hashed) < 2:
        return set()
    ids = [crop_id for crop_id, _ in hashed]
    codes = np.array([value for _, value in hashed], dtype=np.uint64)
    crop_labels = np.array([labels[crop_id] for crop_id in ids])
    flagged: set[str] = set()
    # Blocks of rows keep the pairwise distance matrix small for groups of many thousand crops.
    for start in range(0, len(codes), 1024):
        block = codes[start : start + 1024]
        distances = np.bitwise_count(block[:, None] ^ codes[None, :])
        conflicts = (distances <= max_hamming) & (
            crop_labels[start : start + 1024, None] != crop_labels
        )
        for row in np.flatnonzero(conflicts.any(axis=1)):
            flagged.add(ids[start + row])
    return flagged


def suspicion_reasons(
    crop: Crop,
    label: str,
    prediction: Prediction | None,
    low_score: float,
    has_conflicting_duplicate: bool,
) -> list[str]:
    """List the signals that make the current label of ``crop`` doubtful."""
    reasons = []
    if prediction is not None and prediction.predicted != label:
        reasons.append("model_disagrees")
    if has_conflicting_duplicate:
        reasons.append("near_duplicate_conflict")
    if crop.engines_agree is False:
        reasons.append("engines_disagree")
    scores = [s for s in (crop.ocr_score, crop.confidence) if s is not None]
    if scores and min(scores) < low_score:
        reasons.append("low_score")
    return reasons


def suspicion_score(reasons: list[str], crop: Crop) -> float:
    """Sum the weights of the reasons; a lower OCR score breaks ties between equal reason sets."""
    scores = [s for s in (crop.ocr_score, crop.confidence) if s is not None]
    tie_break = 1.0 - min(scores) if scores else 0.0
    return sum(WEIGHTS[reason] for reason in reasons) + 0.5 * tie_break
