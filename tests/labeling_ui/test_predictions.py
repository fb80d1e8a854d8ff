"""Tests of reading the evaluate stage's predictions file."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labeling_ui.errors import PredictionsError
from labeling_ui.predictions import Prediction, load_predictions
from tests.labeling_ui.conftest import write_predictions

CROP_IDS = {"a", "b", "c"}


def test_load_predictions(tmp_path: Path) -> None:
    path = write_predictions(tmp_path / "p.parquet", [("a", "0", 0.75), ("b", "O", 0.5)])
    assert load_predictions(path, CROP_IDS, "el-fgvc") == {
        "a": Prediction("0", 0.75),
        "b": Prediction("O", 0.5),
    }


def test_log_counts_matching_crops(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_predictions(tmp_path / "p.parquet", [("a", "0", 0.75), ("zz", "O", 0.5)])
    with caplog.at_level(logging.INFO, logger="labeling_ui.predictions"):
        load_predictions(path, CROP_IDS, "el-fgvc")
    assert f"loaded 2 predictions from {path}; 1 match crops of el-fgvc (3 crops)" in caplog.text


def test_no_matching_crops_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_predictions(tmp_path / "p.parquet", [("x", "0", 0.75), ("y", "O", 0.5)])
    with caplog.at_level(logging.INFO, logger="labeling_ui.predictions"):
        load_predictions(path, CROP_IDS, "el-fgvc")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert f"loaded 2 predictions from {path}, but 0 match crops of el-fgvc" in record.message
    assert "predictions file of another dataset" in record.message


def test_missing_default_file_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "predictions" / "el-fgvc.parquet"
    with caplog.at_level(logging.INFO, logger="labeling_ui.predictions"):
        assert load_predictions(path, CROP_IDS, "el-fgvc") == {}
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert f"no predictions file at {path}" in record.message


def test_missing_explicit_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "typo.parquet"
    with pytest.raises(PredictionsError, match=f"predictions file not found: {path}"):
        load_predictions(path, CROP_IDS, "el-fgvc", required=True)


def test_not_parquet_default_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "el-fgvc.parquet"
    path.write_text("crop_id,predicted,score\na,0,0.9\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="labeling_ui.predictions"):
        assert load_predictions(path, CROP_IDS, "el-fgvc") == {}
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert f"predictions file {path} is not a readable parquet file" in record.message
    assert "Traceback" not in caplog.text


def test_not_parquet_explicit_raises(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("crop_id,predicted,score\na,0,0.9\n", encoding="utf-8")
    with pytest.raises(
        PredictionsError, match=f"predictions file {path} is not a readable parquet"
    ):
        load_predictions(path, CROP_IDS, "el-fgvc", required=True)


def test_missing_columns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"crop_id": ["a"], "logits": [[0.1, 0.9]]}), path)
    with caplog.at_level(logging.WARNING, logger="labeling_ui.predictions"):
        assert load_predictions(path, CROP_IDS, "el-fgvc") == {}
    assert "lacks the column(s) predicted, score" in caplog.text
    with pytest.raises(PredictionsError, match="lacks the column\\(s\\) predicted, score"):
        load_predictions(path, CROP_IDS, "el-fgvc", required=True)


def test_rows_without_prediction_skipped(tmp_path: Path) -> None:
    path = tmp_path / "predictions.parquet"
    table = pa.table(
        {
            "crop_id": ["a", "b", "c"],
            "predicted": ["0", None, "O"],
            "score": [0.9, 0.8, float("nan")],
        }
    )
    pq.write_table(table, path)
    assert load_predictions(path, CROP_IDS, "el-fgvc") == {"a": Prediction("0", 0.9)}
