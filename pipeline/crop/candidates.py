"""Labelled boxes to crop: a character box, its label and how much the label is trusted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from pipeline.crop.engines.base import CharBox
from pipeline.crop.geometry import match_boxes


@dataclass(frozen=True)
class Candidate:
    """One character box before cropping; ``label`` is the raw text, checked later."""

    quad: np.ndarray
    label: str
    label_source: str  # annotation, ocr or synthetic
    ocr_score: float | None = None
    engines_agree: bool | None = None
    second_score: float | None = None


def from_engine(boxes: list[CharBox]) -> list[Candidate]:
    """Turn an engine's character boxes into OCR-labelled candidates."""
    return [Candidate(box.points, box.char, "ocr", ocr_score=box.score) for box in boxes]


def compare_with_engine(
    candidates: list[Candidate],
    boxes: list[CharBox],
    supports: Callable[[str], bool],
    min_iou: float,
    keep_score: bool,
) -> list[Candidate]:
    """Record whether another engine read each candidate's box as the same character.

    Boxes are paired by IoU. A character outside the engine's vocabulary (a hanzi for an
    English recogniser) gives no verdict. For OCR candidates an unmatched box counts as a
    disagreement, because the second engine saw no character there. For annotations it gives
    no verdict, because detectors miss many true characters. ``keep_score`` stores the engine's
    score as ``ocr_score`` (used when the engine checks an annotation). Candidates that
    already carry a verdict are returned unchanged.
    """
    matches = match_boxes([c.quad for c in candidates], [b.points for b in boxes], min_iou)
    compared = []
    for candidate, index in zip(candidates, matches, strict=True):
        if candidate.engines_agree is not None or not supports(candidate.label):
            compared.append(candidate)
            continue
        if index is None:
            agree = False if candidate.label_source == "ocr" else None
            compared.append(replace(candidate, engines_agree=agree, second_score=0.0))
            continue
        other = boxes[index]
        update = {"engines_agree": other.char == candidate.label, "second_score": other.score}
        if keep_score:
            update["ocr_score"] = other.score
        compared.append(replace(candidate, **update))
    return compared
