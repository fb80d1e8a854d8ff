"""On-disk OCR cache: one JSON record per image, keyed by image SHA-256, engine and model version."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.common.io import write_json
from pipeline.crop.engines.base import CharBox

logger = logging.getLogger(__name__)


class OcrCache:
    """Store and load the character boxes an engine found in an image.

    Records live at ``<cache_dir>/<engine>-<version>/<sha256[:2]>/<sha256>.json``. A new
    package version, model file or result-changing option gives a new folder, so stale
    results are never read.
    """

    def __init__(self, cache_dir: str | Path, engine: str, version: str) -> None:
        self.root = Path(cache_dir) / f"{engine}-{version}"
        self.engine = engine
        self.version = version

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.json"

    def load(self, sha256: str) -> list[CharBox] | None:
        """Return the cached boxes of an image, or None on a miss or an unreadable record."""
        path = self.path(sha256)
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            return [CharBox.from_json(item) for item in record["boxes"]]
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning(
                "ignoring unreadable OCR cache record %s (%s); the image is read again", path, error
            )
            return None

    def store(self, sha256: str, boxes: list[CharBox]) -> None:
        record = {
            "engine": self.engine,
            "version": self.version,
            "sha256": sha256,
            "boxes": [box.to_json() for box in boxes],
        }
        write_json(self.path(sha256), record)
