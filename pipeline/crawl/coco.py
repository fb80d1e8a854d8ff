"""COCO JSON source: ``images``, ``annotations`` with ``bbox`` and ``categories``.

An annotation's text is its ``text`` key, else ``attributes.text`` (as CVAT exports it), else
the name of its category (a detector trained per character uses one category per glyph).
Config keys: ``annotations`` (the .json file) and ``images`` (folder holding ``file_name``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, level_for, quad_from_xywh, source_path
from pipeline.crawl.textfiles import read_json

logger = logging.getLogger(__name__)


def iter_coco_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per image of a COCO JSON file."""
    annotations_path = source_path(source, "annotations")
    images = source_path(source, "images")
    record = read_json(annotations_path, skips=skips)
    if record is None:
        return
    try:
        categories = {c["id"]: c["name"] for c in record.get("categories") or []}
        by_image: dict[Any, list[dict[str, Any]]] = {}
        for ann in record.get("annotations") or []:
            by_image.setdefault(ann["image_id"], []).append(ann)
        image_infos = sorted(record["images"], key=lambda info: str(info["file_name"]))
    except (KeyError, TypeError, AttributeError) as error:
        skips.skip("malformed_annotation", annotations_path, f"expected COCO keys ({error})")
        return
    for info in image_infos:
        item = f"{annotations_path} image {info.get('id')}"
        boxes = list(coco_boxes(by_image.get(info.get("id"), []), categories, item, skips))
        file_name = info["file_name"]
        row = annotated_row(
            images / file_name, file_name, boxes, source=source, skips=skips, max_pixels=max_pixels
        )
        if row is not None:
            yield row


def coco_boxes(
    anns: list[dict[str, Any]], categories: dict[Any, str], item: str, skips: SkipCounter
) -> Iterator[tuple[Any, Any, str]]:
    """Yield ``(quad, text, level)`` for the annotations of one image."""
    for ann in anns:
        ann_item = f"{item} ann {ann.get('id')}"
        try:
            quad = quad_from_xywh(*(float(v) for v in ann["bbox"]))
        except (KeyError, TypeError, ValueError) as error:
            skips.skip("malformed_annotation", ann_item, f"expected bbox [x, y, w, h] ({error})")
            continue
        attributes = ann.get("attributes") if isinstance(ann.get("attributes"), dict) else {}
        text = ann.get("text") or attributes.get("text") or categories.get(ann.get("category_id"))
        yield quad, text, level_for(text) if isinstance(text, str) and text else "word"
