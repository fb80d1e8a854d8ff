"""Fixtures of the crop tests: crawl shards built from real photos and small drawn images."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from pipeline.common.io import ShardWriter
from pipeline.crawl.rows import CRAWL_SCHEMA, make_row
from pipeline.crop.config import CropConfig

PHOTO_SOURCE = {"name": "test-photos", "type": "local", "licence": "test only"}
GLYPH_SOURCE = {"name": "test-glyphs", "type": "synthetic", "licence": "test only"}


def image_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) of image bytes, or (0, 0) for bytes that are not an image."""
    try:
        return Image.open(io.BytesIO(data)).size
    except OSError:
        return 0, 0


def photo_row(data: bytes, uri: str, annotations: list[dict] | None = None) -> dict[str, Any]:
    """Build a crawl row for photo bytes."""
    width, height = image_size(data)
    return make_row(
        data, source=PHOTO_SOURCE, uri=uri, width=width, height=height, annotations=annotations
    )


def glyph_row(data: bytes, uri: str, label: str, synthetic: bool = True) -> dict[str, Any]:
    width, height = image_size(data)
    return make_row(
        data,
        source=GLYPH_SOURCE,
        uri=uri,
        width=width,
        height=height,
        kind="glyph",
        label=label,
        synthetic=synthetic,
    )


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def write_crawl(directory: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows as data/crawl shards into ``directory``."""
    with ShardWriter(directory, CRAWL_SCHEMA, rows_per_shard=50) as writer:
        for row in rows:
            writer.write(row)
    return directory


@pytest.fixture
def make_config(tmp_path: Path):
    """Return a factory of CropConfig that reads and writes under tmp_path; keys override defaults."""

    def factory(**overrides: Any) -> CropConfig:
        values = {
            "input_dir": tmp_path / "crawl",
            "output_dir": tmp_path / "crops",
            "metrics_path": tmp_path / "metrics" / "crop.json",
            "cache_dir": tmp_path / "cache",
            "num_workers": 1,
            "min_size": 8,
            "min_sharpness": 0.0,
            "min_contrast": 0.0,
        }
        values.update(overrides)
        return CropConfig(**values)

    return factory
