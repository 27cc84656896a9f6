"""The SQLite recorder that seals every write into the audit chain, in the same transaction.

Sealing inside the insert transaction means a stored event without a link can only have been
added behind the application's back: there is no window between commit and seal in which a
genuine event is unsealed, whatever crashes or how many processes write.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from edc.audit.group_commit import GroupCommit, Refused, Save
from edc.audit.links import (
    GENESIS,
    ChainBroken,
    Link,
    LinkRow,
    Resealer,
    StoredRow,
    older_format_message,
    seal_events,
    sealed_in_older_format,
    unsealed_events_message,
)
from edc.audit.preconditions import PRECONDITIONS_KEY, check_preconditions, still_to_check
from edc.audit.store import HeadNoter
from edc.audit.subjects import SUBJECTS_KEY
from edc.audit.write_turns import for_database

CHAIN_TABLE = "audit_chain"
_COLUMNS = "position, originator_id, originator_version, digest, link"


class SealingSQLiteRecorder(SQLiteApplicationRecorder):
    """`stored_events` plus the `audit_chain` table (one link per event) in the same file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sealed = threading.local()
        # Whether the chain was found sealed in the current format (checked once, see `_seal`).
        self._format_checked = False
        # Several serving processes take turns at the file (edc.audit.write_turns).
        turns = for_database(self.datastore.pool.db_name)
        self._group: GroupCommit[SQLiteCursor] = GroupCommit(
            self._write_transaction, self._write_one, turn=turns.turn if turns else None
        )

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} ("
            "position INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, digest BLOB NOT NULL, link BLOB NOT NULL, "
            "participant_id TEXT)"
        )
        statements.append(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {CHAIN_TABLE}_event "
            f"ON {CHAIN_TABLE} (originator_id, originator_version)"
        )
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {CHAIN_TABLE}_participant "
            f"ON {CHAIN_TABLE} (participant_id, position)"
        )
        return statements

    def create_table(self) -> None:
        # One transaction that holds the write lock from its first statement: processes
        # opening the store at once take turns within the busy timeout. A deferred one that
        # first read the tables and then had a column or an index to add (a store of an
        # older version) was refused at once ("database is locked") when another process
        # had written first, and that server did not start.
        with self._immediate_transaction() as c:
            # A missing chain is never made up again here: events without links stay a
            # finding for `verify` until someone adopts them with `edc audit adopt`.
            if self._chain_table_exists(c):
                self._add_participant_column(c)
            self._create_table(c)

    # ---- sealing ---------------------------------------------------------------------------

    anchor_writer: HeadNoter | None = None

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Saves of several threads at once share one transaction (edc.audit.group_commit).
        save = self._group.submit(Save(stored_events, kwargs))
        # Committed: only now may the head be anchored outside the store.
        sealed = save.sealed
        if sealed is not None and self.anchor_writer is not None:
            self.anchor_writer.note(sealed.position, sealed.link)
        return save.positions

    @contextmanager
    def _write_transaction(self) -> Iterator[SQLiteCursor]:
        with self.datastore.transaction(commit=True) as c:
            yield c

    def _write_one(self, c: SQLiteCursor, save: Save, savepoint: bool) -> None:
        """One thread's save inside the shared transaction; `Refused` when the store refuses
        it on its own (a version taken, a precondition moved on, a chain that may not grow)."""
        if savepoint:
            c.execute("SAVEPOINT one_save")
        self._sealed.head = None
        try:
            positions = self._insert_events(c, save.events, **save.kwargs)
        except (sqlite3.IntegrityError, IntegrityError, ChainBroken) as error:
            if savepoint:
                c.execute("ROLLBACK TO one_save")
                c.execute("RELEASE one_save")
            cause = IntegrityError(error) if isinstance(error, sqlite3.IntegrityError) else error
            raise Refused(cause) from error
        if savepoint:
            c.execute("RELEASE one_save")
        save.positions, save.sealed = positions, self._sealed.head
        self._sealed.head = None

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        # After the inserts: this transaction now holds the write lock, so what it reads is
        # the latest commit and nothing else can commit before it (edc.audit.preconditions).
        expected = still_to_check(
            kwargs.get(PRECONDITIONS_KEY), (s.originator_id for s in stored_events)
        )
        head: Link | None = None
        if positions and len(expected) == 1:
            # The usual save guards one aggregate (the database lock): its version is read
            # with the chain's head in one statement.
            head, version = self._head_and_version(c, next(iter(expected)))
            if head is not None:
                check_preconditions(expected, lambda _aggregate_id: version)
        if head is None:
            check_preconditions(expected, lambda i: self._stored_version(c, i))
        if positions:
            self._seal(
                c,
                kwargs.get(SUBJECTS_KEY),
                [
                    (position, s.originator_id, s.originator_version, s.topic, s.state)
                    for position, s in zip(positions, stored_events, strict=True)
                ],
                head=head,
            )
        return positions

    def _head_and_version(self, c: SQLiteCursor, originator_id: UUID) -> tuple[Link | None, int]:
        """The chain's last link (None: no chain yet) and the aggregate's stored version."""
        c.execute(
            f"SELECT {_COLUMNS}, (SELECT MAX(originator_version) FROM {self.events_table_name} "
            f"WHERE originator_id = ?) FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1",
            (_text_id(originator_id),),
        )
        row = c.fetchone()
        if row is None:
            return None, 0
        return self._link(row), int(row[5]) if row[5] is not None else 0

    def _seal(
        self,
        c: SQLiteCursor,
        subjects: list[UUID | None] | None,
        events: list[tuple[int, UUID | str, int, str, bytes]],
        adopting: bool = False,
        head: Link | None = None,
    ) -> None:
        """`head` is the chain's last link when the caller read it in this transaction
        (None: read here)."""
        if not self._format_checked:
            # Links sealed on a chain of the older format would mix the two rules, and the
            # chain could no longer be migrated: write nothing until it is.
            older = self._older_format_from(c)
            if older is not None:
                raise ChainBroken(f"Nothing was saved. {older_format_message(older)}")
            self._format_checked = True
        last = head if head is not None else self._last_link(c)
        previous, last_position = (last.link, last.position) if last else (GENESIS, 0)
        links = seal_events(previous, last_position, events, subjects)
        if events and last is None and not adopting:
            # Events stored before these and no chain at all: it was removed (or the store
            # predates it). Sealing on from the start would hide that behind a fresh chain.
            c.execute(
                f"SELECT COUNT(*) FROM {self.events_table_name} WHERE rowid > ? AND rowid < ?",
                (last_position, events[0][0]),
            )
            unsealed = int(c.fetchone()[0])
            if unsealed:
                raise ChainBroken(unsealed_events_message(unsealed, last_position))
        self._sealed.head = links[-1] if links else None
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} ({_COLUMNS}, participant_id) VALUES (?,?,?,?,?,?)",
            [
                (
                    k.position,
                    _text_id(k.originator_id),
                    k.originator_version,
                    k.digest,
                    k.link,
                    _text_id(k.participant_id) if k.participant_id else None,
                )
                for k in links
            ],
        )

    def _stored_version(self, c: SQLiteCursor, originator_id: UUID) -> int:
        c.execute(
            f"SELECT MAX(originator_version) FROM {self.events_table_name} WHERE originator_id = ?",
            (_text_id(originator_id),),
        )
        row = c.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def seal_unsealed(self, page_size: int = 1000) -> Link | None:
        """Seal events stored after the last link (adoption of an older store); the new head."""
        with self._immediate_transaction() as c:
            head = self._last_link(c)
            while True:
                after = head.position if head else 0
                c.execute(
                    f"SELECT rowid, originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, page_size),
                )
                rows = c.fetchall()
                if not rows:
                    return head
                self._seal(
                    c,
                    None,
                    [
                        (row[0], self.convert_originator_id(row[1]), row[2], row[3], row[4])
                        for row in rows
                    ],
                    adopting=True,
                )
                head = self._last_link(c)

    def older_format_from(self) -> int | None:
        """The first located link when it was sealed in the older chain format, else None."""
        with self.datastore.transaction(commit=False) as c:
            return self._older_format_from(c)

    def _older_format_from(self, c: SQLiteCursor) -> int | None:
        # The first located link tells the format (a store is sealed by one rule up to its
        # migration; verify checks every link). Rowid order stops at the first located one.
        c.execute(
            f"SELECT position, digest, link, participant_id FROM {CHAIN_TABLE} "
            "WHERE participant_id IS NOT NULL ORDER BY position LIMIT 1"
        )
        found = c.fetchone()
        if found is None:
            return None
        c.execute(
            f"SELECT link FROM {CHAIN_TABLE} WHERE position < ? ORDER BY position DESC LIMIT 1",
            (found[0],),
        )
        before = c.fetchone()
        previous = bytes(before[0]) if before else GENESIS
        if sealed_in_older_format(
            previous, found[0], bytes(found[1]), _locator(found[3]), bytes(found[2])
        ):
            return int(found[0])
        return None

    def reseal_from(self, position: int, page_size: int = 1000) -> tuple[Link | None, int]:
        """Recompute every link from `position` on under the current rule, after checking each
        under the older one (`Resealer`); the new head and how many links were resealed."""
        with self._immediate_transaction() as c:
            c.execute(
                f"SELECT link FROM {CHAIN_TABLE} WHERE position < ? ORDER BY position DESC LIMIT 1",
                (position,),
            )
            before = c.fetchone()
            resealer = Resealer(bytes(before[0]) if before else GENESIS)
            after = position - 1
            raw_id = self._raw_id
            while True:
                c.execute(
                    f"SELECT rowid, originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, page_size),
                )
                events: list[StoredRow] = [
                    (r[0], raw_id(r[1]), r[2], r[3] or "", r[4] or b"") for r in c.fetchall()
                ]
                c.execute(
                    f"SELECT {_COLUMNS}, participant_id FROM {CHAIN_TABLE} WHERE position > ? "
                    "ORDER BY position LIMIT ?",
                    (after, page_size),
                )
                links: list[LinkRow] = [
                    (r[0], raw_id(r[1]), r[2], bytes(r[3]), bytes(r[4]), _locator(r[5]))
                    for r in c.fetchall()
                ]
                if not events and not links:
                    break
                relinked = resealer.page(events, links)
                c.executemany(
                    f"UPDATE {CHAIN_TABLE} SET link = ? WHERE position = ?",
                    [(link, at) for at, link in relinked],
                )
                after = relinked[-1][0]
            self._format_checked = False
            return self._last_link(c), resealer.resealed

    @contextmanager
    def _immediate_transaction(self) -> Iterator[SQLiteCursor]:
        # The library begins deferred transactions; a read-then-write needs the write lock
        # first, or a concurrent writer makes the upgrade fail instead of wait.
        with self.datastore.get_connection(commit=True) as conn:
            c = conn.cursor()
            c.execute("BEGIN IMMEDIATE")
            try:
                yield c
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                c.sqlite_cursor.close()

    # ---- reading ---------------------------------------------------------------------------

    def stored_rows(self, after: int, upto: int, limit: int) -> list[StoredRow]:
        """Stored events as raw tuples, for verifying at speed (no objects per row)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
                "ORDER BY rowid LIMIT ?",
                (after, upto, limit),
            )
            raw_id = self._raw_id
            return [
                (row[0], raw_id(row[1]), row[2], row[3] or "", row[4] or b"")
                for row in c.fetchall()
            ]

    def chain_rows(self, after: int, upto: int, limit: int) -> list[LinkRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {_COLUMNS}, participant_id FROM {CHAIN_TABLE} "
                "WHERE position > ? AND position <= ? ORDER BY position LIMIT ?",
                (after, upto, limit),
            )
            raw_id = self._raw_id
            return [
                (row[0], raw_id(row[1]), row[2], row[3], row[4], _locator(row[5]))
                for row in c.fetchall()
            ]

    def id_value(self, raw: bytes) -> UUID | str:
        if self.datastore.originator_id_type == "uuid" and len(raw) == 16:
            return UUID(bytes=raw)
        return raw.decode(errors="replace")

    def _raw_id(self, text: str) -> bytes:
        if self.datastore.originator_id_type == "uuid":
            try:
                return bytes.fromhex(text)
            except (TypeError, ValueError):
                pass  # not what the library writes: compare it as text, it will not match
        return str(text).encode()

    def chain_head(self) -> Link | None:
        with self.datastore.transaction(commit=False) as c:
            return self._last_link(c)

    def chain_link_at_or_before(self, position: int) -> Link | None:
        found = self._select("WHERE position <= ? ORDER BY position DESC LIMIT 1", (position,))
        return found[0] if found else None

    def chain_link_of(self, originator_id: UUID | str, version: int) -> Link | None:
        found = self._select(
            "WHERE originator_id = ? AND originator_version = ?", (_text_id(originator_id), version)
        )
        return found[0] if found else None

    def _notification(self, row: Any) -> Notification:
        """A row of (rowid, originator_id, originator_version, topic, state)."""
        return Notification(
            id=row[0],
            originator_id=self.convert_originator_id(row[1]),
            originator_version=row[2],
            topic=row[3],
            state=row[4],
        )

    def aggregate_notifications(self, originator_id: UUID | str) -> list[Notification]:
        """One aggregate's stored events with their positions, in version order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE originator_id = ? "
                "ORDER BY originator_version",
                (_text_id(originator_id),),
            )
            return [self._notification(row) for row in c.fetchall()]

    def positions_concerning(self, participant_id: UUID) -> list[int]:
        """Positions of events recorded as concerning a participant (see edc.audit.subjects)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position FROM {CHAIN_TABLE} WHERE participant_id = ? ORDER BY position",
                (_text_id(participant_id),),
            )
            return [row[0] for row in c.fetchall()]

    def notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        found: list[Notification] = []
        for start in range(0, len(positions), 500):
            chunk = list(positions[start : start + 500])
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    f"SELECT rowid, originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE rowid IN ({','.join('?' * len(chunk))})"
                    " ORDER BY rowid",
                    chunk,
                )
                found += [self._notification(row) for row in c.fetchall()]
        return found

    def versions_after(self, position: int, limit: int) -> list[tuple[int, UUID | str, int]]:
        """(position, aggregate, version) of the events stored after `position`, in order:
        what the repository follows the store by (edc.repository)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version FROM {self.events_table_name} "
                "WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (position, limit),
            )
            convert = self.convert_originator_id
            return [(row[0], convert(row[1]), row[2]) for row in c.fetchall()]

    def event_position(self, originator_id: UUID | str, version: int) -> int | None:
        """Where an event is stored now (None when it is not stored at all)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid FROM {self.events_table_name} "
                "WHERE originator_id = ? AND originator_version = ?",
                (_text_id(originator_id), version),
            )
            row = c.fetchone()
            return int(row[0]) if row else None

    def event_count(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {self.events_table_name}")
            return int(c.fetchone()[0])

    def event_and_link_counts(self) -> tuple[int, int]:
        # One statement, one snapshot: a writer commits events and their links together, and
        # counts read apart could fall either side of its commit. No condition: SQLite counts
        # the smallest index instead of the table's pages.
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT (SELECT COUNT(*) FROM {self.events_table_name}), "
                f"(SELECT COUNT(*) FROM {CHAIN_TABLE})"
            )
            events, links = c.fetchone()
            return int(events), int(links)

    def chain_count(self, upto: int) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {CHAIN_TABLE} WHERE position <= ?", (upto,))
            return int(c.fetchone()[0])

    def _select(self, where: str, params: tuple[Any, ...]) -> list[Link]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {_COLUMNS} FROM {CHAIN_TABLE} {where}", params)
            return [self._link(row) for row in c.fetchall()]

    def _last_link(self, c: SQLiteCursor) -> Link | None:
        c.execute(f"SELECT {_COLUMNS} FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        return self._link(row) if row else None

    def _link(self, row: Any) -> Link:
        return Link(
            row[0], self.convert_originator_id(row[1]), row[2], bytes(row[3]), bytes(row[4])
        )

    def _add_participant_column(self, c: SQLiteCursor) -> None:
        # Chains made before the participant locator existed get the column (empty).
        c.execute(f"PRAGMA table_info({CHAIN_TABLE})")
        if "participant_id" not in {row[1] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {CHAIN_TABLE} ADD COLUMN participant_id TEXT")

    def _chain_table_exists(self, c: SQLiteCursor) -> bool:
        c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (CHAIN_TABLE,))
        return c.fetchone() is not None


def _locator(text: str | None) -> bytes | None:
    """The locator's bytes as the chain covers them; text that is not a UUID still counts."""
    if text is None:
        return None
    try:
        return UUID(hex=text).bytes
    except (TypeError, ValueError):
        return str(text).encode()


def _text_id(originator_id: UUID | str) -> str:
    # The same text the library stores in `stored_events.originator_id`.
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id
