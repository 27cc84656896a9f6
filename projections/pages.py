"""Reading a page of stored events for a read model: plain rows straight from the store.

The library's `select_notifications` makes a `Notification` and a UUID for every row, through
its own row objects; a rebuild reads every event of the store, so here the page is one query
answered as plain tuples `(position, originator_id, originator_version, topic, state)`, with
the same positions, order, topic filter and limit, and the originator id of the type the
recorder itself gives (`convert_originator_id` on SQLite). A recorder of any other kind is
read through `select_notifications`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

# (position, originator id, originator version, topic, state)
StoredRow = tuple[int, Any, int, str, bytes]
PageReader = Callable[[int, int, int, Sequence[str]], list[StoredRow]]


def page_reader(recorder: ApplicationRecorder, *, stored_ids: bool = False) -> PageReader:
    """`read(after, stop, limit, topics)`: the stored events after position `after` up to
    `stop` of the given topics, at most `limit`, in order.

    `stored_ids`: on SQLite, the originator ids as stored (text), for `with_uuids` to turn
    into what the recorder gives later, elsewhere."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_reader(recorder, stored_ids=stored_ids)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres_reader(recorder)
    return _library_reader(recorder)


def _sqlite_reader(recorder: SQLiteApplicationRecorder, *, stored_ids: bool) -> PageReader:
    table = recorder.events_table_name
    uuid_ids = not stored_ids and stored_uuids(recorder)

    def read(after: int, stop: int, limit: int, topics: Sequence[str]) -> list[StoredRow]:
        sql, params = _sqlite_select(table, after, stop, limit, topics)
        with recorder.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples, not the library's row objects
            cursor.execute(sql, params)
            rows: list[StoredRow] = cursor.fetchall()
        return with_uuids(rows) if uuid_ids else rows

    return read


def stored_uuids(recorder: SQLiteApplicationRecorder) -> bool:
    """Whether the recorder turns the originator ids it reads into UUIDs."""
    return recorder.datastore.originator_id_type == "uuid"


def _sqlite_select(
    table: str, after: int, stop: int, limit: int, topics: Sequence[str]
) -> tuple[str, tuple[Any, ...]]:
    of_topics = f"AND topic IN ({', '.join('?' * len(topics))}) " if topics else ""
    sql = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {table} "
        f"WHERE rowid > ? AND rowid <= ? {of_topics}ORDER BY rowid LIMIT ?"
    )
    return sql, (after, stop, *topics, limit)


def with_uuids(rows: list[StoredRow]) -> list[StoredRow]:
    """The originator ids as UUIDs, as the recorder's `convert_originator_id` gives them."""
    # One UUID per originator in the page (they cannot change): most rows of a page are of
    # aggregates with other events in it.
    ids: dict[str, UUID] = {}
    return [(p, ids.get(o) or ids.setdefault(o, UUID(o)), v, t, s) for p, o, v, t, s in rows]


def _postgres_reader(recorder: PostgresApplicationRecorder) -> PageReader:
    def statement(of_topics: str) -> Any:
        return SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE notification_id > %s AND notification_id <= %s "
            + of_topics
            + "ORDER BY notification_id LIMIT %s"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )

    of_topics, every_topic = statement("AND topic = ANY(%s) "), statement("")

    def read(after: int, stop: int, limit: int, topics: Sequence[str]) -> list[StoredRow]:
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            if topics:
                curs.execute(of_topics, (after, stop, list(topics), limit), prepare=True)
            else:
                curs.execute(every_topic, (after, stop, limit), prepare=True)
            return [(p, o, v, t, bytes(s)) for p, o, v, t, s in curs.fetchall()]

    return read


def _library_reader(recorder: ApplicationRecorder) -> PageReader:
    def read(after: int, stop: int, limit: int, topics: Sequence[str]) -> list[StoredRow]:
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(
                start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
            )
        ]

    return read
