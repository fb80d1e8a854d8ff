"""Check the export section of params.yaml before any crop is read."""

from __future__ import annotations

from typing import Any

from pipeline.common.params import ParamsError
from pipeline.export.splits import check_fractions

# Whole-number settings: the smallest allowed value, and whether the key may be null.
COUNTS = {
    "min_classes_per_group": (2, False),
    "min_instances_per_class": (1, False),
    "max_instances_per_class": (1, True),
    "train_shots": (1, True),
    "pairs_per_anchor": (0, False),
    "rows_per_shard": (1, False),
    "rows_per_row_group": (1, False),
    "gallery_per_class": (0, False),
}


def check_export_params(params: dict[str, Any]) -> None:
    """Raise ParamsError naming the first invalid export setting and the values it accepts."""
    for key, (minimum, nullable) in COUNTS.items():
        if key not in params:
            continue
        value = params[key]
        if value is None and nullable:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            allowed = f"a whole number >= {minimum}" + (" or null" if nullable else "")
            raise ParamsError(f"export.{key} must be {allowed}, got {value!r}")
    distance = params.get("phash_max_distance")
    if isinstance(distance, bool) or not isinstance(distance, int) or not 0 <= distance <= 64:
        raise ParamsError(
            "export.phash_max_distance must be a whole number of bits from 0 to 64 (the "
            f"perceptual hash has 64), got {distance!r}"
        )
    confidence = params.get("min_confidence", 0.0)
    is_number = isinstance(confidence, int | float) and not isinstance(confidence, bool)
    if not is_number or not 0.0 <= confidence <= 1.0:
        raise ParamsError(f"export.min_confidence must be a number from 0 to 1, got {confidence!r}")
    _check_splits(params.get("splits"))
    topup = params.get("topup_synthetic")
    if topup is not None:
        if not isinstance(topup, dict) or not {"min_real", "per_class"} <= set(topup):
            raise ParamsError(
                "export.topup_synthetic must be null or {min_real: N, per_class: M}, "
                f"got {topup!r}"
            )
        for key in ("min_real", "per_class"):
            value = topup[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ParamsError(
                    f"export.topup_synthetic.{key} must be a whole number >= 1, got {value!r}"
                )


def _check_splits(splits: Any) -> None:
    if not isinstance(splits, dict) or not splits:
        raise ParamsError(
            f"export.splits must map split names to fractions, such as "
            f"{{train: 0.6, validation: 0.2, test: 0.2}}, got {splits!r}"
        )
    for name, fraction in splits.items():
        if isinstance(fraction, bool) or not isinstance(fraction, int | float):
            raise ParamsError(f"export.splits.{name} must be a fraction >= 0, got {fraction!r}")
    check_fractions(splits)
    if not splits.get("train"):
        raise ParamsError("export.splits.train must be above 0: the models need training crops")
