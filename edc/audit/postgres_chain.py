"""The PostgreSQL recorder that seals every write into the audit chain, in the same transaction.

Events are inserted as the library does, under an EXCLUSIVE lock on `<app>_events`, so
positions commit in order and one sealer at a time reads the last link; the links go to
`<app>_audit_chain` in the same database and the same transaction as the events they cover.
Saves of several threads at once share one transaction (edc.audit.group_commit), written in
pipeline mode so that a save costs the server one round trip before its commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor, Pipeline
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

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

_COLUMNS = SQL("position, originator_id, originator_version, digest, link")
_SAVEPOINT = SQL("SAVEPOINT one_save")
_ROLLBACK_TO = SQL("ROLLBACK TO SAVEPOINT one_save")
_RELEASE = SQL("RELEASE SAVEPOINT one_save")
# Any fixed number, the same in every process: the key of the table set-up lock.
_SETUP_LOCK = 0x6564_6361_7564_6974  # "edcaudit"


class SealingPostgresRecorder(PostgresApplicationRecorder):
    """`<app>_events` plus `<app>_audit_chain` (one link per event) in the same database."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            # That path inserts through a server-side function this class cannot extend.
            raise ProgrammingError("The audit chain needs POSTGRES_ENABLE_DB_FUNCTIONS off.")
        self._sealed = threading.local()
        self._group: GroupCommit[_Writing] = GroupCommit(self._write_transaction, self._write_one)
        # Whether the chain was found sealed in the current format (checked once, see `_seal`).
        self._format_checked = False
        self.chain_table_name = events_table_name.removesuffix("_events") + "_audit_chain"
        self.check_identifier_length(self.chain_table_name + "_event")
        schema = Identifier(self.datastore.schema)
        self.chain_table = SQL("{}.{}").format(schema, Identifier(self.chain_table_name))
        self.events_table = SQL("{}.{}").format(schema, Identifier(self.events_table_name))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} (position bigint PRIMARY KEY, "
                "originator_id {id_type} NOT NULL, originator_version bigint NOT NULL, "
                "digest bytea NOT NULL, link bytea NOT NULL, participant_id uuid)"
            ).format(table=self.chain_table, id_type=Identifier(datastore.originator_id_type))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS {index} "
                "ON {table} (originator_id, originator_version)"
            ).format(index=Identifier(self.chain_table_name + "_event"), table=self.chain_table)
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (participant_id, position)").format(
                Identifier(self.chain_table_name + "_participant"), self.chain_table
            )
        )

    def create_table(self) -> None:
        # Processes starting together would run the same DDL at once, which PostgreSQL can
        # refuse ("tuple concurrently updated", e.g. the library's CREATE OR REPLACE
        # FUNCTION): one process at a time sets the tables up.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
            try:
                # A missing chain is never made up again here: events without links stay
                # a finding for `verify` until someone adopts them with `edc audit adopt`.
                if self._chain_table_exists():
                    self._add_participant_column()
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))

    # ---- sealing ---------------------------------------------------------------------------

    anchor_writer: HeadNoter | None = None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        # Saves of several threads at once share one transaction (edc.audit.group_commit).
        save = self._group.submit(Save(stored_events, kwargs))
        # Committed: only now may the head be anchored outside the store.
        sealed = save.sealed
        if sealed is not None and self.anchor_writer is not None:
            self.anchor_writer.note(sealed.position, sealed.link)
        return save.positions

    @contextmanager
    def _write_transaction(self) -> Iterator[_Writing]:
        """One write transaction in pipeline mode, holding the writers' lock: the library's
        (`PostgresApplicationRecorder.insert_events`) opened once for a batch of saves.

        A save refused on its own is rolled back to its savepoint, alone too, and what is
        left (nothing, then) commits: psycopg forgets the connection's prepared statements
        when a transaction is rolled back, and doing so in the middle of a pipeline can leave
        it remembering one the server no longer has. Anything else rolls the whole back."""
        failure: BaseException | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline:
                try:
                    with conn.transaction(), conn.cursor() as curs:
                        self._lock_table(curs)
                        self._notify_channel(curs)
                        try:
                            yield _Writing(pipeline, curs)
                        except Refused as refused:
                            failure = refused
                except BaseException as error:
                    # Raised once the pipeline is closed, as the library does.
                    failure = error
            if failure is not None:
                raise failure

    def _write_one(self, writing: _Writing, save: Save, _savepoint: bool) -> None:
        """One thread's save inside the shared transaction; `Refused` when the store refuses
        it on its own (a version taken, a precondition moved on, a chain that may not grow).

        The insert, the versions of the aggregates the save was decided on and (first in a
        transaction) the chain's head go to the server together and come back in one round
        trip; the links and the end of the savepoint go with the next save's statements, or
        with the commit. They run after the LOCK: what they read is the latest commit, and
        the saves written before this one in the same transaction."""
        curs, events = writing.cursor, save.events
        conn = curs.connection
        expected = still_to_check(
            save.kwargs.get(PRECONDITIONS_KEY), (e.originator_id for e in events)
        )
        # A savepoint alone too (see `_write_transaction`), hence `_savepoint` unused.
        curs.execute(_SAVEPOINT, prepare=False)
        inserting = conn.cursor()
        self._insert_rows(inserting, events)
        versions = conn.cursor() if expected else None
        if versions is not None:
            self._query_versions(versions, list(expected))
        heading = conn.cursor() if writing.head is None else None
        if heading is not None:
            self._query_last_link(heading)
        try:
            writing.pipeline.sync()
        except psycopg.IntegrityError as error:
            if error.diag.table_name != self.events_table_name:
                raise  # not this save's insert: the statements queued before it failed
            self._refuse(writing, IntegrityError(str(error)))
        positions = [row["notification_id"] for row in inserting.fetchall()]
        found: dict[Any, int] = {}
        if versions is not None:
            found = {row["originator_id"]: int(row["v"]) for row in versions.fetchall()}
        head = writing.head
        if heading is not None:
            row = heading.fetchone()
            head = _link(row) if row else None
        self._sealed.head = None
        try:
            check_preconditions(expected, lambda aggregate_id: found.get(aggregate_id, 0))
            self._seal(
                curs,
                save.kwargs.get(SUBJECTS_KEY),
                [
                    (position, e.originator_id, e.originator_version, e.topic, e.state)
                    for position, e in zip(sorted(positions), events, strict=True)
                ],
                head=head,
            )
        except (IntegrityError, ChainBroken) as error:
            self._refuse(writing, error)
        curs.execute(_RELEASE, prepare=False)
        sealed, self._sealed.head = self._sealed.head, None
        save.positions, save.sealed = positions, sealed
        writing.head = sealed or head

    @staticmethod
    def _refuse(writing: _Writing, cause: BaseException) -> NoReturn:
        writing.cursor.execute(_ROLLBACK_TO, prepare=False)
        # psycopg forgets the connection's prepared statements when it sees the rollback's
        # result, and tells the server so behind the next statement it sends: that must be
        # this one, not a statement it prepares afresh (the server would then drop that too).
        writing.pipeline.sync()
        writing.cursor.execute(_RELEASE, prepare=False)
        raise Refused(cause) from cause

    def _insert_rows(self, curs: Cursor[DictRow], events: Sequence[StoredEvent]) -> None:
        curs.execute(
            self.insert_events_statement,
            (
                [
                    self.construct_pg_stored_event(
                        e.originator_id, e.originator_version, e.topic, e.state
                    )
                    for e in events
                ],
            ),
            prepare=True,
        )

    def _query_versions(self, curs: Cursor[DictRow], aggregate_ids: list[UUID]) -> None:
        """Ask for the stored version of each aggregate (one row per aggregate stored)."""
        curs.execute(
            SQL(
                "SELECT originator_id, MAX(originator_version) AS v FROM {} "
                "WHERE originator_id = ANY(%s::{}[]) GROUP BY originator_id"
            ).format(self.events_table, Identifier(self.datastore.originator_id_type)),
            (aggregate_ids,),
            prepare=True,
        )

    def _seal(
        self,
        curs: Cursor[DictRow],
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
            older = self._older_format_from(curs)
            if older is not None:
                raise ChainBroken(f"Nothing was saved. {older_format_message(older)}")
            self._format_checked = True
        last = head if head is not None else self._last_link(curs)
        previous, last_position = (last.link, last.position) if last else (GENESIS, 0)
        links = seal_events(previous, last_position, events, subjects)
        if events and last is None and not adopting:
            # Events stored before these and no chain at all: it was removed (or the store
            # predates it). Sealing on from the start would hide that behind a fresh chain.
            curs.execute(
                SQL(
                    "SELECT COUNT(*) AS n FROM {} WHERE notification_id > %s "
                    "AND notification_id < %s"
                ).format(self.events_table),
                (last_position, events[0][0]),
            )
            row = curs.fetchone()
            if row and row["n"]:
                raise ChainBroken(unsealed_events_message(int(row["n"]), last_position))
        self._sealed.head = links[-1] if links else None
        curs.executemany(
            SQL("INSERT INTO {} ({}, participant_id) VALUES (%s, %s, %s, %s, %s, %s)").format(
                self.chain_table, _COLUMNS
            ),
            [
                (
                    k.position,
                    k.originator_id,
                    k.originator_version,
                    k.digest,
                    k.link,
                    k.participant_id,
                )
                for k in links
            ],
        )

    def _stored_version(self, curs: Cursor[DictRow], originator_id: UUID) -> int:
        curs.execute(
            SQL("SELECT MAX(originator_version) AS v FROM {} WHERE originator_id = %s").format(
                self.events_table
            ),
            (originator_id,),
        )
        row = curs.fetchone()
        return int(row["v"]) if row and row["v"] is not None else 0

    def seal_unsealed(self, page_size: int = 1000) -> Link | None:
        """Seal events stored after the last link (adoption of an older store); the new head."""
        with self.datastore.transaction(commit=True) as curs:
            # The writers' lock: no event can be added while the tail is being sealed.
            for statement in self.lock_table_statements:
                curs.execute(statement)
            head = self._last_link(curs)
            while True:
                curs.execute(
                    SQL(
                        "SELECT notification_id, originator_id, originator_version, topic, state "
                        "FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                    ).format(self.events_table),
                    (head.position if head else 0, page_size),
                )
                rows = curs.fetchall()
                if not rows:
                    return head
                self._seal(
                    curs,
                    None,
                    [
                        (
                            r["notification_id"],
                            r["originator_id"],
                            r["originator_version"],
                            r["topic"],
                            bytes(r["state"]),
                        )
                        for r in rows
                    ],
                    adopting=True,
                )
                head = self._last_link(curs)

    def older_format_from(self) -> int | None:
        """The first located link when it was sealed in the older chain format, else None."""
        with self.datastore.transaction(commit=False) as curs:
            return self._older_format_from(curs)

    def _older_format_from(self, curs: Cursor[DictRow]) -> int | None:
        # The first located link tells the format (a store is sealed by one rule up to its
        # migration; verify checks every link).
        curs.execute(
            SQL(
                "SELECT position, digest, link, uuid_send(participant_id) AS locator FROM {} "
                "WHERE participant_id IS NOT NULL ORDER BY position LIMIT 1"
            ).format(self.chain_table)
        )
        found = curs.fetchone()
        if found is None:
            return None
        curs.execute(
            SQL("SELECT link FROM {} WHERE position < %s ORDER BY position DESC LIMIT 1").format(
                self.chain_table
            ),
            (found["position"],),
        )
        before = curs.fetchone()
        previous = bytes(before["link"]) if before else GENESIS
        if sealed_in_older_format(
            previous,
            found["position"],
            bytes(found["digest"]),
            bytes(found["locator"]),
            bytes(found["link"]),
        ):
            return int(found["position"])
        return None

    def reseal_from(self, position: int, page_size: int = 1000) -> tuple[Link | None, int]:
        """Recompute every link from `position` on under the current rule, after checking each
        under the older one (`Resealer`); the new head and how many links were resealed."""
        raw_id = (
            SQL("uuid_send(originator_id)")
            if self.datastore.originator_id_type == "uuid"
            else SQL("convert_to(originator_id, 'UTF8')")
        )
        with self.datastore.transaction(commit=True) as curs:
            # The writers' lock: no event can be added while the chain is resealed.
            for statement in self.lock_table_statements:
                curs.execute(statement)
            curs.execute(
                SQL("SELECT link FROM {} WHERE position < %s ORDER BY position DESC").format(
                    self.chain_table
                )
                + SQL(" LIMIT 1"),
                (position,),
            )
            before = curs.fetchone()
            resealer = Resealer(bytes(before["link"]) if before else GENESIS)
            after = position - 1
            while True:
                curs.execute(
                    SQL(
                        "SELECT notification_id AS at, {raw_id} AS raw_id, originator_version, "
                        "COALESCE(topic, '') AS topic, COALESCE(state, ''::bytea) AS state "
                        "FROM {table} WHERE notification_id > %s ORDER BY notification_id "
                        "LIMIT %s"
                    ).format(raw_id=raw_id, table=self.events_table),
                    (after, page_size),
                )
                events: list[StoredRow] = [
                    (
                        r["at"],
                        bytes(r["raw_id"]),
                        r["originator_version"],
                        r["topic"],
                        bytes(r["state"]),
                    )
                    for r in curs.fetchall()
                ]
                curs.execute(
                    SQL(
                        "SELECT position AS at, {raw_id} AS raw_id, originator_version, digest, "
                        "link, uuid_send(participant_id) AS locator FROM {table} "
                        "WHERE position > %s ORDER BY position LIMIT %s"
                    ).format(raw_id=raw_id, table=self.chain_table),
                    (after, page_size),
                )
                links: list[LinkRow] = [
                    (
                        r["at"],
                        bytes(r["raw_id"]),
                        r["originator_version"],
                        bytes(r["digest"]),
                        bytes(r["link"]),
                        bytes(r["locator"]) if r["locator"] is not None else None,
                    )
                    for r in curs.fetchall()
                ]
                if not events and not links:
                    break
                relinked = resealer.page(events, links)
                curs.executemany(
                    SQL("UPDATE {} SET link = %s WHERE position = %s").format(self.chain_table),
                    [(link, at) for at, link in relinked],
                )
                after = relinked[-1][0]
            self._format_checked = False
            return self._last_link(curs), resealer.resealed

    # ---- reading ---------------------------------------------------------------------------

    def stored_rows(self, after: int, upto: int, limit: int) -> list[StoredRow]:
        """Stored events as raw tuples, for verifying at speed (no objects per row)."""
        return self._raw(
            self.events_table,
            SQL("notification_id"),
            SQL("COALESCE(topic, ''), COALESCE(state, ''::bytea)"),
            after,
            upto,
            limit,
        )

    def chain_rows(self, after: int, upto: int, limit: int) -> list[LinkRow]:
        return self._raw(
            self.chain_table,
            SQL("position"),
            SQL("digest, link, uuid_send(participant_id)"),
            after,
            upto,
            limit,
        )

    def id_value(self, raw: bytes) -> UUID | str:
        if self.datastore.originator_id_type == "uuid" and len(raw) == 16:
            return UUID(bytes=raw)
        return raw.decode(errors="replace")

    def _raw(
        self, table: Composed, position: SQL, rest: SQL, after: int, upto: int, limit: int
    ) -> list[Any]:
        raw_id = (
            SQL("uuid_send(originator_id)")
            if self.datastore.originator_id_type == "uuid"
            else SQL("convert_to(originator_id, 'UTF8')")
        )
        # Plain tuples, straight from the driver: verify reads every row of the store.
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            curs.execute(
                SQL(
                    "SELECT {pos}, {raw_id}, originator_version, {rest} "
                    "FROM {table} WHERE {pos} > %s AND {pos} <= %s ORDER BY {pos} LIMIT %s"
                ).format(pos=position, raw_id=raw_id, rest=rest, table=table),
                (after, upto, limit),
                prepare=True,
            )
            return curs.fetchall()

    def chain_head(self) -> Link | None:
        with self._reading() as curs:
            return self._last_link(curs)

    def chain_link_at_or_before(self, position: int) -> Link | None:
        found = self._select(
            SQL("WHERE position <= %s ORDER BY position DESC LIMIT 1"), (position,)
        )
        return found[0] if found else None

    def chain_link_of(self, originator_id: UUID | str, version: int) -> Link | None:
        found = self._select(
            SQL("WHERE originator_id = %s AND originator_version = %s"), (originator_id, version)
        )
        return found[0] if found else None

    def aggregate_notifications(self, originator_id: UUID | str) -> list[Notification]:
        """One aggregate's stored events with their positions, in version order."""
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, originator_id, originator_version, topic, state "
                    "FROM {} WHERE originator_id = %s ORDER BY originator_version"
                ).format(self.events_table),
                (originator_id,),
            )
            return [_notification(row) for row in curs.fetchall()]

    def positions_concerning(self, participant_id: UUID) -> list[int]:
        """Positions of events recorded as concerning a participant (see edc.audit.subjects)."""
        with self._reading() as curs:
            curs.execute(
                SQL("SELECT position FROM {} WHERE participant_id = %s ORDER BY position").format(
                    self.chain_table
                ),
                (participant_id,),
            )
            return [row["position"] for row in curs.fetchall()]

    def notifications_at(self, positions: Sequence[int]) -> list[Notification]:
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, originator_id, originator_version, topic, state "
                    "FROM {} WHERE notification_id = ANY(%s) ORDER BY notification_id"
                ).format(self.events_table),
                (list(positions),),
            )
            return [_notification(row) for row in curs.fetchall()]

    def versions_after(self, position: int, limit: int) -> list[tuple[int, UUID | str, int]]:
        """(position, aggregate, version) of the events stored after `position`, in order:
        what the repository follows the store by (edc.repository)."""
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id, originator_id, originator_version FROM {} "
                    "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                ).format(self.events_table),
                (position, limit),
                prepare=True,
            )
            return [
                (row["notification_id"], row["originator_id"], row["originator_version"])
                for row in curs.fetchall()
            ]

    def event_position(self, originator_id: UUID | str, version: int) -> int | None:
        """Where an event is stored now (None when it is not stored at all)."""
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id FROM {} "
                    "WHERE originator_id = %s AND originator_version = %s"
                ).format(self.events_table),
                (originator_id, version),
            )
            row = curs.fetchone()
            return int(row["notification_id"]) if row else None

    def event_count(self) -> int:
        with self._reading() as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {}").format(self.events_table))
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def event_and_link_counts(self) -> tuple[int, int]:
        # One statement, one snapshot: a writer commits events and their links together, and
        # counts read apart could fall either side of its commit.
        with self._reading() as curs:
            curs.execute(
                SQL(
                    "SELECT (SELECT COUNT(*) FROM {}) AS events, (SELECT COUNT(*) FROM {}) AS links"
                ).format(self.events_table, self.chain_table)
            )
            row = curs.fetchone()
            return (int(row["events"]), int(row["links"])) if row else (0, 0)

    def chain_count(self, upto: int) -> int:
        with self._reading() as curs:
            curs.execute(
                SQL("SELECT COUNT(*) AS n FROM {} WHERE position <= %s").format(self.chain_table),
                (upto,),
            )
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def _select(self, where: Composed | SQL, params: tuple[Any, ...]) -> list[Link]:
        with self._reading() as curs:
            curs.execute(
                SQL("SELECT {} FROM {} ").format(_COLUMNS, self.chain_table) + where, params
            )
            return [_link(row) for row in curs.fetchall()]

    @contextmanager
    def _reading(self) -> Iterator[Cursor[DictRow]]:
        """A cursor for one read statement, outside any transaction: the connection is in
        autocommit, so the statement sees one snapshot on its own. A read transaction would
        cost two more round trips, and its rollback makes psycopg drop the connection's
        prepared statements (and tell the server so: one more)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            yield curs

    def _last_link(self, curs: Cursor[DictRow]) -> Link | None:
        self._query_last_link(curs)
        row = curs.fetchone()
        return _link(row) if row else None

    def _query_last_link(self, curs: Cursor[DictRow]) -> None:
        curs.execute(
            SQL("SELECT {} FROM {} ORDER BY position DESC LIMIT 1").format(
                _COLUMNS, self.chain_table
            ),
            prepare=True,
        )

    def _add_participant_column(self) -> None:
        # Chains made before the participant locator existed get the column (empty).
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name = 'participant_id'",
                (self.datastore.schema, self.chain_table_name),
            )
            if curs.fetchone() is None:
                curs.execute(
                    SQL("ALTER TABLE {} ADD COLUMN participant_id uuid").format(self.chain_table)
                )

    def _chain_table_exists(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT to_regclass(%s) AS found",
                (f"{self.datastore.schema}.{self.chain_table_name}",),
            )
            row = curs.fetchone()
            return bool(row and row["found"])


def _link(row: DictRow) -> Link:
    return Link(
        row["position"],
        row["originator_id"],
        row["originator_version"],
        bytes(row["digest"]),
        bytes(row["link"]),
    )


def _notification(row: DictRow) -> Notification:
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


@dataclass
class _Writing:
    """The open write transaction a batch of saves goes into."""

    pipeline: Pipeline
    cursor: Cursor[DictRow]
    head: Link | None = None  # the chain's last link as of the saves written so far
