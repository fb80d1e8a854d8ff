"""Write one configuration's splits as parquet shards whose names carry the export fingerprint."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features


def content_fingerprint(
    rows: pd.DataFrame,
    images: dict[str, bytes],
    params: dict[str, Any],
    source_paths: list[Path],
) -> str:
    """Return 12 hex digits of SHA-256 over one dataset's rows, images, params and export code.

    Any change to a row (a relabel, a reject, a split), to an image, to a parameter or to the
    export's source gives new shard file names, so a ``datasets`` cache built from an older
    export is never reused for the new one. A change that leaves this dataset's rows alone (a
    decision about the other script's crops) keeps its fingerprint, so DVC does not retrain on
    it. Only the source files' names enter the hash, not their directories, so the fingerprint
    does not depend on where the repository is checked out.
    """
    digest = hashlib.sha256()
    columns = sorted(c for c in rows.columns if c != "image")
    digest.update(
        rows[columns].to_json(orient="records", force_ascii=False, double_precision=15).encode()
    )
    for crop_id in rows["crop_id"]:
        digest.update(hashlib.sha256(images.get(crop_id, b"")).digest())
    for path in source_paths:
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(params, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()[:12]


def write_split(
    directory: Path,
    split: str,
    rows: list[dict[str, Any]],
    features: Features,
    fingerprint_hex: str,
    rows_per_shard: int,
    rows_per_row_group: int,
) -> tuple[list[Path], int]:
    """Encode rows with ``features`` and write them to ``<split>-<fingerprint>-NNNNN-of-MMMMM.parquet`` shards.

    Returns the shard paths and the in-memory Arrow size in bytes (the ``num_bytes`` that a
    dataset card reports). Rows may be empty (the train split of an export where no group
    passed the selection), which gives one shard with the schema and no row group.
    """
    if rows_per_shard < 1 or rows_per_row_group < 1:
        raise ValueError(
            f"export.rows_per_shard and export.rows_per_row_group must be >= 1, "
            f"got {rows_per_shard} and {rows_per_row_group}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    schema = features.arrow_schema
    chunks = [rows[i : i + rows_per_shard] for i in range(0, len(rows), rows_per_shard)] or [[]]
    paths, num_bytes = [], 0
    for index, chunk in enumerate(chunks):
        encoded = [features.encode_example(row) for row in chunk]
        table = pa.Table.from_pylist(encoded, schema=schema)
        name = f"{split}-{fingerprint_hex}-{index:05d}-of-{len(chunks):05d}.parquet"
        path = directory / name
        _write_parquet(table, path, rows_per_row_group)
        paths.append(path)
        num_bytes += table.nbytes
    return paths, num_bytes


def _write_parquet(table: pa.Table, path: Path, rows_per_row_group: int) -> None:
    options = {"compression": "zstd", "write_statistics": True, "store_schema": True}
    if table.num_rows == 0:
        # A file with the schema and no row group: `datasets` rejects a zero-row row group.
        pq.ParquetWriter(path, table.schema, **options).close()
        return
    pq.write_table(table, path, row_group_size=rows_per_row_group, **options)
