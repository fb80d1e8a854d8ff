"""Fixtures for the crawl source tests."""

from __future__ import annotations

import logging

import pytest

from pipeline.common.logs import SkipCounter


@pytest.fixture
def skips() -> SkipCounter:
    return SkipCounter(logging.getLogger("tests.crawl"), "test items")
