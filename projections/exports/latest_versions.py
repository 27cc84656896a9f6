"""Each aggregate's latest version in a cut, in the order the aggregates first appear, on disk.

Exports that fold every participant first find how far each participant's history reaches in
the cut. That grows with the number of participants, so it lives on disk in a scratch
database (`projections.exports.scratch`): memory stays the same however large the store is.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from projections.exports.scratch import ScratchTables
from projections.exports.store_rows import aggregate_id

# Runs of one aggregate's events held before they are written in one statement (bounded).
PENDING_ROWS = 512


class LatestVersions(ScratchTables):
    """Aggregate -> latest version seen; read back in order of first appearance.

    Aggregates are recorded by their key in the store (`store_rows.Head.aggregate`), so the
    first pass makes no UUID per event; they are read back as ids."""

    def __init__(self) -> None:
        # The rowid keeps the order of first appearance: an update leaves it as it was.
        super().__init__(
            ["CREATE TABLE latest (aggregate TEXT NOT NULL UNIQUE, version INTEGER NOT NULL)"]
        )
        self.last: tuple[str, int] | None = None
        self.pending: list[tuple[str, int]] = []

    def record(self, aggregate: str, version: int) -> None:
        # An aggregate's events mostly come one after another: one row per run of them, rows
        # written in order (so the first appearance still decides the rowid) in batches.
        last = self.last
        if last is not None and last[0] != aggregate:
            self.pending.append(last)
            if len(self.pending) >= PENDING_ROWS:
                self.write_pending()
        self.last = (aggregate, version)

    def write_pending(self) -> None:
        self.db.executemany(
            "INSERT INTO latest VALUES (?, ?)"
            " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
            self.pending,
        )
        self.pending.clear()

    def flush(self) -> None:
        if self.last is not None:
            self.pending.append(self.last)
            self.last = None
        self.write_pending()

    def items(self) -> Iterator[tuple[UUID, int]]:
        """(aggregate id, latest version) in the order the aggregates first appeared."""
        self.flush()
        for aggregate, version in self.db.execute(
            "SELECT aggregate, version FROM latest ORDER BY rowid"
        ):
            yield aggregate_id(aggregate), int(version)
