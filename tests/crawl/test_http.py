"""End-to-end tests of the http crawl source against a real loopback server."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import time
from pathlib import Path

import datasets
import pyarrow as pa
import pytest
from PIL import Image

from pipeline.common.images import decode_image
from pipeline.common.logs import SkipCounter
from pipeline.common.params import ParamsError
from pipeline.crawl.http import iter_http_source
from pipeline.crawl.http_state import CrawlState
from pipeline.crawl.rows import CRAWL_SCHEMA
from pipeline.crawl.stage import run_crawl
from tests.crawl.http_server import (
    LoopbackServer,
    Reply,
    build_gallery,
    fail_then,
    html_page,
    image_bytes,
    jpeg_reply,
    png_reply,
    redirect,
)

MAX_PIXELS = 10_000_000
# Timer resolution and thread start-up make measured gaps a little shorter than booked ones.
TIMING_SLACK = 0.02

GOOD_IMAGES = [
    "/img/a.png",
    "/img/b.jpg",
    "/img/dup1.png",
    "/img/flaky.png",
    "/img/busy.png",
    "/img/chain.png",
    "/img/large.png",
    "/img/p1.png",
    "/img/p2.jpg",
    "/img/p3.png",
    "/img/sitemap.png",
    "/img/p4.png",
]


def source_config(server: LoopbackServer, **overrides) -> dict:
    config = {
        "name": "loopback",
        "type": "http",
        "licence": "test images made by the test suite",
        "seeds": [server.url("/index.html")],
        "max_pages": 20,
        "max_depth": 2,
        "rate_limit_per_host": 200.0,
        "max_concurrency": 4,
        "retries": 2,
        "backoff_seconds": 0.05,
        "timeout_seconds": 0.4,
        "max_redirects": 3,
        "max_bytes": 50_000,
    }
    config.update(overrides)
    return config


def crawl(config: dict, skips, cache_dir: Path) -> list[dict]:
    return list(iter_http_source(config, skips=skips, max_pixels=MAX_PIXELS, cache_dir=cache_dir))


def build_fault_site(server: LoopbackServer) -> None:
    """Serve pages, a sitemap and one image per fault the crawler must survive."""
    server.add(
        "/robots.txt",
        Reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain"),
    )
    index_images = [
        "/img/a.png",
        "/img/b.jpg",
        "/img/dup1.png",
        "/img/dup2.png",
        "/img/flaky.png",
        "/img/busy.png",
        "/img/slow.png",
        "/img/chain.png",
        "/img/too-many-hops.png",
        "/img/loop-a.png",
        "/img/big-declared.png",
        "/img/big-streamed.png",
        "/img/wrong-type.png",
        "/img/html-as-jpeg.jpg",
        "/img/truncated.jpg",
        "/img/missing.png",
        "/private/secret.png",
    ]
    srcset = '<img srcset="/img/small.png 1x, /img/large.png 2x">'
    links = ["/page1.html", "/page2.html", "/private/hidden.html", "http://example.invalid/x.html"]
    server.add("/index.html", Reply(200, html_page(links, index_images, srcset)))
    server.add("/page1.html", Reply(200, html_page(["/page3.html"], ["/img/p1.png"])))
    server.add("/page2.html", Reply(200, html_page(["/index.html"], ["/img/p2.jpg", "/img/a.png"])))
    server.add("/page3.html", Reply(200, html_page(["/page5.html"], ["/img/p3.png"])))
    server.add("/page4.html", Reply(200, html_page([], ["/img/p4.png"])))
    server.add("/page5.html", Reply(200, html_page([], ["/img/p5.png"])))
    server.add("/private/hidden.html", Reply(200, html_page([], ["/img/hidden.png"])))

    for seed, path in enumerate(["/img/a.png", "/img/p1.png", "/img/p3.png", "/img/p4.png"], 1):
        server.add(path, png_reply(seed))
    server.add("/img/b.jpg", jpeg_reply(10))
    server.add("/img/p2.jpg", jpeg_reply(11))
    server.add("/img/small.png", png_reply(12))
    server.add("/img/large.png", png_reply(13, size=(96, 64)))
    server.add("/img/sitemap.png", png_reply(14))
    server.add("/img/dup1.png", png_reply(20))
    server.add("/img/dup2.png", png_reply(20))
    server.add("/img/flaky.png", fail_then(Reply(500, b"oops", "text/plain"), png_reply(21)))
    server.add(
        "/img/busy.png",
        fail_then(Reply(503, b"busy", "text/plain", {"Retry-After": "1"}), png_reply(22)),
    )
    server.add("/img/slow.png", png_reply(23, delay=1.0))
    server.add("/img/chain.png", redirect("/r/1"))
    server.add("/r/1", redirect("/r/2", 301))
    server.add("/r/2", redirect("/img/final.png", 307))
    server.add("/img/final.png", png_reply(24))
    server.add("/img/too-many-hops.png", redirect("/hop/1"))
    for hop in range(1, 6):
        server.add(f"/hop/{hop}", redirect(f"/hop/{hop + 1}"))
    server.add("/img/loop-a.png", redirect("/img/loop-b.png"))
    server.add("/img/loop-b.png", redirect("/img/loop-a.png"))
    server.add("/img/big-declared.png", Reply(200, b"\x89PNG" + bytes(80_000), "image/png"))
    server.add(
        "/img/big-streamed.png", Reply(200, b"\x89PNG" + bytes(80_000), "image/png", stream=True)
    )
    server.add("/img/wrong-type.png", Reply(200, image_bytes(26), "text/plain"))
    server.add("/img/html-as-jpeg.jpg", Reply(200, html_page(), "image/jpeg"))
    jpeg = image_bytes(27, "JPEG", size=(64, 64))
    server.add("/img/truncated.jpg", Reply(200, jpeg[: len(jpeg) // 2], "image/jpeg"))
    server.add("/private/secret.png", png_reply(28))

    sitemap_index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>/sitemap-pages.xml</loc></sitemap></sitemapindex>"
    )
    sitemap_pages = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        "<url><loc>/page4.html</loc>"
        "<image:image><image:loc>/img/sitemap.png</image:loc></image:image></url>"
        "</urlset>"
    )
    server.add("/sitemap.xml", Reply(200, sitemap_index.encode(), "application/xml"))
    server.add("/sitemap-pages.xml", Reply(200, sitemap_pages.encode(), "application/xml"))


@pytest.fixture
def fault_site():
    with LoopbackServer() as server:
        build_fault_site(server)
        yield server


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    """Crawl the fault site once with its sitemap; return (server, rows, skips, cache_dir).

    The crawl takes a few seconds (timeouts, Retry-After), so the tests that only read its
    results share one.
    """
    cache_dir = tmp_path_factory.mktemp("fault-crawl")
    skips = SkipCounter(logging.getLogger("tests.crawl"), "fault site items")
    with LoopbackServer() as server:
        build_fault_site(server)
        config = source_config(server, sitemap=server.url("/sitemap.xml"))
        rows = crawl(config, skips, cache_dir)
        yield server, rows, skips, cache_dir


def uris(rows: list[dict], server: LoopbackServer) -> list[str]:
    return sorted(row["uri"].removeprefix(server.base_url) for row in rows)


def test_crawl_yields_one_row_per_good_image(fault_crawl):
    server, rows, _, _ = fault_crawl
    expected = sorted(
        path if path != "/img/chain.png" else "/img/final.png" for path in GOOD_IMAGES
    )
    assert uris(rows, server) == expected


def test_crawl_rows_match_crawl_schema(fault_crawl):
    server, rows, _, _ = fault_crawl
    table = pa.Table.from_pylist(rows, schema=CRAWL_SCHEMA)
    assert table.num_rows == len(GOOD_IMAGES)
    for row in rows:
        assert set(row) == set(CRAWL_SCHEMA.names)
        assert row["sha256"] == hashlib.sha256(row["image"]).hexdigest()
        assert row["num_bytes"] == len(row["image"])
        assert (row["width"], row["height"]) == Image.open(io.BytesIO(row["image"])).size
        assert row["source"] == "loopback"
        assert row["source_type"] == "http"
        assert row["kind"] == "photo"
        assert row["label"] is None
        assert row["annotations"] is None
        assert row["synthetic"] is False
        assert row["licence"] == "test images made by the test suite"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["fetched_at"])


def test_crawl_counts_each_skip_reason(fault_crawl):
    _, _, skips, _ = fault_crawl
    assert skips.as_dict() == {
        "content_type": 1,
        "decode_failed": 1,
        "duplicate_content": 1,
        "http_404": 1,
        "not_an_image": 1,
        "redirect_loop": 1,
        "robots_disallowed": 2,
        "timeout": 1,
        "too_large": 2,
        "too_many_redirects": 1,
    }


def test_crawl_state_records_reasons(fault_crawl):
    server, _, _, cache_dir = fault_crawl
    state = CrawlState(cache_dir / "loopback.sqlite")
    try:
        streamed = state.get(server.url("/img/big-streamed.png"))
        declared = state.get(server.url("/img/big-declared.png"))
        slow = state.get(server.url("/img/slow.png"))
        good = state.get(server.url("/img/chain.png"))
    finally:
        state.close()
    assert (streamed.status, streamed.reason) == ("rejected", "too_large")
    assert streamed.detail == "body exceeds max_bytes = 50000"
    assert declared.detail == "Content-Length 80004 exceeds max_bytes = 50000"
    assert (slow.status, slow.reason) == ("failed", "timeout")
    assert (good.status, good.kind) == ("ok", "image")
    assert good.final_url == server.url("/img/final.png")


def test_crawl_respects_robots_txt(fault_crawl):
    server, _, _, _ = fault_crawl
    assert server.count("/robots.txt") == 1
    assert server.count("/private/secret.png") == 0
    assert server.count("/private/hidden.html") == 0
    assert server.count("/img/hidden.png") == 0


def test_crawl_retries_only_transient_failures(fault_crawl):
    server, _, _, _ = fault_crawl
    assert server.count("/img/flaky.png") == 2
    assert server.count("/img/busy.png") == 2
    assert server.count("/img/slow.png") == 3  # the first attempt and retries = 2
    assert server.count("/img/missing.png") == 1
    assert server.count("/img/wrong-type.png") == 1


def test_crawl_honours_retry_after(fault_crawl):
    server, _, _, _ = fault_crawl
    first, second = server.starts("/img/busy.png")
    assert second - first >= 1.0 - TIMING_SLACK


def test_crawl_stops_redirect_chains(fault_crawl):
    server, _, _, _ = fault_crawl
    assert server.count("/img/final.png") == 1
    assert server.count("/img/loop-a.png") == 1
    assert server.count("/img/loop-b.png") == 1
    # max_redirects = 3 allows three hops, so /hop/3 is requested and its redirect to /hop/4 is not.
    assert server.count("/hop/3") == 1
    assert server.count("/hop/4") == 0


def test_crawl_follows_depth_and_sitemap(fault_crawl):
    server, _, _, _ = fault_crawl
    assert server.count("/page3.html") == 1  # depth 2 = max_depth
    assert server.count("/page5.html") == 0  # depth 3
    assert server.count("/page4.html") == 1  # listed only in the sitemap
    assert server.count("/img/small.png") == 0  # the smaller srcset candidate
    assert server.count("/index.html") == 1  # linked again from page2 but fetched once


def test_crawl_sends_user_agent(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=1)
        crawl(source_config(server, user_agent="glyph-test-bot/1.0"), skips, tmp_path)
        agents = {entry.user_agent for entry in server.log}
    assert agents == {"glyph-test-bot/1.0"}


def test_rerun_refetches_only_transient_failures(fault_crawl):
    server, rows, skips, cache_dir = fault_crawl
    config = source_config(server, sitemap=server.url("/sitemap.xml"))
    requests_before = server.total_requests()
    rerun_skips = SkipCounter(logging.getLogger("tests.crawl"), "rerun items")

    rerun_rows = crawl(config, rerun_skips, cache_dir)

    # Only the timed-out image is tried again (three attempts), which needs robots.txt first.
    assert server.total_requests() - requests_before == 1 + 3
    assert server.count("/img/slow.png") == 6
    assert rerun_rows == rows
    assert rerun_skips.as_dict() == skips.as_dict()


def test_rerun_of_finished_crawl_sends_no_requests(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=3, images_per_page=2)
        config = source_config(server, max_depth=3)
        rows = crawl(config, skips, tmp_path)
        requests_before = server.total_requests()

        rerun_rows = crawl(config, skips, tmp_path)

        assert server.total_requests() == requests_before
    assert len(rows) == 6
    assert rerun_rows == rows
    assert (tmp_path / "loopback.sqlite").is_file()


def test_resume_after_max_pages_fetches_only_new_urls(fault_site, skips, tmp_path):
    first = crawl(source_config(fault_site, max_pages=1), skips, tmp_path)
    assert fault_site.count("/page1.html") == 0
    counts_after_first = {path: fault_site.count(path) for path in ("/index.html", "/img/a.png")}

    second = crawl(source_config(fault_site, max_pages=20), skips, tmp_path)

    assert {path: fault_site.count(path) for path in ("/index.html", "/img/a.png")} == {
        "/index.html": 1,
        "/img/a.png": 1,
    }
    assert counts_after_first == {"/index.html": 1, "/img/a.png": 1}
    assert fault_site.count("/page1.html") == 1
    assert {row["sha256"] for row in first} < {row["sha256"] for row in second}
    assert len({row["sha256"] for row in second}) == len(second)


def test_resume_after_exception_does_not_refetch(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=4, images_per_page=3)
        config = source_config(server, max_depth=4)
        rows_before_error = []
        with pytest.raises(RuntimeError, match="consumer failed"):
            with contextlib.closing(
                iter_http_source(config, skips=skips, max_pixels=MAX_PIXELS, cache_dir=tmp_path)
            ) as rows:
                for row in rows:
                    rows_before_error.append(row)
                    if len(rows_before_error) == 4:
                        raise RuntimeError("consumer failed")

        rows = crawl(config, skips, tmp_path)

        image_paths = [f"/img/{page}-{number}.png" for page in range(4) for number in range(3)]
        assert all(server.count(path) == 1 for path in image_paths)
        assert server.count("/index.html") == 1
        assert len(rows) == 12
        assert len({row["sha256"] for row in rows}) == 12
        assert rows[:4] == rows_before_error


def test_rate_limit_spaces_requests(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=2, images_per_page=3)
        config = source_config(server, rate_limit_per_host=10.0, max_concurrency=4)
        crawl(config, skips, tmp_path)
        starts = server.starts()
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 1 + 1 + 2 + 6  # robots.txt, index, pages, images
    assert min(gaps) >= 0.1 - TIMING_SLACK


def test_crawl_delay_from_robots_wins_over_rate_limit(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=3)
        robots = b"User-agent: *\nCrawl-delay: 0.25\n"
        server.add("/robots.txt", Reply(200, robots, "text/plain"))
        crawl(source_config(server, rate_limit_per_host=100.0), skips, tmp_path)
        starts = server.starts()
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert len(gaps) == 5  # robots.txt, then the index, one page and three images
    assert min(gaps) >= 0.25 - TIMING_SLACK


@pytest.mark.parametrize(
    ("max_concurrency", "expected"), [(3, 3), ({"total": 4, "per_host": 2}, 2)]
)
def test_concurrency_cap_per_host(skips, tmp_path, max_concurrency, expected):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=8, delay=0.15)
        config = source_config(server, rate_limit_per_host=1000.0, max_concurrency=max_concurrency)
        rows = crawl(config, skips, tmp_path)
        assert len(rows) == 8
        assert server.max_in_flight <= expected
        assert server.max_in_flight >= 2  # requests did overlap, so the cap was what held them


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Return the largest number of (start, end) intervals open at one time."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = peak = 0
    for _, change in events:
        open_now += change
        peak = max(peak, open_now)
    return peak


def test_concurrency_cap_total_across_hosts(skips, tmp_path):
    with LoopbackServer() as first, LoopbackServer() as second:
        for server in (first, second):
            build_gallery(server, pages=1, images_per_page=6, delay=0.15)
        config = source_config(
            first,
            seeds=[first.url("/index.html"), second.url("/index.html")],
            rate_limit_per_host=1000.0,
            max_concurrency={"total": 3, "per_host": 2},
        )
        crawl(config, skips, tmp_path)
        logs = [*first.log, *second.log]

    # Both hosts reached their per-host cap, so without the total cap four requests could overlap.
    assert first.max_in_flight == 2
    assert second.max_in_flight == 2
    assert max_overlap([(entry.start, entry.end) for entry in logs]) <= 3


def test_label_marks_rows_as_glyphs(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=2)
        rows = crawl(source_config(server, label="未"), skips, tmp_path)
    assert [row["kind"] for row in rows] == ["glyph", "glyph"]
    assert [row["label"] for row in rows] == ["未", "未"]


def test_unreachable_robots_disallows_host(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=1)
        server.add("/robots.txt", Reply(503, b"down", "text/plain"))
        rows = crawl(source_config(server, retries=0), skips, tmp_path)
        assert rows == []
        assert server.count("/index.html") == 0
    assert skips.as_dict() == {"robots_disallowed": 1}


def test_transient_failure_is_retried_next_run(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=1)
        image = png_reply(99)
        server.add("/img/0-0.png", fail_then(Reply(500, b"down", "text/plain"), image, failures=2))
        first = crawl(source_config(server, retries=1), skips, tmp_path)
        second = crawl(source_config(server, retries=1), skips, tmp_path)
        assert server.count("/img/0-0.png") == 3
    assert first == []
    assert len(second) == 1
    assert skips.as_dict() == {"http_500": 1}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "bad name"}, r"crawl source name 'bad name' is invalid"),
        ({"seeds": [], "sitemap": None}, r"needs 'seeds' .* or 'sitemap'"),
        ({"seeds": ["ftp://example.org/"]}, r"seeds: expected an absolute http\(s\) URL"),
        ({"seeds": "http://example.org/"}, r"seeds: expected a list"),
        ({"rate_limit_per_host": 0}, r"rate_limit_per_host: expected a value >= 1e-06, got 0"),
        ({"max_pages": 2.5}, r"max_pages: expected a whole number, got 2.5"),
        ({"max_concurrency": 0}, r"max_concurrency: expected an integer >= 1"),
        ({"max_concurrency": {"total": 0}}, r"max_concurrency.total: expected a value >= 1, got 0"),
        ({"label": "ab"}, r"label: expected one character, got 'ab'"),
        ({"max_byte": 10}, r"unknown keys \['max_byte'\]"),
    ],
)
def test_invalid_config_is_rejected(tmp_path, skips, overrides, message):
    config = {"name": "site", "type": "http", "licence": "x", "seeds": ["http://127.0.0.1:9/"]}
    config.update(overrides)
    with pytest.raises(ParamsError, match=message):
        crawl(config, skips, tmp_path)


def test_closing_stops_retry_after_wait(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=1, images_per_page=2)
        # The first image is slow, so the second one has its 503 before the first row arrives.
        server.add("/img/0-0.png", png_reply(4, delay=0.25))
        waiting = Reply(503, b"busy", "text/plain", {"Retry-After": "60"})
        server.add("/img/0-1.png", fail_then(waiting, png_reply(5)))
        config = source_config(server, max_concurrency=2)
        started = time.monotonic()
        with contextlib.closing(
            iter_http_source(config, skips=skips, max_pixels=MAX_PIXELS, cache_dir=tmp_path)
        ) as rows:
            first_row = next(rows)
        elapsed = time.monotonic() - started
        assert first_row["uri"] == server.url("/img/0-0.png")
        assert elapsed < 5.0
        assert server.count("/img/0-1.png") == 1


def test_crawl_stage_writes_parquet_that_datasets_loads(skips, tmp_path):
    with LoopbackServer() as server:
        build_gallery(server, pages=2, images_per_page=2)
        crawl_params = {
            "output_dir": str(tmp_path / "crawl"),
            "cache_dir": str(tmp_path / "cache"),
            "rows_per_shard": 3,
            "max_pixels": MAX_PIXELS,
            "sources": [source_config(server)],
        }
        metrics = run_crawl(crawl_params, {}, tmp_path / "crawl.json")

    dataset = datasets.load_dataset(
        "parquet", data_files=str(tmp_path / "crawl" / "part-*.parquet"), split="train"
    )
    assert metrics["rows_per_source"] == {"loopback": 4}
    assert dataset.num_rows == 4
    assert set(dataset["source_type"]) == {"http"}
    assert sorted(dataset["uri"]) == sorted(
        server.url(f"/img/{page}-{number}.png") for page in range(2) for number in range(2)
    )


def test_crawl_real_photos(realdata, skips, tmp_path):
    folder = realdata / "rapidocr_tests" / "python" / "tests" / "test_files"
    names = ["img_exif_orientation.jpg", "ch_en_num.jpg", "en.jpg", "short.png", "latin.jpg"]
    photos = {name: (folder / name).read_bytes() for name in names if (folder / name).is_file()}
    if len(photos) < 3:
        pytest.skip(f"expected real photos in {folder}")

    with LoopbackServer() as server:
        server.add("/robots.txt", Reply(200, b"", "text/plain"))
        paths = [f"/photos/{name}" for name in photos]
        server.add("/index.html", Reply(200, html_page([], paths)))
        for name, data in photos.items():
            mime = "image/png" if name.endswith(".png") else "image/jpeg"
            server.add(f"/photos/{name}", Reply(200, data, mime))
        rows = crawl(source_config(server, max_bytes=20_000_000), skips, tmp_path)

    assert skips.as_dict() == {}
    assert [row["uri"].rsplit("/", 1)[-1] for row in rows] == list(photos)
    for row in rows:
        data = photos[row["uri"].rsplit("/", 1)[-1]]
        expected = decode_image(data)
        assert row["image"] == data
        assert (row["width"], row["height"]) == expected.size
