"""Declare the ``datasets.Features`` of the exported configurations.

Class names are sorted by code point, so a label id means the same character in every export
of the same class set and in every split.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, Image, List, Value


def default_features(class_names: list[str], group_names: list[str]) -> Features:
    """Return the features of the ``default`` and ``real-only`` configurations.

    ``confidence``, ``engines_agree`` and ``phash`` are copied from the crop shards, so the
    labeling UI can order crops by suspicion. ``ocr_score`` and ``engines_agree`` may be null.
    """
    return Features(
        {
            "image": Image(),
            "label": ClassLabel(names=sorted(class_names)),
            "character": Value("string"),
            "group": ClassLabel(names=sorted(group_names)),
            "crop_id": Value("string"),
            "source": Value("string"),
            "source_sha256": Value("string"),
            "uri": Value("string"),
            "licence": Value("string"),
            "box": List(Value("float32"), length=8),
            "ocr_score": Value("float32"),
            "confidence": Value("float32"),
            "engines_agree": Value("bool"),
            "label_status": Value("string"),
            "synthetic": Value("bool"),
            "phash": Value("string"),
        }
    )


def pairs_features(class_names: list[str], group_names: list[str]) -> Features:
    """Return the features of the ``pairs`` configuration (crop ids refer to ``default``)."""
    labels = ClassLabel(names=sorted(class_names))
    return Features(
        {
            "anchor_crop_id": Value("string"),
            "other_crop_id": Value("string"),
            "anchor_label": labels,
            "other_label": labels,
            "group": ClassLabel(names=sorted(group_names)),
            "same": Value("bool"),
        }
    )
