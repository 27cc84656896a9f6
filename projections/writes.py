"""A page's rows, table by table, written at the end of the page in as few round trips as the
back end allows.

SQLite runs in this process, so `executemany` is already as direct as it gets. On PostgreSQL a
row sent by `executemany` is a statement of its own for the server to parse and plan; a large
page (a rebuild's, a catch-up after a pause) streams its rows with COPY instead: straight into
the table for rows only ever inserted (the audit index), and for rows that may replace a
stored one into a temporary table merged in one upsert. Small pages keep the pipelined
statements, cheaper than a COPY's extra round trips.
"""

from __future__ import annotations

from collections.abc import Sequence
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

Values = Sequence[Any]
# Fewer rows than this in a table go as pipelined statements.
COPY_MIN_ROWS = 64


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
            for table, rows, upsert in self._tables:
                if len(rows) >= copy_min_rows:
                    if upsert:
                        self._merge(table, rows)
                    else:
                        cur.copy(copy_sql(view, table), rows)
        self._tables.clear()

    def _merge(self, table: str, rows: Sequence[Values]) -> None:
        create, merge, drop = stage_statements(self.view, table)
        cols = columns(self.view, table)
        key = [cols.index(col) for col in primary_key(self.view, table)]
        # One merge may change a row only once: should a page hold a row twice, the last wins,
        # as it does with one statement per row.
        last = {tuple(row[i] for i in key): row for row in rows}
        cur = self.cur
        cur.execute(create)
        cur.copy(copy_sql(self.view, table, staged=True), last.values())
        cur.execute(merge)
        cur.execute(drop)
