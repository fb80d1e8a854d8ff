"""Persistent crawl state in SQLite: the outcome of every URL and content-addressed image bytes.

A rerun reads finished URLs from here instead of the network, so an interrupted crawl resumes
where it stopped and a finished one yields the same rows offline.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    final_url TEXT,
    sha256 TEXT,
    width INTEGER,
    height INTEGER,
    links TEXT,
    reason TEXT,
    detail TEXT,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
"""

# `ok`: fetched and valid. `rejected`: a permanent failure (4xx, wrong type, corrupt image), never
# retried. `failed`: a transient failure (5xx, timeout, connection error) retried on the next run.
FINAL_STATUSES = ("ok", "rejected")


@dataclass
class UrlRecord:
    """The outcome of fetching one URL; `kind` is `page`, `sitemap` or `image`."""

    url: str
    status: str
    kind: str
    fetched_at: str
    final_url: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    links: dict[str, list[str]] = field(default_factory=dict)
    reason: str | None = None
    detail: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class CrawlState:
    """Thread-safe store of URL outcomes and image bytes keyed by SHA-256, in WAL mode."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        # Worker threads write outcomes as soon as they finish; the lock serialises them.
        self.connection = sqlite3.connect(self.path, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise RuntimeError(
                f"crawl state {self.path} has schema version {version}, expected {SCHEMA_VERSION}; "
                "delete the file to crawl the source again"
            )
        with self.connection:
            self.connection.executescript(SCHEMA)
            self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def get(self, url: str) -> UrlRecord | None:
        """Return the stored outcome of ``url``, or None if it was never fetched."""
        with self.lock:
            row = self.connection.execute(
                "SELECT url, status, kind, fetched_at, final_url, sha256, width, height, links, "
                "reason, detail FROM urls WHERE url = ?",
                (url,),
            ).fetchone()
        if row is None:
            return None
        record = UrlRecord(*row[:8], links={}, reason=row[9], detail=row[10])
        record.links = json.loads(row[8]) if row[8] else {}
        return record

    def put(self, record: UrlRecord, content: bytes | None = None) -> None:
        """Store the outcome of a URL, and its bytes under their SHA-256, in one transaction."""
        with self.lock, self.connection:
            if content is not None:
                self.connection.execute(
                    "INSERT OR IGNORE INTO blobs (sha256, data) VALUES (?, ?)",
                    (record.sha256, content),
                )
            self.connection.execute(
                "INSERT OR REPLACE INTO urls (url, status, kind, fetched_at, final_url, sha256, "
                "width, height, links, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.url,
                    record.status,
                    record.kind,
                    record.fetched_at,
                    record.final_url,
                    record.sha256,
                    record.width,
                    record.height,
                    json.dumps(record.links) if record.links else None,
                    record.reason,
                    record.detail,
                ),
            )

    def blob(self, sha256: str) -> bytes:
        """Return the stored bytes with this SHA-256; raises KeyError if they are missing."""
        with self.lock:
            row = self.connection.execute(
                "SELECT data FROM blobs WHERE sha256 = ?", (sha256,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no cached content with sha256 {sha256} in {self.path}")
        return bytes(row[0])

    def status_counts(self) -> dict[str, int]:
        """Return how many URLs have each status."""
        with self.lock:
            rows = self.connection.execute("SELECT status, COUNT(*) FROM urls GROUP BY status")
            return dict(rows.fetchall())

    def close(self) -> None:
        with self.lock:
            self.connection.close()
