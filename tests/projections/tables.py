"""The read models' tables as they are, for tests that compare two builds (a rebuild against a
catch-up, a resumed build against a fresh one) or look at what a projector wrote. Production
reads never look at tables this way; they ask the read use cases (`edc.usecases.reads`)."""

from __future__ import annotations

from typing import Any

from projections.batch import decode
from projections.db import ViewDatabase
from projections.schema import TRACKING_TABLE, columns, table_name
from projections.spec import VIEW_NAMES


def dump(db: ViewDatabase, view: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a read model, sorted."""
    assert view in VIEW_NAMES, view
    return {
        table: sorted(db.query(f"SELECT * FROM {table}"), key=repr)
        for table in db.tables()
        if table.startswith(f"{view}_")
    }


def dumps(db: ViewDatabase) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Both read models' tables, for comparing two builds."""
    return {view: dump(db, view) for view in VIEW_NAMES}


def rows(
    db: ViewDatabase, view: str, table: str, where: str = "", params: tuple[Any, ...] = ()
) -> list[dict[str, Any]]:
    """A table's rows (decoded) matching a condition, in the table's key order."""
    cols = columns(view, table)
    sql = f"SELECT {', '.join(cols)} FROM {table_name(view, table)}"
    if where:
        sql += f" WHERE {where}"
    return [
        {col: decode(col, value) for col, value in zip(cols, found, strict=True)}
        for found in db.query(sql + f" ORDER BY {cols[0]}", params)
    ]


def position(db: ViewDatabase, view: str) -> int:
    """How far a read model has read the store."""
    found = db.query(f"SELECT position FROM {TRACKING_TABLE} WHERE name = ?", (view,))
    return int(found[0][0]) if found else 0
