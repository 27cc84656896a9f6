"""The two reads that fold participants' casebooks, answered with less work per row.

The library's recorder answers every read in a transaction of its own and makes a UUID and a
`Notification` for each row, state included. Folding casebooks needs, first, only where each
aggregate's history ends (position, aggregate, version and topic; the state of a few topics),
and then each participant's events up to that version, many participants one after another.
On the library's SQLite recorder both are read here with direct queries: the first pass
without the state, and the histories of a batch of aggregates in one read transaction, each
history's UUID made once. The rows are what the library stores, decoded by the same decoder
(the mapper's cipher and compressor, the decoder's fallback rules). On any other
recorder the library's own queries give the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

# A stored event of a known aggregate: (version, topic, state).
Row = tuple[int, str, bytes]
# Positions read per page of the first pass (rows without their state are small).
HEAD_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Head:
    """A stored event without its state (unless its topic asked for it)."""

    position: int
    # The aggregate as the store keys it: the same aggregate always gives an equal key.
    aggregate: str
    version: int
    topic: str
    state: bytes | None


class StoreRows(Protocol):
    def heads(
        self, start: int, stop: int, topics: Sequence[str], with_state: frozenset[str]
    ) -> Iterator[list[Head]]:
        """Pages of heads from `start` to `stop`, of `topics` only (none: every topic); a
        head has its state when its topic is in `with_state`."""
        ...

    def histories(self, wanted: Iterable[tuple[UUID, int]]) -> Iterator[tuple[UUID, list[Row]]]:
        """Each aggregate's stored events up to the version given, in version order, as
        (version, topic, state)."""
        ...


def aggregate_id(key: str) -> UUID:
    """The aggregate id of a head's key."""
    return UUID(key)


def store_rows(recorder: ApplicationRecorder) -> StoreRows:
    if isinstance(recorder, SQLiteApplicationRecorder) and (
        recorder.datastore.originator_id_type == "uuid"
    ):
        return SQLiteRows(recorder)
    return LibraryRows(recorder)


class LibraryRows:
    """The library's queries: any recorder."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder

    def heads(
        self, start: int, stop: int, topics: Sequence[str], with_state: frozenset[str]
    ) -> Iterator[list[Head]]:
        position = start
        while position <= stop:
            page = self.recorder.select_notifications(
                start=position, limit=HEAD_PAGE, stop=stop, topics=topics
            )
            yield [
                Head(
                    n.id,
                    UUID(str(n.originator_id)).hex,
                    n.originator_version,
                    n.topic,
                    n.state if n.topic in with_state else None,
                )
                for n in page
            ]
            if len(page) < HEAD_PAGE:
                return
            position = page[-1].id + 1

    def histories(self, wanted: Iterable[tuple[UUID, int]]) -> Iterator[tuple[UUID, list[Row]]]:
        for originator_id, version in wanted:
            stored = self.recorder.select_events(originator_id, lte=version)
            yield originator_id, [(e.originator_version, e.topic, e.state) for e in stored]


class SQLiteRows:
    """Direct queries on the library's SQLite table of stored events."""

    # Aggregates whose histories are read in one read transaction.
    BATCH = 16

    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        self.table = recorder.events_table_name

    def heads(
        self, start: int, stop: int, topics: Sequence[str], with_state: frozenset[str]
    ) -> Iterator[list[Head]]:
        wanted = tuple(with_state)
        state = (
            f"CASE WHEN topic IN ({','.join('?' * len(wanted))}) THEN state END"
            if wanted
            else "NULL"
        )
        statement = (
            f"SELECT rowid, originator_id, originator_version, topic, {state}"
            f" FROM {self.table} WHERE rowid >= ? AND rowid <= ?"
        )
        if topics:
            statement += f" AND topic IN ({','.join('?' * len(topics))})"
        statement += " ORDER BY rowid LIMIT ?"
        position = start
        while position <= stop:
            with self.datastore.transaction(commit=False) as c:
                cursor = c.sqlite_cursor
                cursor.row_factory = None  # plain tuples, not the library's row objects
                cursor.execute(statement, (*wanted, position, stop, *topics, HEAD_PAGE))
                rows = cursor.fetchall()
            yield [Head(*row) for row in rows]
            if len(rows) < HEAD_PAGE:
                return
            position = rows[-1][0] + 1

    def histories(self, wanted: Iterable[tuple[UUID, int]]) -> Iterator[tuple[UUID, list[Row]]]:
        statement = (
            f"SELECT originator_version, topic, state FROM {self.table}"
            " WHERE originator_id = ? AND originator_version <= ? ORDER BY originator_version"
        )
        batch: list[tuple[UUID, int]] = []
        for item in wanted:
            batch.append(item)
            if len(batch) >= self.BATCH:
                yield from self._histories(statement, batch)
                batch = []
        if batch:
            yield from self._histories(statement, batch)

    def _histories(
        self, statement: str, batch: list[tuple[UUID, int]]
    ) -> list[tuple[UUID, list[Row]]]:
        read = []
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples, not the library's row objects
            for originator_id, version in batch:
                cursor.execute(statement, (originator_id.hex, version))
                read.append((originator_id, cursor.fetchall()))
        return read
