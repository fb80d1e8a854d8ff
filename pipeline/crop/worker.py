"""Process one crawl row into crop rows; the unit of work of the stage's worker processes."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.common.images import ImageDecodeError, decode_image
from pipeline.crop.annotations import AnnotationError, parse_annotations, split_annotations
from pipeline.crop.candidates import Candidate, compare_with_engine, from_engine
from pipeline.crop.config import CropConfig
from pipeline.crop.crops import CropSkip, build_row, cut_candidate, full_image_quad
from pipeline.crop.engines import EngineError
from pipeline.crop.ocr import CachedEngine, OcrStats

logger = logging.getLogger(__name__)


@dataclass
class RowResult:
    """Crop rows of one crawl row, its skipped and corrected items as (reason, item, detail), and
    OCR counters."""

    crops: list[dict[str, Any]] = field(default_factory=list)
    skips: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    crop_ids: set[str] = field(default_factory=set)
    ocr: OcrStats = field(default_factory=OcrStats)


class RowProcessor:
    """Turn crawl rows into crops; one instance per process, engines built on first cache miss."""

    def __init__(self, config: CropConfig) -> None:
        self.config = config
        self.stats = OcrStats()
        self.engine = CachedEngine(config.engine, config, self.stats)
        self.second = (
            CachedEngine(config.second_engine, config, self.stats) if config.second_engine else None
        )

    def __call__(self, row: dict[str, Any]) -> RowResult:
        """Crop one row; a bad image, annotation or box becomes a counted skip.

        Only EngineError (a missing model or package) is raised, because it would fail every
        photo the same way.
        """
        self.stats = OcrStats()
        self.engine.stats = self.stats
        if self.second is not None:
            self.second.stats = self.stats
        result = RowResult(ocr=self.stats)
        name = f"{row.get('uri')} ({str(row.get('sha256'))[:12]})"
        try:
            self.process(row, result, name)
        except EngineError:
            raise
        except Exception as error:  # noqa: BLE001
            # OCR runtimes and OpenCV raise their own error types on odd images, and one such
            # photo must not stop the run. The error is counted and logged with its traceback.
            logger.warning(
                "cropping %s failed: %s: %s", name, type(error).__name__, error, exc_info=True
            )
            result.skips.append(("crop_failed", name, f"{type(error).__name__}: {error}"))
        return result

    def process(self, row: dict[str, Any], result: RowResult, name: str) -> None:
        kind = row.get("kind")
        if kind not in ("photo", "glyph"):
            result.skips.append(
                ("unknown_kind", name, f"kind is {kind!r}, expected 'photo' or 'glyph'")
            )
            return
        if kind == "glyph" and not row.get("label"):
            result.skips.append(
                ("missing_label", name, "a glyph row needs its character in 'label'")
            )
            return
        try:
            image = np.asarray(decode_image(row["image"], self.config.max_pixels, name=name))
        except ImageDecodeError as error:
            # The message starts with the name already, so it is stored without it.
            result.skips.append(("undecodable_image", name, str(error).removeprefix(f"{name}: ")))
            return
        try:
            candidates = self.candidates(row, image, result, name)
        except AnnotationError as error:
            result.skips.append(("invalid_annotations", name, str(error)))
            return
        for candidate in candidates:
            self.crop(image, candidate, row, result, name)

    def candidates(
        self, row: dict[str, Any], image: np.ndarray, result: RowResult, name: str
    ) -> list[Candidate]:
        """Return the labelled boxes of a row: the whole glyph, its annotations or OCR output."""
        if row.get("kind") == "glyph":
            height, width = image.shape[:2]
            source = "synthetic" if row.get("synthetic") else "annotation"
            return [Candidate(full_image_quad(width, height), row["label"], source)]
        sha256 = row["sha256"]
        bgr = np.ascontiguousarray(image[:, :, ::-1])  # the engines expect OpenCV's BGR order
        if row.get("annotations") is None:
            found = from_engine(self.engine.detect(sha256, bgr))
            if self.second is not None:
                boxes = self.second.detect(sha256, bgr)
                found = compare_with_engine(
                    found, boxes, self.second.supports, self.config.match_iou, False
                )
            return found
        detect_once = functools.cache(lambda: self.engine.detect(sha256, bgr))
        annotated = split_annotations(parse_annotations(row["annotations"]), detect_once)
        result.skips.extend((reason, name, detail) for reason, detail in annotated.skips)
        found = annotated.candidates
        if self.config.verify_annotations:
            found = compare_with_engine(
                found, detect_once(), self.engine.supports, self.config.match_iou, True
            )
        return found

    def crop(
        self,
        image: np.ndarray,
        candidate: Candidate,
        row: dict[str, Any],
        result: RowResult,
        name: str,
    ) -> None:
        box = np.asarray(candidate.quad).round(1).reshape(-1).tolist()
        try:
            if row.get("kind") == "glyph":
                # A pre-cropped glyph is kept pixel for pixel: no warp, no margin.
                crop_rgb, quad = image, candidate.quad
            else:
                crop_rgb, quad, clipped = cut_candidate(image, candidate, self.config)
                if clipped:
                    result.notes.append(
                        ("box_clipped", f"{name} box {box}", "clipped to the image")
                    )
            crop = build_row(crop_rgb, quad, candidate, row, self.config)
        except CropSkip as error:
            result.skips.append((error.reason, f"{name} box {box}", str(error)))
            return
        # Two annotations of one character (a char box and a line split) give the same crop_id.
        if crop["crop_id"] in result.crop_ids:
            result.skips.append(
                ("duplicate_box", f"{name} box {box}", f"a second {crop['label']!r} at this box")
            )
            return
        result.crops.append(crop)
        result.crop_ids.add(crop["crop_id"])
