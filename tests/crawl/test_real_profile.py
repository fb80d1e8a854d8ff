"""Tests for the crawl section of the real-input profile, run on the real-data folder."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.crawl.sources import check_sources
from pipeline.crawl.stage import run_crawl
from pipeline.profile import merged_params

# The profile's sources that read folders of real photos (as opposed to labelled crops).
EXPECTED_PHOTO_SOURCES = {"paddleocr-doc", "chineseocr", "cnstd-examples", "rapidocr-tests"}


def test_profile_crawls_real_folders(realdata, repo_root, tmp_path):
    params = merged_params(repo_root / "params.yaml", ["real"], root=realdata)
    sources = check_sources(params["crawl"]["sources"])
    local = [source for source in sources if source["type"] == "local"]
    assert {source["name"] for source in local} == {"chars74k", *EXPECTED_PHOTO_SOURCES}
    assert {source["type"] for source in sources} == {"local", "synthetic"}
    crawl = {**params["crawl"], "sources": local, "output_dir": str(tmp_path / "crawl")}

    metrics = run_crawl(crawl, params["synth"], tmp_path / "crawl.json")

    assert metrics["rows_per_source"]["chars74k"] == 1832
    assert metrics["rows_per_kind"]["glyph"] == 1832
    for name in EXPECTED_PHOTO_SOURCES:
        assert metrics["rows_per_source"][name] > 0, name
    assert metrics["skipped"] == {}
    table = pq.read_table(tmp_path / "crawl", columns=["source", "licence", "kind", "label"])
    licences = dict(
        zip(table.column("source").to_pylist(), table.column("licence").to_pylist(), strict=True)
    )
    assert "research use only" in licences["chars74k"]
    photos = table.filter(pc.equal(table.column("kind"), "photo"))
    assert photos.num_rows == sum(metrics["rows_per_source"][n] for n in EXPECTED_PHOTO_SOURCES)
    assert photos.column("label").null_count == photos.num_rows
