"""Each aggregate's latest version in a cut, in the order the aggregates first appear, on disk.

Exports that fold every participant first find how far each participant's history reaches in
the cut. That grows with the number of participants, so it lives on disk in a scratch
database (`projections.exports.scratch`): memory stays the same however large the store is.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from projections.exports.scratch import ScratchTables

# Runs of one aggregate's events held before they are written in one statement (bounded).
PENDING_ROWS = 512


class LatestVersions(ScratchTables):
    """Aggregate id -> latest version seen; read back in order of first appearance."""

    def __init__(self) -> None:
        # The rowid keeps the order of first appearance: an update leaves it as it was.
        super().__init__(
            ["CREATE TABLE latest (aggregate BLOB NOT NULL UNIQUE, version INTEGER NOT NULL)"]
        )
        self.last: tuple[UUID, int] | None = None
        self.pending: list[tuple[bytes, int]] = []

    def record(self, aggregate_id: UUID, version: int) -> None:
        # An aggregate's events mostly come one after another: one row per run of them, rows
        # written in order (so the first appearance still decides the rowid) in batches.
        last = self.last
        if last is not None and last[0] != aggregate_id:
            self.pending.append((last[0].bytes, last[1]))
            if len(self.pending) >= PENDING_ROWS:
                self.write_pending()
        self.last = (aggregate_id, version)

    def write_pending(self) -> None:
        self.db.executemany(
            "INSERT INTO latest VALUES (?, ?)"
            " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
            self.pending,
        )
        self.pending.clear()

    def flush(self) -> None:
        if self.last is not None:
            self.pending.append((self.last[0].bytes, self.last[1]))
            self.last = None
        self.write_pending()

    def items(self) -> Iterator[tuple[UUID, int]]:
        """(aggregate id, latest version) in the order the aggregates first appeared."""
        self.flush()
        for aggregate, version in self.db.execute(
            "SELECT aggregate, version FROM latest ORDER BY rowid"
        ):
            yield UUID(bytes=aggregate), int(version)
