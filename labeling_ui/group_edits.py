"""Replay group edits on the dataset's groups and check a new merge or split against the result.

The replay calls the export stage's ``apply_group_edits``, so the page shows the groups that the
next export run will build from the same overrides rows.
"""

from __future__ import annotations

from collections import Counter

from labeling_ui.errors import InvalidGroupEditError, UnknownGroupError
from labeling_ui.store import GroupEvent
from pipeline.common.charsets import normalize_label
from pipeline.export.groups import Group, apply_group_edits
from pipeline.export.overrides import Override


def edited_groups(groups: dict[str, list[str]], edits: list[GroupEvent]) -> dict[str, list[str]]:
    """Return group id -> members after applying ``edits`` in order, sorted by group id."""
    rows = [
        Override(line, e.group_id, e.action, e.value, e.annotator, e.created_at, "")
        for line, e in enumerate(edits, start=1)
    ]
    start = [Group(group_id, "", list(members)) for group_id, members in groups.items()]
    return {g.group_id: g.members for g in apply_group_edits(start, rows, Counter())}


def split_characters(text: str) -> list[str]:
    """Return the distinct characters of a split request, sorted, without spaces and commas.

    The export reads a split value character by character and skips the same separators, so
    "O, 0" and "0O" name the same characters.
    """
    return sorted({c for c in normalize_label(text) if not c.isspace() and c != ","})


def _require_group(group_id: str, current: dict[str, list[str]], edits: list[GroupEvent]) -> None:
    if group_id in current:
        return
    merged = [e for e in edits if e.action == "merge_groups" and e.value == group_id]
    if merged:
        raise InvalidGroupEditError(
            f"group {group_id!r} no longer exists: {merged[-1].annotator} merged it into "
            f"{merged[-1].group_id!r}; edit {merged[-1].group_id!r} instead"
        )
    raise UnknownGroupError(group_id)


def check_merge(
    groups: dict[str, list[str]], edits: list[GroupEvent], group_id: str, other_group_id: str
) -> None:
    """Raise if ``other_group_id`` cannot be merged into ``group_id`` after ``edits``."""
    current = edited_groups(groups, edits)
    _require_group(group_id, current, edits)
    _require_group(other_group_id, current, edits)
    if other_group_id == group_id:
        raise InvalidGroupEditError(
            f"cannot merge group {group_id!r} into itself; expected the id of another group"
        )


def check_split(
    groups: dict[str, list[str]], edits: list[GroupEvent], group_id: str, characters: str
) -> str:
    """Return the split value to store (sorted members, no separators), or raise if invalid."""
    current = edited_groups(groups, edits)
    _require_group(group_id, current, edits)
    members = current[group_id]
    moved = split_characters(characters)
    if not moved:
        raise InvalidGroupEditError(
            f"split of group {group_id!r} got {characters!r}, which names no character; "
            f"expected one or more of its members {' '.join(members)}"
        )
    non_members = [c for c in moved if c not in members]
    if non_members:
        raise InvalidGroupEditError(
            f"cannot split {''.join(non_members)!r} off group {group_id!r}: not a member; "
            f"expected characters among its members {' '.join(members)}"
        )
    if len(moved) == len(members):
        raise InvalidGroupEditError(
            f"cannot split {''.join(moved)!r} off group {group_id!r}: that is every member, "
            "which would leave the group empty; expected a proper subset of its members"
        )
    return "".join(moved)
