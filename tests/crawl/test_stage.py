"""End-to-end tests of the crawl stage: dedup across sources, metrics, atomic output, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.crawl.rows import CRAWL_SCHEMA
from pipeline.crawl.stage import run_crawl
from tests.crawl.images import write_photo


def crawl_params(tmp_path, sources, **extra) -> dict:
    return {
        "output_dir": str(tmp_path / "data" / "crawl"),
        "rows_per_shard": 2,
        "max_pixels": 1_000_000,
        "cache_dir": str(tmp_path / "cache"),
        "sources": sources,
        **extra,
    }


@pytest.fixture
def two_folders(tmp_path):
    shared = write_photo(tmp_path / "a" / "shared.png", seed=1)
    write_photo(tmp_path / "a" / "only_a.png", seed=2)
    (tmp_path / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "copy.png").write_bytes(shared)
    write_photo(tmp_path / "b" / "only_b.jpg", seed=3)
    return [
        {"name": "first", "type": "local", "path": str(tmp_path / "a"), "licence": "CC0"},
        {"name": "second", "type": "local", "path": str(tmp_path / "b"), "licence": "CC BY"},
    ]


def test_duplicates_dropped_first_source_wins(tmp_path, two_folders):
    metrics = run_crawl(crawl_params(tmp_path, two_folders), {}, tmp_path / "crawl.json")

    table = pq.read_table(tmp_path / "data" / "crawl").sort_by("uri")
    assert table.schema.names == CRAWL_SCHEMA.names
    assert table.column("uri").to_pylist() == ["only_a.png", "only_b.jpg", "shared.png"]
    assert table.column("source").to_pylist() == ["first", "second", "first"]
    assert len(list((tmp_path / "data" / "crawl").glob("part-*.parquet"))) == 2
    assert metrics["rows"] == 3
    assert metrics["rows_per_source"] == {"first": 2, "second": 1}
    assert metrics["rows_per_kind"] == {"photo": 3}
    assert metrics["duplicates"] == 1
    assert metrics["duplicates_per_source"] == {"first": 0, "second": 1}
    assert metrics["skipped"] == {"undecodable_image": 1}
    assert metrics["skipped_per_source"] == {"first": {"undecodable_image": 1}, "second": {}}
    assert json.loads((tmp_path / "crawl.json").read_text()) == metrics


def test_shards_load_with_datasets(tmp_path, two_folders):
    datasets = pytest.importorskip("datasets")
    run_crawl(crawl_params(tmp_path, two_folders), {}, tmp_path / "crawl.json")

    loaded = datasets.load_dataset(
        "parquet",
        data_files=str(tmp_path / "data" / "crawl" / "part-*.parquet"),
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )

    assert loaded.num_rows == 3
    assert sorted(loaded["source_type"]) == ["local", "local", "local"]


def test_recrawl_of_unchanged_files_writes_identical_shards(tmp_path, two_folders):
    params = crawl_params(tmp_path, two_folders)
    out = Path(params["output_dir"])
    run_crawl(params, {}, tmp_path / "crawl.json")
    first = {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}
    time.sleep(1.1)  # the clock moves past the second that a download's fetched_at would record
    run_crawl(params, {}, tmp_path / "crawl.json")
    second = {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}
    assert len(first) == 2
    assert second == first


def test_failed_run_keeps_previous_output(tmp_path, two_folders):
    run_crawl(crawl_params(tmp_path, two_folders), {}, tmp_path / "crawl.json")
    before = sorted(p.name for p in (tmp_path / "data" / "crawl").iterdir())
    missing = {"name": "gone", "type": "local", "path": str(tmp_path / "nowhere"), "licence": "x"}

    with pytest.raises(FileNotFoundError, match="crawl source 'gone': folder not found"):
        run_crawl(crawl_params(tmp_path, [*two_folders, missing]), {}, tmp_path / "crawl.json")

    assert sorted(p.name for p in (tmp_path / "data" / "crawl").iterdir()) == before
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["crawl"]


def test_cli_help_names_params():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.crawl", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--params" in result.stdout
    assert "--metrics" in result.stdout


def test_cli_runs_on_params_file(tmp_path, two_folders, repo_root):
    synth = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))["synth"]
    sources = [
        *two_folders,
        {
            "name": "synth",
            "type": "synthetic",
            "licence": "generated",
            "charset": "chars:未l",
            "instances_per_char": 2,
            "synth": {"image_size": 32},
        },
    ]
    params = {"common": {"seed": 3}, "crawl": crawl_params(tmp_path, sources), "synth": synth}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.crawl",
            "--params",
            str(tmp_path / "params.yaml"),
            "--metrics",
            str(tmp_path / "metrics" / "crawl.json"),
        ],
        cwd=repo_root,
        check=True,
        capture_output=True,
        text=True,
    )

    metrics = json.loads((tmp_path / "metrics" / "crawl.json").read_text())
    assert metrics["rows_per_source"] == {"first": 2, "second": 1, "synth": 4}
    assert metrics["rows_per_kind"] == {"glyph": 4, "photo": 3}
    glyphs = pq.read_table(tmp_path / "data" / "crawl", filters=[("kind", "==", "glyph")])
    assert sorted(glyphs.column("label").to_pylist()) == ["l", "l", "未", "未"]
    assert set(glyphs.column("width").to_pylist()) == {32}
