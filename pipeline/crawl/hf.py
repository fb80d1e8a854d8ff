"""Hugging Face source: a dataset on the Hub (by id) or on disk (by path), read in streaming mode.

Config keys: ``dataset`` (id or local path), ``image_column`` (default ``image``), ``split``
(default ``train``), and the optional ``config`` (dataset configuration name) and ``data_files``.
With ``label_column`` (a ClassLabel or string column) every row becomes a ``glyph`` row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets

from pipeline.common.images import ImageDecodeError, decode_image
from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import clean_text
from pipeline.crawl.rows import decode_skip_reason, make_row, utc_now

logger = logging.getLogger(__name__)


def iter_hf_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield a row per example of one split, with raw image bytes as stored in the dataset."""
    if not source.get("dataset"):
        raise ValueError(f"crawl source '{source.get('name')}' of type 'hf' needs 'dataset'")
    image_column = source.get("image_column", "image")
    label_column = source.get("label_column")
    split = source.get("split", "train")
    try:
        stream = datasets.load_dataset(
            source["dataset"],
            name=source.get("config"),
            data_files=source.get("data_files"),
            split=split,
            streaming=True,
            cache_dir=str(cache_dir / "hf"),
        )
    except (ConnectionError, FileNotFoundError) as error:
        raise FileNotFoundError(
            f"crawl source '{source['name']}': cannot load dataset {source['dataset']} ({error}). "
            "Check the Hub id or local path, or unset HF_HUB_OFFLINE to download it."
        ) from error
    features = stream.features or {}
    if image_column not in features:
        raise ValueError(
            f"crawl source '{source['name']}': image column '{image_column}' not in dataset "
            f"{source['dataset']} (columns: {sorted(features)}); set 'image_column'"
        )
    if isinstance(features[image_column], datasets.Image):
        stream = stream.cast_column(image_column, datasets.Image(decode=False))
    names = label_names(features, label_column)
    for index, example in enumerate(stream):
        uri = f"hf://{source['dataset']}/{split}/{index}"
        data = image_bytes(example.get(image_column))
        if data is None:
            skips.skip("missing_image", uri, f"column '{image_column}' holds no bytes")
            continue
        try:
            image = decode_image(data, max_pixels=max_pixels, name=uri)
        except ImageDecodeError as error:
            skips.skip(decode_skip_reason(error), uri, str(error))
            continue
        row = {"source": source, "uri": uri, "width": image.width, "height": image.height}
        if label_column is None:
            yield make_row(data, **row, fetched_at=utc_now())
            continue
        label = example_label(example.get(label_column), names, uri, skips)
        if label is not None:
            yield make_row(data, **row, kind="glyph", label=label, fetched_at=utc_now())


def label_names(features: Any, label_column: str | None) -> list[str] | None:
    """Return the ClassLabel names of the label column, or None for a plain column."""
    if label_column is None:
        return None
    if label_column not in features:
        raise ValueError(f"label column '{label_column}' not in dataset columns {sorted(features)}")
    feature = features[label_column]
    return list(feature.names) if isinstance(feature, datasets.ClassLabel) else None


def image_bytes(value: Any) -> bytes | None:
    """Return the raw bytes of an image cell (``{'bytes', 'path'}`` struct or plain binary)."""
    if isinstance(value, bytes):
        return value or None
    if isinstance(value, dict):
        if value.get("bytes"):
            return value["bytes"]
        if value.get("path") and Path(value["path"]).is_file():
            return Path(value["path"]).read_bytes()
    return None


def example_label(value: Any, names: list[str] | None, uri: str, skips: SkipCounter) -> str | None:
    """Turn a label cell into a one-character label, or return None (counted) if it is not one."""
    if names is not None and isinstance(value, int):
        value = names[value] if 0 <= value < len(names) else None
    label = clean_text(value, uri, skips)
    if label is not None and len(label) != 1:
        skips.skip("label_not_one_character", uri, f"label {label!r}")
        return None
    return label
