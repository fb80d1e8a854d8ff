"""Crawl photos from web sites politely: the `type: http` crawl source.

A source entry in `crawl.sources` of params.yaml looks like the one below. Only `name`, `licence`
and one of `seeds` or `sitemap` are required, and the values shown for the other keys are the
defaults::

    - name: shop-signs              # also names the cache file <cache_dir>/shop-signs.sqlite
      type: http
      licence: "CC BY 4.0, photos by example.org"
      seeds: [https://example.org/gallery/]   # start pages (depth 0)
      sitemap: https://example.org/sitemap.xml  # optional; a sitemap index is followed too
      label: null                   # one character: every image is a pre-cropped glyph of it
      max_pages: 100                # page links visited per run, cached and failed ones included
      max_depth: 1                  # link hops followed from a seed or sitemap page
      allowed_hosts: [example.org]  # default: the hosts of seeds and sitemap; "*.example.org"
                                    # matches subdomains. Pages and images outside are ignored.
      user_agent: "glyph-fgvc-crawler/0.1 (...)"  # robots.txt groups match its first word
      rate_limit_per_host: 1.0      # request starts per second to one host
      max_concurrency: 4            # requests in flight, in total and per host; or
                                    # {total: 8, per_host: 2}
      retries: 3                    # extra attempts after 429, 5xx, timeouts, connection errors
      backoff_seconds: 1.0          # wait before retry n is backoff_seconds * 2**(n - 1)
      timeout_seconds: 10           # connect timeout and timeout of each read
      response_deadline_seconds: 120  # wall-clock limit for one whole response
      max_redirects: 5
      max_bytes: 20000000           # larger bodies are aborted while streaming
      content_types: [image/jpeg, image/png, image/gif, image/webp, image/bmp, image/tiff]

Politeness: robots.txt is fetched once per origin per run, before the first request to that
origin, and matched as RFC 9309 specifies. If it returns 5xx or the host is unreachable, the whole
host is treated as disallowed for the run. Request starts to one host are spaced by the rate
limit, or by the robots.txt Crawl-delay where that is longer. A Retry-After header (on 429 or 5xx)
holds back every request to that host. Other 4xx statuses are not retried.

An image becomes a row only if its Content-Type is listed in `content_types`, its magic bytes name
a supported format (JPEG, PNG, GIF, WebP, BMP or TIFF) and `decode_image` accepts it. The same bytes
at two URLs yield one row.

Resume: every URL's outcome and every image's bytes (keyed by SHA-256) are stored in SQLite as
soon as they arrive. A rerun serves finished URLs from there without network requests, in the
same order, so an interrupted crawl continues where it stopped and a finished crawl yields the
same rows offline. Transient failures (5xx, timeouts, connection errors) are tried again on the
next run. Delete the cache file to crawl everything again.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.common.logs import SkipCounter, progress
from pipeline.crawl.http_config import HttpSourceConfig, parse_http_source
from pipeline.crawl.http_fetch import Fetcher, FetchError
from pipeline.crawl.http_records import Task, failure_record, response_record
from pipeline.crawl.http_state import CrawlState, UrlRecord

logger = logging.getLogger(__name__)

# A sitemap index may list sitemaps; deeper nesting is not allowed by the sitemap protocol.
MAX_SITEMAP_DEPTH = 1
# Results are consumed in submission order, so a few extra tasks in flight keep every worker busy
# while the oldest one finishes.
TASKS_PER_WORKER = 2

Outcome = tuple[UrlRecord, bytes | None]


def iter_http_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Crawl one http source and yield one `data/crawl` row per distinct image.

    Rows come in a fixed order for a given site and config, whether fetched or read from the
    cache under ``cache_dir``. Skipped URLs are logged and counted in ``skips`` by reason.
    """
    config = parse_http_source(source)
    state = CrawlState(Path(cache_dir) / f"{config.name}.sqlite")
    fetcher = Fetcher(config)
    try:
        yield from HttpCrawl(config, state, fetcher, skips, max_pixels).run()
    finally:
        fetcher.close()
        state.close()


class HttpCrawl:
    """Breadth-first crawl of one source: fetches run in a thread pool, results are used in order."""

    def __init__(
        self,
        config: HttpSourceConfig,
        state: CrawlState,
        fetcher: Fetcher,
        skips: SkipCounter,
        max_pixels: int,
    ) -> None:
        self.config = config
        self.state = state
        self.fetcher = fetcher
        self.skips = skips
        self.max_pixels = max_pixels
        self.queues: dict[str, deque[Task]] = {
            kind: deque() for kind in ("sitemap", "image", "page")
        }
        self.seen: set[str] = set()
        self.pending: deque[tuple[Task, Future[Outcome] | Outcome]] = deque()
        self.first_url_of: dict[str, str] = {}
        self.pages_started = 0
        self.counts: Counter[str] = Counter()

    def run(self) -> Iterator[dict[str, Any]]:
        """Yield the rows of the crawl; closing the generator stops the workers and keeps the cache."""
        logger.info(
            "http source %s: starting with %d seeds%s, max_pages %d, max_depth %d, "
            "%.2f requests/s per host, cache %s",
            self.config.name,
            len(self.config.seeds),
            f" and sitemap {self.config.sitemap}" if self.config.sitemap else "",
            self.config.max_pages,
            self.config.max_depth,
            self.config.rate_limit_per_host,
            self.state.path,
        )
        for url in self.config.seeds:
            self._enqueue(Task(url, "page", 0), discovered=False)
        if self.config.sitemap:
            self._enqueue(Task(self.config.sitemap, "sitemap", 0), discovered=False)

        pool = ThreadPoolExecutor(
            max_workers=self.config.max_concurrency, thread_name_prefix=f"crawl-{self.config.name}"
        )
        try:
            outcomes = progress(self._outcomes(pool), desc=f"crawl {self.config.name}", unit="url")
            for task, (record, content) in outcomes:
                yield from self._use(task, record, content)
        finally:
            self.fetcher.stop()
            for _, item in self.pending:
                if isinstance(item, Future):
                    item.cancel()
            pool.shutdown(wait=True)
            self._log_stop()

    def _outcomes(self, pool: ThreadPoolExecutor) -> Iterator[tuple[Task, Outcome]]:
        """Yield (task, outcome) in submission order, topping up the tasks in flight after each."""
        window = self.config.max_concurrency * TASKS_PER_WORKER
        while True:
            while len(self.pending) < window and self._start_next(pool):
                pass
            if not self.pending:
                return
            task, item = self.pending.popleft()
            yield task, item.result() if isinstance(item, Future) else item

    def _start_next(self, pool: ThreadPoolExecutor) -> bool:
        """Take the next task (sitemaps, then images, then pages) and start or look it up."""
        task = self._next_task()
        if task is None:
            return False
        cached = self._cached_outcome(task)
        if cached is not None:
            self.counts["from_cache"] += 1
            self.pending.append((task, cached))
        else:
            self.pending.append((task, pool.submit(self._fetch, task)))
        return True

    def _next_task(self) -> Task | None:
        for kind in ("sitemap", "image"):
            if self.queues[kind]:
                return self.queues[kind].popleft()
        if self.queues["page"] and self.pages_started < self.config.max_pages:
            self.pages_started += 1
            return self.queues["page"].popleft()
        return None

    def _cached_outcome(self, task: Task) -> Outcome | None:
        record = self.state.get(task.url)
        if record is None or not record.is_final:
            return None
        if record.status == "ok" and record.kind == "image":
            try:
                return record, self.state.blob(record.sha256)
            except KeyError:
                logger.warning("cached bytes of %s are missing; fetching it again", task.url)
                return None
        return record, None

    def _fetch(self, task: Task) -> Outcome:
        """Fetch and classify one URL in a worker thread and store the outcome before returning."""
        try:
            response = self.fetcher.get(task.url)
        except FetchError as error:
            record, content = failure_record(task, error), None
        except CancelledError:
            raise
        except Exception as error:
            # Hostile or odd input must not end the crawl: record the URL and let a rerun retry it.
            logger.exception("unexpected error while fetching %s", task.url)
            error = FetchError("unexpected_error", task.url, repr(error), transient=True)
            record, content = failure_record(task, error), None
        else:
            record, content = response_record(task, response, self.config, self.max_pixels)
        self.state.put(record, content)
        return record, content

    def _use(
        self, task: Task, record: UrlRecord, content: bytes | None
    ) -> Iterator[dict[str, Any]]:
        """Count a failure, queue the links of a page or sitemap, or yield the row of a new image."""
        if record.status != "ok":
            self.skips.skip(record.reason or "unknown", task.url, record.detail or "")
            return
        if record.kind == "image":
            row = self._image_row(task, record, content)
            if row is not None:
                yield row
            return
        self.counts[f"{record.kind}s"] += 1
        for url in record.links.get("images", []):
            self._enqueue(Task(url, "image", task.depth))
        next_depth = task.depth + 1
        if record.kind == "sitemap":
            for url in record.links.get("pages", []):
                self._enqueue(Task(url, "page", 0))
            if next_depth <= MAX_SITEMAP_DEPTH:
                for url in record.links.get("sitemaps", []):
                    self._enqueue(Task(url, "sitemap", next_depth))
        elif next_depth <= self.config.max_depth:
            for url in record.links.get("pages", []):
                self._enqueue(Task(url, "page", next_depth))

    def _image_row(
        self, task: Task, record: UrlRecord, content: bytes | None
    ) -> dict[str, Any] | None:
        assert record.sha256 is not None and content is not None
        first_url = self.first_url_of.setdefault(record.sha256, task.url)
        if first_url != task.url:
            self.skips.skip("duplicate_content", task.url, f"same bytes as {first_url}")
            return None
        self.counts["images"] += 1
        return {
            "sha256": record.sha256,
            "image": content,
            "source": self.config.name,
            "source_type": "http",
            "uri": record.final_url,
            "licence": self.config.licence,
            "fetched_at": record.fetched_at,
            "width": record.width,
            "height": record.height,
            "num_bytes": len(content),
            "kind": "glyph" if self.config.label else "photo",
            "label": self.config.label,
            "annotations": None,
            "synthetic": False,
        }

    def _enqueue(self, task: Task, discovered: bool = True) -> None:
        """Queue a URL once per run; links off `allowed_hosts` are dropped and counted."""
        if task.url in self.seen:
            return
        self.seen.add(task.url)
        if not self.config.host_allowed(urlsplit(task.url).hostname or ""):
            if discovered:
                # Off-site links are normal on any page, so they are not skips worth a warning.
                self.counts["off_host_links"] += 1
                logger.debug("ignored %s: host not in allowed_hosts", task.url)
            else:
                self.skips.skip("host_not_allowed", task.url, "a seed outside allowed_hosts")
            return
        self.queues[task.kind].append(task)

    def _log_stop(self) -> None:
        fetch_counts = self.fetcher.counts
        logger.info(
            "http source %s: stopped after %d pages and %d sitemaps; %d images yielded; "
            "%d URLs from the cache; %d requests (%d retries, %d aborted as too large); "
            "%d off-host links ignored; %d pages left unvisited by max_pages",
            self.config.name,
            self.counts["pages"],
            self.counts["sitemaps"],
            self.counts["images"],
            self.counts["from_cache"],
            fetch_counts["requests"],
            fetch_counts["retries"],
            fetch_counts["aborted_too_large"],
            self.counts["off_host_links"],
            len(self.queues["page"]),
        )
