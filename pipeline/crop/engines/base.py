"""The OCR engine interface: per-character boxes, characters and recogniser scores."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

# Options that change speed but not results, so they stay out of the cache key.
RESULT_NEUTRAL_OPTIONS = frozenset({"threads"})


@dataclass(frozen=True)
class CharBox:
    """One recognised character: its quadrilateral in image pixels, the character and its score."""

    points: np.ndarray  # float32, shape (4, 2), clockwise from top-left
    char: str
    score: float

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict; values are not rounded, so a cached result equals a fresh one."""
        return {
            "points": np.asarray(self.points, dtype=np.float32).astype(float).tolist(),
            "char": self.char,
            "score": float(self.score),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CharBox:
        return cls(
            np.asarray(data["points"], dtype=np.float32).reshape(4, 2),
            str(data["char"]),
            float(data["score"]),
        )


class EngineError(RuntimeError):
    """An OCR engine cannot be created (missing model file, unknown name, bad option)."""


class OcrEngine(ABC):
    """Base class of the OCR backends; a subclass sets ``name`` and implements the two methods."""

    name: str = ""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})

    @property
    def version(self) -> str:
        return self.version_of(self.options)

    @classmethod
    def version_of(cls, options: dict[str, Any] | None = None) -> str:
        """Return a short id of package version, model files and options without loading models.

        The OCR cache is keyed by this id, so a new model file or option invalidates old results
        while a re-run with unchanged inputs needs no engine at all.
        """
        options = {k: v for k, v in (options or {}).items() if k not in RESULT_NEUTRAL_OPTIONS}
        fingerprint = json.dumps(
            {
                "package": cls.package_version(),
                "models": cls.model_files(options),
                "options": options,
            },
            sort_keys=True,
        )
        return hashlib.sha256(fingerprint.encode()).hexdigest()[:12]

    @classmethod
    @abstractmethod
    def package_version(cls) -> str:
        """Return the installed version of the OCR package."""

    @classmethod
    @abstractmethod
    def model_files(cls, options: dict[str, Any]) -> dict[str, int]:
        """Return the model file names and their sizes in bytes."""

    @abstractmethod
    def detect_characters(self, image_bgr: np.ndarray) -> list[CharBox]:
        """Detect and recognise every character of a BGR uint8 image."""

    @classmethod
    def supports(cls, char: str, options: dict[str, Any] | None = None) -> bool:
        """Return whether the recogniser can output ``char`` at all (is it in its vocabulary)."""
        return True
