"""Tests of the SQLite event store on real database files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from labeling_ui.errors import (
    GroupEditConflictError,
    InvalidGroupEditError,
    NothingToUndoError,
    StaleEditError,
    StoreBusyError,
    StoreCorruptError,
)
from labeling_ui.overrides import render_overrides
from labeling_ui.store import LabelStore

LABELS = {"c1": "O", "c2": "0", "c3": "Q"}


@pytest.fixture()
def store(tmp_path: Path) -> LabelStore:
    return LabelStore(tmp_path / "labels.db")


def test_new_database_uses_wal(store: LabelStore) -> None:
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_relabel_then_confirm_keeps_new_label(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="0")
    store.record("bob", "confirm", {"c1": 1}, LABELS)
    state = store.states()["c1"]
    assert state.version == 2
    assert state.label("O") == "0"
    assert state.status == "relabeled"
    assert state.decision.annotator == "bob"


def test_events_record_old_and_new_label(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="0")
    store.record("alice", "reject", {"c1": 1}, LABELS, reason="bad_crop")
    first, second = store.events("c1")
    assert (first.action, first.old_label, first.new_label, first.base_version) == (
        "relabel",
        "O",
        "0",
        0,
    )
    assert (second.action, second.old_label, second.reason, second.base_version) == (
        "reject",
        "0",
        "bad_crop",
        1,
    )
    assert store.states()["c1"].status == "rejected"


def test_stale_edit_rejected_with_current_value(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    with pytest.raises(StaleEditError, match=r"changed since you loaded them \(c1\)") as caught:
        store.record("bob", "relabel", {"c1": 0}, LABELS, new_label="0")
    conflict = caught.value.conflicts[0]
    assert conflict["label"] == "Q"
    assert conflict["version"] == 1
    assert conflict["annotator"] == "alice"
    assert len(store.events()) == 1


def test_batch_is_all_or_none(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c2": 0}, LABELS)
    with pytest.raises(StaleEditError, match="c2"):
        store.record("bob", "relabel", {"c1": 0, "c2": 0}, LABELS, new_label="D")
    assert "c1" not in store.states()
    assert len(store.events()) == 1


def test_undo_appends_compensating_event(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    original = store.events()[0]
    (undo,) = store.undo("alice")
    assert undo.action == "undo"
    assert undo.undoes == original.event_id
    assert (undo.old_label, undo.new_label) == ("Q", "O")
    assert store.events()[0] == original
    state = store.states()["c1"]
    assert state.version == 2
    assert state.status == "unreviewed"
    assert state.label("O") == "O"


def test_undo_reverts_whole_batch_then_earlier(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c3": 0}, LABELS)
    store.record("alice", "relabel", {"c1": 0, "c2": 0}, LABELS, new_label="D")
    assert len(store.undo("alice")) == 2
    states = store.states()
    assert states["c1"].status == "unreviewed"
    assert states["c2"].status == "unreviewed"
    assert states["c3"].status == "confirmed"
    (second,) = store.undo("alice")
    assert second.crop_id == "c3"
    with pytest.raises(NothingToUndoError, match="'alice' has no decision left to undo"):
        store.undo("alice")


def test_undo_blocked_after_other_annotator(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    store.record("bob", "relabel", {"c1": 1}, LABELS, new_label="D")
    with pytest.raises(StaleEditError, match="c1") as caught:
        store.undo("alice")
    assert caught.value.conflicts[0]["label"] == "D"
    assert store.states()["c1"].label("O") == "D"


def test_undo_only_own_decisions(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c1": 0}, LABELS)
    with pytest.raises(NothingToUndoError, match="'bob'"):
        store.undo("bob")


def test_overrides_follow_resulting_label(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    store.record("alice", "confirm", {"c1": 1}, LABELS)
    store.record("bob", "reject", {"c2": 0}, LABELS, reason="unreadable")
    store.record("bob", "relabel", {"c3": 0}, LABELS, new_label="O")
    store.record("bob", "relabel", {"c3": 1}, LABELS, new_label="Q")
    lines = render_overrides(store.states()).splitlines()
    assert lines[0] == "target\taction\tvalue\tannotator\ttimestamp\treason"
    rows = [line.split("\t") for line in lines[1:]]
    assert [row[:4] for row in rows] == [
        ["c1", "relabel", "Q", "alice"],
        ["c2", "reject", "", "bob"],
        ["c3", "confirm", "", "bob"],
    ]
    assert rows[1][5] == "unreadable"
    assert all(row[4].endswith("Z") for row in rows)


def test_undone_crop_has_no_override(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    store.undo("alice")
    assert (
        render_overrides(store.states()) == "target\taction\tvalue\tannotator\ttimestamp\treason\n"
    )


def test_garbage_file_rejected_untouched(tmp_path: Path) -> None:
    path = tmp_path / "labels.db"
    path.write_bytes(b"this is a spreadsheet, not a database\n" * 50)
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match=r"labels\.db is not an SQLite database"):
        LabelStore(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.db"]


def test_damaged_database_rejected_untouched(tmp_path: Path) -> None:
    path = tmp_path / "labels.db"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match=r"labels\.db is damaged or not a label database"):
        LabelStore(path)
    assert path.read_bytes() == before


def test_foreign_schema_version_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 7")
    with pytest.raises(
        StoreCorruptError,
        match=r"schema version 7, expected 2 \(or 1, which is upgraded in place\)",
    ):
        LabelStore(path)


def test_locked_database_raises_busy(store: LabelStore) -> None:
    store.busy_timeout_ms = 200
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusyError, match="stayed locked for 200 ms"):
            store.record("alice", "confirm", {"c1": 0}, LABELS)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.record("alice", "confirm", {"c1": 0}, LABELS)
    assert store.states()["c1"].status == "confirmed"


def test_reopen_keeps_events(store: LabelStore) -> None:
    store.record("alice", "relabel", {"c1": 0}, LABELS, new_label="Q")
    reopened = LabelStore(store.path)
    assert reopened.states()["c1"].label("O") == "Q"


def test_states_see_other_writers(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c1": 0}, LABELS)
    assert store.states()["c1"].version == 1
    other = LabelStore(store.path)
    other.record("bob", "relabel", {"c1": 1, "c2": 0}, LABELS, new_label="D")
    states = store.states()
    assert states["c1"].version == 2
    assert states["c1"].label("O") == "D"
    assert states["c2"].decision.annotator == "bob"


# The events table as schema version 1 created it, before group edits existed.
SCHEMA_V1 = """
CREATE TABLE events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL,
    crop_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('confirm', 'relabel', 'reject', 'undo')),
    old_label TEXT,
    new_label TEXT,
    reason TEXT,
    base_version INTEGER NOT NULL,
    undoes INTEGER REFERENCES events (event_id)
);
PRAGMA user_version = 1;
"""


def value_of(value: str):
    """Return a group-edit check that accepts any state and stores ``value``."""
    return lambda edits: value


def test_version_1_database_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "labels.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA_V1)
        connection.execute(
            "INSERT INTO events (batch_id, crop_id, annotator, created_at, action, old_label, "
            "new_label, reason, base_version, undoes) VALUES "
            "('b1', 'c1', 'alice', '2026-01-01T00:00:00.000Z', 'relabel', 'O', 'Q', NULL, 0, NULL)"
        )
    store = LabelStore(path)
    assert store.states()["c1"].label("O") == "Q"
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    assert [(e.group_id, e.value) for e in store.group_edits()] == [("g1", "g2")]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_group_edits_kept_in_creation_order(store: LabelStore) -> None:
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    store.record_group_edit("bob", "split_group", "g1", value_of("0O"))
    store.record_group_edit("alice", "split_group", "g3", value_of("L"))
    edits = store.group_edits()
    assert [(e.action, e.group_id, e.value, e.annotator) for e in edits] == [
        ("merge_groups", "g1", "g2", "alice"),
        ("split_group", "g1", "0O", "bob"),
        ("split_group", "g3", "L", "alice"),
    ]
    assert [e.event_id for e in edits] == sorted(e.event_id for e in edits)


def test_failed_group_check_writes_nothing(store: LabelStore) -> None:
    def reject(edits):
        raise InvalidGroupEditError("not allowed")

    with pytest.raises(InvalidGroupEditError, match="not allowed"):
        store.record_group_edit("alice", "merge_groups", "g1", reject)
    assert store.group_events() == []


def test_group_undo_appends_compensating_event(store: LabelStore) -> None:
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    edit = store.record_group_edit("alice", "split_group", "g1", value_of("Q"))
    undo = store.undo_group_edit("alice")
    assert (undo.action, undo.undoes, undo.group_id, undo.value) == (
        "undo",
        edit.event_id,
        "g1",
        "Q",
    )
    assert [e.action for e in store.group_edits()] == ["merge_groups"]
    assert len(store.group_events()) == 3
    store.undo_group_edit("alice")
    assert store.group_edits() == []
    with pytest.raises(NothingToUndoError, match="'alice' has no group edit left to undo"):
        store.undo_group_edit("alice")


def test_group_undo_blocked_by_later_edit(store: LabelStore) -> None:
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    store.record_group_edit("bob", "split_group", "g1", value_of("Q"))
    with pytest.raises(GroupEditConflictError, match="split_group g1 Q by bob"):
        store.undo_group_edit("alice")
    assert len(store.group_edits()) == 2
    store.undo_group_edit("bob")
    store.undo_group_edit("alice")
    assert store.group_edits() == []


def test_group_and_crop_undo_are_separate(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c1": 0}, LABELS)
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    (undo,) = store.undo("alice")
    assert undo.crop_id == "c1"
    assert len(store.group_edits()) == 1


def test_overrides_list_group_edits_after_crops(store: LabelStore) -> None:
    store.record("alice", "confirm", {"c2": 0}, LABELS)
    store.record_group_edit("bob", "split_group", "g1", value_of("0O"))
    store.record_group_edit("alice", "merge_groups", "g1", value_of("g2"))
    rows = [
        line.split("\t")
        for line in render_overrides(store.states(), store.group_edits()).splitlines()[1:]
    ]
    assert [row[:4] for row in rows] == [
        ["c2", "confirm", "", "alice"],
        ["g1", "split_group", "0O", "bob"],
        ["g1", "merge_groups", "g2", "alice"],
    ]
    assert [row[5] for row in rows[1:]] == ["", ""]
