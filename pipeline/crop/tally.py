"""Running totals of a crop run (skips, corrections, near-duplicates, OCR) and its metrics JSON."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from pipeline.common.io import ShardWriter
from pipeline.common.logs import SkipCounter
from pipeline.crop.config import CropConfig
from pipeline.crop.dedup import NearDuplicateIndex
from pipeline.crop.ocr import OcrStats
from pipeline.crop.worker import RowResult

logger = logging.getLogger("pipeline.crop.stage")

# Crop columns whose values are counted in the metrics as crops_per_<column>.
COUNTED_COLUMNS = ("source", "script", "label_source")
# OCR reads spaces and punctuation in every sign photo, so skipping them is logged at DEBUG.
ROUTINE_SKIPS = ("space_or_punctuation_label",)


class CropTally:
    """Write each row's crops in order, dropping or marking near-duplicates, and count everything."""

    def __init__(self, config: CropConfig) -> None:
        self.config = config
        self.skips = SkipCounter(logger, "crops and photos", routine=ROUTINE_SKIPS)
        self.ocr = OcrStats()
        self.duplicates = NearDuplicateIndex(config.phash_max_distance)
        self.near_duplicates = 0
        self.counts: dict[str, Counter[str]] = {column: Counter() for column in COUNTED_COLUMNS}

    def add(self, result: RowResult, writer: ShardWriter) -> None:
        """Record one row's skips, corrections and OCR counters, and write its kept crops."""
        self.ocr.add(result.ocr)
        for reason, item, detail in result.skips:
            self.skips.skip(reason, item, detail)
        for reason, item, detail in result.notes:
            self.skips.note(reason, item, detail)
        for crop in result.crops:
            if self.duplicates.is_duplicate(crop["label"], crop["phash"]):
                self.near_duplicates += 1
                if self.config.near_duplicate_action == "drop":
                    self.skips.skip("near_duplicate", crop["crop_id"], f"pHash {crop['phash']}")
                    continue
            writer.write(crop)
            for column, counter in self.counts.items():
                counter[str(crop[column])] += 1

    def metrics(self, crawl_rows: int, crops: int, seconds: float) -> dict[str, Any]:
        """Return the metrics JSON of the run."""
        metrics: dict[str, Any] = {
            "crawl_rows": crawl_rows,
            "crops": crops,
            "skipped": self.skips.as_dict(),
            "corrected": dict(sorted(self.skips.notes.items())),
            "near_duplicates": {
                "found": self.near_duplicates,
                "action": self.config.near_duplicate_action,
                "max_distance": self.config.phash_max_distance,
            },
        }
        for column, counter in self.counts.items():
            metrics[f"crops_per_{column}"] = dict(sorted(counter.items()))
        metrics["ocr"] = {
            "engine": self.config.engine,
            "second_engine": self.config.second_engine,
            "engine_runs": self.ocr.engine_runs,
            "cache_hits": self.ocr.cache_hits,
            "engines_created": self.ocr.engines_created,
            "seconds": round(self.ocr.seconds, 3),
            "cpu_seconds": round(self.ocr.cpu_seconds, 3),
            "load_seconds": round(self.ocr.load_seconds, 3),
        }
        metrics["seconds"] = round(seconds, 3)
        return metrics
