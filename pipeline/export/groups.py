"""Load the mined look-alike groups, apply group edits and give each character one group."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.common.io import read_json
from pipeline.export.overrides import Override

logger = logging.getLogger(__name__)


@dataclass
class Group:
    """A set of resembling characters with the cosine similarities mining found between them."""

    group_id: str
    script: str
    members: list[str]
    scores: list[tuple[str, str, float]] = field(default_factory=list)

    def best_score(self, char: str) -> float:
        """Return the highest similarity between ``char`` and another member (0 if none)."""
        values = [s for a, b, s in self.scores if char in (a, b) and a != b]
        return max(values, default=0.0)


def read_groups(path: str | Path) -> list[Group]:
    """Read ``groups.json`` (format version 1) into groups sorted by id."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("version") != 1 or "groups" not in data:
        raise ValueError(
            f"{path}: expected a JSON object with version 1 and a 'groups' list; "
            "re-run the mine stage to rewrite it"
        )
    groups = []
    for index, item in enumerate(data["groups"]):
        try:
            scores = [(str(a), str(b), float(s)) for a, b, s in item.get("scores", [])]
            groups.append(Group(item["group_id"], item["script"], sorted(item["members"]), scores))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{path}: group #{index} is malformed ({error!r}); expected group_id, script, "
                "members and scores as [char, char, similarity] triples"
            ) from error
    return sorted(groups, key=lambda g: g.group_id)


def apply_group_edits(groups: list[Group], edits: list[Override], counts: Counter) -> list[Group]:
    """Apply merge_groups and split_group rows in file order; unknown ids are warnings."""
    by_id = {g.group_id: g for g in groups}
    for edit in edits:
        if edit.action == "merge_groups":
            _merge(by_id, edit, counts)
        else:
            _split(by_id, edit, counts)
    return sorted(by_id.values(), key=lambda g: g.group_id)


def _merge(by_id: dict[str, Group], edit: Override, counts: Counter) -> None:
    target, other = by_id.get(edit.target), by_id.get(edit.value)
    if target is None or other is None or target is other:
        missing = edit.target if target is None else edit.value
        logger.warning(
            "overrides line %d: merge_groups %s <- %s ignored: group %s not found "
            "(or merged into itself); check the id against data/mining/groups.json",
            edit.line,
            edit.target,
            edit.value,
            missing,
        )
        counts["unknown_group_id"] += 1
        return
    target.members = sorted(set(target.members) | set(other.members))
    target.scores = target.scores + other.scores
    del by_id[other.group_id]
    counts["merge_groups"] += 1


def _split(by_id: dict[str, Group], edit: Override, counts: Counter) -> None:
    group = by_id.get(edit.target)
    moved = sorted({c for c in edit.value if not c.isspace() and c != ","})
    if group is None or not set(moved) <= set(group.members):
        logger.warning(
            "overrides line %d: split_group %s %r ignored: the group does not exist "
            "or does not contain every listed character",
            edit.line,
            edit.target,
            edit.value,
        )
        counts["unknown_group_id"] += 1
        return
    number = 1
    while f"{group.group_id}-split{number}" in by_id:
        number += 1
    new_id = f"{group.group_id}-split{number}"
    by_id[new_id] = Group(new_id, group.script, moved, _scores_within(group.scores, moved))
    kept = [c for c in group.members if c not in moved]
    group.members = kept
    group.scores = _scores_within(group.scores, kept)
    counts["split_group"] += 1


def _scores_within(scores: list[tuple[str, str, float]], members: list[str]):
    keep = set(members)
    return [(a, b, s) for a, b, s in scores if a in keep and b in keep]


def assign_characters(groups: list[Group]) -> dict[str, str]:
    """Map each character to exactly one group id.

    A character listed in several groups goes to the group where its closest look-alike is
    most similar (highest cosine score), so it is trained against the character it is most
    often confused with. Ties go to the smaller group id. The character is removed from the
    other groups, which may then fall below ``min_classes_per_group``.
    """
    candidates: dict[str, list[Group]] = {}
    for group in groups:
        for char in group.members:
            candidates.setdefault(char, []).append(group)
    assignment = {}
    for char, options in candidates.items():
        best = min(options, key=lambda g: (-g.best_score(char), g.group_id))
        assignment[char] = best.group_id
        if len(options) > 1:
            logger.debug(
                "character %s is in groups %s; assigned to %s",
                char,
                ", ".join(g.group_id for g in options),
                best.group_id,
            )
    return assignment
