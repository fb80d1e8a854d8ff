"""OCR backends behind one interface, chosen by name with ``crop.engine``."""

from __future__ import annotations

from typing import Any

from pipeline.crop.engines.base import CharBox, EngineError, OcrEngine
from pipeline.crop.engines.easyocr import EasyOcrEngine
from pipeline.crop.engines.rapidocr import RapidOcrEngine

ENGINES: dict[str, type[OcrEngine]] = {"rapidocr": RapidOcrEngine, "easyocr": EasyOcrEngine}


def engine_class(name: str) -> type[OcrEngine]:
    """Return the engine class called ``name`` (the OCR package itself is imported on creation)."""
    if name not in ENGINES:
        raise EngineError(f"unknown OCR engine '{name}'; expected one of {', '.join(ENGINES)}")
    return ENGINES[name]


def create_engine(name: str, options: dict[str, Any] | None = None) -> OcrEngine:
    """Create the OCR engine called ``name``; this loads its models."""
    return engine_class(name)(options)


__all__ = ["CharBox", "EngineError", "OcrEngine", "ENGINES", "engine_class", "create_engine"]
