"""Tests for the skip counter shared by every stage."""

from __future__ import annotations

import logging

from pipeline.common.logs import SkipCounter


def test_skip_counter_names_files_then_rate_limits(caplog):
    skips = SkipCounter(logging.getLogger("test.skips"), what="photos")
    limit = SkipCounter.WARN_PER_REASON

    with caplog.at_level(logging.DEBUG, logger="test.skips"):
        for index in range(limit + 5):
            skips.skip("undecodable_image", f"photo-{index}.jpg", "truncated")
        skips.skip("too_small", "tiny.png")

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    debugs = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert skips.counts["undecodable_image"] == limit + 5
    assert skips.total == limit + 6
    assert f"skipped photo-{limit - 1}.jpg: undecodable_image (truncated)" in warnings
    assert f"skipped photo-{limit}.jpg: undecodable_image (truncated)" in debugs
    assert "skipped tiny.png: too_small" in warnings
    assert sum("further ones are logged at DEBUG" in m for m in warnings) == 1
    assert skips.as_dict() == {"too_small": 1, "undecodable_image": limit + 5}


def test_progress_switch_silences_datasets_bars(monkeypatch):
    import datasets.utils.logging as datasets_logging

    from pipeline.common.logs import setup_logging

    monkeypatch.setenv("GLYPH_PROGRESS", "0")
    # Recorded as absent, so the variable setup_logging sets is removed after the test.
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS", raising=False)
    datasets_logging.enable_progress_bar()
    try:
        setup_logging()
        assert not datasets_logging.is_progress_bar_enabled()
    finally:
        datasets_logging.enable_progress_bar()


def test_routine_skips_logged_quietly(caplog):
    import logging

    from pipeline.common.logs import SkipCounter

    skips = SkipCounter(logging.getLogger("test.skips"), "crops", routine=["space"])
    with caplog.at_level(logging.DEBUG, logger="test.skips"):
        skips.skip("space", "crop-1")
        skips.log_summary()
        skips.skip("undecodable_image", "crop-2")
        skips.log_summary()
    levels = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert levels == [
        ("DEBUG", "skipped crop-1: space"),
        ("INFO", "skipped 1 crops (space: 1)"),
        ("WARNING", "skipped crop-2: undecodable_image"),
        ("WARNING", "skipped 2 crops (space: 1, undecodable_image: 1)"),
    ]
