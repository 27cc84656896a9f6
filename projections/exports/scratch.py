"""A private scratch database for what an export must remember per participant.

Such state grows with the number of participants; kept in memory it makes an export's
footprint grow with the store. SQLite's private temporary on-disk database (an empty file
name; deleted when its connection closes) with a bounded page cache keeps it off the heap.
Nothing in it needs to survive a crash, so it has no journal and no syncing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from types import TracebackType
from typing import Self

# Pages SQLite may keep in memory (negative: in KiB); the rest stays on disk.
CACHE_KIB = 2048


def scratch_database() -> sqlite3.Connection:
    db = sqlite3.connect("")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


class ScratchTables:
    """Tables of a scratch database made from `schema`, closed (and so deleted) on exit."""

    def __init__(self, schema: Iterable[str]) -> None:
        self.db = scratch_database()
        for statement in schema:
            self.db.execute(statement)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
