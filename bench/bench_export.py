"""Benchmark the export stage and reading its output.

The input is crops rendered by ``pipeline.synth``, or an existing crops directory. The script
measures export time and shard bytes per crop. It times ``datasets.load_dataset`` (the first
load, which builds the Arrow cache, and a cached reload) against ``pyarrow.parquet`` reading
the same shards, and the streaming iteration speed (``streaming=True``, images decoded).

    .venv/bin/python bench/bench_export.py --per-class 24
    .venv/bin/python bench/bench_export.py --dataset runs/real/rcc-fgvc   # reads only

Before any timed load, the script loads a one-row parquet folder once. The one-time imports of
the `datasets` parquet builder are then not charged to the first dataset measured, and their cost
is reported apart as ``datasets_import_warmup_s``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("GLYPH_PROGRESS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from datasets import disable_progress_bars, load_dataset  # noqa: E402

from pipeline.common.io import ShardWriter  # noqa: E402
from pipeline.common.params import load_params  # noqa: E402
from pipeline.crop.schema import CROP_SCHEMA  # noqa: E402
from pipeline.export.stage import run_export  # noqa: E402
from pipeline.export.stats import read_card_metadata  # noqa: E402
from pipeline.export.topup import perceptual_hash  # noqa: E402
from pipeline.synth import render_glyphs  # noqa: E402

# The look-alike characters of the default synthetic crawl sources (params.yaml), grouped by hand.
GROUPS = {
    "han": [
        "未末",
        "己已巳",
        "土士",
        "干千于",
        "日曰目自白",
        "人入八",
        "大太犬天夭",
        "王玉主",
        "木本术",
        "刀力",
        "乃及",
        "戊戌戍",
    ],
    "latin": ["O0QDo", "Il1ijJ", "5S", "8B", "2Z", "6Gb", "hnm", "rC"],
}


def write_inputs(root: Path, per_class: int, synth_params: dict) -> dict:
    """Render ``per_class`` glyphs of every group member into crop shards and a groups.json."""
    crops_dir = root / "crops"
    groups = []
    with ShardWriter(crops_dir, CROP_SCHEMA, rows_per_shard=2000) as writer:
        for script, member_sets in GROUPS.items():
            for number, members in enumerate(member_sets, start=1):
                groups.append(
                    {
                        "group_id": f"{script}-{number:04d}",
                        "script": script,
                        "members": sorted(members),
                        "scores": [[a, b, 0.9] for a in members for b in members if a < b],
                    }
                )
                for glyph in render_glyphs(members, per_class, synth_params, seed=number):
                    writer.write(_crop_row(glyph, script))
    groups_path = root / "groups.json"
    groups_path.write_text(json.dumps({"version": 1, "groups": groups}, ensure_ascii=False))
    return {"crops_dir": str(crops_dir), "groups_path": str(groups_path)}


def _crop_row(glyph, script: str) -> dict:
    sha = hashlib.sha256(glyph.image).hexdigest()
    return {
        "crop_id": hashlib.sha256(f"{sha}:{glyph.label}".encode()).hexdigest()[:16],
        "image": glyph.image,
        "label": glyph.label,
        "script": script,
        "label_source": "synthetic",
        "ocr_score": None,
        "confidence": 1.0,
        "engines_agree": None,
        "box": [0.0, 0.0, 64.0, 0.0, 64.0, 64.0, 0.0, 64.0],
        "source_sha256": sha,
        "source": "bench",
        "source_type": "synthetic",
        "uri": glyph.font,
        "licence": "rendered from installed fonts",
        "synthetic": True,
        "phash": perceptual_hash(glyph.image),
        "width": 64,
        "height": 64,
    }


def timed(function, repeats: int) -> tuple[float, object]:
    """Return the median wall time in seconds of ``repeats`` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def read_with_pyarrow(directory: Path) -> pa.Table:
    """Read every shard of the default configuration with pyarrow."""
    config = next(
        c for c in read_card_metadata(directory)["configs"] if c["config_name"] == "default"
    )
    paths = [directory / p for entry in config["data_files"] for p in entry["path"]]
    return pa.concat_tables([pq.read_table(p) for p in paths])


def warm_up_datasets(root: Path) -> float:
    """Load a one-row parquet folder once and return the seconds it took (import costs)."""
    folder = root / "warmup"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"x": [1]}), folder / "train.parquet")
    start = time.perf_counter()
    load_dataset(str(folder), cache_dir=str(root / "cache-warmup"))
    return time.perf_counter() - start


def measure_reads(directory: Path, rows: int, cache: Path, repeats: int) -> dict:
    """Time pyarrow, load_dataset (first and cached) and streaming on one exported dataset."""
    shard_bytes = sum(p.stat().st_size for p in (directory / "data" / "default").glob("*.parquet"))
    arrow_s, table = timed(lambda: read_with_pyarrow(directory), repeats)

    def load():
        return load_dataset(str(directory), cache_dir=str(cache))

    first_s, _ = timed(load, 1)
    cached_s, _ = timed(load, repeats)

    stream = load_dataset(str(directory), split="train", streaming=True)
    stream_s, streamed = timed(lambda: sum(1 for row in stream if row["image"].size), 1)
    return {
        "rows": rows,
        "pyarrow_rows": table.num_rows,
        "shard_bytes_per_crop": round(shard_bytes / max(rows, 1), 1),
        "pyarrow_read_s": round(arrow_s, 4),
        "load_dataset_first_s": round(first_s, 3),
        "load_dataset_cached_s": round(cached_s, 3),
        "first_load_vs_pyarrow": round(first_s / arrow_s, 1),
        "cached_load_vs_pyarrow": round(cached_s / arrow_s, 1),
        "streaming_train_rows_per_s": round(streamed / stream_s, 1),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file")
    parser.add_argument("--per-class", type=int, default=24, help="rendered crops per character")
    parser.add_argument("--crops-dir", type=Path, help="use these crop shards instead of rendering")
    parser.add_argument("--groups", type=Path, help="groups.json to use with --crops-dir")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median reported)")
    parser.add_argument(
        "--dataset",
        type=Path,
        nargs="+",
        help="measure reading these exported dataset folders instead of exporting",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    disable_progress_bars()
    all_params = load_params(args.params)
    root = Path(tempfile.mkdtemp(prefix="bench-export-"))
    warmup_s = warm_up_datasets(root)

    if args.dataset:
        report = {"datasets_import_warmup_s": round(warmup_s, 3), "datasets": {}}
        for directory in args.dataset:
            metadata = read_card_metadata(directory)
            info = metadata["dataset_info"]
            default = (
                next(i for i in info if i["config_name"] == "default")
                if isinstance(info, list)
                else info
            )
            rows = sum(split["num_examples"] for split in default["splits"])
            report["datasets"][str(directory)] = measure_reads(
                directory, rows, root / f"cache-{len(report['datasets'])}", args.repeats
            )
        json.dump(report, sys.stdout, indent=2)
        print()
        return 0

    if args.crops_dir:
        inputs = {"crops_dir": str(args.crops_dir), "groups_path": str(args.groups)}
    else:
        inputs = write_inputs(root, args.per_class, all_params["synth"])
    params = {**all_params.get("common", {}), **all_params["export"], **inputs}
    params.update(
        overrides_path=str(root / "overrides.tsv"),
        output_dirs={"han": str(root / "rcc-fgvc"), "latin": str(root / "el-fgvc")},
        metrics_path=str(root / "export.json"),
    )

    export_s, metrics = timed(lambda: run_export(params, all_params["synth"]), args.repeats)
    report = {
        "export_s": round(export_s, 3),
        "datasets_import_warmup_s": round(warmup_s, 3),
        "datasets": {},
    }
    for name in ("rcc-fgvc", "el-fgvc"):
        rows = sum(metrics["datasets"][name]["rows"]["default"].values())
        report["datasets"][name] = measure_reads(
            root / name, rows, root / f"cache-{name}", args.repeats
        )
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
