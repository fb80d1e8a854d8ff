"""Read crop metadata from ``data/crops`` shards, validate each row and apply crop decisions."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.common.charsets import normalize_label, script_of
from pipeline.common.images import ImageDecodeError, decode_image
from pipeline.common.io import shard_paths
from pipeline.common.logs import SkipCounter, progress
from pipeline.export.overrides import Override, Overrides

logger = logging.getLogger(__name__)

# Every column of the crop contract except the image, which is read again only for exported rows.
METADATA_COLUMNS = [
    "crop_id",
    "label",
    "script",
    "label_source",
    "ocr_score",
    "confidence",
    "engines_agree",
    "box",
    "source_sha256",
    "source",
    "source_type",
    "uri",
    "licence",
    "synthetic",
    "phash",
]
PHASH_PATTERN = re.compile(r"^[0-9a-f]{16}$")


def read_crop_metadata(crops_dir: str | Path, skips: SkipCounter) -> pd.DataFrame:
    """Read and validate every crop row except its image; bad rows are skipped and counted."""
    frames = []
    seen: set[str] = set()
    paths = shard_paths(crops_dir)
    if not paths:
        raise FileNotFoundError(
            f"no part-*.parquet shards in {crops_dir}; run the crop stage first"
        )
    for path in progress(paths, desc="read crops", unit="shard"):
        table = _read_shard(path, skips)
        if table is not None:
            frames.append(_valid_rows(path, table, seen, skips))
    if not frames:
        return pd.DataFrame(columns=METADATA_COLUMNS)
    crops = pd.concat(frames, ignore_index=True)
    logger.info("read %d valid crops from %d shards in %s", len(crops), len(paths), crops_dir)
    return crops


def _read_shard(path: Path, skips: SkipCounter) -> pa.Table | None:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        skips.skip("unreadable_shard", path, f"{error}; re-run the crop stage")
        return None
    missing = sorted(set(METADATA_COLUMNS + ["image"]) - set(table.column_names))
    if missing:
        skips.skip("missing_columns", path, f"lacks {', '.join(missing)}; see docs/architecture.md")
        return None
    return table


def _valid_rows(path: Path, table: pa.Table, seen: set[str], skips: SkipCounter) -> pd.DataFrame:
    rows = []
    for row in table.to_pylist():
        reason, detail = _row_problem(row, seen)
        item = f"crop {row.get('crop_id')} in {path.name}"
        if reason:
            skips.skip(reason, item, detail)
            continue
        seen.add(row["crop_id"])
        row["label"] = normalize_label(row["label"])
        rows.append({key: row[key] for key in METADATA_COLUMNS})
    return pd.DataFrame(rows, columns=METADATA_COLUMNS)


def _row_problem(row: dict, seen: set[str]) -> tuple[str, str]:
    """Return (reason, detail) when a crop row cannot be exported, else empty strings."""
    if row["crop_id"] in seen:
        return "duplicate_crop_id", "a crop with this id was already read; kept the first"
    label = normalize_label(row["label"] or "")
    if len(label) != 1:
        return "invalid_label", f"label {row['label']!r} is not exactly one character"
    if script_of(label) not in ("han", "latin"):
        return "other_script", f"label {label!r} is neither a hanzi nor an ASCII letter or digit"
    if not PHASH_PATTERN.match(row["phash"] or ""):
        return "invalid_phash", f"phash {row['phash']!r} is not 16 lowercase hex digits"
    if row["box"] is None or len(row["box"]) != 8:
        return "invalid_box", f"box {row['box']!r} does not have 8 numbers"
    try:
        decode_image(row["image"] or b"", name=str(row["crop_id"]))
    except ImageDecodeError as error:
        return "undecodable_image", str(error)
    return "", ""


def apply_crop_decisions(
    crops: pd.DataFrame, overrides: Overrides, counts: Counter
) -> tuple[pd.DataFrame, dict[str, Override]]:
    """Apply confirm, relabel and reject decisions and set ``label_status``.

    Relabelled and confirmed crops become ``verified``; the others keep their pipeline label
    source (``annotation``, ``ocr`` or ``synthetic``). Returns the crops and the decisions whose
    crop id is not among them: those may name top-up glyphs, which the export renders later.
    """
    crops = crops.copy()
    crops["label_status"] = crops["label_source"].astype(str)
    index = {crop_id: i for i, crop_id in enumerate(crops["crop_id"])}
    rejected = []
    pending: dict[str, Override] = {}
    for crop_id, decision in overrides.crops.items():
        position = index.get(crop_id)
        if position is None:
            pending[crop_id] = decision
            continue
        if decision.action == "relabel" and crops.at[position, "label_source"] == "synthetic":
            warn_rendered_relabel(decision, crops.at[position, "label"], counts)
            continue
        counts[decision.action] += 1
        if decision.action == "reject":
            rejected.append(position)
            continue
        if decision.action == "relabel":
            _warn_if_script_changes(crops.at[position, "label"], decision)
            crops.at[position, "label"] = decision.value
        crops.at[position, "label_status"] = "verified"
    crops = crops.drop(index=rejected).reset_index(drop=True)
    crops["script"] = [script_of(label) for label in crops["label"]]
    return crops, pending


def warn_rendered_relabel(decision: Override, label: str, counts: Counter) -> None:
    """Log and count a relabel of a rendered glyph, which is not applied."""
    logger.warning(
        "overrides line %d: relabel of crop %s ignored: it is a rendered glyph of %r, whose "
        "label is the text it was drawn from; reject it if the rendering is wrong",
        decision.line,
        decision.target,
        label,
    )
    counts["relabel_of_rendered_glyph"] += 1


def _warn_if_script_changes(old: str, decision: Override) -> None:
    before, after = script_of(old), script_of(decision.value)
    if before != after:
        logger.warning(
            "overrides line %d: relabel of crop %s from %r to %r moves it from the %s dataset to "
            "the %s one; check that this is not a typing mistake",
            decision.line,
            decision.target,
            old,
            decision.value,
            before,
            after,
        )


def warn_unmatched_decisions(pending: dict[str, Override], counts: Counter) -> None:
    """Log and count the decisions that named no crop and no top-up glyph of this export."""
    for crop_id, decision in sorted(pending.items(), key=lambda item: item[1].line):
        logger.warning(
            "overrides line %d: %s of unknown crop id %s ignored; it is neither in the crop "
            "shards nor among the rendered top-up glyphs of this export",
            decision.line,
            decision.action,
            crop_id,
        )
        counts["unknown_crop_id"] += 1


def read_images(crops_dir: str | Path, crop_ids: Iterable[str]) -> dict[str, bytes]:
    """Return the PNG bytes of the given crops, reading the shards one at a time."""
    wanted = set(crop_ids)
    images: dict[str, bytes] = {}
    for path in shard_paths(crops_dir):
        try:
            table = pq.read_table(path, columns=["crop_id", "image"])
        except (OSError, pa.ArrowException):
            continue  # already skipped and counted when the metadata was read
        for crop_id, image in zip(
            table.column("crop_id").to_pylist(), table.column("image").to_pylist(), strict=True
        ):
            if crop_id in wanted and crop_id not in images:
                images[crop_id] = image
    return images
