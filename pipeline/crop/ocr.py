"""Per-process OCR: engines created on first use, results read from and written to the cache."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from pipeline.crop.cache import OcrCache
from pipeline.crop.config import CropConfig
from pipeline.crop.engines import OcrEngine, engine_class
from pipeline.crop.engines.base import CharBox

logger = logging.getLogger(__name__)


@dataclass
class OcrStats:
    """Counters of one process, summed over workers into the stage metrics."""

    engine_runs: int = 0
    cache_hits: int = 0
    engines_created: int = 0
    seconds: float = 0.0  # wall time inside engine calls
    cpu_seconds: float = 0.0  # process CPU time inside engine calls
    load_seconds: float = 0.0  # wall time spent creating engines (loading models)

    def add(self, other: OcrStats) -> None:
        self.engine_runs += other.engine_runs
        self.cache_hits += other.cache_hits
        self.engines_created += other.engines_created
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        self.load_seconds += other.load_seconds


class CachedEngine:
    """An OCR engine behind the on-disk cache; the engine is only built on the first cache miss."""

    def __init__(self, name: str, config: CropConfig, stats: OcrStats) -> None:
        self.name = name
        self.options = config.options_for(name)
        self.cls = engine_class(name)
        self.cache = OcrCache(config.cache_dir, name, self.cls.version_of(self.options))
        self.stats = stats
        self._engine: OcrEngine | None = None

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:
            start = time.perf_counter()
            self._engine = self.cls(self.options)
            self.stats.engines_created += 1
            self.stats.load_seconds += time.perf_counter() - start
            logger.debug("created OCR engine %s (version %s)", self.name, self.cache.version)
        return self._engine

    def detect(self, sha256: str, image_bgr: np.ndarray) -> list[CharBox]:
        """Return the character boxes of an image from the cache, or run the engine and store them."""
        cached = self.cache.load(sha256)
        if cached is not None:
            self.stats.cache_hits += 1
            return cached
        engine = self.engine
        start, cpu_start = time.perf_counter(), time.process_time()
        boxes = engine.detect_characters(image_bgr)
        self.stats.seconds += time.perf_counter() - start
        self.stats.cpu_seconds += time.process_time() - cpu_start
        self.stats.engine_runs += 1
        self.cache.store(sha256, boxes)
        return boxes

    def supports(self, char: str) -> bool:
        return self.cls.supports(char, self.options)
