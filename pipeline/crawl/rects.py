"""ReCTS source: one JSON file per image with character and line boxes.

Each ``<stem>.json`` holds ``chars`` and ``lines``, lists of ``{"points": [x1, y1, ..., x4, y4],
"transcription": str, "ignore": 0 or 1}``. Both ``ignore: 1`` and ``###`` mark don't-care
regions.
Config keys: ``annotations`` (folder of .json files) and ``images`` (folder with ``<stem>.jpg``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, quad_from_flat, source_path
from pipeline.crawl.rows import IMAGE_SUFFIXES
from pipeline.crawl.textfiles import read_json

logger = logging.getLogger(__name__)

DONT_CARE_TEXT = "###"


def iter_rects_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per ReCTS annotation file that has a matching image."""
    annotations_dir = source_path(source, "annotations")
    images = source_path(source, "images")
    paths = sorted(annotations_dir.glob("*.json"))
    if not paths:
        skips.skip("empty_folder", annotations_dir, "expected ReCTS <stem>.json annotation files")
    for path in paths:
        record = read_json(path, skips=skips)
        if record is None:
            continue
        if not isinstance(record, dict):
            skips.skip("malformed_annotation", path, "expected an object with 'chars' and 'lines'")
            continue
        image_path = find_image(images, path.stem)
        if image_path is None:
            skips.skip("image_not_found", path, f"no {path.stem}.* image in {images}")
            continue
        boxes = list(rects_boxes(record, str(path), skips))
        row = annotated_row(
            image_path,
            image_path.name,
            boxes,
            source=source,
            skips=skips,
            max_pixels=max_pixels,
        )
        if row is not None:
            yield row


def find_image(folder: Path, stem: str) -> Path | None:
    """Return the image file ``folder/<stem>.<suffix>`` for a known suffix, if one exists."""
    for suffix in IMAGE_SUFFIXES:
        for candidate in (folder / f"{stem}{suffix}", folder / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def rects_boxes(record: dict[str, Any], item: str, skips: SkipCounter) -> Iterator[tuple]:
    """Yield ``(quad, text, level)`` for the cared-for ``chars`` and ``lines`` of one image."""
    for key, level in (("chars", "char"), ("lines", "line")):
        for index, entry in enumerate(record.get(key) or []):
            entry_item = f"{item} {key}[{index}]"
            try:
                quad = quad_from_flat(entry["points"])
            except (KeyError, TypeError, ValueError) as error:
                skips.skip("malformed_annotation", entry_item, f"bad 'points' ({error})")
                continue
            text = entry.get("transcription")
            if entry.get("ignore") or text == DONT_CARE_TEXT:
                skips.skip("dont_care_region", entry_item)
                continue
            yield quad, text, level
