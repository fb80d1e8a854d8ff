"""Read the model predictions that the evaluate stage writes for every crop of a dataset."""

from __future__ import annotations

import logging
import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from labeling_ui.errors import PredictionsError

logger = logging.getLogger(__name__)

PREDICTION_COLUMNS = ("crop_id", "predicted", "score")


@dataclass(frozen=True)
class Prediction:
    """A model's top-1 character for a crop and its softmax score."""

    predicted: str
    score: float


def read_prediction_table(path: Path) -> dict[str, list]:
    """Read the ``crop_id, predicted, score`` columns of a parquet file, or raise PredictionsError."""
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as error:
        raise PredictionsError(
            f"predictions file {path} is not a readable parquet file ({error}); expected the "
            f"parquet file that the evaluate stage writes, with the columns "
            f"{', '.join(PREDICTION_COLUMNS)}"
        ) from error
    missing = [column for column in PREDICTION_COLUMNS if column not in names]
    if missing:
        raise PredictionsError(
            f"predictions file {path} lacks the column(s) {', '.join(missing)}; expected "
            f"{', '.join(PREDICTION_COLUMNS)} as the evaluate stage writes them"
        )
    try:
        return pq.read_table(path, columns=list(PREDICTION_COLUMNS)).to_pydict()
    except (pa.ArrowException, OSError) as error:
        raise PredictionsError(f"failed to read predictions file {path}: {error}") from error


def load_predictions(
    path: Path, crop_ids: Collection[str], dataset_name: str, required: bool = False
) -> dict[str, Prediction]:
    """Return crop id -> prediction from the evaluate stage's parquet file.

    ``required`` is for a path the user passed: a missing or unreadable file then raises
    PredictionsError. The default path is optional, so a missing file is logged at INFO and an
    unreadable one with a warning, and both return no predictions. Rows without a predicted
    character or a finite score are skipped.
    """
    if not path.is_file():
        if required:
            raise PredictionsError(
                f"predictions file not found: {path}; pass the file that the evaluate stage "
                f"writes (predictions/{dataset_name}.parquet) or leave out --predictions"
            )
        logger.info(
            "no predictions file at %s, so no crop gets the model_disagrees reason "
            "(the evaluate stage writes this file)",
            path,
        )
        return {}
    try:
        table = read_prediction_table(path)
    except PredictionsError as error:
        if required:
            raise
        logger.warning("%s. The suspicion order leaves out the model signal.", error)
        return {}
    predictions = {
        str(crop_id): Prediction(str(predicted), float(score))
        for crop_id, predicted, score in zip(
            table["crop_id"], table["predicted"], table["score"], strict=True
        )
        if crop_id is not None
        and predicted is not None
        and score is not None
        and math.isfinite(score)
    }
    matching = sum(1 for crop_id in predictions if crop_id in crop_ids)
    if predictions and not matching:
        logger.warning(
            "loaded %d predictions from %s, but 0 match crops of %s. Is it the predictions "
            "file of another dataset? Pass this dataset's file with --predictions.",
            len(predictions),
            path,
            dataset_name,
        )
    else:
        logger.info(
            "loaded %d predictions from %s; %d match crops of %s (%d crops)",
            len(predictions),
            path,
            matching,
            dataset_name,
            len(crop_ids),
        )
    return predictions
