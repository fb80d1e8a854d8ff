"""Turn a fetched response into a URL record: validate images, extract links from pages and sitemaps."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.common.images import ImageDecodeError, decode_image, sha256_bytes
from pipeline.crawl.http_config import HttpSourceConfig
from pipeline.crawl.http_fetch import FetchError, Response, utc_now
from pipeline.crawl.http_links import (
    SitemapError,
    decode_html,
    extract_html_links,
    parse_sitemap,
)
from pipeline.crawl.http_sniff import sniff_image_type
from pipeline.crawl.http_state import UrlRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Task:
    """A URL to visit: `kind` is what the link promised (`page`, `image` or `sitemap`)."""

    url: str
    kind: str
    depth: int


def failure_record(task: Task, error: FetchError) -> UrlRecord:
    """Record a failed fetch: `failed` (retried on the next run) if transient, else `rejected`."""
    return UrlRecord(
        url=task.url,
        status="failed" if error.transient else "rejected",
        kind=task.kind,
        fetched_at=utc_now(),
        final_url=error.url,
        reason=error.reason,
        detail=error.detail,
    )


def response_record(
    task: Task, response: Response, config: HttpSourceConfig, max_pixels: int
) -> tuple[UrlRecord, bytes | None]:
    """Classify a response by what the link promised and what the server sent.

    Returns the record and, for a valid image, its bytes. A page link whose response is an
    image (`<a href="photo.jpg">`) is treated as an image.
    """
    if task.kind == "sitemap":
        return sitemap_record(task, response, config.max_bytes), None
    if task.kind == "page" and response.content_type in HTML_TYPES:
        return page_record(task, response), None
    if task.kind == "image" or response.content_type.startswith("image/"):
        return image_record(task, response, config, max_pixels)
    return _rejected(
        task, response, "not_html", f"Content-Type {response.content_type_header!r}"
    ), None


def page_record(task: Task, response: Response) -> UrlRecord:
    links = extract_html_links(
        decode_html(response.body, response.content_type_header), response.final_url
    )
    return UrlRecord(
        url=task.url,
        status="ok",
        kind="page",
        fetched_at=response.fetched_at,
        final_url=response.final_url,
        links={"pages": links.pages, "images": links.images},
    )


def sitemap_record(task: Task, response: Response, max_bytes: int) -> UrlRecord:
    try:
        links = parse_sitemap(response.body, response.final_url, max_bytes)
    except SitemapError as error:
        return _rejected(task, response, "invalid_sitemap", str(error))
    return UrlRecord(
        url=task.url,
        status="ok",
        kind="sitemap",
        fetched_at=response.fetched_at,
        final_url=response.final_url,
        links={"pages": links.pages, "images": links.images, "sitemaps": links.sitemaps},
    )


def image_record(
    task: Task, response: Response, config: HttpSourceConfig, max_pixels: int
) -> tuple[UrlRecord, bytes | None]:
    """Check Content-Type, then magic bytes, then decode; return the record and the raw bytes."""
    if response.content_type not in config.content_types:
        detail = (
            f"Content-Type {response.content_type_header!r}, expected one of "
            f"{list(config.content_types)}"
        )
        return _rejected(task, response, "content_type", detail), None
    sniffed = sniff_image_type(response.body)
    if sniffed is None:
        detail = f"served as {response.content_type}, but starts with {response.body[:8]!r}"
        return _rejected(task, response, "not_an_image", detail), None
    try:
        image = decode_image(response.body, max_pixels=max_pixels, name=response.final_url)
    except ImageDecodeError as error:
        return _rejected(task, response, "decode_failed", str(error)), None
    record = UrlRecord(
        url=task.url,
        status="ok",
        kind="image",
        fetched_at=response.fetched_at,
        final_url=response.final_url,
        sha256=sha256_bytes(response.body),
        width=image.width,
        height=image.height,
    )
    return record, response.body


def _rejected(task: Task, response: Response, reason: str, detail: str) -> UrlRecord:
    return UrlRecord(
        url=task.url,
        status="rejected",
        kind=task.kind,
        fetched_at=response.fetched_at,
        final_url=response.final_url,
        reason=reason,
        detail=detail,
    )
