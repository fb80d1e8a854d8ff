"""Tests of robots.txt parsing and matching (RFC 9309) and of the per-origin policy cache."""

from __future__ import annotations

import pytest

from pipeline.crawl.robots import RobotsCache, compile_pattern, policy_for, product_token

ROBOTS = """
# Comments and blank lines are ignored.
User-agent: glyphbot
User-agent: otherbot
Disallow: /shop/
Allow: /shop/signs/
Disallow: /*.gif$
Crawl-delay: 0.5

User-agent: *
Disallow: /
Allow: /public/
Crawl-delay: 2
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", True),
        ("/shop/", False),
        ("/shop/cart", False),
        ("/shop/signs/", True),  # the longer Allow wins
        ("/shop/signs/neon.jpg", True),
        ("/logo.gif", False),
        ("/logo.gif?size=2", True),  # `$` anchors the end of path and query
        ("/robots.txt", True),
    ],
)
def test_policy_longest_match_wins(path, allowed):
    policy = policy_for(ROBOTS, "GlyphBot/1.0 (+https://example.org)")
    assert policy.allows(f"https://example.org{path}") is allowed


def test_policy_falls_back_to_star_group():
    policy = policy_for(ROBOTS, "someone-else/2.0")
    assert not policy.allows("https://example.org/shop/signs/")
    assert policy.allows("https://example.org/public/a.png")
    assert policy.crawl_delay == 2.0


def test_policy_reads_fractional_crawl_delay():
    assert policy_for(ROBOTS, "glyphbot").crawl_delay == 0.5


def test_policy_allow_wins_tie():
    text = "User-agent: *\nDisallow: /page\nAllow: /page\n"
    assert policy_for(text, "bot").allows("http://h/page")


def test_policy_without_matching_group_allows_all():
    text = "User-agent: somebot\nDisallow: /\n"
    policy = policy_for(text, "glyphbot")
    assert policy.allows("http://h/anything")
    assert policy.crawl_delay == 0.0


def test_empty_disallow_allows_all():
    assert policy_for("User-agent: *\nDisallow:\n", "bot").allows("http://h/x")


def test_compile_pattern_wildcards():
    assert compile_pattern("/a*b").match("/a/x/b/c")
    assert compile_pattern("/a*b$").match("/axb")
    assert not compile_pattern("/a*b$").match("/axbc")
    assert compile_pattern("/a.b").match("/a.b")
    assert not compile_pattern("/a.b").match("/axb")  # `.` is literal


def test_product_token():
    assert product_token("GlyphBot/1.0 (+https://example.org)") == "glyphbot"
    assert product_token("plainname") == "plainname"


def robots_cache(status: int | None, body: bytes = b"") -> tuple[RobotsCache, list[str]]:
    requested: list[str] = []

    def fetch(url: str) -> tuple[int | None, bytes]:
        requested.append(url)
        return status, body

    return RobotsCache(fetch, "glyphbot/1.0"), requested


def test_cache_fetches_once_per_origin():
    cache, requested = robots_cache(200, b"User-agent: *\nDisallow: /private/\n")
    assert not cache.policy("http://a.test/private/x").allows("http://a.test/private/x")
    assert cache.policy("http://a.test/y").allows("http://a.test/y")
    cache.policy("http://a.test:8080/y")
    assert requested == ["http://a.test/robots.txt", "http://a.test:8080/robots.txt"]


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (403, True), (500, False), (None, False)]
)
def test_cache_status_rules(status, allowed):
    cache, _ = robots_cache(status)
    assert cache.policy("http://a.test/x").allows("http://a.test/x") is allowed
