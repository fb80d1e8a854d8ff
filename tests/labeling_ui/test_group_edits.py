"""Merge and split groups over the API; the overrides file must rebuild the same groups."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from labeling_ui.config import Settings
from labeling_ui.main import create_app
from pipeline.export.groups import Group, apply_group_edits
from pipeline.export.overrides import read_overrides


def merge(client: TestClient, group_id: str, other: str, annotator: str = "alice"):
    body = {"annotator": annotator, "other_group_id": other}
    return client.post(f"/api/groups/{group_id}/merge", json=body)


def split(client: TestClient, group_id: str, characters: str, annotator: str = "alice"):
    body = {"annotator": annotator, "characters": characters}
    return client.post(f"/api/groups/{group_id}/split", json=body)


def members(result: dict) -> dict[str, str]:
    return {group["group_id"]: "".join(group["members"]) for group in result["groups"]}


def test_no_edits_lists_dataset_groups(client: TestClient) -> None:
    result = client.get("/api/group-edits").json()
    assert result["edits"] == []
    assert result["event"] is None
    assert members(result) == {"latin-0001": "0DOQ", "latin-0002": "17IL"}


def test_merge_moves_members(client: TestClient) -> None:
    response = merge(client, "latin-0001", "latin-0002")
    assert response.status_code == 200
    result = response.json()
    assert result["event"]["action"] == "merge_groups"
    assert (result["event"]["group_id"], result["event"]["value"]) == ("latin-0001", "latin-0002")
    assert result["event"]["annotator"] == "alice"
    assert members(result) == {"latin-0001": "017DILOQ"}
    assert client.get("/api/group-edits").json()["edits"] == [result["event"]]


def test_split_creates_numbered_group(client: TestClient) -> None:
    result = split(client, "latin-0001", " Q, 0 ").json()
    assert result["event"]["value"] == "0Q"  # sorted, without separators, as stored
    assert members(result) == {
        "latin-0001": "DO",
        "latin-0001-split1": "0Q",
        "latin-0002": "17IL",
    }
    result = split(client, "latin-0001", "D").json()
    assert members(result)["latin-0001-split2"] == "D"
    # A group created by a split can take part in later edits.
    result = merge(client, "latin-0002", "latin-0001-split1").json()
    assert members(result) == {
        "latin-0001": "O",
        "latin-0001-split2": "D",
        "latin-0002": "017ILQ",
    }
    assert [edit["action"] for edit in result["edits"]] == [
        "split_group",
        "split_group",
        "merge_groups",
    ]


def test_split_accepts_fullwidth_members(client: TestClient) -> None:
    result = split(client, "latin-0001", "Ｑ").json()
    assert result["event"]["value"] == "Q"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/api/groups/han-9999/merge",
            {"annotator": "alice", "other_group_id": "latin-0001"},
            "unknown group id 'han-9999'",
        ),
        (
            "/api/groups/latin-0001/merge",
            {"annotator": "alice", "other_group_id": "han-9999"},
            "unknown group id 'han-9999'",
        ),
        (
            "/api/groups/han-9999/split",
            {"annotator": "alice", "characters": "Q"},
            "unknown group id 'han-9999'",
        ),
    ],
)
def test_unknown_group_404(client: TestClient, path: str, body: dict, message: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 404
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "pattern"),
    [
        (
            "/api/groups/latin-0001/merge",
            {"annotator": "alice", "other_group_id": "latin-0001"},
            r"cannot merge group 'latin-0001' into itself; expected the id of another group",
        ),
        (
            "/api/groups/latin-0001/split",
            {"annotator": "alice", "characters": "QL"},
            r"cannot split 'L' off group 'latin-0001': not a member; "
            r"expected characters among its members 0 D O Q",
        ),
        (
            "/api/groups/latin-0001/split",
            {"annotator": "alice", "characters": "QOD0"},
            r"cannot split '0DOQ' off group 'latin-0001': that is every member",
        ),
        (
            "/api/groups/latin-0001/split",
            {"annotator": "alice", "characters": " , "},
            r"split of group 'latin-0001' got ' , ', which names no character; "
            r"expected one or more of its members 0 D O Q",
        ),
        (
            "/api/groups/latin-0001/split",
            {"annotator": "al ice", "characters": "Q"},
            r"invalid annotator name 'al ice'",
        ),
    ],
)
def test_invalid_edit_422(client: TestClient, path: str, body: dict, pattern: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert re.search(pattern, response.json()["detail"]), response.json()["detail"]
    assert client.get("/api/group-edits").json()["edits"] == []


def test_merged_group_no_longer_editable(client: TestClient) -> None:
    assert merge(client, "latin-0001", "latin-0002").status_code == 200
    response = split(client, "latin-0002", "L", annotator="bob")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "group 'latin-0002' no longer exists: alice merged it into 'latin-0001'; "
        "edit 'latin-0001' instead"
    )
    # Members merged in count as members of the target for a later split.
    assert members(split(client, "latin-0001", "17IL").json())["latin-0001-split1"] == "17IL"


def test_undo_group_edit(client: TestClient) -> None:
    merge(client, "latin-0001", "latin-0002")
    split(client, "latin-0001", "Q", annotator="bob")
    response = client.post("/api/group-edits/undo", json={"annotator": "alice"})
    assert response.status_code == 409
    assert (
        "later group edit(s) depend on it (split_group latin-0001 Q by bob)"
        in (response.json()["detail"])
    )
    result = client.post("/api/group-edits/undo", json={"annotator": "bob"}).json()
    assert (result["event"]["action"], result["event"]["value"]) == ("undo", "Q")
    assert members(result) == {"latin-0001": "017DILOQ"}
    result = client.post("/api/group-edits/undo", json={"annotator": "alice"}).json()
    assert members(result) == {"latin-0001": "0DOQ", "latin-0002": "17IL"}
    response = client.post("/api/group-edits/undo", json={"annotator": "alice"})
    assert response.status_code == 409
    assert response.json()["detail"] == "annotator 'alice' has no group edit left to undo"


def dataset_groups(client: TestClient) -> list[Group]:
    summaries = client.get("/api/groups").json()
    return [Group(g["group_id"], "latin", g["members"]) for g in summaries]


def test_overrides_rebuild_edited_groups(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings)) as client:
        crop = client.get("/api/groups/latin-0002").json()["crops"][0]
        decision = {
            "annotator": "carol",
            "action": "confirm",
            "items": [{"crop_id": crop["crop_id"], "base_version": 0}],
        }
        assert client.post("/api/decisions", json=decision).status_code == 200
        split(client, "latin-0001", "DQ", annotator="bob")
        merge(client, "latin-0001", "latin-0002")
        split(client, "latin-0001", "O")
        merge(client, "latin-0001-split2", "latin-0001-split1", annotator="bob")
        split(client, "latin-0001", "I")  # undone below, so it must not reach the file
        client.post("/api/group-edits/undo", json={"annotator": "alice"})
        expected = members(client.get("/api/group-edits").json())
        assert client.post("/api/export").json()["rows"] == 5
        start = dataset_groups(client)

    overrides = read_overrides(settings.overrides_path)
    assert list(overrides.crops) == [crop["crop_id"]]
    assert [(e.target, e.action, e.value, e.annotator) for e in overrides.groups] == [
        ("latin-0001", "split_group", "DQ", "bob"),
        ("latin-0001", "merge_groups", "latin-0002", "alice"),
        ("latin-0001", "split_group", "O", "alice"),
        ("latin-0001-split2", "merge_groups", "latin-0001-split1", "bob"),
    ]
    assert [e.line for e in overrides.groups] == [3, 4, 5, 6]
    counts: Counter = Counter()
    rebuilt = apply_group_edits(start, overrides.groups, counts)
    assert (
        {g.group_id: "".join(g.members) for g in rebuilt}
        == expected
        == {
            "latin-0001": "017IL",
            "latin-0001-split2": "DOQ",
        }
    )
    assert counts == {"split_group": 2, "merge_groups": 2}
