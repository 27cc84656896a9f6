"""A private scratch database for what an export must remember per participant.

Such state grows with the number of participants; kept in memory it makes an export's
footprint grow with the store. SQLite's private temporary on-disk database (an empty file
name; deleted when its connection closes) with a bounded page cache keeps it off the heap.
Nothing in it needs to survive a crash, so it has no journal and no syncing.
"""

from __future__ import annotations

import sqlite3

# Pages SQLite may keep in memory (negative: in KiB); the rest stays on disk.
CACHE_KIB = 2048


def scratch_database() -> sqlite3.Connection:
    db = sqlite3.connect("")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db
