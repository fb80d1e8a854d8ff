"""Fetch one URL politely: robots.txt, per-host throttling, redirects, retries and size limits."""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections import Counter
from concurrent.futures import CancelledError
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from pipeline.crawl.http_config import HttpSourceConfig
from pipeline.crawl.http_links import normalize_url
from pipeline.crawl.http_sniff import media_type
from pipeline.crawl.http_throttle import HostThrottle
from pipeline.crawl.robots import RobotsCache

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# 429 is the one 4xx status worth retrying because it means the client should slow down.
RETRY_STATUSES = frozenset({429} | set(range(500, 600)))
# RFC 9309 says crawlers should follow at least five redirects when fetching robots.txt.
ROBOTS_MAX_REDIRECTS = 5
# A Retry-After above this is treated as this long, so one server cannot stall the crawl for hours.
MAX_RETRY_AFTER_SECONDS = 300.0


class FetchError(Exception):
    """A URL could not be fetched; ``reason`` is the skip reason, ``transient`` whether to retry later."""

    def __init__(self, reason: str, url: str, detail: str = "", transient: bool = False) -> None:
        super().__init__(f"{url}: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.url = url
        self.detail = detail
        self.transient = transient


@dataclass(frozen=True)
class Response:
    """A successful (2xx) response after redirects, with the whole body read."""

    url: str
    final_url: str
    status: int
    content_type: str
    content_type_header: str
    body: bytes
    fetched_at: str


def utc_now() -> str:
    """Return the current time as ISO 8601 UTC with a `Z` suffix, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_key(url: str) -> str:
    """Return `host[:port]` of a URL: the unit of rate limits and concurrency caps."""
    return urlsplit(url).netloc.lower()


def parse_retry_after(value: str | None) -> float | None:
    """Return the wait in seconds that a Retry-After header requests (delay-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class Fetcher:
    """Fetch URLs for one source through a shared httpx client; safe to call from many threads."""

    def __init__(self, config: HttpSourceConfig) -> None:
        self.config = config
        # httpx logs every request at INFO. This module logs failures and retries itself, so the
        # per-request lines are demoted unless the caller has set the httpx logger's level.
        httpx_logger = logging.getLogger("httpx")
        if httpx_logger.level == logging.NOTSET:
            httpx_logger.setLevel(logging.WARNING)
        # Set by close(): threads waiting on a rate limit or a retry stop at once.
        self.stopping = threading.Event()
        self.throttle = HostThrottle(
            config.rate_limit_per_host, config.max_concurrency_per_host, sleep=self._sleep
        )
        self._client: httpx.Client | None = None
        self.client_lock = threading.Lock()
        self.robots = RobotsCache(self._fetch_robots, config.user_agent)
        self.counts: Counter[str] = Counter()
        self.counts_lock = threading.Lock()

    def stop(self) -> None:
        """Make every waiting or later request raise CancelledError, so worker threads end quickly."""
        self.stopping.set()

    @property
    def client(self) -> httpx.Client:
        """Return the shared httpx client, created on first use: a rerun from the cache needs none."""
        with self.client_lock:
            if self._client is None:
                self._client = httpx.Client(
                    headers={"User-Agent": self.config.user_agent},
                    timeout=httpx.Timeout(self.config.timeout_seconds),
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=self.config.max_concurrency),
                )
            return self._client

    def close(self) -> None:
        self.stop()
        with self.client_lock:
            if self._client is not None:
                self._client.close()

    def _sleep(self, seconds: float) -> None:
        if self.stopping.wait(max(seconds, 0.0)):
            raise CancelledError("the crawl is stopping")

    def _count(self, key: str, n: int = 1) -> None:
        with self.counts_lock:
            self.counts[key] += n

    def get(self, url: str) -> Response:
        """Fetch ``url`` following redirects; raises FetchError with the skip reason on failure."""
        chain = [url]
        current = url
        for _ in range(self.config.max_redirects + 1):
            self._check_allowed(current)
            status, headers, body = self._request_with_retries(current, self.config.max_bytes)
            if status in REDIRECT_STATUSES:
                current = self._redirect_target(current, headers, chain)
                chain.append(current)
                continue
            if status >= 400:
                transient = status in RETRY_STATUSES
                attempts = self.config.retries + 1 if transient else 1
                detail = f"HTTP {status} after {attempts} attempt{'s' if attempts > 1 else ''}"
                raise FetchError(f"http_{status}", current, detail, transient=transient)
            content_type = headers.get("content-type", "")
            return Response(
                url, current, status, media_type(content_type), content_type, body, utc_now()
            )
        raise FetchError(
            "too_many_redirects",
            url,
            f"more than max_redirects = {self.config.max_redirects}: {' -> '.join(chain)}",
        )

    def _check_allowed(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if not self.config.host_allowed(host):
            raise FetchError("host_not_allowed", url, f"{host} is not in allowed_hosts")
        policy = self.robots.policy(url)
        self.throttle.set_crawl_delay(host_key(url), policy.crawl_delay)
        if not policy.allows(url):
            raise FetchError("robots_disallowed", url, "robots.txt disallows this path")

    def _redirect_target(self, url: str, headers: httpx.Headers, chain: list[str]) -> str:
        target = normalize_url(headers.get("location", ""), url)
        if target is None:
            raise FetchError("invalid_redirect", url, f"Location {headers.get('location')!r}")
        if target in chain:
            raise FetchError("redirect_loop", url, " -> ".join([*chain, target]))
        return target

    def _fetch_robots(self, robots_url: str) -> tuple[int | None, bytes]:
        """Fetch robots.txt, following redirects; returns (None, b'') if the host is unreachable."""
        current = robots_url
        try:
            for _ in range(ROBOTS_MAX_REDIRECTS + 1):
                status, headers, body = self._request_with_retries(current, self.config.max_bytes)
                if status not in REDIRECT_STATUSES:
                    return status, body
                current = self._redirect_target(current, headers, [robots_url])
        except FetchError as error:
            logger.warning("cannot fetch %s: %s", robots_url, error)
            return None, b""
        logger.warning(
            "robots.txt at %s redirects more than %d times", robots_url, ROBOTS_MAX_REDIRECTS
        )
        return None, b""

    def _request_with_retries(self, url: str, max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        """Send a GET, retrying 429, 5xx, timeouts and connection errors with exponential backoff."""
        host = host_key(url)
        client = self.client  # created before the slot, so its set-up time does not shorten the gap
        for attempt in range(self.config.retries + 1):
            last_attempt = attempt == self.config.retries
            try:
                with self.throttle.slot(host):
                    status, headers, body = self._request_once(client, url, max_bytes)
            except FetchError as error:
                if not error.transient or last_attempt:
                    raise
                self._wait_before_retry(url, attempt, str(error.detail or error.reason), None)
                continue
            if status in RETRY_STATUSES and not last_attempt:
                retry_after = parse_retry_after(headers.get("retry-after"))
                self._wait_before_retry(url, attempt, f"HTTP {status}", retry_after)
                continue
            return status, headers, body
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_before_retry(
        self, url: str, attempt: int, cause: str, retry_after: float | None
    ) -> None:
        delay = self.config.backoff_seconds * 2**attempt
        if retry_after is not None:
            # Retry-After speaks for the whole server, so every request to the host waits.
            self.throttle.defer(host_key(url), retry_after)
            delay = max(delay, retry_after)
        self._count("retries")
        logger.info(
            "retrying %s in %.2f s after %s (attempt %d of %d)",
            url,
            delay,
            cause,
            attempt + 2,
            self.config.retries + 1,
        )
        self._sleep(delay)

    def _request_once(
        self, client: httpx.Client, url: str, max_bytes: int
    ) -> tuple[int, httpx.Headers, bytes]:
        """Send one GET and stream the body, aborting past ``max_bytes`` or the response deadline."""
        self._count("requests")
        deadline = time.monotonic() + self.config.response_deadline_seconds
        try:
            with client.stream("GET", url) as response:
                if response.status_code in REDIRECT_STATUSES or response.status_code >= 400:
                    return response.status_code, response.headers, b""
                self._check_declared_length(url, response.headers, max_bytes)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        self._count("aborted_too_large")
                        raise FetchError("too_large", url, f"body exceeds max_bytes = {max_bytes}")
                    if time.monotonic() > deadline:
                        raise FetchError(
                            "timeout",
                            url,
                            f"body not complete after response_deadline_seconds = "
                            f"{self.config.response_deadline_seconds}",
                            transient=True,
                        )
                    chunks.append(chunk)
                self._count("bytes", size)
                return response.status_code, response.headers, b"".join(chunks)
        except httpx.InvalidURL as error:
            raise FetchError("invalid_url", url, str(error)) from error
        except httpx.TimeoutException as error:
            raise FetchError("timeout", url, type(error).__name__, transient=True) from error
        except httpx.TransportError as error:
            raise FetchError(
                "connection_error", url, f"{type(error).__name__}: {error}", transient=True
            ) from error

    def _check_declared_length(self, url: str, headers: httpx.Headers, max_bytes: int) -> None:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            self._count("aborted_too_large")
            raise FetchError(
                "too_large", url, f"Content-Length {declared} exceeds max_bytes = {max_bytes}"
            )
