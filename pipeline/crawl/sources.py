"""Map a source ``type`` to its reader, importing each reader only when a source uses it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.common.params import ParamsError

SourceReader = Callable[..., Iterator[dict[str, Any]]]

# Every reader is ``pipeline.crawl.<type>.iter_<type>_source(source, *, skips, max_pixels,
# cache_dir)`` and yields rows with exactly the columns of pipeline.crawl.rows.CRAWL_SCHEMA.
SOURCE_TYPES = (
    "local",
    "http",
    "hf",
    "synthetic",
    "ctw",
    "rects",
    "icdar",
    "cocotext",
    "labelstudio",
    "coco",
)


def source_reader(source_type: str) -> SourceReader:
    """Import and return the reader function for ``source_type``."""
    if source_type not in SOURCE_TYPES:
        raise ParamsError(
            f"unknown crawl source type '{source_type}'; expected one of {SOURCE_TYPES}"
        )
    module = importlib.import_module(f"pipeline.crawl.{source_type}")
    return getattr(module, f"iter_{source_type}_source")


def check_sources(sources: Any) -> list[dict[str, Any]]:
    """Check that ``crawl.sources`` lists configs with unique names, known types and licences."""
    if not isinstance(sources, list) or not sources:
        raise ParamsError(
            f"crawl.sources must be a non-empty list of source configs, got {sources!r}"
        )
    names: set[str] = set()
    for index, source in enumerate(sources):
        if not isinstance(source, dict):
            raise ParamsError(f"crawl.sources[{index}] must be a mapping, got {source!r}")
        for key in ("name", "type", "licence"):
            if not source.get(key):
                raise ParamsError(
                    f"crawl.sources[{index}] ({source.get('name', 'unnamed')}) needs '{key}'"
                )
        if source["name"] in names:
            raise ParamsError(
                f"crawl.sources: duplicate source name '{source['name']}'; names must be unique"
            )
        if source["type"] not in SOURCE_TYPES:
            raise ParamsError(
                f"crawl.sources[{index}] ({source['name']}): unknown type '{source['type']}'; "
                f"expected one of {SOURCE_TYPES}"
            )
        names.add(source["name"])
    return sources
