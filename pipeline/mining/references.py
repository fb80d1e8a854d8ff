"""Load reference look-alike sets: pycorrector 形近字 groups and Unicode TR39 confusables."""

from __future__ import annotations

import importlib.util
import itertools
import json
import logging
from pathlib import Path

from pipeline.common.charsets import ALPHANUMERIC

logger = logging.getLogger(__name__)

Pair = frozenset[str]


def package_data_path(package: str, relative: str) -> Path:
    """Return the path of a data file shipped inside an installed package, without importing it.

    pycorrector is installed without its dependencies, so importing it would fail; only its
    data files are used.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package '{package}' is not installed; install it or set the reference path in params"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise FileNotFoundError(f"data file {relative} not found in package '{package}' ({path})")
    return path


def resolve_reference(spec: str) -> Path:
    """Resolve ``package:NAME/REL/PATH`` to a file inside an installed package, else a plain path."""
    if spec.startswith("package:"):
        package, _, relative = spec[len("package:") :].partition("/")
        return package_data_path(package, relative)
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(
            f"reference file not found: {path}; fix mining.references in params"
        )
    return path


def read_groups(path: str | Path) -> list[list[str]]:
    """Read tab-separated groups of look-alike characters, one group per line (pycorrector format)."""
    groups = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        members = list(dict.fromkeys(c.strip() for c in line.split("\t") if len(c.strip()) == 1))
        if len(members) >= 2:
            groups.append(members)
    return groups


def group_pairs(groups: list[list[str]]) -> set[Pair]:
    """Return every unordered pair of distinct characters that share a group."""
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2) if p[0] != p[1]}


def held_out_groups(full: list[list[str]], tuning: list[list[str]]) -> list[list[str]]:
    """Return the groups of ``full`` that are not in ``tuning`` (compared as member sets)."""
    seen = {frozenset(g) for g in tuning}
    return [g for g in full if frozenset(g) not in seen]


def tr39_ascii_pairs(path: str | Path, alphabet: str = ALPHANUMERIC) -> set[Pair]:
    """Return TR39 confusable pairs with both sides single characters of ``alphabet``.

    The file is confusable_homoglyphs' confusables.json: ``{char: [{"c": homoglyph, "n": name}]}``.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    pairs = set()
    for char, entries in data.items():
        if char not in alphabet:
            continue
        for entry in entries:
            other = entry.get("c", "")
            if other != char and len(other) == 1 and other in alphabet:
                pairs.add(frozenset((char, other)))
    return pairs


def restrict_pairs(pairs: set[Pair], universe: set[str]) -> set[Pair]:
    """Keep only the pairs whose two characters are both in ``universe``."""
    return {p for p in pairs if p <= universe}
