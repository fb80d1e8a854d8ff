"""Class and group selection, drop reasons and per-class caps."""

from __future__ import annotations

import pandas as pd

from pipeline.export.selection import cap_per_class, select_classes

PARAMS = {"min_instances_per_class": 3, "min_classes_per_group": 2, "min_confidence": 0.5}
GROUP_OF = {"a": "g1", "b": "g1", "c": "g2", "d": "g2"}


def _crops(counts: dict[str, int], status: str = "ocr", confidence: float = 0.9) -> pd.DataFrame:
    rows = [
        {"crop_id": f"{label}{i}", "label": label, "label_status": status, "confidence": confidence}
        for label, count in counts.items()
        for i in range(count)
    ]
    return pd.DataFrame(rows)


def test_drop_reasons_per_class_and_group():
    crops = _crops({"a": 4, "b": 3, "c": 5, "d": 2, "z": 6})
    selection = select_classes(crops, GROUP_OF, PARAMS, {"g1": {"a", "b"}, "g2": {"c"}})
    assert sorted(selection.crops["label"].unique()) == ["a", "b"]
    assert selection.dropped_classes == {
        "z": "not_in_any_group",
        "d": "too_few_instances (2 < 3)",
        "c": "group_dropped",
    }
    assert selection.dropped_groups == {"g2": "too_few_classes (1 < 2)"}
    assert selection.dropped_crops == {
        "class_not_in_any_group": 6,
        "class_too_few_instances": 2,
        "group_too_few_classes": 5,
    }


def test_group_collapsed_by_relabeling_is_reported():
    crops = _crops({"a": 4, "c": 4, "d": 4})
    selection = select_classes(crops, GROUP_OF, PARAMS, {"g1": {"a", "b"}, "g2": {"c", "d"}})
    assert selection.dropped_groups == {"g1": "collapsed_by_overrides (1 < 2)"}


def test_low_confidence_dropped_unless_verified():
    crops = pd.concat(
        [
            _crops({"a": 3, "b": 3}),
            _crops({"a": 2}, confidence=0.1),
            _crops({"b": 2}, "verified", 0.1),
        ]
    )
    selection = select_classes(crops.reset_index(drop=True), GROUP_OF, PARAMS, {})
    assert selection.dropped_crops == {"low_confidence": 2}
    assert selection.crops["label"].value_counts().to_dict() == {"b": 5, "a": 3}


def test_cap_keeps_verified_then_confident():
    crops = pd.concat(
        [
            _crops({"a": 3}, "synthetic", 1.0),
            _crops({"a": 2}, "ocr", 0.6).assign(crop_id=["o1", "o2"]),
            _crops({"a": 1}, "verified", 0.2).assign(crop_id=["v1"]),
        ]
    ).reset_index(drop=True)
    kept, dropped = cap_per_class(crops, 2, seed=0)
    assert dropped == 4
    assert sorted(kept["label_status"]) == ["ocr", "verified"]
    unchanged, none_dropped = cap_per_class(crops, None, seed=0)
    assert none_dropped == 0
    assert len(unchanged) == len(crops)


def test_groups_without_crops_only_counted():
    crops = _crops({"a": 4, "b": 4})
    group_of = {**GROUP_OF, "e": "g3", "f": "g3"}
    selection = select_classes(crops, group_of, PARAMS, {"g1": {"a", "b"}})
    assert selection.groups_without_crops == 2  # g2 and g3
    assert selection.dropped_groups == {}
