"""Label checks and the label confidence that combines recogniser scores and agreement."""

from __future__ import annotations

import unicodedata

from pipeline.common.charsets import normalize_label


def check_label(text: str) -> tuple[str | None, str]:
    """Return ``(label, "")`` for a usable one-character label, else ``(None, skip_reason)``.

    The label is NFKC-normalised first, so a full-width Ａ becomes A. Punctuation (Unicode
    category P*) and spaces are rejected; symbols (S*) are kept because look-alikes such as
    ``|`` versus ``l`` are part of the task.
    """
    label = normalize_label(text or "")
    if not label:
        return None, "space_or_punctuation_label"
    if len(label) != 1:
        return None, "not_single_character"
    if label.isspace() or unicodedata.category(label).startswith(("P", "Z", "C")):
        return None, "space_or_punctuation_label"
    return label, ""


def label_confidence(
    label_source: str,
    ocr_score: float | None,
    agree: bool | None,
    second_score: float | None = None,
) -> float:
    """Return a label confidence in [0, 1].

    Synthetic labels are exact (1.0). An annotation is trusted (1.0) unless an engine read the
    same box differently (0.5, a case for review). An OCR label gets its recogniser score s1.
    A second engine that agrees with score s2 raises it to ``1 - (1 - s1)(1 - s2)``. One that
    disagrees lowers it to ``s1 (1 - s2)``, the chance that only the first engine is right when
    the two errors are independent. A second engine that found nothing at the box counts as
    ``s2 = 0``.
    """
    if label_source == "synthetic":
        return 1.0
    if label_source == "annotation":
        return 0.5 if agree is False else 1.0
    score = float(ocr_score if ocr_score is not None else 0.0)
    if agree is None:
        return _unit(score)
    other = float(second_score or 0.0)
    if agree:
        return _unit(1.0 - (1.0 - score) * (1.0 - other))
    return _unit(score * (1.0 - other))


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))
