"""Order the crops of a group so that the likeliest label errors come first."""

from __future__ import annotations

import numpy as np

from labeling_ui.dataset import Crop
from labeling_ui.predictions import Prediction

# Weights of each signal in the suspicion score. A model that disagrees with the label is the
# strongest hint of an error, and a low recogniser score is the weakest.
WEIGHTS = {
    "model_disagrees": 4.0,
    "near_duplicate_conflict": 3.0,
    "engines_disagree": 2.0,
    "low_score": 1.0,
}
# Tie-breaks order crops whose reasons have the same total weight. Together they stay below 1,
# the smallest weight, so they never lift a crop above one with more weight. A disputing model's
# score counts twice as much as the recogniser's doubt.
MODEL_SCORE_TIE_BREAK = 0.6
LOW_SCORE_TIE_BREAK = 0.3


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
    has_conflicting_duplicate: bool,
    *,
    low_score: float,
    model_min_score: float,
) -> list[str]:
    """List the signals that make the current label of ``crop`` doubtful.

    The model disagrees only when its top-1 character differs from the label with a score of at
    least ``model_min_score``, because a weak model's guesses would otherwise flag most crops.
    """
    reasons = []
    if (
        prediction is not None
        and prediction.predicted != label
        and prediction.score >= model_min_score
    ):
        reasons.append("model_disagrees")
    if has_conflicting_duplicate:
        reasons.append("near_duplicate_conflict")
    if crop.engines_agree is False:
        reasons.append("engines_disagree")
    scores = [s for s in (crop.ocr_score, crop.confidence) if s is not None]
    if scores and min(scores) < low_score:
        reasons.append("low_score")
    return reasons


def suspicion_score(reasons: list[str], crop: Crop, prediction: Prediction | None = None) -> float:
    """Sum the weights of the reasons and add the tie-breaks.

    The tie-breaks are 0.6 times the score of a model that disagrees and 0.3 times one minus the
    lower of ``ocr_score`` and ``confidence``, so among crops with equal weights a more confident
    model and a less confident recogniser come first.
    """
    tie_break = 0.0
    if "model_disagrees" in reasons and prediction is not None:
        tie_break += MODEL_SCORE_TIE_BREAK * min(max(prediction.score, 0.0), 1.0)
    scores = [s for s in (crop.ocr_score, crop.confidence) if s is not None]
    if scores:
        tie_break += LOW_SCORE_TIE_BREAK * (1.0 - min(scores))
    return sum(WEIGHTS[reason] for reason in reasons) + tie_break
