"""Loading exported datasets: label space, bad images, missing columns, cache isolation."""

from __future__ import annotations

import datasets
import pytest

from model.data import DatasetFormatError, load_glyph_data
from tests.model.conftest import write_dataset


def test_load_glyph_data_shapes(glyph_dataset):
    data = load_glyph_data(glyph_dataset, 16)
    assert data.class_names == ["0", "1", "I", "O", "Q", "l"]
    assert data.group_names == ["latin-0001", "latin-0002"]
    assert data.class_to_group.tolist() == [0, 1, 1, 0, 0, 1]
    assert tuple(data.splits["train"].images.shape) == (48, 3, 16, 16)
    assert len(data.splits["validation"]) == 18


def test_reexport_under_same_folder_name_is_not_stale(glyph_rows, tmp_path):
    # Offline, datasets would reuse the cache of the first "el-fgvc" for the second one.
    write_dataset(tmp_path / "a" / "el-fgvc", glyph_rows)
    first = load_glyph_data(tmp_path / "a" / "el-fgvc", 16)
    rows = {s: [r for r in split_rows if r["label"] != "l"] for s, split_rows in glyph_rows.items()}
    write_dataset(tmp_path / "b" / "el-fgvc", rows)
    second = load_glyph_data(tmp_path / "b" / "el-fgvc", 16)
    assert first.num_classes == 6
    assert second.num_classes == 5


def test_undecodable_image_is_skipped(glyph_rows, tmp_path, caplog):
    train = [dict(r) for r in glyph_rows["train"]]
    train[0]["image"] = {"bytes": b"not an image"}
    data = load_glyph_data(write_dataset(tmp_path / "bad", dict(glyph_rows, train=train)), 16)
    assert len(data.splits["train"]) == 47
    assert data.skipped == {"undecodable_image": 1}
    assert "cannot decode image" in caplog.text


def test_missing_group_column_is_rejected(glyph_dataset, tmp_path):
    path = tmp_path / "nogroup"
    for split in ("train", "validation", "test"):
        rows = datasets.load_dataset(
            str(glyph_dataset), split=split, cache_dir=str(tmp_path / "cache")
        )
        rows.remove_columns("group").to_parquet(str(path / "data" / f"{split}-x.parquet"))
    (path / "README.md").write_text((glyph_dataset / "README.md").read_text())
    with pytest.raises(DatasetFormatError, match="lacks the 'group' column"):
        load_glyph_data(path, 16)


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="run the export stage first"):
        load_glyph_data(tmp_path / "absent", 16)


def test_grayscale_decoding_equalises_channels(glyph_dataset):
    images = load_glyph_data(glyph_dataset, 16, grayscale=True).splits["test"].images
    assert (images[:, 0] == images[:, 1]).all()
    assert (images[:, 1] == images[:, 2]).all()
