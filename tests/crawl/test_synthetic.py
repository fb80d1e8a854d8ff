"""Tests for the synthetic source: rows built from pipeline.synth renderings."""

from __future__ import annotations

import io

import pytest
import yaml
from PIL import Image

from pipeline.crawl.synthetic import iter_synthetic_source
from tests.crawl.images import read_kwargs


@pytest.fixture(scope="module")
def synth_params(repo_root) -> dict:
    return yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))["synth"]


def test_rows_are_labelled_synthetic_glyphs(tmp_path, skips, synth_params):
    source = {
        "name": "synth",
        "type": "synthetic",
        "licence": "generated",
        "charset": "chars:O0",
        "instances_per_char": 3,
        "synth": synth_params,
        "seed": 5,
    }

    rows = list(iter_synthetic_source(source, **read_kwargs(tmp_path, skips)))

    assert [row["label"] for row in rows] == ["O", "O", "O", "0", "0", "0"]
    assert [row["uri"].rsplit("/", 1)[1] for row in rows] == ["0", "1", "2", "0", "1", "2"]
    assert all(row["uri"].startswith("synth://") for row in rows)
    assert {(row["kind"], row["synthetic"], row["source_type"]) for row in rows} == {
        ("glyph", True, "synthetic")
    }
    size = synth_params["image_size"]
    for row in rows:
        image = Image.open(io.BytesIO(row["image"]))
        assert (image.format, image.size) == ("PNG", (size, size))
        assert (row["width"], row["height"]) == (size, size)


def test_missing_charset_raises(tmp_path, skips, synth_params):
    source = {
        "name": "synth",
        "type": "synthetic",
        "licence": "generated",
        "instances_per_char": 3,
        "synth": synth_params,
    }

    with pytest.raises(
        ValueError, match="crawl source 'synth' of type 'synthetic' needs 'charset'"
    ):
        list(iter_synthetic_source(source, **read_kwargs(tmp_path, skips)))
