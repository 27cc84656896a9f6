"""How far each read model has got, written in the same transaction as the view update.

One row per read model: the position of the last event applied, a generation that a rebuild
bumps, and the schema version the tables were built with. A batch is committed only if the
row still holds what the batch was computed from (compare-and-set), so a replayed page, a
second runner, or a rebuild that happened meanwhile can never apply an event twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.db import Cursor, Dialect, ViewDatabase
from projections.schema import TRACKING_DDL, TRACKING_TABLE


class TrackingConflict(RuntimeError):
    """Raised when a batch was computed from a position that is no longer the stored one."""


@dataclass(frozen=True)
class Tracking:
    name: str
    position: int
    generation: int
    schema_version: str


def ensure_tracking_table(db: ViewDatabase) -> None:
    with db.schema_transaction() as cur:
        cur.execute(TRACKING_DDL)


def read_tracking(cur: Cursor, name: str, *, for_update: bool = False) -> Tracking | None:
    sql = f"SELECT position, generation, schema_version FROM {TRACKING_TABLE} WHERE name = ?"
    # SQLite's BEGIN IMMEDIATE already holds the file's write lock.
    if for_update and cur.dialect is Dialect.POSTGRES:
        sql += " FOR UPDATE"
    row = cur.execute(sql, (name,)).fetchone()
    if row is None:
        return None
    return Tracking(name, int(row[0]), int(row[1]), str(row[2]))


def reset_tracking(cur: Cursor, name: str, schema_version: str) -> Tracking:
    """Start a read model again from the first event, as a new generation."""
    current = read_tracking(cur, name, for_update=True)
    generation = current.generation + 1 if current else 1
    if current is None:
        cur.execute(
            f"INSERT INTO {TRACKING_TABLE} (name, position, generation, schema_version) "
            "VALUES (?, 0, ?, ?)",
            (name, generation, schema_version),
        )
    else:
        cur.execute(
            f"UPDATE {TRACKING_TABLE} SET position = 0, generation = ?, schema_version = ? "
            "WHERE name = ?",
            (generation, schema_version, name),
        )
    return Tracking(name, 0, generation, schema_version)


def advance(cur: Cursor, expected: Tracking, position: int) -> Tracking:
    """Move the position forward, only from exactly where the batch started."""
    if position <= expected.position:
        raise TrackingConflict(
            f"{expected.name}: refusing to move from {expected.position} to {position}."
        )
    cur.execute(
        f"UPDATE {TRACKING_TABLE} SET position = ? "
        "WHERE name = ? AND position = ? AND generation = ?",
        (position, expected.name, expected.position, expected.generation),
    )
    if cur.rowcount != 1:
        raise TrackingConflict(
            f"{expected.name}: the stored position is no longer {expected.position} "
            f"(generation {expected.generation})."
        )
    return Tracking(expected.name, position, expected.generation, expected.schema_version)
