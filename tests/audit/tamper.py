"""Editing the event store behind the application's back, as an intruder with database access.

Works on the raw tables: SQLite's `stored_events` (position = rowid) in `trial.sqlite`, or
PostgreSQL's `trial_events` (position = notification_id).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from edc.config import Settings

Row = tuple[int, Any, int, str, bytes]  # position, originator id, version, topic, state


@dataclass
class RawStore:
    settings: Settings

    @property
    def postgres(self) -> bool:
        return self.settings.database_url is not None

    @property
    def table(self) -> str:
        return "trial_events" if self.postgres else "stored_events"

    @property
    def chain_table(self) -> str:
        return "trial_audit_chain" if self.postgres else "audit_chain"

    @property
    def pos(self) -> str:
        return "notification_id" if self.postgres else "rowid"

    @contextmanager
    def _db(self) -> Iterator[Any]:
        if self.postgres:
            assert self.settings.database_url
            with psycopg.connect(self.settings.database_url) as conn:
                yield conn
        else:
            conn = sqlite3.connect(self.settings.sqlite_path("trial"))
            try:
                with conn:
                    yield conn
            finally:
                conn.close()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._db() as conn:
            cursor = conn.execute(self._sql(statement), params)
            return list(cursor.fetchall()) if cursor.description else []

    def rows(self) -> list[Row]:
        return [
            (r[0], r[1], r[2], r[3], bytes(r[4]))
            for r in self.execute(
                f"SELECT {self.pos}, originator_id, originator_version, topic, state "
                f"FROM {self.table} ORDER BY {self.pos}"
            )
        ]

    def row(self, position: int) -> Row:
        return next(r for r in self.rows() if r[0] == position)

    def position_of(self, topic_suffix: str, nth: int = 0) -> int:
        return [r[0] for r in self.rows() if r[3].endswith(topic_suffix)][nth]

    def last_position(self) -> int:
        return self.rows()[-1][0]

    # ---- tampering ------------------------------------------------------------------------

    def change_one_byte(self, position: int) -> None:
        state = bytearray(self.row(position)[4])
        middle = len(state) // 2
        state[middle] ^= 0x01
        self.execute(
            f"UPDATE {self.table} SET state = ? WHERE {self.pos} = ?", (bytes(state), position)
        )

    def delete(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.table} WHERE {self.pos} = ?", (position,))

    def append_copy(self, position: int) -> int:
        """Insert a copy of one event under a new aggregate id; the database numbers it."""
        _, _, version, topic, state = self.row(position)
        self.execute(
            f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            (self._new_id(), version, topic, state),
        )
        return self.last_position()

    def insert_copy_at(self, position: int, source: int) -> None:
        """Slip a copied event in at `position`, moving later events up by one to make room."""
        _, _, version, topic, state = self.row(source)
        for later in sorted((r[0] for r in self.rows() if r[0] >= position), reverse=True):
            self.execute(
                f"UPDATE {self.table} SET {self.pos} = ? WHERE {self.pos} = ?", (later + 1, later)
            )
        self.execute(
            f"INSERT INTO {self.table} ({self.pos}, originator_id, originator_version, topic, "
            "state) VALUES (?, ?, ?, ?, ?)",
            (position, self._new_id(), version, topic, state),
        )

    def swap(self, first: int, second: int) -> None:
        """Swap everything but the positions of two stored events."""
        a, b = self.row(first), self.row(second)
        update = (
            f"UPDATE {self.table} SET originator_id = ?, originator_version = ?, "
            f"topic = ?, state = ? WHERE {self.pos} = ?"
        )
        # Park the first row under a spare identity: (id, version) is the primary key.
        self.execute(update, (self._new_id(), -1, a[3], a[4], first))
        self.execute(update, (a[1], a[2], a[3], a[4], second))
        self.execute(update, (b[1], b[2], b[3], b[4], first))

    def change_link(self, position: int) -> None:
        link = bytearray(
            self.execute(f"SELECT link FROM {self.chain_table} WHERE position = ?", (position,))[0][
                0
            ]
        )
        link[0] ^= 0x01
        self.execute(
            f"UPDATE {self.chain_table} SET link = ? WHERE position = ?", (bytes(link), position)
        )

    def locators(self) -> dict[int, bytes | None]:
        """Each link's participant locator as the chain covers it (16 bytes), by position."""
        rows = self.execute(f"SELECT position, participant_id FROM {self.chain_table}")
        return {
            position: (
                None
                if locator is None
                else (locator.bytes if self.postgres else uuid.UUID(hex=locator).bytes)
            )
            for position, locator in rows
        }

    def relink(self, with_locators: bool = True) -> None:
        """Recompute every stored link from the stored digests, as one who can write the
        chain table can (without the locators: a chain made before they existed)."""
        from edc.audit.links import GENESIS, next_link

        locators = self.locators() if with_locators else {}
        link = GENESIS
        for position, digest in self.execute(
            f"SELECT position, digest FROM {self.chain_table} ORDER BY position"
        ):
            link = next_link(link, position, bytes(digest), locators.get(position))
            self.execute(
                f"UPDATE {self.chain_table} SET link = ? WHERE position = ?", (link, position)
            )

    def rewind_numbering(self) -> None:
        """Make the next event reuse the last position (the last event deleted, or the
        PostgreSQL sequence set back), as a clumsy cover-up would."""
        last = self.last_position()
        self.delete(last)
        if self.postgres:
            self.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
                (self.table, last - 1),
            )

    def _new_id(self) -> Any:
        new = uuid.uuid4()
        return new if self.postgres else new.hex
