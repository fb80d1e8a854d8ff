"""Parse robots.txt (RFC 9309) and cache one policy per origin for a crawl.

`urllib.robotparser` (Python 3.11) is not used because it takes the first matching rule instead of
the longest, ignores the `*` and `$` wildcards, and reads only whole seconds from Crawl-delay.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# RFC 9309 requires parsing at least the first 500 KiB of robots.txt and allows ignoring the rest.
MAX_ROBOTS_BYTES = 500 * 1024


@dataclass(frozen=True)
class Rule:
    """One Allow or Disallow line, with its path pattern compiled to a regular expression."""

    allow: bool
    pattern: str
    regex: re.Pattern[str]


@dataclass
class Group:
    """The rules and Crawl-delay that follow one or more User-agent lines."""

    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None


@dataclass(frozen=True)
class RobotsPolicy:
    """The rules that apply to one user agent on one origin."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float = 0.0
    disallow_all: bool = False

    def allows(self, url: str) -> bool:
        """Return whether the policy lets the crawler fetch ``url``: the longest match wins, Allow on ties."""
        if self.disallow_all:
            return False
        parts = urlsplit(url)
        path = parts.path or "/"
        if path == "/robots.txt":
            return True
        # NOTE: paths are matched as written, without the percent-encoding normalisation that
        # RFC 9309 describes, so a rule for `/~a` does not match a URL path `/%7Ea`.
        target = f"{path}?{parts.query}" if parts.query else path
        best: Rule | None = None
        for rule in self.rules:
            if not rule.regex.match(target):
                continue
            if best is None or len(rule.pattern) > len(best.pattern):
                best = rule
            elif len(rule.pattern) == len(best.pattern) and rule.allow:
                best = rule
        return best is None or best.allow


ALLOW_ALL = RobotsPolicy()
DISALLOW_ALL = RobotsPolicy(disallow_all=True)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Translate a robots.txt path pattern (`*` = any run of characters, trailing `$` = end) to a regex."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""))


def parse_groups(text: str) -> list[Group]:
    """Split robots.txt into groups; consecutive User-agent lines share one group."""
    groups: list[Group] = []
    current: Group | None = None
    last_was_agent = False
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if current is None or not last_was_agent:
                current = Group()
                groups.append(current)
            current.agents.append(value.lower())
            last_was_agent = True
            continue
        last_was_agent = False
        if current is None:
            continue  # a rule before any User-agent line belongs to no group
        if key in ("allow", "disallow") and value:
            current.rules.append(Rule(key == "allow", value, compile_pattern(value)))
        elif key == "crawl-delay":
            current.crawl_delay = _parse_delay(value, current.crawl_delay)
    return groups


def _parse_delay(value: str, previous: float | None) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        logger.debug("ignored invalid Crawl-delay value %r", value)
        return previous
    return delay if delay >= 0 else previous


def product_token(user_agent: str) -> str:
    """Return the product token robots.txt groups are matched on: `Name/1.0 (...)` -> `name`."""
    return user_agent.split("/", 1)[0].split()[0].lower() if user_agent.strip() else "*"


def policy_for(text: str, user_agent: str) -> RobotsPolicy:
    """Merge the groups naming this crawler's product token, or else the `*` groups, into one policy."""
    groups = parse_groups(text)
    token = product_token(user_agent)
    matching = [group for group in groups if token in group.agents]
    if not matching:
        matching = [group for group in groups if "*" in group.agents]
    rules = tuple(rule for group in matching for rule in group.rules)
    delays = [group.crawl_delay for group in matching if group.crawl_delay is not None]
    return RobotsPolicy(rules=rules, crawl_delay=max(delays, default=0.0))


# Returns (HTTP status, body), or (None, b"") when the server could not be reached.
RobotsFetcher = Callable[[str], tuple[int | None, bytes]]


class RobotsCache:
    """Per-crawl cache of robots.txt policies, fetched once per origin (scheme, host and port).

    Following RFC 9309, a 4xx status means no restrictions, while a 5xx status or an
    unreachable server means the whole origin is disallowed for this crawl.
    """

    def __init__(self, fetch: RobotsFetcher, user_agent: str) -> None:
        self.fetch = fetch
        self.user_agent = user_agent
        self.policies: dict[str, RobotsPolicy] = {}
        self.lock = threading.Lock()
        self.origin_locks: dict[str, threading.Lock] = {}

    def policy(self, url: str) -> RobotsPolicy:
        """Return the policy of the origin of ``url``, fetching its robots.txt on first use."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self.lock:
            if origin in self.policies:
                return self.policies[origin]
            origin_lock = self.origin_locks.setdefault(origin, threading.Lock())
        # One thread fetches while the others wait, so robots.txt is requested once per origin.
        with origin_lock:
            if origin not in self.policies:
                self.policies[origin] = self._load(f"{origin}/robots.txt")
            return self.policies[origin]

    def _load(self, robots_url: str) -> RobotsPolicy:
        status, body = self.fetch(robots_url)
        if status is None or status >= 500:
            logger.warning(
                "robots.txt unavailable at %s (status %s): treating the whole host as disallowed",
                robots_url,
                status,
            )
            return DISALLOW_ALL
        if status >= 400:
            logger.info("no robots.txt at %s (status %d): no restrictions", robots_url, status)
            return ALLOW_ALL
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        policy = policy_for(text, self.user_agent)
        logger.info(
            "robots.txt at %s: %d rules for this crawler, crawl delay %.2f s",
            robots_url,
            len(policy.rules),
            policy.crawl_delay,
        )
        return policy
