"""Where rate limits are counted: one count for every server process of the trial.

A `limits` storage (moving windows) in SQL: a SQLite file of its own in the data directory
(`ratelimits.sqlite`, never the event store: a flood of anonymous requests must leave the
trial's records alone), or a table of the trial's PostgreSQL database. Every process that
serves the trial counts in the same place, so a limit is one limit however many processes
(or, on PostgreSQL, hosts) answer.

Each accepted hit is one row (key, time, expiry); a hit over the limit writes nothing, so a key
holds at most its limit's amount of rows, and expired rows are removed now and then. Taking a
hit is atomic across processes: SQLite's `BEGIN IMMEDIATE` (one writer at a time), or a
transaction-scoped advisory lock per key on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from limits.storage import MovingWindowSupport, Storage

from edc.config import Settings
from edc.private_files import private_directory, private_file
from projections.db import Cursor, Dialect, ViewDatabase

RATE_LIMIT_FILE = "ratelimits"  # Settings.sqlite_path(...): ratelimits.sqlite
TABLE = "rate_limit_hits"
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " hit_key TEXT NOT NULL, hit_at DOUBLE PRECISION NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (hit_key, hit_at)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_expiry ON {TABLE} (expires_at)",
)
# Expired rows are removed at most this often per process (they are never counted anyway).
CLEANUP_INTERVAL_S = 60.0
# Keys remembered as having no hits, at most (a bound on memory, not on correctness).
MAX_REMEMBERED = 10_000


class SqlMovingWindowStorage(Storage, MovingWindowSupport):
    """A `limits` storage for the moving-window strategy, on SQLite or PostgreSQL."""

    STORAGE_SCHEME = ["edc-sql"]

    def __init__(
        self,
        db: ViewDatabase,
        now: Callable[[], float] = time.time,
        sqlite_path: Path | None = None,
    ) -> None:
        super().__init__()
        self._db, self._now = db, now
        self._last_cleanup = float("-inf")
        self._cleanup_lock = threading.Lock()
        # SQLite: one connection of its own for `moving_windows`, whose data_version it reads.
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        self._version: int | None = None
        self._empty: set[tuple[str, int]] = set()
        if db.dialect is Dialect.SQLITE and sqlite_path is not None:
            self._reader = sqlite3.connect(
                sqlite_path, timeout=30, isolation_level=None, check_same_thread=False
            )
        with self._db.schema_transaction() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return Exception

    # ---- the moving window -----------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self._now()
        with self._db.transaction() as cur:
            self._lock_key(cur, key)
            row = cur.execute(
                f"SELECT COUNT(*) FROM {TABLE} WHERE hit_key = ? AND hit_at > ?",
                (key, now - expiry),
            ).fetchone()
            if int(row[0] if row else 0) + amount > limit:
                return False
            cur.executemany(
                f"INSERT INTO {TABLE} (hit_key, hit_at, expires_at) VALUES (?, ?, ?)",
                [(key, now, now + expiry)] * amount,
            )
            self._cleanup(cur, now)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = self._now()
        with self._db.cursor() as cur:
            row = cur.execute(
                f"SELECT MIN(hit_at), COUNT(*) FROM {TABLE} WHERE hit_key = ? AND hit_at > ?",
                (key, now - expiry),
            ).fetchone()
        if not row or not row[1]:
            return now, 0
        return float(row[0]), int(row[1])

    def moving_windows(self, windows: Sequence[tuple[str, int]]) -> list[tuple[float, int]]:
        """`get_moving_window` for several (key, expiry) pairs in one query.

        On SQLite an answer of "no hits" is kept while the file is unchanged (its
        `data_version`, which moves with every commit of any connection or process), since
        such an answer cannot change by time alone: the check of a working API token, on
        every request, then costs one pragma.
        """
        now = self._now()
        if self._reader is not None:
            with self._reader_lock:
                version = self._reader.execute("PRAGMA data_version").fetchone()[0]
                if version != self._version or len(self._empty) > MAX_REMEMBERED:
                    self._version, self._empty = version, set()
                if all(window in self._empty for window in windows):
                    return [(now, 0)] * len(windows)
                found = self._windows(self._reader.execute, windows, now)
                self._empty |= {
                    w for w, (_, count) in zip(windows, found, strict=True) if count == 0
                }
                return found
        with self._db.cursor() as cur:
            return self._windows(cur.execute, windows, now)

    def _windows(
        self, execute: Callable[..., Any], windows: Sequence[tuple[str, int]], now: float
    ) -> list[tuple[float, int]]:
        where = " OR ".join(["(hit_key = ? AND hit_at > ?)"] * len(windows))
        params = [value for key, expiry in windows for value in (key, now - expiry)]
        rows = execute(
            f"SELECT hit_key, MIN(hit_at), COUNT(*) FROM {TABLE} WHERE {where} GROUP BY hit_key",
            params,
        ).fetchall()
        counted = {row[0]: (float(row[1]), int(row[2])) for row in rows}
        # Two rules never share a key (the rule is part of it), so one row per key is enough.
        return [counted.get(key, (now, 0)) for key, _ in windows]

    # ---- the rest of a `limits` storage ----------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("this storage counts moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("this storage counts moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("this storage counts moving windows only")

    def check(self) -> bool:
        try:
            self._db.query("SELECT 1")
        except Exception:
            return False
        return True

    def reset(self) -> int | None:
        with self._db.transaction() as cur:
            cur.execute(f"DELETE FROM {TABLE}")
            return cur.rowcount

    def clear(self, key: str) -> None:
        with self._db.transaction() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE hit_key = ?", (key,))

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._db.close()

    # ---- helpers ---------------------------------------------------------------------------

    def _lock_key(self, cur: Cursor, key: str) -> None:
        # SQLite's BEGIN IMMEDIATE already made this transaction the only writer.
        if self._db.dialect is Dialect.POSTGRES:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def _cleanup(self, cur: Cursor, now: float) -> None:
        with self._cleanup_lock:
            if now - self._last_cleanup < CLEANUP_INTERVAL_S:
                return
            self._last_cleanup = now
        cur.execute(f"DELETE FROM {TABLE} WHERE expires_at <= ?", (now,))


def open_rate_limit_store(settings: Settings) -> SqlMovingWindowStorage:
    """The rate-limit storage every server process of `settings` shares."""
    if settings.database_url:
        return SqlMovingWindowStorage(ViewDatabase.postgres(settings.database_url))
    private_directory(settings.data_dir)
    path: Path = private_file(settings.sqlite_path(RATE_LIMIT_FILE))
    return SqlMovingWindowStorage(ViewDatabase.sqlite(path), sqlite_path=path)
