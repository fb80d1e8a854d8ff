"""RapidOCR (PP-OCRv4 ONNX models) with per-character boxes from the CTC alignment."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.crop.engines.base import CharBox, EngineError, OcrEngine


class RapidOcrEngine(OcrEngine):
    """Run ``RapidOCR()(image, return_word_box=True)`` and flatten its lines into characters.

    Options: ``threads`` (onnxruntime intra-op threads; 1 per worker process avoids
    oversubscription), ``text_score`` (drop lines below this recogniser score).
    """

    name = "rapidocr"

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as error:
            raise EngineError(
                "crop.engine is 'rapidocr' but rapidocr-onnxruntime is not installed; "
                "install the version pinned in pyproject.toml"
            ) from error
        threads = int(self.options.get("threads", 1))
        self._ocr = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
            text_score=float(self.options.get("text_score", 0.5)),
        )

    @classmethod
    def package_version(cls) -> str:
        return importlib.metadata.version("rapidocr-onnxruntime")

    @classmethod
    def model_files(cls, options: dict[str, Any]) -> dict[str, int]:
        spec = importlib.util.find_spec("rapidocr_onnxruntime")
        if spec is None or not spec.submodule_search_locations:
            raise EngineError(
                "rapidocr-onnxruntime is not installed; install the version pinned in pyproject.toml"
            )
        models = Path(next(iter(spec.submodule_search_locations))) / "models"
        return {path.name: path.stat().st_size for path in sorted(models.glob("*.onnx"))}

    def detect_characters(self, image_bgr: np.ndarray) -> list[CharBox]:
        lines, _elapsed = self._ocr(image_bgr, return_word_box=True)
        boxes: list[CharBox] = []
        for line in lines or []:
            # A line is [line_quad, text, line_score, char_quads, chars, char_scores].
            if len(line) < 6:
                continue
            for quad, char, score in zip(line[3], line[4], line[5], strict=False):
                boxes.append(
                    CharBox(np.asarray(quad, dtype=np.float32).reshape(4, 2), char, float(score))
                )
        return boxes
