"""Tests of URL normalisation, HTML link extraction and sitemap parsing."""

from __future__ import annotations

import gzip

import pytest

from pipeline.crawl.http_links import (
    SitemapError,
    decode_html,
    extract_html_links,
    largest_srcset_candidate,
    normalize_url,
    parse_sitemap,
)


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("b.html#top", "http://Example.ORG/a/", "http://example.org/a/b.html"),
        ("HTTP://example.org:80", None, "http://example.org/"),
        ("https://example.org:443/x?q=1", None, "https://example.org/x?q=1"),
        ("http://example.org:8080/x", None, "http://example.org:8080/x"),
        ("../c.png", "http://example.org/a/b/", "http://example.org/a/c.png"),
        ("//cdn.example.org/i.png", "https://example.org/", "https://cdn.example.org/i.png"),
        ("mailto:someone@example.org", "http://example.org/", None),
        ("data:image/png;base64,AAAA", "http://example.org/", None),
        ("ftp://example.org/file", None, None),
        ("http://[::1]:8000/x", None, "http://[::1]:8000/x"),
        ("http://example.org:99999/", None, None),
    ],
)
def test_normalize_url(href, base, expected):
    assert normalize_url(href, base) == expected


def test_largest_srcset_candidate():
    assert largest_srcset_candidate("a.png 480w, b.png 1080w, c.png 800w") == "b.png"
    assert largest_srcset_candidate("a.png, b.png 2x") == "b.png"
    assert largest_srcset_candidate("img,v=1.png 1x, img,v=2.png 3x") == "img,v=2.png"
    assert largest_srcset_candidate("") is None


def test_extract_html_links_honours_base_href():
    html = """<html><head><base href="http://example.org/gallery/"></head><body>
    <a href="one.html">1</a> <a href="one.html#again">1 again</a> <area href="/map.html">
    <img src="sign.jpg"> <picture><source srcset="wide.webp 2x, narrow.webp 1x"></picture>
    <a href="javascript:void(0)">js</a></body></html>"""
    links = extract_html_links(html, "http://example.org/index.html")
    assert links.pages == ["http://example.org/gallery/one.html", "http://example.org/map.html"]
    assert links.images == [
        "http://example.org/gallery/sign.jpg",
        "http://example.org/gallery/wide.webp",
    ]


def test_decode_html_uses_declared_charset():
    body = "<p>招牌</p>".encode("gb18030")
    assert decode_html(body, "text/html; charset=GB18030") == "<p>招牌</p>"
    assert decode_html(b"<p>x</p>", "text/html; charset=no-such-codec") == "<p>x</p>"


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>http://example.org/a.html</loc>
    <image:image><image:loc>http://example.org/a.jpg</image:loc></image:image></url>
  <url><loc>http://example.org/b.html</loc></url>
</urlset>"""


def test_parse_sitemap_urlset_with_images():
    links = parse_sitemap(URLSET, "http://example.org/sitemap.xml", max_bytes=10_000)
    assert links.pages == ["http://example.org/a.html", "http://example.org/b.html"]
    assert links.images == ["http://example.org/a.jpg"]
    assert links.sitemaps == []


def test_parse_sitemap_index_gzipped():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>http://example.org/s1.xml</loc></sitemap>
      <sitemap><loc>http://example.org/s2.xml.gz</loc></sitemap></sitemapindex>"""
    links = parse_sitemap(gzip.compress(index), "http://example.org/sitemap.xml.gz", 10_000)
    assert links.sitemaps == ["http://example.org/s1.xml", "http://example.org/s2.xml.gz"]


def test_parse_sitemap_rejects_gzip_bomb():
    bomb = gzip.compress(b" " * 1_000_000)
    with pytest.raises(SitemapError, match="decompressed sitemap exceeds max_bytes = 1000"):
        parse_sitemap(bomb, "http://example.org/s.xml.gz", max_bytes=1000)


def test_parse_sitemap_rejects_html():
    with pytest.raises(SitemapError, match="root element is <html>, expected urlset"):
        parse_sitemap(b"<html><body/></html>", "http://example.org/s.xml", 10_000)
    with pytest.raises(SitemapError, match="is not well-formed XML"):
        parse_sitemap(b"<urlset><url>", "http://example.org/s.xml", 10_000)
