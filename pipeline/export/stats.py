"""Print per-split, per-group and per-source counts of an exported dataset.

Usage: ``python -m pipeline.export.stats [rcc-fgvc|el-fgvc|PATH ...]`` (default: both datasets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml
from datasets import Features

DEFAULT_DATASETS = ("rcc-fgvc", "el-fgvc")
COLUMNS = ["label", "group", "source", "label_status", "synthetic"]


def read_card_metadata(directory: Path) -> dict:
    """Return the YAML header of an export's README.md."""
    readme = directory / "README.md"
    if not readme.is_file():
        raise FileNotFoundError(
            f"{readme} not found; {directory} is not an exported dataset (run `dvc repro export`)"
        )
    text = readme.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{readme} has no YAML header; re-run the export stage")
    return yaml.safe_load(text.split("---\n", 2)[1])


def read_config(directory: Path, config_name: str = "default") -> pd.DataFrame:
    """Read one configuration's label columns (not the images) with a ``split`` column."""
    metadata = read_card_metadata(directory)
    config = next((c for c in metadata["configs"] if c["config_name"] == config_name), None)
    if config is None:
        names = [c["config_name"] for c in metadata["configs"]]
        raise ValueError(
            f"{directory} has no configuration {config_name!r}; expected one of {names}"
        )
    frames = []
    for entry in config["data_files"]:
        paths = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        for relative in paths:
            path = directory / relative
            if not path.is_file():
                raise FileNotFoundError(
                    f"shard not found: {path}, which the card of {directory} lists; restore it "
                    "with `dvc checkout` or re-run the export stage"
                )
            table = pq.read_table(path, columns=COLUMNS)
            features = Features.from_arrow_schema(table.schema)
            frame = table.to_pandas()
            frame["label"] = [features["label"].int2str(int(i)) for i in frame["label"]]
            frame["group"] = [features["group"].int2str(int(i)) for i in frame["group"]]
            frames.append(frame.assign(split=entry["split"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def summarise(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return crop counts per split, and per group, source and label status in each split."""
    per_split = rows.groupby("split").agg(
        crops=("label", "size"), classes=("label", "nunique"), synthetic=("synthetic", "sum")
    )
    per_group = _per_split_counts(rows, "group")
    per_group.insert(
        0, "members", rows.groupby("group")["label"].agg(lambda s: "".join(sorted(set(s))))
    )
    return {
        "per split": per_split,
        "per group": per_group,
        "per source": _per_split_counts(rows, "source"),
        "per label status": _per_split_counts(rows, "label_status"),
    }


def _per_split_counts(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Count rows per value of ``column`` (index) and split (columns, in train/val/test order)."""
    table = rows.pivot_table(index=column, columns="split", values="label", aggfunc="size")
    order = [s for s in ("train", "validation", "test") if s in table.columns]
    table = table[order + [c for c in table.columns if c not in order]].fillna(0).astype(int)
    # Without the axis name, the column header lines up with the counts when printed.
    table.columns.name = None
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.export.stats", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "datasets",
        nargs="*",
        type=Path,
        default=[Path(d) for d in DEFAULT_DATASETS],
        help="exported dataset directories (default: rcc-fgvc el-fgvc)",
    )
    args = parser.parse_args(argv)
    status = 0
    for directory in args.datasets:
        try:
            rows = read_config(directory)
        except (FileNotFoundError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            status = 1
            continue
        print(f"# {directory} ({len(rows)} crops)")
        for title, table in summarise(rows).items():
            print(f"\n## {title}\n{table.to_string()}")
        print()
    return status


if __name__ == "__main__":
    sys.exit(main())
