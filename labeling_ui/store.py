"""Append-only SQLite store of labeling decisions; the current label of a crop is derived from them.

Every decision is one row of ``events``. An undo appends a compensating ``undo`` event that names
the event it reverts, so no row is ever updated or deleted. A crop's version is the number of its
events. A write carries the version the annotator saw (``base_version``) and is rejected when it
no longer matches, so two people editing the same crop cannot silently overwrite each other.

Group edits (``merge_groups``, ``split_group``) live in ``group_events`` in the same way. Their
meaning depends on the edits before them, because a split names its new group by counting and a
merge removes a group, so only the newest group edit in force can be undone.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from labeling_ui.errors import (
    GroupEditConflictError,
    NothingToUndoError,
    StaleEditError,
    StoreBusyError,
    StoreCorruptError,
)

logger = logging.getLogger(__name__)

# Version 2 added ``group_events``. A version 1 database is upgraded in place by creating that
# table, which leaves its crop events as they are.
SCHEMA_VERSION = 2
UPGRADABLE_VERSIONS = (1,)
SQLITE_HEADER = b"SQLite format 3\x00"
DECISIONS = ("confirm", "relabel", "reject")
GROUP_EDITS = ("merge_groups", "split_group")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
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
CREATE INDEX IF NOT EXISTS events_by_crop ON events (crop_id, event_id);
CREATE INDEX IF NOT EXISTS events_by_annotator ON events (annotator, event_id);
CREATE TABLE IF NOT EXISTS group_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('merge_groups', 'split_group', 'undo')),
    value TEXT NOT NULL,
    undoes INTEGER REFERENCES group_events (event_id)
);
"""

EVENT_COLUMNS = (
    "event_id, batch_id, crop_id, annotator, created_at, action, old_label, new_label, reason, "
    "base_version, undoes"
)
GROUP_EVENT_COLUMNS = "event_id, group_id, annotator, created_at, action, value, undoes"


@dataclass(frozen=True)
class Event:
    """One row of the ``events`` table."""

    event_id: int
    batch_id: str
    crop_id: str
    annotator: str
    created_at: str
    action: str
    old_label: str | None
    new_label: str | None
    reason: str | None
    base_version: int
    undoes: int | None


@dataclass(frozen=True)
class GroupEvent:
    """One row of the ``group_events`` table.

    ``value`` is the merged group id for ``merge_groups`` and the moved characters for
    ``split_group``. An ``undo`` row repeats the group id and value of the edit it reverts.
    """

    event_id: int
    group_id: str
    annotator: str
    created_at: str
    action: str
    value: str
    undoes: int | None


def group_edits_in_force(events: Iterable[GroupEvent]) -> list[GroupEvent]:
    """Return the group edits that no undo has reverted, oldest first."""
    events = list(events)
    undone = {event.undoes for event in events if event.action == "undo"}
    return [e for e in events if e.action != "undo" and e.event_id not in undone]


@dataclass
class CropState:
    """The current decision on one crop, replayed from its events."""

    crop_id: str
    version: int = 0
    stack: list[Event] = field(default_factory=list)

    @property
    def decision(self) -> Event | None:
        """Return the decision in force: the last event that no undo has reverted."""
        return self.stack[-1] if self.stack else None

    @property
    def status(self) -> str:
        """Return ``unreviewed``, ``confirmed``, ``relabeled`` or ``rejected``."""
        decision = self.decision
        if decision is None:
            return "unreviewed"
        if decision.action == "reject":
            return "rejected"
        return "relabeled" if decision.new_label != self.original_label else "confirmed"

    @property
    def original_label(self) -> str | None:
        return self.stack[0].old_label if self.stack else None

    def label(self, original: str) -> str:
        """Return the current character of the crop whose exported label is ``original``."""
        decision = self.decision
        if decision is None or decision.action == "reject":
            return decision.old_label if decision is not None else original
        return decision.new_label

    def applied(self, event: Event) -> CropState:
        """Return the state after ``event``, leaving this one unchanged for concurrent readers."""
        stack = list(self.stack)
        if event.action != "undo":
            stack.append(event)
        elif stack and stack[-1].event_id == event.undoes:
            stack.pop()
        return CropState(self.crop_id, self.version + 1, stack)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def replay(events: Iterable[Event]) -> dict[str, CropState]:
    """Fold events (in ``event_id`` order) into the current state of each crop."""
    states: dict[str, CropState] = {}
    for event in events:
        states[event.crop_id] = states.get(event.crop_id, CropState(event.crop_id)).applied(event)
    return states


def check_sqlite_header(path: Path) -> None:
    """Raise StoreCorruptError if ``path`` exists but does not start with the SQLite header."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StoreCorruptError(
            f"label database {path} is not an SQLite database (wrong file header); it was left "
            "untouched: restore it from a backup, move it aside, or pass another --db path"
        )


class LabelStore:
    """Decision events of one dataset in one SQLite file (WAL mode, one connection per call)."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        check_sqlite_header(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._initialise()
        # Replayed states up to ``_last_event_id``. Events are only ever appended, so catching up
        # reads just the newer rows, including those that other processes wrote.
        self._cache: dict[str, CropState] = {}
        self._last_event_id = 0
        self._cache_lock = threading.Lock()

    def _initialise(self) -> None:
        try:
            with self._connect() as connection:
                if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("PRAGMA quick_check reported damage")
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, *UPGRADABLE_VERSIONS, SCHEMA_VERSION):
                    raise StoreCorruptError(
                        f"label database {self.path} has schema version {version}, expected "
                        f"{SCHEMA_VERSION} (or {', '.join(map(str, UPGRADABLE_VERSIONS))}, which "
                        "is upgraded in place); it was left untouched: pass another --db path"
                    )
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(SCHEMA)
                if version in UPGRADABLE_VERSIONS:
                    logger.info(
                        "upgraded label database %s from schema version %d to %d",
                        self.path,
                        version,
                        SCHEMA_VERSION,
                    )
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except StoreBusyError:
            raise
        except sqlite3.DatabaseError as error:
            raise StoreCorruptError(
                f"label database {self.path} is damaged or not a label database ({error}); it was "
                "left untouched: restore it from a backup, move it aside, or pass another --db path"
            ) from error

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection that waits up to the busy timeout for a lock, then raises StoreBusyError."""
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            yield connection
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                logger.warning("label database %s stayed locked: %s", self.path, error)
                raise StoreBusyError(
                    f"label database {self.path} stayed locked for {self.busy_timeout_ms} ms by "
                    "another writer; retry in a moment"
                ) from error
            raise
        finally:
            connection.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside ``BEGIN IMMEDIATE``, which takes the write lock up front."""
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @staticmethod
    def _events(connection: sqlite3.Connection, where: str = "", args: tuple = ()) -> list[Event]:
        rows = connection.execute(
            f"SELECT {EVENT_COLUMNS} FROM events {where} ORDER BY event_id", args
        ).fetchall()
        return [Event(*row) for row in rows]

    def _states_for(
        self, connection: sqlite3.Connection, crop_ids: list[str]
    ) -> dict[str, CropState]:
        events: list[Event] = []
        # SQLite limits the number of bound parameters, so large selections are read in chunks.
        for start in range(0, len(crop_ids), 500):
            chunk = crop_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            events += self._events(connection, f"WHERE crop_id IN ({marks})", tuple(chunk))
        events.sort(key=lambda event: event.event_id)
        states = replay(events)
        return {crop_id: states.get(crop_id, CropState(crop_id)) for crop_id in crop_ids}

    def states(self) -> dict[str, CropState]:
        """Return the state of every crop that has at least one event (a consistent snapshot)."""
        with self._cache_lock, self._connect() as connection:
            for event in self._events(connection, "WHERE event_id > ?", (self._last_event_id,)):
                previous = self._cache.get(event.crop_id, CropState(event.crop_id))
                self._cache[event.crop_id] = previous.applied(event)
                self._last_event_id = event.event_id
            return dict(self._cache)

    def events(self, crop_id: str | None = None) -> list[Event]:
        """Return all events, or those of one crop, oldest first."""
        with self._connect() as connection:
            if crop_id is None:
                return self._events(connection)
            return self._events(connection, "WHERE crop_id = ?", (crop_id,))

    def record(
        self,
        annotator: str,
        action: str,
        base_versions: dict[str, int],
        labels: dict[str, str],
        new_label: str | None = None,
        reason: str | None = None,
    ) -> list[Event]:
        """Append one decision for each crop, all or none.

        ``base_versions`` maps crop ids to the version the annotator saw and ``labels`` maps them
        to their exported character. Raises StaleEditError, listing the current values, if any
        crop has changed since.
        """
        if action not in DECISIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {DECISIONS}")
        crop_ids = list(base_versions)
        batch_id = uuid.uuid4().hex
        created_at = utc_now()
        with self._transaction() as connection:
            states = self._states_for(connection, crop_ids)
            self._check_versions(states, base_versions, labels)
            rows = []
            for crop_id in crop_ids:
                state = states[crop_id]
                old_label = state.label(labels[crop_id])
                after = new_label if action == "relabel" else old_label
                rows.append(
                    (
                        batch_id,
                        crop_id,
                        annotator,
                        created_at,
                        action,
                        old_label,
                        after,
                        reason if action == "reject" else None,
                        state.version,
                        None,
                    )
                )
            self._insert(connection, rows)
            return self._events(connection, "WHERE batch_id = ?", (batch_id,))

    @staticmethod
    def _check_versions(
        states: dict[str, CropState], base_versions: dict[str, int], labels: dict[str, str]
    ) -> None:
        conflicts = [
            {
                "crop_id": crop_id,
                "base_version": base_versions[crop_id],
                "version": state.version,
                "status": state.status,
                "label": state.label(labels[crop_id]),
                "annotator": state.decision.annotator if state.decision else None,
            }
            for crop_id, state in states.items()
            if state.version != base_versions[crop_id]
        ]
        if conflicts:
            raise StaleEditError(conflicts)

    @staticmethod
    def _insert(connection: sqlite3.Connection, rows: list[tuple]) -> None:
        connection.executemany(
            "INSERT INTO events (batch_id, crop_id, annotator, created_at, action, old_label, "
            "new_label, reason, base_version, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def undo(self, annotator: str) -> list[Event]:
        """Revert the annotator's latest decision batch that is still in force.

        Raises NothingToUndoError if there is none, and StaleEditError if someone else has
        decided on one of its crops since, because reverting would discard their decision.
        """
        with self._transaction() as connection:
            batch = self._latest_batch(connection, annotator)
            states = self._states_for(connection, [event.crop_id for event in batch])
            conflicts = [
                {
                    "crop_id": event.crop_id,
                    "base_version": event.base_version + 1,
                    "version": states[event.crop_id].version,
                    "status": states[event.crop_id].status,
                    "label": states[event.crop_id].label(event.old_label or ""),
                    "annotator": states[event.crop_id].decision.annotator
                    if states[event.crop_id].decision
                    else None,
                }
                for event in batch
                if states[event.crop_id].decision != event
            ]
            if conflicts:
                raise StaleEditError(conflicts)
            batch_id = uuid.uuid4().hex
            created_at = utc_now()
            rows = [
                (
                    batch_id,
                    event.crop_id,
                    annotator,
                    created_at,
                    "undo",
                    event.new_label,
                    event.old_label,
                    None,
                    states[event.crop_id].version,
                    event.event_id,
                )
                for event in batch
            ]
            self._insert(connection, rows)
            return self._events(connection, "WHERE batch_id = ?", (batch_id,))

    def _latest_batch(self, connection: sqlite3.Connection, annotator: str) -> list[Event]:
        """Return the events of the annotator's newest batch that still has events in force."""
        undone = {
            row[0]
            for row in connection.execute("SELECT undoes FROM events WHERE undoes IS NOT NULL")
        }
        decisions = self._events(
            connection, "WHERE annotator = ? AND action != 'undo'", (annotator,)
        )
        live = [event for event in decisions if event.event_id not in undone]
        if not live:
            raise NothingToUndoError(f"annotator {annotator!r} has no decision left to undo")
        batch_id = live[-1].batch_id
        return [event for event in live if event.batch_id == batch_id]

    def event_counts(self) -> dict[str, int]:
        """Return the number of events each annotator has appended, undo events included."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT annotator, COUNT(*) FROM events GROUP BY annotator ORDER BY annotator"
            ).fetchall()
        return dict(rows)

    @staticmethod
    def _group_events(
        connection: sqlite3.Connection, where: str = "", args: tuple = ()
    ) -> list[GroupEvent]:
        rows = connection.execute(
            f"SELECT {GROUP_EVENT_COLUMNS} FROM group_events {where} ORDER BY event_id", args
        ).fetchall()
        return [GroupEvent(*row) for row in rows]

    def group_events(self) -> list[GroupEvent]:
        """Return every group event, undo events included, oldest first."""
        with self._connect() as connection:
            return self._group_events(connection)

    def group_edits(self) -> list[GroupEvent]:
        """Return the group edits in force, in the order they were made."""
        return group_edits_in_force(self.group_events())

    def record_group_edit(
        self,
        annotator: str,
        action: str,
        group_id: str,
        check: Callable[[list[GroupEvent]], str],
    ) -> GroupEvent:
        """Append one group edit and return it.

        ``check`` receives the edits in force inside the write transaction and returns the value
        to store, or raises to abort the write. An edit checked this way cannot be invalidated by
        a concurrent writer before it is saved.
        """
        if action not in GROUP_EDITS:
            raise ValueError(f"unknown group edit {action!r}; expected one of {GROUP_EDITS}")
        with self._transaction() as connection:
            value = check(group_edits_in_force(self._group_events(connection)))
            cursor = connection.execute(
                "INSERT INTO group_events (group_id, annotator, created_at, action, value, "
                "undoes) VALUES (?, ?, ?, ?, ?, NULL)",
                (group_id, annotator, utc_now(), action, value),
            )
            return self._group_events(connection, "WHERE event_id = ?", (cursor.lastrowid,))[0]

    def undo_group_edit(self, annotator: str) -> GroupEvent:
        """Revert the annotator's newest group edit in force and return the ``undo`` event.

        Raises NothingToUndoError if there is none, and GroupEditConflictError if anyone has made
        a group edit since, because that edit was checked against the groups this one produced.
        """
        with self._transaction() as connection:
            edits = group_edits_in_force(self._group_events(connection))
            own = [edit for edit in edits if edit.annotator == annotator]
            if not own:
                raise NothingToUndoError(f"annotator {annotator!r} has no group edit left to undo")
            edit = own[-1]
            later = [e for e in edits if e.event_id > edit.event_id]
            if later:
                raise GroupEditConflictError(edit, later)
            cursor = connection.execute(
                "INSERT INTO group_events (group_id, annotator, created_at, action, value, "
                "undoes) VALUES (?, ?, ?, 'undo', ?, ?)",
                (edit.group_id, annotator, utc_now(), edit.value, edit.event_id),
            )
            return self._group_events(connection, "WHERE event_id = ?", (cursor.lastrowid,))[0]
