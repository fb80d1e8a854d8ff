"""Extract page and image links from HTML and sitemaps, and normalise URLs for deduplication."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
GZIP_MAGIC = b"\x1f\x8b"


class SitemapError(ValueError):
    """Raised when a sitemap is not well-formed XML, or not a urlset or sitemapindex."""


@dataclass
class Links:
    """Normalised absolute URLs found in one document, in document order without repeats."""

    pages: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)

    def add(self, bucket: list[str], url: str | None) -> None:
        if url is not None and url not in bucket:
            bucket.append(url)


def normalize_url(href: str, base: str | None = None) -> str | None:
    """Resolve ``href`` against ``base`` and return a canonical http(s) URL, or None if not http(s).

    The fragment is dropped, scheme and host are lower-cased, a default port is removed and an
    empty path becomes `/`, so two spellings of one resource share one cache entry.
    """
    href = href.strip()
    if not href or href.startswith(("data:", "javascript:", "mailto:", "tel:")):
        return None
    url = urljoin(base, href) if base else href
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    netloc = parts.hostname.lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"  # an IPv6 literal keeps its brackets
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def largest_srcset_candidate(srcset: str) -> str | None:
    """Return the URL of the widest (`w`) or densest (`x`) candidate of a srcset attribute."""
    best_url, best_size = None, -1.0
    # Candidates are separated by commas followed by whitespace; URLs themselves may hold commas.
    for candidate in re.split(r",\s+", srcset.strip()):
        tokens = candidate.strip().rstrip(",").split()
        if not tokens:
            continue
        size = 1.0
        if len(tokens) > 1 and tokens[1][-1:] in ("w", "x"):
            try:
                size = float(tokens[1][:-1])
            except ValueError:
                continue
        if size > best_size:
            best_url, best_size = tokens[0], size
    return best_url


class _LinkParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.links = Links()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if tag == "base" and "href" in values:
            self.base_url = normalize_url(values["href"], self.base_url) or self.base_url
        elif tag in ("a", "area") and "href" in values:
            self.links.add(self.links.pages, normalize_url(values["href"], self.base_url))
        elif tag in ("img", "source"):
            if "src" in values:
                self.links.add(self.links.images, normalize_url(values["src"], self.base_url))
            srcset = largest_srcset_candidate(values.get("srcset", ""))
            if srcset:
                self.links.add(self.links.images, normalize_url(srcset, self.base_url))


def extract_html_links(html: str, base_url: str) -> Links:
    """Collect `<a href>` page links and `<img src>`/`srcset` image links, honouring `<base href>`."""
    parser = _LinkParser(base_url)
    parser.feed(html)
    parser.close()
    return parser.links


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode an HTML body with the charset of its Content-Type, falling back to UTF-8."""
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    encoding = match.group(1) if match else "utf-8"
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def gunzip_limited(data: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body, raising SitemapError once the output exceeds ``max_bytes``."""
    decompressor = zlib.decompressobj(wbits=31)
    try:
        output = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise SitemapError(f"invalid gzip data ({error})") from error
    if len(output) > max_bytes:
        raise SitemapError(f"decompressed sitemap exceeds max_bytes = {max_bytes}")
    return output


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(body: bytes, url: str, max_bytes: int) -> Links:
    """Parse a sitemap (`urlset`, optionally with image extensions) or a sitemap index, gzip or not.

    Page URLs come from `<url><loc>`, image URLs from `<image:image><image:loc>` and child
    sitemaps from `<sitemap><loc>`.
    """
    if body[:2] == GZIP_MAGIC:
        body = gunzip_limited(body, max_bytes)
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise SitemapError(f"sitemap {url} is not well-formed XML ({error})") from error
    links = Links()
    kind = _local_name(root.tag)
    if kind == "sitemapindex":
        for entry in root:
            for loc in (child for child in entry if _local_name(child.tag) == "loc"):
                links.add(links.sitemaps, normalize_url(loc.text or "", url))
    elif kind == "urlset":
        for entry in root:
            for child in entry:
                name = _local_name(child.tag)
                if name == "loc":
                    links.add(links.pages, normalize_url(child.text or "", url))
                elif name == "image":
                    for loc in (item for item in child if _local_name(item.tag) == "loc"):
                        links.add(links.images, normalize_url(loc.text or "", url))
    else:
        raise SitemapError(
            f"sitemap {url}: root element is <{kind}>, expected urlset or sitemapindex"
        )
    return links
