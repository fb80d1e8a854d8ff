"""Run the crop stage: crawl shards in, crop shards and metrics out, photos spread over workers."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.common.io import ShardWriter, atomic_directory, read_shards, write_json
from pipeline.common.logs import SkipCounter, progress
from pipeline.crop.config import CropConfig
from pipeline.crop.engines import engine_class
from pipeline.crop.schema import CROP_SCHEMA
from pipeline.crop.tally import CropTally
from pipeline.crop.worker import RowProcessor, RowResult

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("sha256", "image", "kind")
# Rows handed to the pool at a time: enough to keep every worker busy while bounding how many
# images wait in the task queue.
ROWS_PER_WORKER_BATCH = 8


class CrawlInputError(ValueError):
    """The crawl shards lack a column the crop stage needs."""


def load_crawl_rows(config: CropConfig, skips: SkipCounter) -> pa.Table:
    """Read the crawl shards sorted by sha256, with rows of a repeated sha256 skipped."""
    table = read_shards(config.input_dir)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise CrawlInputError(
            f"crawl shards in {config.input_dir} lack columns {missing}; "
            "expected the data/crawl columns of docs/architecture.md"
        )
    table = table.take(pc.sort_indices(table, sort_keys=[("sha256", "ascending")]))
    hashes = table.column("sha256").to_pylist()
    keep = [i for i, sha in enumerate(hashes) if i == 0 or sha != hashes[i - 1]]
    for index in sorted(set(range(len(hashes))) - set(keep)):
        skips.skip(
            "duplicate_source", hashes[index], "the same sha256 appears in more than one crawl row"
        )
    return table.take(keep)


def iter_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    for batch in table.to_batches(max_chunksize=64):
        yield from batch.to_pylist()


_PROCESSOR: RowProcessor | None = None


def _init_worker(config: CropConfig) -> None:
    global _PROCESSOR
    _PROCESSOR = RowProcessor(config)


def _process_in_worker(row: dict[str, Any]) -> RowResult:
    assert _PROCESSOR is not None, "worker used before _init_worker"
    return _PROCESSOR(row)


def process_rows(rows: Iterator[dict[str, Any]], config: CropConfig) -> Iterator[RowResult]:
    """Yield one result per row, in input order, from ``num_workers`` processes (0 or 1: inline)."""
    if config.num_workers <= 1:
        processor = RowProcessor(config)
        yield from map(processor, rows)
        return
    # fork starts workers in milliseconds, which keeps a warm-cache re-run fast. It is safe here
    # because the parent never creates an OCR engine, so no onnxruntime or torch thread pool
    # exists yet to be copied in a broken state.
    context = multiprocessing.get_context("fork")
    batch_size = config.num_workers * ROWS_PER_WORKER_BATCH
    with context.Pool(config.num_workers, initializer=_init_worker, initargs=(config,)) as pool:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                yield from pool.imap(_process_in_worker, batch)
                batch = []
        yield from pool.imap(_process_in_worker, batch)


def check_engines(config: CropConfig) -> None:
    """Raise EngineError now for a missing OCR package or model file.

    Workers would otherwise fail in their initializer, and multiprocessing reacts by
    starting new workers that fail the same way.
    """
    for name in (config.engine, config.second_engine):
        if name is not None:
            engine_class(name).version_of(config.options_for(name))


def run(config: CropConfig) -> dict[str, Any]:
    """Crop every crawl row, write ``output_dir`` shards and the metrics JSON, and return the metrics."""
    start = time.perf_counter()
    check_engines(config)
    tally = CropTally(config)
    table = load_crawl_rows(config, tally.skips)
    logger.info(
        "cropping %d crawl rows from %s with engine %s",
        table.num_rows,
        config.input_dir,
        config.engine,
    )

    with atomic_directory(config.output_dir) as staging:
        with ShardWriter(staging, CROP_SCHEMA, config.rows_per_shard) as writer:
            results = process_rows(iter_rows(table), config)
            for result in progress(results, desc="crop", total=table.num_rows, unit="image"):
                tally.add(result, writer)
        crops = writer.rows_written

    tally.skips.log_summary()
    metrics = tally.metrics(table.num_rows, crops, time.perf_counter() - start)
    write_json(config.metrics_path, metrics)
    logger.info(
        "wrote %d crops to %s in %.1f s (%d OCR runs, %d cache hits)",
        crops,
        config.output_dir,
        metrics["seconds"],
        tally.ocr.engine_runs,
        tally.ocr.cache_hits,
    )
    return metrics
