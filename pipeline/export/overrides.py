"""Parse ``labels/overrides.tsv``, the relabeling decisions written by the labeling UI.

Policy for bad rows: a malformed row (wrong number of fields, unknown action, a value that the
action cannot use) raises OverridesError naming the line, because applying a half-understood
file would silently corrupt labels. A well-formed row whose crop id or group id is not in the
current inputs is only a warning with its line number. Earlier stages rebuild the crops and
groups, so decisions about crops that no longer exist are expected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.common.charsets import normalize_label

logger = logging.getLogger(__name__)

HEADER = ("target", "action", "value", "annotator", "timestamp", "reason")
CROP_ACTIONS = ("confirm", "relabel", "reject")
GROUP_ACTIONS = ("merge_groups", "split_group")
REJECT_REASONS = ("not_a_glyph", "unreadable", "bad_crop")


class OverridesError(ValueError):
    """A row of the overrides file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Override:
    """One decision: ``target`` is a crop id for crop actions and a group id for group actions."""

    line: int
    target: str
    action: str
    value: str
    annotator: str
    timestamp: str
    reason: str


@dataclass
class Overrides:
    """Crop decisions (the last row per crop id) and group edits (in file order)."""

    crops: dict[str, Override] = field(default_factory=dict)
    groups: list[Override] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.crops) + len(self.groups)


def read_overrides(path: str | Path) -> Overrides:
    """Read and validate an overrides file; a missing file means no decisions yet."""
    path = Path(path)
    overrides = Overrides()
    if not path.is_file():
        logger.info("no overrides file at %s; exporting the pipeline labels as they are", path)
        return overrides
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != HEADER:
        raise OverridesError(
            f"{path}:1: invalid header {lines[0] if lines else ''!r}; "
            f"expected the tab-separated columns {' '.join(HEADER)}"
        )
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        row = _parse_row(path, number, text)
        if row.action in CROP_ACTIONS:
            overrides.crops[row.target] = row  # the last decision about a crop wins
        else:
            overrides.groups.append(row)
    logger.info(
        "read %d crop decisions and %d group edits from %s",
        len(overrides.crops),
        len(overrides.groups),
        path,
    )
    return overrides


def _parse_row(path: Path, number: int, text: str) -> Override:
    fields = text.split("\t")
    if len(fields) != len(HEADER):
        raise OverridesError(
            f"{path}:{number}: expected {len(HEADER)} tab-separated fields "
            f"({' '.join(HEADER)}), got {len(fields)}: {text!r}"
        )
    target, action, value, annotator, timestamp, reason = (f.strip() for f in fields)
    row = Override(number, target, action, value, annotator, timestamp, reason)
    _validate_row(path, row)
    if action == "relabel":
        row = Override(number, target, action, normalize_label(value), annotator, timestamp, reason)
    return row


def _validate_row(path: Path, row: Override) -> None:
    where = f"{path}:{row.line}"
    if not row.target:
        raise OverridesError(f"{where}: empty target; expected a crop id or a group id")
    if row.action not in CROP_ACTIONS + GROUP_ACTIONS:
        raise OverridesError(
            f"{where}: unknown action {row.action!r}; "
            f"expected one of {', '.join(CROP_ACTIONS + GROUP_ACTIONS)}"
        )
    if row.action == "relabel" and len(normalize_label(row.value)) != 1:
        raise OverridesError(
            f"{where}: relabel of {row.target} needs exactly one character as value, "
            f"got {row.value!r}"
        )
    if row.action == "reject" and row.reason not in REJECT_REASONS:
        raise OverridesError(
            f"{where}: reject of {row.target} has reason {row.reason!r}; "
            f"expected one of {', '.join(REJECT_REASONS)}"
        )
    if row.action in GROUP_ACTIONS and not row.value:
        expected = (
            "the group id to merge" if row.action == "merge_groups" else "the characters to move"
        )
        raise OverridesError(f"{where}: {row.action} of {row.target} needs {expected} as value")
