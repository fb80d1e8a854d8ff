"""COCO-Text source: one JSON file with ``imgs``, ``anns`` and ``imgToAnns``.

Each annotation has ``bbox`` ``[x, y, width, height]``, ``utf8_string`` and ``legibility``
(``legible`` or ``illegible``). Illegible text is a don't-care region. Images without any text
annotation are left out. Config keys: ``annotations`` (the .json file) and ``images``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, quad_from_xywh, source_path
from pipeline.crawl.textfiles import read_json

logger = logging.getLogger(__name__)


def iter_cocotext_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per COCO-Text image that has text annotations."""
    annotations_path = source_path(source, "annotations")
    images = source_path(source, "images")
    record = read_json(annotations_path, skips=skips)
    if record is None:
        return
    try:
        imgs, anns = record["imgs"], record["anns"]
        img_to_anns = record.get("imgToAnns") or group_by_image(anns)
    except (KeyError, TypeError, AttributeError) as error:
        skips.skip("malformed_annotation", annotations_path, f"expected COCO-Text keys ({error})")
        return
    for image_id in sorted(imgs, key=sort_key):
        info = imgs[image_id]
        ann_ids = img_to_anns.get(str(image_id)) or img_to_anns.get(image_id) or []
        if not ann_ids:
            skips.skip("no_text_annotations", f"{annotations_path} image {image_id}")
            continue
        file_name = info.get("file_name") if isinstance(info, dict) else None
        if not file_name:
            skips.skip(
                "malformed_annotation", f"{annotations_path} image {image_id}", "no file_name"
            )
            continue
        boxes = list(cocotext_boxes(anns, ann_ids, f"{annotations_path} image {image_id}", skips))
        row = annotated_row(
            images / file_name, file_name, boxes, source=source, skips=skips, max_pixels=max_pixels
        )
        if row is not None:
            yield row


def sort_key(image_id: str) -> tuple[int, str]:
    """Sort numeric ids numerically and other ids after them, as text."""
    return (int(image_id), "") if str(image_id).isdigit() else (1 << 62, str(image_id))


def group_by_image(anns: dict[str, Any]) -> dict[str, list[str]]:
    """Rebuild ``imgToAnns`` from ``anns`` when a file omits it."""
    grouped: dict[str, list[str]] = {}
    for ann_id, ann in anns.items():
        grouped.setdefault(str(ann["image_id"]), []).append(ann_id)
    return grouped


def cocotext_boxes(
    anns: dict[str, Any], ann_ids: list[Any], item: str, skips: SkipCounter
) -> Iterator[tuple[Any, Any, str]]:
    """Yield ``(quad, text, 'word')`` for the legible annotations of one image."""
    for ann_id in ann_ids:
        ann = anns.get(str(ann_id))
        ann_item = f"{item} ann {ann_id}"
        if not isinstance(ann, dict) or "bbox" not in ann:
            skips.skip("malformed_annotation", ann_item, "missing annotation or its 'bbox'")
            continue
        if ann.get("legibility") == "illegible":
            skips.skip("dont_care_region", ann_item)
            continue
        try:
            quad = quad_from_xywh(*(float(v) for v in ann["bbox"]))
        except (TypeError, ValueError) as error:
            skips.skip("malformed_annotation", ann_item, f"expected bbox [x, y, w, h] ({error})")
            continue
        yield quad, ann.get("utf8_string"), "word"
