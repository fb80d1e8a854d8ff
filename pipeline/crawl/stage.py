"""Run every crawl source, drop duplicate images and write the shards and metrics."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.common.io import ShardWriter, atomic_directory, write_json
from pipeline.common.logs import SkipCounter, progress
from pipeline.common.params import deep_merge
from pipeline.crawl.rows import CRAWL_SCHEMA
from pipeline.crawl.sources import check_sources, source_reader

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = ".cache/crawl"
DEFAULT_METRICS_PATH = "metrics/crawl.json"


def prepare_source(source: dict[str, Any], synth: dict[str, Any], seed: int) -> dict[str, Any]:
    """Give a synthetic source the ``synth`` params (its own ``synth`` keys override) and a seed."""
    if source["type"] != "synthetic":
        return source
    return {
        **source,
        "synth": deep_merge(synth, source.get("synth") or {}),
        "seed": source.get("seed", seed),
    }


def run_crawl(
    crawl: dict[str, Any], synth: dict[str, Any], metrics_path: str | Path = DEFAULT_METRICS_PATH
) -> dict[str, Any]:
    """Crawl every source in ``crawl['sources']`` into ``crawl['output_dir']``; return the metrics.

    Rows are deduplicated by ``sha256`` across all sources (the first source listed wins). The
    shards are written to a staging folder that replaces the output folder only on success.
    """
    sources = check_sources(crawl.get("sources"))
    cache_dir = Path(crawl.get("cache_dir", DEFAULT_CACHE_DIR))
    max_pixels = int(crawl["max_pixels"])
    seen: set[str] = set()
    rows_per_source: Counter[str] = Counter()
    rows_per_kind: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    skipped: dict[str, dict[str, int]] = {}
    corrected: dict[str, dict[str, int]] = {}

    with atomic_directory(crawl["output_dir"]) as staging:
        with ShardWriter(staging, CRAWL_SCHEMA, int(crawl["rows_per_shard"])) as writer:
            for source in sources:
                name = source["name"]
                logger.info("crawling source %s (type %s)", name, source["type"])
                skips = SkipCounter(logging.getLogger(f"{__name__}.{name}"), f"items of {name}")
                reader = source_reader(source["type"])
                prepared = prepare_source(source, synth, int(crawl.get("seed", 0)))
                rows = reader(prepared, skips=skips, max_pixels=max_pixels, cache_dir=cache_dir)
                for row in progress(rows, desc=name, unit="row"):
                    if row["sha256"] in seen:
                        duplicates[name] += 1
                        logger.debug(
                            "duplicate image %s from %s (%s)", row["sha256"], name, row["uri"]
                        )
                        continue
                    seen.add(row["sha256"])
                    writer.write(row)
                    rows_per_source[name] += 1
                    rows_per_kind[row["kind"]] += 1
                skips.log_summary()
                skipped[name] = skips.as_dict()
                corrected[name] = dict(sorted(skips.notes.items()))
                logger.info(
                    "source %s: %d rows, %d duplicates",
                    name,
                    rows_per_source[name],
                    duplicates[name],
                )

    metrics = crawl_metrics(sources, rows_per_source, rows_per_kind, duplicates, skipped, corrected)
    write_json(metrics_path, metrics)
    logger.info(
        "wrote %d rows to %s (%d duplicates dropped)",
        metrics["rows"],
        crawl["output_dir"],
        metrics["duplicates"],
    )
    return metrics


def crawl_metrics(
    sources: list[dict[str, Any]],
    rows_per_source: Counter[str],
    rows_per_kind: Counter[str],
    duplicates: Counter[str],
    skipped: dict[str, dict[str, int]],
    corrected: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """Assemble the metrics JSON: row counts per source and kind, duplicates, skips per reason."""
    names = [s["name"] for s in sources]
    skipped_total: Counter[str] = Counter()
    for counts in skipped.values():
        skipped_total.update(counts)
    return {
        "rows": sum(rows_per_source.values()),
        "rows_per_source": {name: rows_per_source[name] for name in names},
        "rows_per_kind": dict(sorted(rows_per_kind.items())),
        "duplicates": sum(duplicates.values()),
        "duplicates_per_source": {name: duplicates[name] for name in names},
        "skipped": dict(sorted(skipped_total.items())),
        "skipped_per_source": skipped,
        "corrected_per_source": corrected,
    }
