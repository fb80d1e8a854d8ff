"""Load the crops of an exported Hugging Face parquet dataset (``rcc-fgvc/``, ``el-fgvc/``)."""

from __future__ import annotations

import fnmatch
import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from datasets import ClassLabel, Features

from labeling_ui.errors import DatasetError

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
REQUIRED_COLUMNS = ("crop_id", "image", "character", "group")
# Columns the crop stage writes; an export that keeps them gives the suspicion ordering more signal.
OPTIONAL_COLUMNS = (
    "source",
    "ocr_score",
    "confidence",
    "engines_agree",
    "phash",
    "label_status",
    "synthetic",
)


@dataclass(frozen=True)
class Crop:
    """One single-glyph crop of the dataset and the label the export gave it."""

    crop_id: str
    character: str
    group_id: str
    split: str
    source: str | None = None
    ocr_score: float | None = None
    confidence: float | None = None
    engines_agree: bool | None = None
    phash: str | None = None
    label_status: str | None = None
    synthetic: bool | None = None

    @property
    def rendered(self) -> bool:
        """Whether the crop is a glyph drawn from a font, whose label is the text it was drawn from."""
        return bool(self.synthetic) or self.label_status == "synthetic"


@dataclass
class GlyphDataset:
    """Every crop of one exported dataset, its PNG bytes, and the characters of each group."""

    name: str
    crops: dict[str, Crop]
    images: dict[str, bytes]
    groups: dict[str, list[str]]

    @functools.cached_property
    def _crops_by_group(self) -> dict[str, list[Crop]]:
        by_group: dict[str, list[Crop]] = {}
        for crop in self.crops.values():
            by_group.setdefault(crop.group_id, []).append(crop)
        return by_group

    def crops_in_group(self, group_id: str) -> list[Crop]:
        return list(self._crops_by_group.get(group_id, []))


def read_card_data_files(data_dir: Path) -> dict[str, list[str]] | None:
    """Return the ``default`` config's split -> path patterns from the dataset card, if it has them."""
    card = data_dir / "README.md"
    if not card.is_file():
        return None
    text = card.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return None
    try:
        header = yaml.safe_load(text.split("---", 2)[1]) or {}
    except yaml.YAMLError as error:
        logger.warning("ignored the YAML header of %s: %s", card, error)
        return None
    for config in header.get("configs") or []:
        if config.get("config_name", "default") != "default":
            continue
        return data_files_patterns(config.get("data_files"))
    return None


def data_files_patterns(data_files: object) -> dict[str, list[str]] | None:
    """Normalise a card's ``data_files`` (a path, a list, or split entries) to split -> patterns."""
    if isinstance(data_files, str):
        return {"train": [data_files]}
    if isinstance(data_files, dict):
        data_files = [{"split": split, "path": path} for split, path in data_files.items()]
    patterns: dict[str, list[str]] = {}
    for entry in data_files or []:
        if isinstance(entry, str):
            patterns.setdefault("train", []).append(entry)
            continue
        paths = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        patterns.setdefault(entry.get("split", "train"), []).extend(paths)
    return patterns or None


def split_of(relative: str, patterns: dict[str, list[str]]) -> str | None:
    """Return the split whose patterns match a file path relative to the dataset directory."""
    for split, globs in patterns.items():
        if any(fnmatch.fnmatch(relative, pattern) for pattern in globs):
            return split
    return None


def is_crop_table(path: Path) -> bool:
    return set(REQUIRED_COLUMNS) <= set(pq.read_schema(path).names)


def find_split_files(data_dir: Path) -> dict[str, list[Path]]:
    """Map each split to its parquet files, from the dataset card or else from the file names.

    Without a card, files that lack the crop columns (the ``pairs`` config, for example) are
    skipped, because nothing else tells them apart from the ``default`` config.
    """
    parquet_files = sorted(p for p in data_dir.rglob("*.parquet") if not p.name.startswith("."))
    patterns = read_card_data_files(data_dir)
    files: dict[str, list[Path]] = {}
    for path in parquet_files:
        relative = path.relative_to(data_dir).as_posix()
        if patterns is not None:
            split = split_of(relative, patterns)
        elif is_crop_table(path):
            split = next((s for s in SPLITS if s in relative), "train")
        else:
            logger.info("skipped %s: it lacks the columns %s", path, list(REQUIRED_COLUMNS))
            split = None
        if split is not None:
            files.setdefault(split, []).append(path)
    return files


def class_names(schema: pa.Schema, column: str) -> list[str] | None:
    """Return the ClassLabel names of ``column`` stored in the parquet schema, if it is one."""
    if schema.metadata is None or b"huggingface" not in schema.metadata:
        return None
    features = Features.from_arrow_schema(schema)
    feature = features.get(column)
    return list(feature.names) if isinstance(feature, ClassLabel) else None


def decode_class(values: list, names: list[str] | None) -> list[str]:
    if names is None:
        return [str(value) for value in values]
    return [names[value] for value in values]


def image_bytes(value: dict | bytes | None) -> bytes | None:
    """Return the encoded bytes of an ``Image`` feature cell (a struct of bytes and path)."""
    if isinstance(value, dict):
        return value.get("bytes")
    return value


def read_split_file(path: Path, split: str) -> tuple[list[Crop], dict[str, bytes]]:
    """Read the crops and images of one parquet file of the dataset."""
    table = pq.read_table(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in table.column_names]
    if missing:
        raise DatasetError(
            f"{path} lacks the column(s) {missing}; expected an export with the columns "
            "listed in docs/architecture.md (re-run the export stage)"
        )
    group_names = class_names(table.schema, "group")
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    groups = decode_class(columns["group"], group_names)
    crops = []
    images = {}
    for row, crop_id in enumerate(columns["crop_id"]):
        optional = {name: columns[name][row] for name in OPTIONAL_COLUMNS if name in columns}
        crops.append(Crop(crop_id, columns["character"][row], groups[row], split, **optional))
        data = image_bytes(columns["image"][row])
        if data:
            images[crop_id] = data
    return crops, images


def load_dataset_dir(data_dir: str | Path) -> GlyphDataset:
    """Load every crop of an exported dataset directory into memory.

    NOTE: the PNG bytes of every crop stay in memory (a few KB per 64-pixel crop), which suits
    datasets of up to a few hundred thousand crops.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DatasetError(
            f"dataset directory not found: {data_dir}; run the export stage (dvc repro export) "
            "or pass --data with the path of an exported dataset such as rcc-fgvc"
        )
    split_files = find_split_files(data_dir)
    if not split_files:
        raise DatasetError(
            f"no parquet files with the columns {list(REQUIRED_COLUMNS)} in {data_dir}; "
            "expected an exported Hugging Face dataset (run the export stage)"
        )
    crops: dict[str, Crop] = {}
    images: dict[str, bytes] = {}
    for split, paths in split_files.items():
        for path in paths:
            file_crops, file_images = read_split_file(path, split)
            for crop in file_crops:
                crops.setdefault(crop.crop_id, crop)
            images.update(file_images)
    groups: dict[str, set[str]] = {}
    for crop in crops.values():
        groups.setdefault(crop.group_id, set()).add(crop.character)
    logger.info("loaded %d crops in %d groups from %s", len(crops), len(groups), data_dir)
    return GlyphDataset(
        name=data_dir.resolve().name,
        crops=crops,
        images=images,
        groups={group_id: sorted(chars) for group_id, chars in sorted(groups.items())},
    )
