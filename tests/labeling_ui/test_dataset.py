"""Tests of reading an exported Hugging Face parquet dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labeling_ui.dataset import data_files_patterns, load_dataset_dir
from labeling_ui.errors import DatasetError


def test_load_decodes_class_labels(dataset_dir: Path, glyph_rows: list[dict]) -> None:
    dataset = load_dataset_dir(dataset_dir)
    assert dataset.name == "el-fgvc"
    assert len(dataset.crops) == len(glyph_rows) == 40
    assert dataset.groups == {
        "latin-0001": ["0", "D", "O", "Q"],
        "latin-0002": ["1", "7", "I", "L"],
    }
    row = glyph_rows[0]
    crop = dataset.crops[row["crop_id"]]
    assert (crop.character, crop.group_id, crop.split) == (
        row["character"],
        row["group"],
        row["split"],
    )
    assert crop.phash == row["phash"]
    assert dataset.images[row["crop_id"]] == row["image"]["bytes"]
    assert len(dataset.crops_in_group("latin-0002")) == 20


def test_splits_from_file_names_without_card(dataset_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(dataset_dir, tmp_path / "copy")
    (copy / "README.md").unlink()
    splits = {crop.split for crop in load_dataset_dir(copy).crops.values()}
    assert splits == {"train", "validation", "test"}


def test_other_configs_ignored(dataset_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(dataset_dir, tmp_path / "copy")
    (copy / "pairs").mkdir()
    pq.write_table(
        pa.table({"anchor": ["a"], "positive": ["b"]}), copy / "pairs" / "train-0.parquet"
    )
    assert len(load_dataset_dir(copy).crops) == 40
    (copy / "README.md").unlink()
    assert len(load_dataset_dir(copy).crops) == 40


@pytest.mark.parametrize(
    ("data_files", "expected"),
    [
        ("data/*.parquet", {"train": ["data/*.parquet"]}),
        (["a.parquet", "b.parquet"], {"train": ["a.parquet", "b.parquet"]}),
        ({"train": "t/*", "test": ["x/*", "y/*"]}, {"train": ["t/*"], "test": ["x/*", "y/*"]}),
        ([{"split": "validation", "path": "v/*"}], {"validation": ["v/*"]}),
        (None, None),
    ],
)
def test_data_files_forms(data_files: object, expected: dict | None) -> None:
    assert data_files_patterns(data_files) == expected


def test_missing_directory_error(tmp_path: Path) -> None:
    with pytest.raises(
        DatasetError, match=r"dataset directory not found: .*rcc-fgvc; run the export stage"
    ):
        load_dataset_dir(tmp_path / "rcc-fgvc")


def test_empty_directory_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no parquet files with the columns"):
        load_dataset_dir(tmp_path)


def test_missing_columns_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    table = pa.table({"crop_id": ["a"], "label": [0]})
    pq.write_table(table, tmp_path / "data" / "train-0.parquet")
    with pytest.raises(
        DatasetError, match=r"no parquet files with the columns \['crop_id', 'image'"
    ):
        load_dataset_dir(tmp_path)
    card = "---\nconfigs:\n- config_name: default\n  data_files: data/*.parquet\n---\n"
    (tmp_path / "README.md").write_text(card, encoding="utf-8")
    with pytest.raises(
        DatasetError, match=r"lacks the column\(s\) \['image', 'character', 'group'\]"
    ):
        load_dataset_dir(tmp_path)
