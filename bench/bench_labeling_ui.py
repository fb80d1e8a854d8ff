"""Measure labeling API latency as the dataset and the decision history grow.

Usage: python bench/bench_labeling_ui.py [--crops 20000] [--groups 50] [--events 0 20000] [--repeat 5]

Builds an in-memory dataset of ``--crops`` crops spread over ``--groups`` groups, with random
64-bit perceptual hashes and one shared 64x64 PNG. For each ``--events`` count, it appends that
many decisions to a fresh SQLite file and times the group view, one decision and the progress
call through the ASGI app. Prints one Markdown table row per event count for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labeling_ui.config import Settings  # noqa: E402
from labeling_ui.dataset import Crop, GlyphDataset  # noqa: E402
from labeling_ui.main import create_app  # noqa: E402
from labeling_ui.service import LabelingService  # noqa: E402
from labeling_ui.store import LabelStore  # noqa: E402

MEMBERS = "0OQD"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crops", type=int, default=20000, help="crops in the dataset")
    parser.add_argument("--groups", type=int, default=50, help="groups the crops are spread over")
    parser.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[0, 20000],
        help="decisions in the database before timing",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed calls per measurement (median reported)"
    )
    return parser.parse_args(argv)


def build_dataset(num_crops: int, num_groups: int) -> GlyphDataset:
    rng = random.Random(0)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 200, 200)).save(buffer, format="PNG")
    crops = {}
    for index in range(num_crops):
        crop_id = f"{index:016x}"
        group_id = f"latin-{index % num_groups:04d}"
        crops[crop_id] = Crop(
            crop_id,
            MEMBERS[index % 4],
            group_id,
            "train",
            ocr_score=rng.random(),
            phash=f"{rng.getrandbits(64):016x}",
        )
    groups = {f"latin-{g:04d}": sorted(MEMBERS) for g in range(num_groups)}
    return GlyphDataset("bench", crops, dict.fromkeys(crops, buffer.getvalue()), groups)


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(args: argparse.Namespace, dataset: GlyphDataset, num_events: int, folder: Path) -> str:
    settings = Settings(
        data_dir=folder, db_path=folder / f"labels-{num_events}.db", overrides_path=folder / "o.tsv"
    )
    store = LabelStore(settings.db_path)
    crop_ids = list(dataset.crops)
    labels = {crop_id: dataset.crops[crop_id].character for crop_id in crop_ids}
    # Decisions are appended in batches of 100 crops, as a select-all in the page would send them.
    for start in range(0, num_events, 100):
        batch = crop_ids[start % len(crop_ids) : start % len(crop_ids) + 100]
        versions = store.states()
        store.record(
            "bench",
            "confirm",
            {c: versions[c].version if c in versions else 0 for c in batch},
            labels,
        )
    client = TestClient(create_app(settings, LabelingService(settings, dataset, store)))
    group_ms = median_ms(
        lambda: client.get("/api/groups/latin-0001").raise_for_status(), args.repeat
    )
    progress_ms = median_ms(lambda: client.get("/api/progress").raise_for_status(), args.repeat)
    target = crop_ids[-1]

    def decide() -> None:
        version = client.get(f"/api/crops/{target}").json()["version"]
        body = {
            "annotator": "bench",
            "action": "confirm",
            "items": [{"crop_id": target, "base_version": version}],
        }
        client.post("/api/decisions", json=body).raise_for_status()

    decide_ms = median_ms(decide, args.repeat)
    per_group = len(crop_ids) // args.groups
    return f"| {len(crop_ids)} | {per_group} | {num_events} | {group_ms:.0f} | {decide_ms:.0f} | {progress_ms:.0f} |"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    dataset = build_dataset(args.crops, args.groups)
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        "| crops | crops per group | events | GET group (ms) | GET crop + POST decision (ms) | GET progress (ms) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for num_events in args.events:
            print(run(args, dataset, num_events, Path(folder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
