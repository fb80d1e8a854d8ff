"""Fixtures of the crop tests: crawl shards built from real photos and small drawn images."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import faces_covering
from pipeline.common.io import ShardWriter
from pipeline.crawl.rows import CRAWL_SCHEMA, make_row

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


def vertical_line_photo(text: str, cell: int = 48) -> tuple[bytes, list[list[float]]]:
    """Draw ``text`` top to bottom in a CJK font on a white page; return PNG bytes and the line box."""
    face = faces_covering(text)[0]
    font = ImageFont.truetype(face.path, size=cell - 8, index=face.index)
    left, top = 40, 30
    page = Image.new("RGB", (160, top * 2 + cell * len(text)), "white")
    draw = ImageDraw.Draw(page)
    for position, char in enumerate(text):
        draw.text(
            (left + cell // 2, top + position * cell + cell // 2),
            char,
            font=font,
            fill="black",
            anchor="mm",
        )
    box = [
        [left, top],
        [left + cell, top],
        [left + cell, top + cell * len(text)],
        [left, top + cell * len(text)],
    ]
    return png_bytes(np.asarray(page)), box


def rotated_glyph_photo(char: str, degrees: float) -> tuple[bytes, list[list[float]]]:
    """Draw one Latin glyph in a 60x60 box, rotate the page, and return PNG bytes and the rotated box."""
    page = np.full((200, 200, 3), 255, dtype=np.uint8)
    cv2.putText(page, char, (75, 125), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5)
    rotation = cv2.getRotationMatrix2D((100, 100), degrees, 1.0)
    rotated = cv2.warpAffine(page, rotation, (200, 200), borderValue=(255, 255, 255))
    corners = np.array([[70, 70], [130, 70], [130, 130], [70, 130]], dtype=np.float32)
    quad = cv2.transform(corners[None], rotation)[0]
    return png_bytes(rotated), quad.tolist()
