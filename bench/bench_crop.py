"""Benchmark the crop stage on the real photos: crops per second per core, time beyond OCR
inference, and a re-run with a warm OCR cache.

Usage: .venv/bin/python bench/bench_crop.py [--realdata DIR] [--limit N] [--workers N]
Needs the real-data folder (default ../shared/realdata, or env GLYPH_REALDATA). Everything is
written to a temporary folder; the repository's data/ and .cache/ are not touched.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pipeline.common.images import ImageDecodeError, decode_image  # noqa: E402
from pipeline.common.io import ShardWriter  # noqa: E402
from pipeline.crawl.rows import CRAWL_SCHEMA, make_row  # noqa: E402
from pipeline.crop.config import CropConfig  # noqa: E402
from pipeline.crop.stage import run  # noqa: E402

# The photo folders of the real-input profile (profiles/real.yaml).
PHOTO_DIRS = ("paddleocr_doc/doc/imgs", "chineseocr", "cnstd_examples", "rapidocr_tests")
SUFFIXES = (".jpg", ".jpeg", ".png")
SOURCE = {"name": "bench-photos", "type": "local", "licence": "research use only"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("GLYPH_REALDATA", str(REPO_ROOT.parent / "shared" / "realdata"))
    parser.add_argument(
        "--realdata", default=default, help="real-data folder (default: %(default)s)"
    )
    parser.add_argument("--limit", type=int, default=0, help="use at most N photos (0: all)")
    parser.add_argument(
        "--workers", type=int, default=1, help="crop.num_workers of the runs (default: 1)"
    )
    parser.add_argument("--engine", default="rapidocr", help="crop.engine (default: rapidocr)")
    return parser.parse_args()


def write_photo_shards(realdata: Path, directory: Path, limit: int) -> int:
    """Write the real photos as crawl rows; return how many were written."""
    paths = sorted(
        p for d in PHOTO_DIRS for p in (realdata / d).rglob("*") if p.suffix.lower() in SUFFIXES
    )
    rows = 0
    with ShardWriter(directory, CRAWL_SCHEMA, rows_per_shard=500) as writer:
        for path in paths[: limit or None]:
            data = path.read_bytes()
            try:
                image = decode_image(data, name=str(path))
            except ImageDecodeError:
                continue  # the stage would skip it too; the benchmark counts photos that decode
            writer.write(
                make_row(
                    data,
                    source=SOURCE,
                    uri=str(path.relative_to(realdata)),
                    width=image.width,
                    height=image.height,
                )
            )
            rows += 1
    return rows


def timed_run(config: CropConfig) -> tuple[dict, float, float]:
    """Run the stage and return (metrics, wall seconds, CPU seconds of this process and its workers)."""
    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    metrics = run(config)
    return metrics, time.perf_counter() - start, _cpu_seconds() - cpu_start


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def summarize(
    args: argparse.Namespace,
    photos: int,
    cold: dict,
    cold_wall: float,
    cold_cpu: float,
    warm: dict,
    warm_wall: float,
    warm_cpu: float,
) -> dict:
    """Return the benchmark figures of a cold and a warm run."""
    ocr = cold["ocr"]
    # CPU shares are reported because other jobs on a shared VM stretch wall times. Engine
    # loading counts as time beyond inference. Summed OCR wall time exceeds the run's wall time
    # with several workers, so the wall-clock share is given for one worker only.
    beyond_ocr_cpu = cold_cpu - ocr["cpu_seconds"]
    result = {
        "photos": photos,
        "crops": cold["crops"],
        "workers": args.workers,
        "engine": args.engine,
        "cold": {
            "wall_s": round(cold_wall, 2),
            "cpu_s": round(cold_cpu, 2),
            "ocr_inference_wall_s": ocr["seconds"],
            "ocr_inference_cpu_s": ocr["cpu_seconds"],
            "engine_load_wall_s": ocr["load_seconds"],
        },
        "crops_per_cpu_s": round(cold["crops"] / cold_cpu, 2),
        "crops_per_s_per_worker_wall": round(cold["crops"] / cold_wall / max(args.workers, 1), 2),
        "beyond_ocr_cpu_s": round(beyond_ocr_cpu, 2),
        "beyond_ocr_cpu_share": round(beyond_ocr_cpu / cold_cpu, 4),
        "warm": {
            "wall_s": round(warm_wall, 2),
            "cpu_s": round(warm_cpu, 2),
            "engine_runs": warm["ocr"]["engine_runs"],
            "engines_created": warm["ocr"]["engines_created"],
        },
    }
    if args.workers <= 1:
        beyond_ocr_wall = cold_wall - ocr["seconds"]
        result["beyond_ocr_wall_share"] = round(beyond_ocr_wall / cold_wall, 4)
    return result


def main() -> None:
    args = parse_args()
    logging.basicConfig(level="WARNING")
    os.environ.setdefault("GLYPH_PROGRESS", "0")
    with tempfile.TemporaryDirectory(prefix="bench-crop-") as tmp:
        root = Path(tmp)
        photos = write_photo_shards(Path(args.realdata), root / "crawl", args.limit)
        config = CropConfig(
            input_dir=root / "crawl",
            output_dir=root / "crops",
            metrics_path=root / "crop.json",
            cache_dir=root / "cache",
            num_workers=args.workers,
            engine=args.engine,
        )
        cold, cold_wall, cold_cpu = timed_run(config)
        warm, warm_wall, warm_cpu = timed_run(config)
    print(
        json.dumps(
            summarize(args, photos, cold, cold_wall, cold_cpu, warm, warm_wall, warm_cpu), indent=2
        )
    )


if __name__ == "__main__":
    main()
