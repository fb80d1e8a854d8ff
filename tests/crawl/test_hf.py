"""Tests for the Hugging Face source, offline, on a local parquet dataset the test writes."""

from __future__ import annotations

import pytest

datasets = pytest.importorskip("datasets")

from pipeline.crawl.hf import iter_hf_source  # noqa: E402
from tests.crawl.images import encode, photo, read_kwargs  # noqa: E402


def write_dataset(root, images, labels):
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["0", "O", "Ｑ", "ab"])}
    )
    dataset = datasets.Dataset.from_dict(
        {"image": [{"bytes": data, "path": None} for data in images], "label": labels},
        features=features,
    )
    (root / "data").mkdir(parents=True)
    dataset.to_parquet(str(root / "data" / "train-00000-of-00001.parquet"))


def hf_source(root, **extra) -> dict:
    return {"name": "glyphs-hf", "type": "hf", "dataset": str(root), "licence": "CC0", **extra}


def test_labelled_parquet_dataset(tmp_path, skips):
    images = [encode(photo(12, 10, seed)) for seed in range(4)]
    images.append(b"\x89PNG\r\n\x1a\nbroken")
    write_dataset(tmp_path / "ds", images, [0, 1, 2, 3, 1])

    rows = list(
        iter_hf_source(
            hf_source(tmp_path / "ds", label_column="label"), **read_kwargs(tmp_path, skips)
        )
    )

    assert [row["label"] for row in rows] == ["0", "O", "Q"]
    assert [row["image"] for row in rows] == images[:3]
    assert rows[0]["uri"] == f"hf://{tmp_path / 'ds'}/train/0"
    assert {(row["kind"], row["width"], row["height"]) for row in rows} == {("glyph", 12, 10)}
    assert skips.as_dict() == {"label_not_one_character": 1, "undecodable_image": 1}
    assert dict(skips.notes) == {"label_normalized": 1}


def test_unlabelled_rows_are_photos(tmp_path, skips):
    images = [encode(photo(30, 20, seed), "JPEG") for seed in range(2)]
    write_dataset(tmp_path / "ds", images, [0, 0])

    rows = list(iter_hf_source(hf_source(tmp_path / "ds"), **read_kwargs(tmp_path, skips)))

    assert [(row["kind"], row["label"]) for row in rows] == [("photo", None), ("photo", None)]
    assert [row["image"] for row in rows] == images


def test_missing_image_column_raises(tmp_path, skips):
    write_dataset(tmp_path / "ds", [encode(photo())], [0])
    source = hf_source(tmp_path / "ds", image_column="picture")

    with pytest.raises(
        ValueError, match="image column 'picture' not in dataset .*set 'image_column'"
    ):
        list(iter_hf_source(source, **read_kwargs(tmp_path, skips)))


def test_unknown_dataset_raises(tmp_path, skips, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    source = hf_source("no-such-user/no-such-glyphs")

    with pytest.raises(FileNotFoundError, match="cannot load dataset no-such-user/no-such-glyphs"):
        list(iter_hf_source(source, **read_kwargs(tmp_path, skips)))
