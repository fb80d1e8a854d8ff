"""Select the classes and groups of one dataset and cap the instances per class."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import pandas as pd

logger = logging.getLogger(__name__)

# Keep order when a class is capped: a person's decision beats a drawn box, a drawn box beats
# an OCR reading, and any real crop beats a rendered one.
STATUS_PRIORITY = {"verified": 0, "annotation": 1, "ocr": 2, "synthetic": 3}


@dataclass
class Selection:
    """The selected crops (with a ``group`` column) and what was dropped, with reasons.

    Groups in which no member has enough crops are only counted, not listed.
    """

    crops: pd.DataFrame
    dropped_classes: dict[str, str] = field(default_factory=dict)
    dropped_groups: dict[str, str] = field(default_factory=dict)
    dropped_crops: dict[str, int] = field(default_factory=dict)
    groups_without_crops: int = 0


def select_classes(
    crops: pd.DataFrame,
    group_of: dict[str, str],
    params: dict,
    classes_before_decisions: dict[str, set[str]],
) -> Selection:
    """Keep classes with enough instances inside groups with enough such classes.

    ``classes_before_decisions`` maps each group id to the classes it had before the labeling
    decisions were applied, so a group that relabeling collapsed is reported as such.
    """
    selection = Selection(crops)
    crops = _drop_low_confidence(crops, params.get("min_confidence", 0.0), selection)
    crops = crops.assign(group=crops["label"].map(group_of))
    ungrouped = crops["group"].isna()
    for label in sorted(crops.loc[ungrouped, "label"].unique()):
        selection.dropped_classes[label] = "not_in_any_group"
    _count(selection, "class_not_in_any_group", int(ungrouped.sum()))
    crops = crops[~ungrouped]

    min_instances = int(params["min_instances_per_class"])
    counts = crops["label"].value_counts()
    for label in sorted(counts[counts < min_instances].index):
        selection.dropped_classes[label] = f"too_few_instances ({counts[label]} < {min_instances})"
    enough = crops["label"].isin(counts[counts >= min_instances].index)
    _count(selection, "class_too_few_instances", int((~enough).sum()))
    crops = crops[enough]

    min_classes = int(params["min_classes_per_group"])
    classes = crops.groupby("group")["label"].nunique()
    for group_id in sorted(set(group_of.values())):
        have = int(classes.get(group_id, 0))
        if have >= min_classes:
            continue
        if have == 0 and group_id not in classes_before_decisions:
            # Mining proposes groups over a whole candidate charset, and most of them have no
            # crops at all.
            selection.groups_without_crops += 1
            continue
        before = len(classes_before_decisions.get(group_id, ()))
        reason = "collapsed_by_overrides" if before >= min_classes else "too_few_classes"
        selection.dropped_groups[group_id] = f"{reason} ({have} < {min_classes})"
    kept = crops["group"].isin(classes[classes >= min_classes].index)
    for label in sorted(crops.loc[~kept, "label"].unique()):
        selection.dropped_classes[label] = "group_dropped"
    _count(selection, "group_too_few_classes", int((~kept).sum()))
    selection.crops = crops[kept].reset_index(drop=True)
    _log_drops(selection)
    return selection


def _drop_low_confidence(crops: pd.DataFrame, minimum: float, selection: Selection):
    # A person's decision overrides the pipeline's confidence.
    low = (crops["confidence"].astype(float) < minimum) & (crops["label_status"] != "verified")
    _count(selection, "low_confidence", int(low.sum()))
    return crops[~low]


def _count(selection: Selection, reason: str, number: int) -> None:
    if number:
        selection.dropped_crops[reason] = selection.dropped_crops.get(reason, 0) + number


def _log_drops(selection: Selection) -> None:
    """Log a summary at INFO and each drop at DEBUG, but a collapsed group at WARNING."""
    for group_id, reason in selection.dropped_groups.items():
        level = logging.WARNING if reason.startswith("collapsed") else logging.DEBUG
        logger.log(level, "dropped group %s: %s", group_id, reason)
    for label, reason in selection.dropped_classes.items():
        logger.debug("dropped class %s: %s", label, reason)
    logger.info(
        "kept %d classes in %d groups; dropped %d groups without enough crops and %d more "
        "groups and %d classes (reasons in the metrics)",
        selection.crops["label"].nunique(),
        selection.crops["group"].nunique(),
        selection.groups_without_crops,
        len(selection.dropped_groups),
        len(selection.dropped_classes),
    )


def priority_order(crops: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Sort crops by keep priority: label status, then confidence, then a seeded hash."""
    keys = pd.DataFrame(
        {
            "status": crops["label_status"].map(STATUS_PRIORITY).fillna(len(STATUS_PRIORITY)),
            "confidence": -crops["confidence"].astype(float),
            "tiebreak": [_seeded_hash(seed, c) for c in crops["crop_id"]],
        },
        index=crops.index,
    )
    order = keys.sort_values(["status", "confidence", "tiebreak"], kind="stable").index
    return crops.loc[order]


def cap_per_class(crops: pd.DataFrame, maximum: int | None, seed: int) -> tuple[pd.DataFrame, int]:
    """Keep at most ``maximum`` crops per class (None keeps all); return the rows and drop count."""
    if maximum is None:
        return crops, 0
    kept = priority_order(crops, seed).groupby("label", sort=False).head(int(maximum))
    kept = kept.sort_index()
    return kept, len(crops) - len(kept)


def _seeded_hash(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()
