"""Atomic file and directory writes, JSON helpers and parquet shard I/O."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

SHARD_PATTERN = "part-{index:05d}.parquet"


def current_umask() -> int:
    """Return the process umask without changing it where Linux reports it in /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    # Elsewhere reading the umask means setting it, so it is set straight back.
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` and rename it over ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates the file owner-only; give it the mode a plain open() would under the umask.
    tmp.chmod(0o666 & ~current_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``path`` only when the block succeeds.

    An interrupted write leaves the previous ``path`` untouched, so no half-written output
    ever replaces a good one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".staging", dir=path.parent))
    staging.chmod(0o777 & ~current_umask())
    try:
        yield staging
        backup = path.with_name(f".{path.name}.old")
        if backup.exists():
            shutil.rmtree(backup)
        if path.exists():
            os.replace(path, backup)
        os.replace(staging, path)
        shutil.rmtree(backup, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON atomically, keys sorted, non-ASCII characters kept readable."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def read_json(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"JSON file not found: {path}; run the stage that writes it first")
    return json.loads(path.read_text(encoding="utf-8"))


def write_parquet(path: str | Path, table: pa.Table) -> None:
    """Write one parquet file atomically with settings that give byte-identical output."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True, store_schema=True)


class ShardWriter:
    """Append rows and flush them to ``part-NNNNN.parquet`` shards of at most ``rows_per_shard`` rows."""

    def __init__(
        self, directory: str | Path, schema: pa.Schema, rows_per_shard: int = 2000
    ) -> None:
        if rows_per_shard < 1:
            raise ValueError(f"rows_per_shard must be >= 1, got {rows_per_shard}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.rows_per_shard = rows_per_shard
        self.buffer: list[dict[str, Any]] = []
        self.shard_index = len(list(self.directory.glob("part-*.parquet")))
        self.rows_written = 0

    def write(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.rows_per_shard:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        write_parquet(self.directory / SHARD_PATTERN.format(index=self.shard_index), table)
        self.shard_index += 1
        self.rows_written += len(self.buffer)
        self.buffer = []

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Rows buffered before an error are still flushed, so a resumed run does not redo them.
        self.close()


def shard_paths(directory: str | Path) -> list[Path]:
    """Return the sorted parquet shards of a directory (raises if it has none)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"shard directory not found: {directory}; run the stage that writes it first"
        )
    return sorted(directory.glob("part-*.parquet"))


def read_shards(directory: str | Path, columns: list[str] | None = None) -> pa.Table:
    """Read every shard of a directory into one table (optionally only some columns)."""
    paths = shard_paths(directory)
    if not paths:
        raise FileNotFoundError(f"no part-*.parquet shards in {directory}")
    return pa.concat_tables([pq.read_table(p, columns=columns) for p in paths])
