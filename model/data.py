"""Load an exported Hugging Face glyph dataset into small in-memory uint8 tensors."""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import numpy as np
import torch
from PIL import Image

from pipeline.common.images import ImageDecodeError, decode_image
from pipeline.common.logs import SkipCounter

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


class DatasetFormatError(ValueError):
    """An exported dataset lacks a split, a column or a ClassLabel feature that training needs."""


@dataclass
class Split:
    """One split as tensors: images ``[N, 3, S, S]`` uint8 and labels ``[N]`` int64."""

    images: torch.Tensor
    labels: torch.Tensor
    crop_ids: list[str]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class GlyphData:
    """All splits of one dataset plus its label space and the look-alike group of each class."""

    class_names: list[str]
    group_names: list[str]
    class_to_group: np.ndarray  # group id per class id; -1 where a class has no rows at all
    splits: dict[str, Split]
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def classes_missing_from(self, split: str) -> list[str]:
        """Return the class names with no row in ``split``."""
        present = set(self.splits[split].labels.tolist())
        return [name for i, name in enumerate(self.class_names) if i not in present]


def load_hf_dataset(path: str | Path, cache_dir: str | Path) -> datasets.DatasetDict:
    """Load an exported dataset folder (parquet shards plus README card) into ``cache_dir``.

    Pass a fresh ``cache_dir``: with HF_DATASETS_OFFLINE=1, datasets 5.2 reuses the shared cache
    of any earlier dataset whose folder had the same name, so a re-exported ``el-fgvc`` would
    silently load the old class list and rows.
    """
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {path}; run the export stage first")
    builder = datasets.load_dataset_builder(str(path), cache_dir=str(cache_dir))
    builder.download_and_prepare()
    # as_dataset() raises on a split with zero rows, which the export writes as an empty shard,
    # so empty splits are built from the features instead.
    loaded = datasets.DatasetDict()
    for name, info in (builder.info.splits or {}).items():
        if info.num_examples:
            loaded[name] = builder.as_dataset(split=name)
        else:
            loaded[name] = datasets.Dataset.from_dict(
                {column: [] for column in builder.info.features}, features=builder.info.features
            )
    missing = [s for s in SPLITS if s not in loaded]
    if "train" in missing:
        raise DatasetFormatError(f"{path} has no 'train' split (found {sorted(loaded)})")
    for name in missing:
        # An absent split is treated like an empty one, so small exports still train.
        logger.warning("%s has no '%s' split; treating it as empty", path, name)
    features = loaded["train"].features
    for column in ("image", "label", "group"):
        if column not in features:
            raise DatasetFormatError(
                f"{path} lacks the '{column}' column; expected the export columns image, label, group"
            )
    for column in ("label", "group"):
        if not isinstance(features[column], datasets.ClassLabel):
            raise DatasetFormatError(
                f"{path}: column '{column}' must be a ClassLabel, got {type(features[column]).__name__}"
            )
    return loaded


def load_glyph_data(path: str | Path, image_size: int, grayscale: bool = False) -> GlyphData:
    """Decode every split of a dataset at ``image_size`` pixels, skipping unreadable images."""
    with tempfile.TemporaryDirectory(prefix="glyph-datasets-") as cache_dir:
        return decode_dataset(load_hf_dataset(path, cache_dir), image_size, grayscale)


def decode_dataset(
    loaded: datasets.DatasetDict, image_size: int, grayscale: bool = False
) -> GlyphData:
    """Decode loaded splits into tensors and find each class's group by majority over all rows."""
    features = loaded["train"].features
    class_names = list(features["label"].names)
    group_names = list(features["group"].names)
    skips = SkipCounter(logger, "images")

    splits = {}
    group_votes: list[Counter[int]] = [Counter() for _ in class_names]
    for name in SPLITS:
        if name not in loaded:
            splits[name] = empty_split(image_size)
            continue
        rows = loaded[name].cast_column("image", datasets.Image(decode=False))
        splits[name] = decode_split(rows, name, image_size, skips, grayscale)
        for label, group in zip(rows["label"], rows["group"], strict=True):
            group_votes[label][group] += 1
    skips.log_summary()

    class_to_group = np.array(
        [votes.most_common(1)[0][0] if votes else -1 for votes in group_votes], dtype=np.int64
    )
    data = GlyphData(class_names, group_names, class_to_group, splits, skips.as_dict())
    absent = data.classes_missing_from("train")
    if absent:
        logger.warning(
            "%d of %d classes have no training image and cannot be learned: %s",
            len(absent),
            data.num_classes,
            "".join(absent),
        )
    return data


def empty_split(image_size: int) -> Split:
    return Split(
        torch.empty(0, 3, image_size, image_size, dtype=torch.uint8),
        torch.empty(0, dtype=torch.int64),
        [],
    )


def decode_split(
    rows: datasets.Dataset, split: str, image_size: int, skips: SkipCounter, grayscale: bool = False
) -> Split:
    """Decode the image bytes of one split into a uint8 tensor, one skip per unreadable image."""
    arrays, labels, crop_ids = [], [], []
    has_crop_id = "crop_id" in rows.column_names
    for index, row in enumerate(rows):
        item = row["crop_id"] if has_crop_id else f"{split}[{index}]"
        try:
            arrays.append(to_square_array(row["image"], image_size, str(item), grayscale))
        except ImageDecodeError as error:
            skips.skip("undecodable_image", item, str(error))
            continue
        labels.append(row["label"])
        crop_ids.append(str(item))
    if not arrays:
        return empty_split(image_size)
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    return Split(images, torch.tensor(labels, dtype=torch.int64), crop_ids)


def to_square_array(
    image: dict | bytes | Image.Image, image_size: int, name: str, grayscale: bool = False
) -> np.ndarray:
    """Decode one image (datasets' ``{"bytes", "path"}`` dict, bytes or PIL) to ``[S, S, 3]`` uint8."""
    if isinstance(image, Image.Image):
        pil = image.convert("RGB")
    else:
        data = image.get("bytes") if isinstance(image, dict) else image
        if data is None and isinstance(image, dict) and image.get("path"):
            data = Path(image["path"]).read_bytes()
        pil = decode_image(data or b"", name=name)
    if grayscale:
        # A glyph is its shape. Without colour, a small net cannot fit the background instead.
        pil = pil.convert("L").convert("RGB")
    # Glyph crops are close to square, so a plain resize keeps the strokes that matter.
    return np.asarray(
        pil.resize((image_size, image_size), Image.Resampling.BICUBIC), dtype=np.uint8
    )
