"""Group edits from the labeling UI and the one-group-per-character rule."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipeline.export.groups import Group, apply_group_edits, assign_characters, read_groups
from pipeline.export.overrides import Override


def _edit(line: int, target: str, action: str, value: str) -> Override:
    return Override(line, target, action, value, "ann", "2026-01-01T00:00:00Z", "")


def _groups() -> list[Group]:
    return [
        Group("han-0001", "han", ["未", "末"], [("未", "末", 0.93)]),
        Group("han-0002", "han", ["己", "已", "巳"], [("己", "已", 0.95), ("已", "巳", 0.9)]),
        Group("han-0003", "han", ["土", "已"], [("已", "土", 0.5)]),
    ]


def test_merge_moves_members_into_target():
    counts = Counter()
    groups = apply_group_edits(
        _groups(), [_edit(2, "han-0001", "merge_groups", "han-0003")], counts
    )
    assert [g.group_id for g in groups] == ["han-0001", "han-0002"]
    assert groups[0].members == ["土", "已", "未", "末"]
    assert counts == {"merge_groups": 1}


def test_split_creates_new_group():
    counts = Counter()
    groups = apply_group_edits(_groups(), [_edit(2, "han-0002", "split_group", "巳")], counts)
    by_id = {g.group_id: g for g in groups}
    assert by_id["han-0002"].members == ["己", "已"]
    assert by_id["han-0002"].scores == [("己", "已", 0.95)]
    assert by_id["han-0002-split1"].members == ["巳"]


def test_unknown_group_is_a_warning(caplog):
    counts = Counter()
    edits = [
        _edit(7, "han-0009", "merge_groups", "han-0001"),
        _edit(8, "han-0001", "split_group", "X"),
    ]
    groups = apply_group_edits(_groups(), edits, counts)
    assert len(groups) == 3
    assert counts == {"unknown_group_id": 2}
    assert "overrides line 7" in caplog.text
    assert "overrides line 8" in caplog.text


def test_character_goes_to_most_similar_group():
    assignment = assign_characters(_groups())
    assert assignment["已"] == "han-0002"  # 0.95 to 己 beats 0.5 to 土
    assert assignment["土"] == "han-0003"


def test_tie_goes_to_smaller_group_id():
    groups = [
        Group("b", "han", ["x", "y"], [("x", "y", 0.8)]),
        Group("a", "han", ["x", "z"], [("x", "z", 0.8)]),
    ]
    assert assign_characters(groups)["x"] == "a"


def test_malformed_groups_file(tmp_path):
    path = tmp_path / "groups.json"
    path.write_text(json.dumps({"version": 1, "groups": [{"group_id": "han-0001"}]}))
    with pytest.raises(ValueError, match=r"group #0 is malformed"):
        read_groups(path)
    path.write_text(json.dumps({"groups": []}))
    with pytest.raises(ValueError, match=r"expected a JSON object with version 1"):
        read_groups(path)
