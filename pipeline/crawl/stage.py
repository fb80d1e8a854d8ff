"""Run every crawl source, drop duplicate images and write the shards and metrics."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
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


@dataclass
class CrawlTally:
    """Counts of one crawl run, per source: rows written, duplicates, skips and corrections."""

    seen: set[str] = field(default_factory=set)
    rows_per_source: Counter[str] = field(default_factory=Counter)
    rows_per_kind: Counter[str] = field(default_factory=Counter)
    duplicates_per_source: Counter[str] = field(default_factory=Counter)
    skipped_per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    corrected_per_source: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_metrics(self, names: list[str]) -> dict[str, Any]:
        """Return the metrics JSON: totals first, then the same counts per source."""
        skipped: Counter[str] = Counter()
        for counts in self.skipped_per_source.values():
            skipped.update(counts)
        return {
            "rows": sum(self.rows_per_source.values()),
            "rows_per_source": {name: self.rows_per_source[name] for name in names},
            "rows_per_kind": dict(sorted(self.rows_per_kind.items())),
            "duplicates": sum(self.duplicates_per_source.values()),
            "duplicates_per_source": {name: self.duplicates_per_source[name] for name in names},
            "skipped": dict(sorted(skipped.items())),
            "skipped_per_source": {name: self.skipped_per_source.get(name, {}) for name in names},
            "corrected_per_source": {
                name: self.corrected_per_source.get(name, {}) for name in names
            },
        }


def prepare_source(source: dict[str, Any], synth: dict[str, Any], seed: int) -> dict[str, Any]:
    """Give a synthetic source the ``synth`` params (its own ``synth`` keys override) and a seed."""
    if source["type"] != "synthetic":
        return source
    return {
        **source,
        "synth": deep_merge(synth, source.get("synth") or {}),
        "seed": source.get("seed", seed),
    }


def crawl_source(
    source: dict[str, Any],
    writer: ShardWriter,
    tally: CrawlTally,
    *,
    max_pixels: int,
    cache_dir: Path,
) -> None:
    """Write the rows of one source whose image was not seen before, counting everything."""
    name = source["name"]
    logger.info("crawling source %s (type %s)", name, source["type"])
    skips = SkipCounter(logging.getLogger(f"{__name__}.{name}"), f"items of {name}")
    reader = source_reader(source["type"])
    rows = reader(source, skips=skips, max_pixels=max_pixels, cache_dir=cache_dir)
    for row in progress(rows, desc=name, unit="row"):
        if row["sha256"] in tally.seen:
            tally.duplicates_per_source[name] += 1
            logger.debug("dropped duplicate image %s of %s (%s)", row["sha256"], name, row["uri"])
            continue
        tally.seen.add(row["sha256"])
        writer.write(row)
        tally.rows_per_source[name] += 1
        tally.rows_per_kind[row["kind"]] += 1
    skips.log_summary()
    tally.skipped_per_source[name] = skips.as_dict()
    tally.corrected_per_source[name] = dict(sorted(skips.notes.items()))
    logger.info(
        "source %s: %d rows, %d duplicates dropped",
        name,
        tally.rows_per_source[name],
        tally.duplicates_per_source[name],
    )


def run_crawl(
    crawl: dict[str, Any], synth: dict[str, Any], metrics_path: str | Path = DEFAULT_METRICS_PATH
) -> dict[str, Any]:
    """Crawl every source into ``crawl['output_dir']`` and return the metrics.

    Rows are deduplicated by ``sha256`` across all sources, and the first source listed wins.
    The shards are written to a staging folder that replaces the output folder only on success.
    """
    sources = check_sources(crawl.get("sources"))
    cache_dir = Path(crawl.get("cache_dir", DEFAULT_CACHE_DIR))
    seed = int(crawl.get("seed", 0))
    tally = CrawlTally()

    with atomic_directory(crawl["output_dir"]) as staging:
        with ShardWriter(staging, CRAWL_SCHEMA, int(crawl["rows_per_shard"])) as writer:
            for source in sources:
                crawl_source(
                    prepare_source(source, synth, seed),
                    writer,
                    tally,
                    max_pixels=int(crawl["max_pixels"]),
                    cache_dir=cache_dir,
                )

    metrics = tally.as_metrics([source["name"] for source in sources])
    write_json(metrics_path, metrics)
    logger.info(
        "wrote %d rows to %s (%d duplicates dropped)",
        metrics["rows"],
        crawl["output_dir"],
        metrics["duplicates"],
    )
    return metrics
