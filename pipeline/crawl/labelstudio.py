"""Label Studio source: a JSON export (list of tasks) with rectangle or polygon regions.

A region's geometry is a ``rectangle`` (``x``, ``y``, ``width``, ``height``, ``rotation`` in
degrees clockwise about the top-left corner) or a ``polygon`` (``points``), all in percent of
``original_width`` x ``original_height``. Its text is the ``textarea`` result with the same
region ``id``, else its first ``labels`` value. Config keys: ``annotations`` (the export .json),
``images`` (folder of the uploaded files) and optional ``image_key`` (default ``image``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, level_for, source_path
from pipeline.crawl.textfiles import read_json

logger = logging.getLogger(__name__)

GEOMETRY_TYPES = ("rectangle", "rectanglelabels", "polygon", "polygonlabels")
LABEL_KEYS = ("labels", "rectanglelabels", "polygonlabels")

# Label Studio prefixes uploaded files with 8 hex digits and a dash, e.g. "1a2b3c4d-photo.jpg".
UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")


def iter_labelstudio_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per task of a Label Studio JSON export."""
    annotations_path = source_path(source, "annotations")
    images = source_path(source, "images")
    image_key = source.get("image_key", "image")
    tasks = read_json(annotations_path, skips=skips)
    if tasks is None:
        return
    if not isinstance(tasks, list):
        skips.skip("malformed_annotation", annotations_path, "expected a JSON list of tasks")
        return
    for index, task in enumerate(tasks):
        item = (
            f"{annotations_path} task {task.get('id', index) if isinstance(task, dict) else index}"
        )
        try:
            reference = task["data"][image_key]
        except (KeyError, TypeError):
            skips.skip("malformed_annotation", item, f"no data.{image_key} image reference")
            continue
        image_path = resolve_upload(images, str(reference))
        if image_path is None:
            skips.skip("image_not_found", item, f"{reference} not found under {images}")
            continue
        boxes = list(task_boxes(task, item, skips))
        uri = image_path.relative_to(images).as_posix()
        row = annotated_row(
            image_path, uri, boxes, source=source, skips=skips, max_pixels=max_pixels
        )
        if row is not None:
            yield row


def resolve_upload(images: Path, reference: str) -> Path | None:
    """Find the file a task's image reference (URL path or file name) points to under ``images``."""
    name = reference.split("?", 1)[0].rsplit("/", 1)[-1]
    relative = reference.split("?", 1)[0].lstrip("/")
    for candidate in (images / relative, images / name, images / UPLOAD_PREFIX.sub("", name)):
        if candidate.is_file():
            return candidate
    return None


def task_boxes(task: dict[str, Any], item: str, skips: SkipCounter) -> Iterator[tuple]:
    """Yield ``(quad, text, level)`` per region of the task's first non-cancelled annotation."""
    completed = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not completed:
        return
    regions: dict[str, dict[str, Any]] = {}
    for result in completed[0].get("result") or []:
        region = regions.setdefault(str(result.get("id")), {})
        value = result.get("value") or {}
        if result.get("type") in GEOMETRY_TYPES:
            region["geometry"] = result
        if result.get("type") == "textarea" and value.get("text"):
            region["text"] = "".join(value["text"])
        for key in LABEL_KEYS:
            if value.get(key):
                region.setdefault("label", value[key][0])
    for region_id, region in regions.items():
        region_item = f"{item} region {region_id}"
        if "geometry" not in region:
            skips.skip("malformed_annotation", region_item, "text without a rectangle or polygon")
            continue
        try:
            quad = region_quad(region["geometry"])
        except (KeyError, TypeError, ValueError) as error:
            skips.skip("malformed_box", region_item, str(error))
            continue
        text = region.get("text", region.get("label"))
        yield quad, text, level_for(text) if isinstance(text, str) else "word"


def region_quad(result: dict[str, Any]) -> list[list[float]]:
    """Convert a rectangle or polygon result from percent to a pixel quad, clockwise."""
    value = result["value"]
    scale_x = float(result["original_width"]) / 100.0
    scale_y = float(result["original_height"]) / 100.0
    if "points" in value:
        points = np.array([[float(x) * scale_x, float(y) * scale_y] for x, y in value["points"]])
        if len(points) < 3:
            raise ValueError(f"polygon needs at least 3 points, got {len(points)}")
        if len(points) != 4:
            points = cv2.boxPoints(cv2.minAreaRect(points.astype(np.float32))).astype(np.float64)
        return order_clockwise(points)
    x, y = float(value["x"]) * scale_x, float(value["y"]) * scale_y
    width, height = float(value["width"]) * scale_x, float(value["height"]) * scale_y
    angle = math.radians(float(value.get("rotation", 0.0)))
    cos, sin = math.cos(angle), math.sin(angle)
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    return [[x + dx * cos - dy * sin, y + dx * sin + dy * cos] for dx, dy in corners]


def order_clockwise(points: np.ndarray) -> list[list[float]]:
    """Order four points clockwise (in image coordinates) starting from the top-left one."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).tolist()
