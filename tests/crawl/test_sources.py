"""Tests for the crawl.sources checks and the reader lookup."""

from __future__ import annotations

import pytest

from pipeline.common.params import ParamsError
from pipeline.crawl.local import iter_local_source
from pipeline.crawl.sources import check_sources, source_reader


def test_reader_lookup_by_type():
    assert source_reader("local") is iter_local_source


def test_unknown_type_raises():
    with pytest.raises(ParamsError, match="unknown crawl source type 'ftp'"):
        source_reader("ftp")


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([], r"crawl.sources must be a non-empty list"),
        ("local", r"crawl.sources must be a non-empty list"),
        (["x"], r"crawl.sources\[0\] must be a mapping"),
        ([{"name": "a", "type": "local"}], r"crawl.sources\[0\] \(a\) needs 'licence'"),
        ([{"type": "local", "licence": "x"}], r"crawl.sources\[0\] \(unnamed\) needs 'name'"),
        (
            [{"name": "a", "type": "local", "licence": "x"}] * 2,
            "duplicate source name 'a'",
        ),
        (
            [{"name": "a", "type": "ftp", "licence": "x"}],
            r"crawl.sources\[0\] \(a\): unknown type 'ftp'",
        ),
    ],
)
def test_invalid_sources_raise(sources, message):
    with pytest.raises(ParamsError, match=message):
        check_sources(sources)
