"""Typed, validated settings of the crop stage, read from the ``crop`` section of params.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.common.images import MAX_PIXELS
from pipeline.common.params import ParamsError
from pipeline.crop.engines import ENGINES

DUPLICATE_ACTIONS = ("mark", "drop")


@dataclass(frozen=True)
class CropConfig:
    """Settings of one crop run; see the ``crop`` section of params.yaml for each key's meaning."""

    input_dir: Path = Path("data/crawl")
    output_dir: Path = Path("data/crops")
    metrics_path: Path = Path("metrics/crop.json")
    engine: str = "rapidocr"
    second_engine: str | None = None
    engine_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    cache_dir: Path = Path(".cache/ocr")
    num_workers: int = 2
    rows_per_shard: int = 2000
    max_pixels: int = MAX_PIXELS
    margin: float = 0.1
    min_size: int = 8
    min_sharpness: float = 0.0
    min_contrast: float = 0.0
    clip_boxes: bool = True
    match_iou: float = 0.5
    verify_annotations: bool = False
    phash_max_distance: int = 4
    near_duplicate_action: str = "mark"

    def options_for(self, engine: str) -> dict[str, Any]:
        return dict(self.engine_options.get(engine) or {})

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CropConfig:
        """Build the settings from a params section, raising ParamsError for an invalid value."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(params) - known)
        if unknown:
            raise ParamsError(f"unknown crop params {unknown}; expected keys among {sorted(known)}")
        values = {key: params[key] for key in known if key in params}
        for key in ("input_dir", "output_dir", "metrics_path", "cache_dir"):
            if key in values:
                values[key] = Path(values[key])
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        for name in (self.engine, self.second_engine):
            if name is not None and name not in ENGINES:
                raise ParamsError(
                    f"crop engine '{name}' is unknown; expected one of {sorted(ENGINES)}"
                )
        if self.second_engine == self.engine:
            raise ParamsError(
                f"crop.second_engine must differ from crop.engine ('{self.engine}') or be null"
            )
        if self.near_duplicate_action not in DUPLICATE_ACTIONS:
            raise ParamsError(
                f"crop.near_duplicate_action is '{self.near_duplicate_action}'; expected one of {DUPLICATE_ACTIONS}"
            )
        checks = {
            "num_workers": self.num_workers >= 0,
            "rows_per_shard": self.rows_per_shard >= 1,
            "margin": 0.0 <= self.margin <= 1.0,
            "min_size": self.min_size >= 1,
            "min_contrast": 0.0 <= self.min_contrast <= 1.0,
            "match_iou": 0.0 < self.match_iou <= 1.0,
            "phash_max_distance": 0 <= self.phash_max_distance <= 64,
        }
        for key, valid in checks.items():
            if not valid:
                raise ParamsError(
                    f"crop.{key} = {getattr(self, key)!r} is out of range; see params.yaml"
                )
