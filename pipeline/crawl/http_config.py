"""Parse and validate the config of one `type: http` crawl source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipeline.common.charsets import normalize_label
from pipeline.common.params import ParamsError
from pipeline.crawl.http_links import normalize_url

DEFAULT_USER_AGENT = "glyph-fgvc-crawler/0.1 (research dataset builder; honours robots.txt)"
DEFAULT_CONTENT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
)
# The name becomes a file name (`<cache_dir>/<name>.sqlite`), so it must be filesystem-safe.
SOURCE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

KNOWN_KEYS = {
    "name",
    "type",
    "licence",
    "label",
    "seeds",
    "sitemap",
    "max_pages",
    "max_depth",
    "allowed_hosts",
    "user_agent",
    "rate_limit_per_host",
    "max_concurrency",
    "retries",
    "backoff_seconds",
    "timeout_seconds",
    "response_deadline_seconds",
    "max_redirects",
    "max_bytes",
    "content_types",
}


@dataclass(frozen=True)
class HttpSourceConfig:
    """Validated settings of one HTTP source; see `pipeline.crawl.http` for each key's meaning."""

    name: str
    licence: str
    seeds: tuple[str, ...]
    sitemap: str | None
    label: str | None
    max_pages: int
    max_depth: int
    allowed_hosts: tuple[str, ...]
    user_agent: str
    rate_limit_per_host: float
    max_concurrency: int
    max_concurrency_per_host: int
    retries: int
    backoff_seconds: float
    timeout_seconds: float
    response_deadline_seconds: float
    max_redirects: int
    max_bytes: int
    content_types: tuple[str, ...]

    def host_allowed(self, host: str) -> bool:
        """Return whether ``host`` matches an `allowed_hosts` entry (exact, or `*.domain`)."""
        host = host.lower()
        for pattern in self.allowed_hosts:
            if pattern.startswith("*."):
                if host == pattern[2:] or host.endswith(pattern[1:]):
                    return True
            elif host == pattern:
                return True
        return False


def parse_http_source(source: dict[str, Any]) -> HttpSourceConfig:
    """Validate a `crawl.sources[]` entry of type http and fill in the defaults.

    Raises ParamsError naming the source, the key, the value received and what was expected.
    """
    name = str(source.get("name", ""))
    if not SOURCE_NAME_PATTERN.match(name):
        raise ParamsError(
            f"crawl source name {name!r} is invalid: expected letters, digits, '.', '_' or '-' "
            "(it names the cache file)"
        )
    where = f"crawl.sources[{name}]"
    unknown = sorted(set(source) - KNOWN_KEYS)
    if unknown:
        raise ParamsError(f"{where}: unknown keys {unknown}; expected some of {sorted(KNOWN_KEYS)}")

    seeds = tuple(
        _url(where, "seeds", url) for url in _list(where, "seeds", source.get("seeds", []))
    )
    sitemap = _url(where, "sitemap", source["sitemap"]) if source.get("sitemap") else None
    if not seeds and sitemap is None:
        raise ParamsError(
            f"{where}: needs 'seeds' (a list of URLs) or 'sitemap' (a URL), got neither"
        )

    start_hosts = [
        urlsplit(url).hostname or "" for url in (*seeds, *([sitemap] if sitemap else []))
    ]
    allowed_hosts = source.get("allowed_hosts") or sorted(set(start_hosts))
    allowed_hosts = tuple(
        str(host).lower() for host in _list(where, "allowed_hosts", allowed_hosts)
    )

    concurrency = source.get("max_concurrency", 4)
    total_cap, host_cap = _concurrency(where, concurrency)

    return HttpSourceConfig(
        name=name,
        licence=str(source.get("licence", "")),
        seeds=seeds,
        sitemap=sitemap,
        label=_label(where, source.get("label")),
        max_pages=_number(where, source, "max_pages", 100, int, minimum=0),
        max_depth=_number(where, source, "max_depth", 1, int, minimum=0),
        allowed_hosts=allowed_hosts,
        user_agent=str(source.get("user_agent") or DEFAULT_USER_AGENT),
        rate_limit_per_host=_number(where, source, "rate_limit_per_host", 1.0, float, minimum=1e-6),
        max_concurrency=total_cap,
        max_concurrency_per_host=host_cap,
        retries=_number(where, source, "retries", 3, int, minimum=0),
        backoff_seconds=_number(where, source, "backoff_seconds", 1.0, float, minimum=0.0),
        timeout_seconds=_number(where, source, "timeout_seconds", 10.0, float, minimum=1e-3),
        response_deadline_seconds=_number(
            where, source, "response_deadline_seconds", 120.0, float, minimum=1e-3
        ),
        max_redirects=_number(where, source, "max_redirects", 5, int, minimum=0),
        max_bytes=_number(where, source, "max_bytes", 20_000_000, int, minimum=1),
        content_types=tuple(
            str(value).lower()
            for value in _list(
                where, "content_types", source.get("content_types", DEFAULT_CONTENT_TYPES)
            )
        ),
    )


def _list(where: str, key: str, value: Any) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ParamsError(f"{where}.{key}: expected a list, got {value!r}")
    return list(value)


def _url(where: str, key: str, value: Any) -> str:
    """Return the normalised form of an absolute http(s) URL, the form links are compared in."""
    url = normalize_url(str(value))
    if url is None:
        raise ParamsError(f"{where}.{key}: expected an absolute http(s) URL, got {str(value)!r}")
    return url


def _number(where: str, source: dict[str, Any], key: str, default: Any, kind: type, minimum: float):
    value = source.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamsError(f"{where}.{key}: expected a number, got {value!r}")
    if kind is int and value != int(value):
        raise ParamsError(f"{where}.{key}: expected a whole number, got {value!r}")
    if value < minimum:
        raise ParamsError(f"{where}.{key}: expected a value >= {minimum}, got {value!r}")
    return kind(value)


def _concurrency(where: str, value: Any) -> tuple[int, int]:
    """Return (total cap, per-host cap) from an int (both caps) or {total: N, per_host: M}."""
    if isinstance(value, dict):
        extra = sorted(set(value) - {"total", "per_host"})
        if extra:
            raise ParamsError(
                f"{where}.max_concurrency: unknown keys {extra}; expected total, per_host"
            )
        total = _number(f"{where}.max_concurrency", value, "total", 4, int, minimum=1)
        per_host = _number(f"{where}.max_concurrency", value, "per_host", total, int, minimum=1)
        return total, min(total, per_host)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParamsError(
            f"{where}.max_concurrency: expected an integer >= 1 or {{total: N, per_host: M}}, "
            f"got {value!r}"
        )
    return value, value


def _label(where: str, value: Any) -> str | None:
    if value is None:
        return None
    label = normalize_label(str(value))
    if len(label) != 1:
        raise ParamsError(f"{where}.label: expected one character, got {value!r}")
    return label
