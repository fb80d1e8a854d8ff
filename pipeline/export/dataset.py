"""Write one exported dataset directory: three configurations, card, licence file and gallery."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.common.io import atomic_directory
from pipeline.export.card import (
    ConfigFiles,
    render_card,
    render_gallery,
    render_licence,
    write_card,
)
from pipeline.export.features import default_features, pairs_features
from pipeline.export.pairs import sample_pairs
from pipeline.export.splits import SPLIT_NAMES
from pipeline.export.writer import write_split

logger = logging.getLogger(__name__)


def default_rows(rows: pd.DataFrame, images: dict[str, bytes]) -> list[dict[str, Any]]:
    """Convert selected crops into ``default`` rows, keeping the order of ``rows``."""
    records = []
    for row in rows.itertuples(index=False):
        records.append(
            {
                "image": {"bytes": images[row.crop_id], "path": f"{row.crop_id}.png"},
                "label": row.label,
                "character": row.label,
                "group": row.group,
                "crop_id": row.crop_id,
                "source": row.source,
                "source_sha256": row.source_sha256,
                "uri": row.uri,
                "licence": row.licence,
                "box": [float(v) for v in row.box],
                "ocr_score": _float_or_none(row.ocr_score),
                "confidence": _float_or_none(row.confidence),
                "engines_agree": _bool_or_none(row.engines_agree),
                "label_status": row.label_status,
                "synthetic": bool(row.synthetic),
                "phash": row.phash,
            }
        )
    return records


def _float_or_none(value) -> float | None:
    """Return None for a missing number (NaN in pandas), so that its parquet cell is null."""
    return None if pd.isna(value) else float(value)


def _bool_or_none(value) -> bool | None:
    """Return None for a missing flag, so that its parquet cell is null.

    A frame without the column, concatenated with one that has it, fills the gap with NaN.
    """
    return None if pd.isna(value) else bool(value)


def write_dataset(
    directory: Path,
    script: str,
    rows: pd.DataFrame,
    images: dict[str, bytes],
    fingerprint_hex: str,
    params: dict,
    report: dict,
) -> dict[str, dict[str, int]]:
    """Write the dataset into a staging directory that replaces ``directory`` on success.

    A configuration or split without rows is left out of the card and the shards, because
    `datasets` cannot load it. Only ``default`` and its ``train`` split are always written.
    Each configuration's rows are written in ``seeded_order`` with the export seed.
    Returns the number of rows per written configuration and split.
    """
    seed = int(params.get("seed", 0))
    class_names = sorted(rows["label"].unique())
    group_names = sorted(rows["group"].unique())
    features = default_features(class_names, group_names)
    pairs = sample_pairs(rows, int(params["pairs_per_anchor"]), seed)
    real = rows[~rows["synthetic"].astype(bool)]
    tables = {
        "default": (
            seeded_order(rows, ["crop_id"], seed),
            features,
            lambda part: default_rows(part, images),
        ),
        "pairs": (
            seeded_order(pairs, ["anchor_crop_id", "other_crop_id"], seed),
            pairs_features(class_names, group_names),
            _pair_rows,
        ),
        "real-only": (
            seeded_order(real, ["crop_id"], seed),
            features,
            lambda part: default_rows(part, images),
        ),
    }
    with atomic_directory(directory) as staging:
        configs = []
        for name, (frame, config_features, to_rows) in tables.items():
            if frame.empty and name != "default":
                # `datasets` cannot load a configuration or split without rows, so it is left out.
                logger.info("%s: configuration %s has no rows; not written", directory, name)
                continue
            configs.append(
                _write_config(
                    staging, name, frame, config_features, to_rows, fingerprint_hex, params
                )
            )
        text = render_card(directory.name, script, fingerprint_hex, configs, rows, report)
        gallery = render_gallery(rows, images, int(params["gallery_per_class"]))
        write_card(staging, text, render_licence(directory.name, rows), gallery)
    logger.info("wrote %s (fingerprint %s)", directory, fingerprint_hex)
    return {config.name: dict(config.num_examples) for config in configs}


def seeded_order(frame: pd.DataFrame, key_columns: list[str], seed: int) -> pd.DataFrame:
    """Sort rows by SHA-256 of ``"{seed}:{key}"``, a pseudo-random order that every export repeats.

    ``key`` is the row's ``key_columns`` values joined by ``:``, so a crop sorts by SHA-256 of
    ``"{seed}:{crop_id}"``. Shards sorted by class made a streaming reader with a small shuffle
    buffer yield batches of one class. Rows with equal keys keep their input order.
    """
    keys = frame[key_columns].astype(str).agg(":".join, axis=1) if len(frame) else []
    digests = [hashlib.sha256(f"{seed}:{key}".encode()).hexdigest() for key in keys]
    return (
        frame.assign(_digest=digests)
        .sort_values(["_digest", *key_columns], kind="stable")
        .drop(columns="_digest")
    )


def _write_config(staging, name, frame, features, to_rows, fingerprint_hex, params) -> ConfigFiles:
    config = ConfigFiles(name, features)
    for split in SPLIT_NAMES:
        part = frame[frame["split"] == split]
        if part.empty and split != "train":
            logger.info("split %s of configuration %s has no rows; not written", split, name)
            continue
        paths, num_bytes = write_split(
            staging / "data" / name,
            split,
            to_rows(part),
            features,
            fingerprint_hex,
            int(params["rows_per_shard"]),
            int(params["rows_per_row_group"]),
        )
        config.files[split] = [p.relative_to(staging).as_posix() for p in paths]
        config.num_examples[split] = len(part)
        config.num_bytes[split] = num_bytes
        config.download_size += sum(p.stat().st_size for p in paths)
    return config


def _pair_rows(pairs: pd.DataFrame) -> list[dict[str, Any]]:
    columns = ["anchor_crop_id", "other_crop_id", "anchor_label", "other_label", "group", "same"]
    return pairs[columns].to_dict("records")
