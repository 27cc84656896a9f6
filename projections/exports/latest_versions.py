"""Each aggregate's latest version in a cut, in the order the aggregates first appear, on disk.

Exports that fold every participant first find how far each participant's history reaches in
the cut. That grows with the number of participants, so it lives on disk in a scratch
database (`projections.exports.scratch`): memory stays the same however large the store is.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from projections.exports.scratch import ScratchTables


class LatestVersions(ScratchTables):
    """Aggregate id -> latest version seen; read back in order of first appearance."""

    def __init__(self) -> None:
        # The rowid keeps the order of first appearance: an update leaves it as it was.
        super().__init__(
            ["CREATE TABLE latest (aggregate BLOB NOT NULL UNIQUE, version INTEGER NOT NULL)"]
        )
        self.pending: tuple[UUID, int] | None = None

    def record(self, aggregate_id: UUID, version: int) -> None:
        # An aggregate's events mostly come one after another: written once per run of them.
        if self.pending is not None and self.pending[0] != aggregate_id:
            self.flush()
        self.pending = (aggregate_id, version)

    def flush(self) -> None:
        if self.pending is None:
            return
        aggregate_id, version = self.pending
        self.db.execute(
            "INSERT INTO latest VALUES (?, ?)"
            " ON CONFLICT (aggregate) DO UPDATE SET version = excluded.version",
            (aggregate_id.bytes, version),
        )
        self.pending = None

    def items(self) -> Iterator[tuple[UUID, int]]:
        """(aggregate id, latest version) in the order the aggregates first appeared."""
        self.flush()
        for aggregate, version in self.db.execute(
            "SELECT aggregate, version FROM latest ORDER BY rowid"
        ):
            yield UUID(bytes=aggregate), int(version)
