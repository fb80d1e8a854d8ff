"""CTW (Chinese Text in the Wild) source: JSON-lines annotations with per-character polygons.

Each line describes one image: ``file_name``, ``width``, ``height`` and ``annotations``, a list
of sentences, each a list of character instances with ``polygon`` (4 points, clockwise from
top-left), ``text`` and ``attributes``. The ``ignore`` regions are not read.
Config keys: ``annotations`` (the .jsonl file) and ``images`` (folder holding ``file_name``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import annotated_row, source_path
from pipeline.crawl.textfiles import read_text

logger = logging.getLogger(__name__)


def iter_ctw_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one annotated photo row per valid line of a CTW .jsonl file."""
    annotations_path = source_path(source, "annotations")
    images = source_path(source, "images")
    text = read_text(annotations_path, skips=skips)
    if text is None:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = f"{annotations_path}:{number}"
        try:
            record = json.loads(line)
            file_name = record["file_name"]
            sentences = record["annotations"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            skips.skip("malformed_annotation", item, f"expected a CTW JSON object ({error})")
            continue
        row = annotated_row(
            images / file_name,
            file_name,
            char_boxes(sentences, item, skips),
            source=source,
            skips=skips,
            max_pixels=max_pixels,
        )
        if row is not None:
            yield row


def char_boxes(sentences: Any, item: str, skips: SkipCounter) -> Iterator[tuple[Any, Any, str]]:
    """Yield ``(polygon, text, 'char')`` for every character instance of every sentence."""
    if not isinstance(sentences, list):
        skips.skip("malformed_annotation", item, "expected 'annotations' to be a list of sentences")
        return
    for sentence in sentences:
        for instance in sentence if isinstance(sentence, list) else [sentence]:
            if not isinstance(instance, dict) or "polygon" not in instance:
                skips.skip("malformed_annotation", item, f"character without polygon: {instance!r}")
                continue
            yield instance["polygon"], instance.get("text"), "char"
