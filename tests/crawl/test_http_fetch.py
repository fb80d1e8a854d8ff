"""Tests of Retry-After parsing, host matching and the per-host throttle."""

from __future__ import annotations

import email.utils
import threading
import time

import pytest

from pipeline.crawl.http_config import parse_http_source
from pipeline.crawl.http_fetch import MAX_RETRY_AFTER_SECONDS, parse_retry_after
from pipeline.crawl.http_throttle import HostThrottle


def test_parse_retry_after_seconds_and_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("99999") == MAX_RETRY_AFTER_SECONDS
    in_ten_seconds = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= parse_retry_after(in_ten_seconds) <= 10.0
    past = email.utils.formatdate(time.time() - 100, usegmt=True)
    assert parse_retry_after(past) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3"])
def test_parse_retry_after_ignores_invalid(value):
    assert parse_retry_after(value) is None


def test_allowed_hosts_default_and_wildcard():
    config = parse_http_source(
        {
            "name": "s",
            "licence": "x",
            "seeds": ["https://Example.org/a"],
            "sitemap": "https://b.org/s",
        }
    )
    assert config.allowed_hosts == ("b.org", "example.org")
    assert config.host_allowed("EXAMPLE.org")
    assert not config.host_allowed("cdn.example.org")

    wildcard = parse_http_source(
        {
            "name": "s",
            "licence": "x",
            "seeds": ["https://example.org/"],
            "allowed_hosts": ["*.example.org"],
        }
    )
    assert wildcard.host_allowed("cdn.example.org")
    assert wildcard.host_allowed("example.org")
    assert not wildcard.host_allowed("badexample.org")


def test_throttle_spaces_starts_across_threads():
    booked: list[float] = []
    booking = threading.Lock()

    class RecordingThrottle(HostThrottle):
        def _reserve_start(self, host: str) -> float:
            with booking:
                wait = super()._reserve_start(host)
                booked.append(self.last_start[host])
            return wait

    throttle = RecordingThrottle(rate_limit_per_host=20.0, max_concurrency_per_host=4)

    def request() -> None:
        with throttle.slot("h:1"):
            pass

    threads = [threading.Thread(target=request) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The booked start times are exact: at least 1 / 20 s apart, however late a thread runs.
    booked.sort()
    gaps = [later - earlier for earlier, later in zip(booked, booked[1:], strict=False)]
    assert len(booked) == 5
    assert min(gaps) >= 0.05 - 1e-9


def test_throttle_defer_and_crawl_delay():
    throttle = HostThrottle(rate_limit_per_host=1000.0, max_concurrency_per_host=1)
    throttle.set_crawl_delay("h:1", 0.2)
    throttle.defer("h:2", 0.15)
    begin = time.monotonic()
    with throttle.slot("h:2"):
        assert time.monotonic() - begin >= 0.15 - 0.01
    with throttle.slot("h:1"):
        first = time.monotonic()
    with throttle.slot("h:1"):
        assert time.monotonic() - first >= 0.2 - 0.01
