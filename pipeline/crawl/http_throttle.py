"""Per-host politeness: a minimum interval between request starts and a cap on requests in flight."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class HostThrottle:
    """Space request starts to each host by at least its interval and cap its concurrent requests.

    The interval of a host is ``1 / rate_limit_per_host`` seconds, raised to the host's robots.txt
    Crawl-delay once known. A Retry-After header pushes the host's next start further out.
    """

    def __init__(
        self,
        rate_limit_per_host: float,
        max_concurrency_per_host: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_interval = 1.0 / rate_limit_per_host
        self.sleep = sleep
        self.max_concurrency_per_host = max_concurrency_per_host
        self.lock = threading.Lock()
        self.intervals: dict[str, float] = {}
        self.next_start: dict[str, float] = {}
        self.last_start: dict[str, float] = {}
        self.semaphores: dict[str, threading.BoundedSemaphore] = {}

    def set_crawl_delay(self, host: str, seconds: float) -> None:
        """Raise the interval of ``host`` to ``seconds`` if that is longer than the rate limit's.

        The start booked after the last request (usually the robots.txt fetch) moves out too.
        """
        with self.lock:
            interval = max(self.base_interval, seconds)
            self.intervals[host] = interval
            if host in self.last_start:
                self.next_start[host] = max(
                    self.next_start.get(host, 0.0), self.last_start[host] + interval
                )

    def defer(self, host: str, seconds: float) -> None:
        """Start no request to ``host`` in the next ``seconds`` (a Retry-After response)."""
        with self.lock:
            self.next_start[host] = max(self.next_start.get(host, 0.0), time.monotonic() + seconds)

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Wait for a free concurrency slot and the host's next start time, then hold the slot."""
        with self.lock:
            semaphore = self.semaphores.setdefault(
                host, threading.BoundedSemaphore(self.max_concurrency_per_host)
            )
        with semaphore:
            self.sleep(self._reserve_start(host))
            yield

    def _reserve_start(self, host: str) -> float:
        """Book the next start time of ``host`` and return the seconds to wait for it."""
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start.get(host, 0.0))
            self.last_start[host] = start
            self.next_start[host] = start + self.intervals.get(host, self.base_interval)
            return start - now
