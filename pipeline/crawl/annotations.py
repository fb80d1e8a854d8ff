"""Validate text boxes from annotation files and turn them into ``annotations`` entries."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline.common.charsets import normalize_label
from pipeline.common.logs import SkipCounter
from pipeline.crawl.rows import file_time, make_row, read_image

LEVELS = ("char", "word", "line")

# A box smaller than one square pixel cannot hold a readable glyph.
MIN_BOX_AREA = 1.0


def quad_from_xywh(x: float, y: float, width: float, height: float) -> list[list[float]]:
    """Return the four corners of an axis-aligned box, clockwise from top-left."""
    return [[x, y], [x + width, y], [x + width, y + height], [x, y + height]]


def quad_from_flat(values: Sequence[float]) -> list[list[float]]:
    """Return ``[[x1, y1], ..., [x4, y4]]`` from ``x1 y1 ... x4 y4``."""
    if len(values) != 8:
        raise ValueError(f"expected 8 numbers x1 y1 ... x4 y4, got {len(values)}")
    return [[float(values[i]), float(values[i + 1])] for i in range(0, 8, 2)]


def polygon_area(points: Sequence[Sequence[float]]) -> float:
    """Return the unsigned shoelace area of a polygon."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def check_quad(points: Any, width: int, height: int) -> tuple[list[list[float]] | None, str | None]:
    """Return ``(quad clipped to the image, None)`` or ``(None, skip reason)``.

    Partly visible boxes are clipped to the image, since the visible part of the glyph is
    still usable. Boxes with no area inside the image are rejected.
    """
    try:
        quad = [[float(x), float(y)] for x, y in points]
    except (TypeError, ValueError):
        return None, "malformed_box"
    if len(quad) != 4 or not all(math.isfinite(v) for point in quad for v in point):
        return None, "malformed_box"
    if polygon_area(quad) < MIN_BOX_AREA:
        return None, "zero_area_box"
    clipped = [[min(max(x, 0.0), float(width)), min(max(y, 0.0), float(height))] for x, y in quad]
    if polygon_area(clipped) < MIN_BOX_AREA:
        return None, "box_outside_image"
    return [[round(x, 2), round(y, 2)] for x, y in clipped], None


def clean_text(text: Any, item: str, skips: SkipCounter) -> str | None:
    """NFKC-normalise a transcription, or return None (counted) when it is missing or empty."""
    if not isinstance(text, str):
        skips.skip("missing_text", item, f"expected a string transcription, got {text!r}")
        return None
    normalized = normalize_label(text)
    if not normalized:
        skips.skip("empty_text", item)
        return None
    if normalized != text:
        skips.note("label_normalized", item, f"{text!r} -> {normalized!r}")
    return normalized


def level_for(text: str) -> str:
    """Return 'char' for a one-character transcription, else 'word'."""
    return "char" if len(text) == 1 else "word"


def annotated_row(
    image_path: Path,
    uri: str,
    boxes: Iterable[tuple[Any, Any, str]],
    *,
    source: dict[str, Any],
    skips: SkipCounter,
    max_pixels: int,
) -> dict[str, Any] | None:
    """Build a ``photo`` row whose annotations are the valid ones of ``boxes``.

    ``boxes`` yields ``(points, text, level)``. Invalid boxes and texts are counted and left
    out. The row is kept even when none remains, with an empty annotation list.
    """
    image = read_image(image_path, uri, skips=skips, max_pixels=max_pixels)
    if image is None:
        return None
    data, width, height = image
    annotations = []
    for index, (points, text, level) in enumerate(boxes):
        item = f"{uri} box {index}"
        quad, reason = check_quad(points, width, height)
        if reason:
            skips.skip(reason, item, f"points {points!r} in a {width}x{height} image")
            continue
        label = clean_text(text, item, skips)
        if label is None:
            continue
        annotations.append({"points": quad, "text": label, "level": level})
    return make_row(
        data,
        source=source,
        uri=uri,
        width=width,
        height=height,
        annotations=annotations,
        fetched_at=file_time(image_path),
    )


def source_path(source: dict[str, Any], key: str) -> Path:
    """Return ``Path(source[key])`` or raise naming the source and the missing key."""
    if not source.get(key):
        raise ValueError(
            f"crawl source '{source.get('name')}' of type '{source.get('type')}' needs '{key}'"
        )
    return Path(source[key])
