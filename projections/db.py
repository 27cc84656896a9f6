"""Where read models live: a SQLite file of their own, or the trial's PostgreSQL database.

Plain SQL through `sqlite3` or `psycopg`, written once with `?` placeholders and translated for
PostgreSQL. Connections come from a small pool so the web server's worker threads can read
while a runner writes. Writes go through `transaction()`, which takes the writer's lock first:
`BEGIN IMMEDIATE` on SQLite (one writer per file), a row lock on the tracking row on
PostgreSQL (see `projections.tracking`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

SQLITE_CACHE_KIB = 65536
SQLITE_PAGE_BYTES = 8192
# How long a connection waits for another's lock on a SQLite file (its busy timeout), and how
# often a switch to WAL refused by another opener is tried again within that time.
SQLITE_TIMEOUT_S = 30.0
WAL_RETRY_S = 0.005
# PostgreSQL: the one advisory lock every creation of a table of ours is made under (see
# `ViewDatabase.schema_transaction`).
SCHEMA_LOCK = 7_004_792


def switch_to_wal(conn: sqlite3.Connection, timeout: float = SQLITE_TIMEOUT_S) -> None:
    """Put the connection's file in WAL mode (a file already in it stays as it is).

    Processes opening a fresh file at the same moment each ask for the switch; SQLite refuses
    all but one with "database is locked" at once, without waiting out the busy timeout, and a
    server that gives up there does not start. So a refused switch is asked for again until
    the timeout: by then the file is in WAL mode and the switch is a no-op."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(WAL_RETRY_S)


def prepare_sqlite_file(path: Path | str) -> None:
    """Switch a SQLite file to WAL before another library opens it (the event store's
    library makes the same switch, but gives up at once when it is refused)."""
    conn = sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S, isolation_level=None)
    try:
        switch_to_wal(conn)
    finally:
        conn.close()


def _schema_name(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"Not a schema name: {name!r}")
    return name


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class _Cursor(Protocol):
    rowcount: int
    description: Any

    def execute(self, sql: Any, params: Any = ...) -> Any: ...
    def executemany(self, sql: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...
    def close(self) -> Any: ...


class Cursor:
    """A cursor that takes `?` placeholders on both back ends."""

    def __init__(self, cursor: _Cursor, dialect: Dialect) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect is Dialect.POSTGRES else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    def copy(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Stream rows to a `COPY ... FROM STDIN` (PostgreSQL only): one statement, no
        per-row parsing or planning on the server."""
        if self.dialect is not Dialect.POSTGRES:
            raise RuntimeError("COPY is PostgreSQL's; SQLite writes rows with executemany.")
        with self._cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            write = copy.write_row
            for row in rows:
                write(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._cursor.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send many statements without waiting for each answer (PostgreSQL; a no-op on
        SQLite, which has no round trips)."""
        if self.dialect is Dialect.POSTGRES:
            with self._cursor.connection.pipeline():  # type: ignore[attr-defined]
                yield
        else:
            yield


class ViewDatabase:
    """A pool of connections to the read-model database, for reads and for one writer."""

    def __init__(self, dialect: Dialect, target: str, *, scratch: bool = False) -> None:
        self.dialect = dialect
        self._target = target
        # A file nobody reads but its maker, thrown away if anything goes wrong (a part of a
        # rebuild, `projections.rebuild_parts`): no log, no waiting for the disk.
        self.scratch = scratch
        self._idle: list[Any] = []
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def sqlite(cls, path: Path | str) -> ViewDatabase:
        """Read models in their own SQLite file, apart from the event store's writer lock."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(Dialect.SQLITE, str(path))

    @classmethod
    def scratch_sqlite(cls, path: Path | str) -> ViewDatabase:
        """A SQLite file written by one process alone and discarded on any failure: its
        writes are not journalled, so a crash can leave it damaged, never half-read."""
        return cls(Dialect.SQLITE, str(path), scratch=True)

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL)."""
        return Path(self._target) if self.dialect is Dialect.SQLITE else None

    @classmethod
    def postgres(cls, url: str) -> ViewDatabase:
        """Read models in the trial's PostgreSQL database, in tables of their own."""
        return cls(Dialect.POSTGRES, url)

    def _connect(self) -> Any:
        if self.dialect is Dialect.SQLITE:
            conn = sqlite3.connect(
                self._target,
                timeout=SQLITE_TIMEOUT_S,
                isolation_level=None,
                check_same_thread=False,
            )
            # Set before the file's first page is written (no effect on an existing file).
            conn.execute(f"PRAGMA page_size={SQLITE_PAGE_BYTES}")
            # Read models are updated all over their indexes (by participant, by user): a
            # page cache larger than the 2 MB default saves most of the disk reads.
            conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            if self.scratch:
                conn.execute("PRAGMA journal_mode=OFF")
                conn.execute("PRAGMA synchronous=OFF")
                return conn
            switch_to_wal(conn)
            # NORMAL in WAL mode keeps every commit atomic when the process is killed; only a
            # power cut can lose the last commits, and a read model can always be rebuilt.
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        return psycopg.connect(self._target, autocommit=True)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._lock:
            if self._closed:
                raise RuntimeError("The read-model database is closed.")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
            with self._lock:
                self._all.append(conn)
        try:
            yield conn
        except BaseException:
            self._discard_if_broken(conn)
            raise
        else:
            with self._lock:
                self._idle.append(conn)

    def _discard_if_broken(self, conn: Any) -> None:
        broken = self.dialect is Dialect.POSTGRES and (conn.closed or conn.broken)
        with self._lock:
            if broken:
                self._all.remove(conn)
            else:
                self._idle.append(conn)

    @contextmanager
    def cursor(self) -> Iterator[Cursor]:
        """A cursor for reads, outside any explicit transaction (autocommit)."""
        with self.connection() as conn:
            raw = conn.cursor()
            try:
                yield Cursor(raw, self.dialect)
            finally:
                raw.close()

    @contextmanager
    def transaction(self, attached: Mapping[str, Path] | None = None) -> Iterator[Cursor]:
        """One atomic write: everything in the block commits together or not at all.

        `attached` (SQLite only): other files the block reads, by schema name; attached
        before the transaction begins (SQLite does not attach inside one), detached after."""
        with self.connection() as conn:
            if self.dialect is Dialect.SQLITE:
                raw = conn.cursor()
                files = dict(attached or {})
                names: list[str] = []
                try:
                    for name, path in files.items():
                        raw.execute(f"ATTACH DATABASE ? AS {_schema_name(name)}", (str(path),))
                        names.append(name)
                    raw.execute("BEGIN IMMEDIATE")
                    try:
                        yield Cursor(raw, self.dialect)
                    except BaseException:
                        conn.rollback()
                        raise
                    else:
                        raw.execute("COMMIT")
                finally:
                    for name in names:
                        raw.execute(f"DETACH DATABASE {name}")
                    raw.close()
            elif attached:
                raise RuntimeError("Only SQLite attaches other files to a transaction.")
            else:
                with conn.transaction(), conn.cursor() as raw:
                    yield Cursor(raw, self.dialect)

    @contextmanager
    def schema_transaction(self) -> Iterator[Cursor]:
        """A transaction for creating or changing tables. On PostgreSQL, `IF NOT EXISTS` does
        not keep two processes starting at once from creating the same table together (one
        fails on the catalogue's unique index), so they take turns under one advisory lock.
        SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time."""
        with self.transaction() as cur:
            if self.dialect is Dialect.POSTGRES:
                cur.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            yield cur

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            return cur.execute(sql, params).fetchall()

    def tables(self) -> list[str]:
        if self.dialect is Dialect.SQLITE:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            sql = (
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() ORDER BY table_name"
            )
        return [row[0] for row in self.query(sql)]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all, self._idle = self._all, [], []
        for conn in conns:
            conn.close()
