"""ICDAR 2013 and ICDAR 2015 scene-text sources: one ``gt_<stem>.txt`` per image ``<stem>``.

ICDAR 2013 (focused text) lines read ``x1 y1 x2 y2 "text"``, and its test set separates the
numbers with commas. ICDAR 2015 (incidental text) lines read ``x1,y1,x2,y2,x3,y3,x4,y4,text``
in a UTF-8 file with a BOM. The format is recognised per line. ``###`` marks a don't-care region.
Config keys: ``annotations`` (folder of gt_*.txt) and ``images`` (folder of the images).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, quad_from_flat, source_path
from pipeline.crawl.rects import find_image
from pipeline.crawl.textfiles import read_text

logger = logging.getLogger(__name__)

DONT_CARE_TEXT = "###"
NUMBER = r"-?\d+(?:\.\d+)?"
ICDAR2013_LINE = re.compile(
    rf"^\s*({NUMBER})[\s,]+({NUMBER})[\s,]+({NUMBER})[\s,]+({NUMBER})[\s,]+\"(.*)\"\s*$"
)


def iter_icdar_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per ``gt_<stem>.txt`` file that has a matching image."""
    annotations_dir = source_path(source, "annotations")
    images = source_path(source, "images")
    paths = sorted(annotations_dir.glob("gt_*.txt"))
    if not paths:
        skips.skip("empty_folder", annotations_dir, "expected ICDAR gt_<image stem>.txt files")
    for path in paths:
        stem = path.stem[len("gt_") :]
        image_path = find_image(images, stem)
        if image_path is None:
            skips.skip("image_not_found", path, f"no {stem}.* image in {images}")
            continue
        text = read_text(path, skips=skips)
        if text is None:
            continue
        boxes = list(parse_lines(text, path, skips))
        row = annotated_row(
            image_path, image_path.name, boxes, source=source, skips=skips, max_pixels=max_pixels
        )
        if row is not None:
            yield row


def parse_lines(text: str, path: Path, skips: SkipCounter) -> Iterator[tuple[Any, str, str]]:
    """Yield ``(quad, text, 'word')`` for each cared-for line of an ICDAR ground-truth file."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = f"{path}:{number}"
        parsed = parse_line(line)
        if parsed is None:
            skips.skip(
                "malformed_annotation",
                item,
                f"expected 'x1,y1,...,x4,y4,text' or 'x1 y1 x2 y2 \"text\"', got {line!r}",
            )
            continue
        quad, transcription = parsed
        if transcription == DONT_CARE_TEXT:
            skips.skip("dont_care_region", item)
            continue
        yield quad, transcription, "word"


def parse_line(line: str) -> tuple[list[list[float]], str] | None:
    """Parse one ICDAR 2015 or 2013 line into ``(quad, text)``, or return None if neither fits."""
    parts = line.split(",", 8)
    if len(parts) == 9 and all(re.fullmatch(NUMBER, p.strip()) for p in parts[:8]):
        return quad_from_flat([float(p) for p in parts[:8]]), parts[8].strip()
    match = ICDAR2013_LINE.match(line)
    if match is None:
        return None
    x1, y1, x2, y2 = (float(v) for v in match.groups()[:4])
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]], match.group(5)
