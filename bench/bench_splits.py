"""Measure how many crops change split when one labeling decision is applied to an export.

The script reads the ``default`` configuration of exported datasets (labels, sources,
perceptual hashes) and picks ``--trials`` random crops. For each, it re-assigns the splits once
with the crop rejected and once with it relabelled to another member of its group. It then counts
the other crops whose split changed. Two assignments are compared: the hash-ranked one the export uses
(``pipeline.export.splits.assign_splits``) and a greedy fill in the order of component size,
which places each source where its classes lack the most crops.

    .venv/bin/python bench/bench_splits.py el-fgvc rcc-fgvc --trials 40 --out runs/bench_splits.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from datasets import Features

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.common.io import write_text_atomic  # noqa: E402
from pipeline.export.splits import (  # noqa: E402
    _strata,
    assign_splits,
    check_fractions,
    source_components,
)
from pipeline.export.stats import read_card_metadata  # noqa: E402

COLUMNS = ["crop_id", "label", "group", "source_sha256", "phash", "synthetic"]


def read_rows(directory: Path) -> pd.DataFrame:
    """Return the crops of a dataset's default configuration with string labels and groups."""
    metadata = read_card_metadata(directory)
    config = next(c for c in metadata["configs"] if c["config_name"] == "default")
    frames = []
    for entry in config["data_files"]:
        paths = entry["path"] if isinstance(entry["path"], list) else [entry["path"]]
        for relative in paths:
            table = pq.read_table(directory / relative, columns=COLUMNS)
            features = Features.from_arrow_schema(table.schema)
            frame = table.to_pandas()
            frame["label"] = [features["label"].int2str(int(i)) for i in frame["label"]]
            frame["group"] = [features["group"].int2str(int(i)) for i in frame["group"]]
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def greedy_splits(crops: pd.DataFrame, fractions: dict[str, float], max_distance: int) -> pd.Series:
    """Place components largest first in the split whose share of their classes falls shortest."""
    names = check_fractions(fractions)
    targets = np.array([fractions[name] for name in names])
    components, _ = source_components(crops, max_distance)
    strata_ids, strata = pd.factorize(_strata(crops), sort=True)
    totals = np.bincount(strata_ids, minlength=len(strata)).astype(float)
    assigned = np.zeros((len(names), len(strata)))
    filled = np.zeros(len(names))
    capacity = targets * max(len(crops), 1)
    members: dict[str, list[int]] = {}
    for component, stratum in zip(components, strata_ids, strict=True):
        members.setdefault(component, []).append(int(stratum))
    split_of: dict[str, str] = {}
    for component in sorted(members, key=lambda key: (-len(members[key]), key)):
        present, counts = np.unique(members[component], return_counts=True)
        shortfall = np.clip(targets[:, None] * totals[present] - assigned[:, present], 0, None)
        relative = np.round((shortfall @ counts) / targets, 6)
        chosen = max(range(len(names)), key=lambda i: (relative[i], -filled[i] / capacity[i]))
        assigned[chosen, present] += counts
        filled[chosen] += counts.sum()
        split_of[component] = names[chosen]
    return components.map(split_of)


def moved_after(before: pd.Series, assign, changed: pd.DataFrame, skip: str) -> int:
    """Count crops other than ``skip`` whose split in ``changed`` differs from ``before``."""
    after = pd.Series(assign(changed).to_numpy(), index=changed["crop_id"])
    common = [c for c in after.index if c != skip]
    return int((before[common] != after[common]).sum())


def measure(crops: pd.DataFrame, trials: int, fractions: dict, max_distance: int) -> dict:
    """Return the mean and maximum share of crops moved per decision, for both assignments."""
    rng = np.random.default_rng(0)
    assignments = {
        "hash_ranked": lambda rows: assign_splits(rows, fractions, max_distance, seed=0)[0],
        "greedy": lambda rows: greedy_splits(rows, fractions, max_distance),
    }
    members = crops.groupby("group")["label"].agg(lambda s: sorted(set(s)))
    moved: dict[str, list[int]] = {name: [] for name in assignments}
    before = {
        name: pd.Series(assign(crops).to_numpy(), index=crops["crop_id"])
        for name, assign in assignments.items()
    }
    for index in rng.choice(len(crops), size=min(trials, len(crops)), replace=False):
        crop = crops.iloc[int(index)]
        rejected = crops.drop(index=crops.index[int(index)]).reset_index(drop=True)
        relabelled = crops.copy()
        others = [c for c in members[crop["group"]] if c != crop["label"]]
        relabelled.loc[relabelled["crop_id"] == crop["crop_id"], "label"] = others[0]
        for name, assign in assignments.items():
            moved[name].append(moved_after(before[name], assign, rejected, crop["crop_id"]))
            moved[name].append(moved_after(before[name], assign, relabelled, crop["crop_id"]))
    return {
        name: {
            "decisions": len(counts),
            "mean_moved": round(float(np.mean(counts)), 2),
            "max_moved": int(np.max(counts)),
            "mean_moved_percent": round(100 * float(np.mean(counts)) / len(crops), 2),
            **balance(crops["label"], before[name].to_numpy(), fractions),
        }
        for name, counts in moved.items()
    }


def balance(labels: pd.Series, splits: np.ndarray, fractions: dict) -> dict:
    """Return how far each class's split shares fall from the targets, for classes of 5+ crops."""
    shares = pd.crosstab(labels.to_numpy(), splits, normalize="index")
    sizes = labels.value_counts()
    shares = shares.loc[sizes[sizes >= 5].index]
    deviation = sum((shares.get(name, 0.0) - share).abs() for name, share in fractions.items())
    return {
        "classes_with_5_or_more": len(shares),
        "mean_abs_share_deviation": round(float(deviation.mean()) / len(fractions), 4),
        "classes_without_test": int((shares.get("test", 0.0) == 0).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_splits.py", description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path, help="exported dataset folders")
    parser.add_argument("--trials", type=int, default=40, help="crops decided on per dataset")
    parser.add_argument("--phash-max-distance", type=int, default=4)
    parser.add_argument("--out", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    fractions = {"train": 0.6, "validation": 0.2, "test": 0.2}
    report = {}
    for directory in args.datasets:
        crops = read_rows(directory)
        report[str(directory)] = {
            "crops": len(crops),
            **measure(crops, args.trials, fractions, args.phash_max_distance),
        }
        print(directory, json.dumps(report[str(directory)]), flush=True)
    if args.out:
        write_text_atomic(args.out, json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
