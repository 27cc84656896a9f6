"""A page's rows, table by table, written at the end of the page in as few round trips as the
back end allows.

SQLite runs in this process, so `executemany` is already as direct as it gets. On PostgreSQL a
row sent by `executemany` is a statement of its own for the server to parse and plan; a large
page (a rebuild's, a catch-up after a pause) streams its rows with COPY instead: straight into
the table for rows only ever inserted (the audit index) and for every row of the first page
after the tables were made, and for rows that may replace a stored one into a temporary table
merged in one upsert. Small pages keep the pipelined statements, cheaper than a COPY's extra
round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from projections.db import Cursor, Dialect
from projections.schema import (
    columns,
    copy_sql,
    insert_sql,
    primary_key,
    stage_statements,
    upsert_sql,
)
from projections.spec import ViewSpec
from projections.tracking import read_tracking

Values = Sequence[Any]
# Fewer rows than this in a table go as pipelined statements.
COPY_MIN_ROWS = 64


def first_page(cur: Cursor, view: ViewSpec) -> bool:
    """Whether the page in this transaction is the first since the view's tables were made
    (position 0), so that they are empty (a rebuild's first page). Position 0 is only ever
    stored together with new, empty tables, and every committed page moves it forward."""
    tracking = read_tracking(cur, view.name)
    return tracking is not None and tracking.position == 0


class PageWrites:
    """The rows one page writes, each table's at most once per page."""

    def __init__(self, cur: Cursor, view: ViewSpec) -> None:
        self.cur = cur
        self.view = view
        # (table, rows, upsert): upsert replaces a row with the same primary key.
        self._tables: list[tuple[str, Sequence[Values], bool]] = []

    def upsert(self, table: str, rows: Sequence[Values]) -> None:
        if rows:
            self._tables.append((table, rows, True))

    def insert(self, table: str, rows: Sequence[Values]) -> None:
        if rows:
            self._tables.append((table, rows, False))

    def write(self) -> None:
        cur, view = self.cur, self.view
        bulk = cur.dialect is Dialect.POSTGRES
        copy_min_rows = COPY_MIN_ROWS
        with cur.pipeline():
            for table, rows, upsert in self._tables:
                if not (bulk and len(rows) >= copy_min_rows):
                    sql = upsert_sql(view, table) if upsert else insert_sql(view, table)
                    cur.executemany(sql, rows)
        # COPY cannot run in a pipeline: after it, each in turn.
        if bulk:
            fresh: bool | None = None
            for table, rows, upsert in self._tables:
                if len(rows) >= copy_min_rows:
                    if upsert and fresh is None:
                        fresh = self._first_page()
                    if upsert and not fresh:
                        self._merge(table, rows)
                    elif upsert:
                        cur.copy(copy_sql(view, table), self._last_of_each(table, rows))
                    else:
                        cur.copy(copy_sql(view, table), rows)
        self._tables.clear()

    def _first_page(self) -> bool:
        # Nothing stored can be replaced: rows go straight into the tables.
        return first_page(self.cur, self.view)

    def _last_of_each(self, table: str, rows: Sequence[Values]) -> Iterable[Values]:
        """The rows, each key once: should a page hold a row twice, the last wins, as it does
        with one statement per row (a merge may change a row only once, and a table's key
        takes a row only once)."""
        cols = columns(self.view, table)
        key = [cols.index(col) for col in primary_key(self.view, table)]
        return {tuple(row[i] for i in key): row for row in rows}.values()

    def _merge(self, table: str, rows: Sequence[Values]) -> None:
        create, merge, drop = stage_statements(self.view, table)
        cur = self.cur
        cur.execute(create)
        cur.copy(copy_sql(self.view, table, staged=True), self._last_of_each(table, rows))
        cur.execute(merge)
        cur.execute(drop)
