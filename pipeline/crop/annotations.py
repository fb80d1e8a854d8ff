"""Turn crawl annotations (char, word or line quads with text) into per-character candidates."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from pipeline.crop.candidates import Candidate
from pipeline.crop.engines.base import CharBox
from pipeline.crop.geometry import BoxError, as_quad, order_clockwise, side_lengths, split_quad

# A vertical line of n square-ish glyphs is about n times taller than wide. A height-to-width
# ratio outside [n / 2, 2 n] means the text does not fill the box evenly, so the engine's
# character boxes are used instead of an even split.
VERTICAL_RATIO_TOLERANCE = 2.0


class AnnotationError(ValueError):
    """The ``annotations`` JSON of a crawl row cannot be parsed."""


@dataclass
class AnnotationResult:
    """Candidates from one photo's annotations plus (reason, detail) pairs for skipped ones."""

    candidates: list[Candidate] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)
    used_engine: bool = False


def parse_annotations(text: str) -> list[dict]:
    """Parse the JSON list of ``{"points", "text", "level"}`` objects of a crawl row."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnnotationError(f"annotations are not valid JSON ({error})") from error
    if not isinstance(items, list):
        raise AnnotationError(f"annotations must be a JSON list, got {type(items).__name__}")
    return items


def split_annotations(
    items: list[dict], engine_boxes: Callable[[], list[CharBox]]
) -> AnnotationResult:
    """Return character candidates for every annotation item.

    Char-level items are used as they are. A vertical line whose height matches its text length
    is split evenly. Any other word or line takes the engine's character boxes inside it, aligned
    with its text. ``engine_boxes`` is called at most once, on first need.
    """
    result = AnnotationResult()
    boxes: list[CharBox] | None = None
    for position, item in enumerate(items):
        try:
            quad, text, level = _read_item(item)
        except (BoxError, AnnotationError) as error:
            reason = error.reason if isinstance(error, BoxError) else "invalid_annotation"
            result.skips.append((reason, f"annotation {position}: {error}"))
            continue
        chars = [c for c in text if not c.isspace()]
        if level == "char" or len(chars) == 1:
            result.candidates.append(Candidate(quad, text, "annotation"))
            continue
        cells = split_vertical(quad, len(chars))
        if cells is not None:
            result.candidates.extend(
                Candidate(c, ch, "annotation") for c, ch in zip(cells, chars, strict=True)
            )
            continue
        if boxes is None:
            boxes = engine_boxes()
            result.used_engine = True
        aligned, unaligned = align_with_engine(quad, chars, boxes)
        result.candidates.extend(aligned)
        for char in unaligned:
            result.skips.append(
                ("unaligned_annotation_char", f"annotation {position} {text!r}: {char!r}")
            )
    return result


def _read_item(item: object) -> tuple[np.ndarray, str, str]:
    if not isinstance(item, dict) or "points" not in item or not isinstance(item.get("text"), str):
        raise AnnotationError(f"expected an object with 'points' and 'text', got {str(item)[:80]}")
    level = item.get("level", "char")
    if level not in ("char", "word", "line"):
        raise AnnotationError(f"level must be char, word or line, got {level!r}")
    return order_clockwise(as_quad(item["points"])), item["text"], level


def split_vertical(quad: np.ndarray, length: int) -> list[np.ndarray] | None:
    """Split a vertical line into ``length`` equal cells, or return None when it is not one."""
    width, height = side_lengths(quad)
    if length < 2 or height <= width:
        return None
    ratio = height / max(width, 1e-6)
    if not length / VERTICAL_RATIO_TOLERANCE <= ratio <= length * VERTICAL_RATIO_TOLERANCE:
        return None
    return split_quad(quad, length, along_height=True)


def align_with_engine(
    quad: np.ndarray, chars: list[str], boxes: list[CharBox]
) -> tuple[list[Candidate], list[str]]:
    """Pair the annotation's characters with the engine boxes inside its quad, in reading order.

    The engine's string and the annotation are aligned with difflib. Equal characters agree.
    Replacements of equal length are paired as disagreements, and the annotation keeps its
    label. Annotation characters left without a box are returned as unaligned.
    """
    inside = [b for b in boxes if b.char.strip() and _center_inside(b.points, quad)]
    axis = quad[1] - quad[0]
    inside.sort(key=lambda b: float(np.dot(b.points.mean(axis=0) - quad[0], axis)))
    matcher = difflib.SequenceMatcher(None, [b.char for b in inside], chars, autojunk=False)
    aligned: list[Candidate] = []
    unaligned: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            for box, char in zip(inside[i1:i2], chars[j1:j2], strict=True):
                aligned.append(
                    Candidate(
                        box.points,
                        char,
                        "annotation",
                        ocr_score=box.score,
                        engines_agree=box.char == char,
                    )
                )
        else:
            unaligned.extend(chars[j1:j2])
    return aligned, unaligned


def _center_inside(points: np.ndarray, quad: np.ndarray) -> bool:
    center = points.mean(axis=0)
    return (
        cv2.pointPolygonTest(quad.reshape(-1, 1, 2), (float(center[0]), float(center[1])), False)
        >= 0
    )
