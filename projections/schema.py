"""The tables of each read model, prefixed with the model's name (`blinded_participants`...).

The same DDL runs on SQLite and PostgreSQL: TEXT for ids, dates, times and JSON, INTEGER for
flags, BIGINT for event positions. Bump SCHEMA_VERSION whenever a table or what a handler
writes changes: a read model built by older code is then rebuilt from the events.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.db import Dialect
from projections.spec import ViewSpec

SCHEMA_VERSION = "10"

TRACKING_TABLE = "projection_tracking"
TRACKING_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
    "name TEXT PRIMARY KEY, position BIGINT NOT NULL, generation BIGINT NOT NULL, "
    "schema_version TEXT NOT NULL)"
)

# Columns of each table, in order (the first ones form the primary key).
PARTICIPANT_COLUMNS: tuple[str, ...] = (
    "id",
    "seq",
    "screening_number",
    "site",
    "status",
    "mri_eligible",
    "failed_criteria",
    "included",
    "screened_on",
    "mri_on",
    "consent_on",
    "randomised_on",
    "ended_on",
    "eos_status",
    "eos_reason",
    "form_versions",
    "deviations",
    "last_position",
    "last_event_at",
    "locked",
    "signature_count",
    "valid_signatures",
    "missed_visits",
)
FORM_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "sheet_key",
    "form",
    "items",
    "derived",
    "position",
    "updated_at",
)
VISIT_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "visit",
    "target_on",
    "window_start",
    "window_end",
    "done_on",
    "deviation",
    "missed",
)
# What the audit trail's locator filters by (`ReadModels.audit_positions`), and no more.
AUDIT_COLUMNS: tuple[str, ...] = ("position", "item", "form", "user_name")
SIGNATURE_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "number",
    "scope",
    "form",
    "meaning",
    "printed_name",
    "signed_by",
    "role",
    "signed_at",
    "content_hash",
    "valid",
    "invalidated_by",
    "position",
)
SDV_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "form",
    "verified",
    "by_user",
    "at",
    "form_version",
    "cleared_by",
    "position",
)

# The unblinded model's own tables (arm-revealing facts only).
ALLOCATION_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "arm",
    "sequence_number",
    "screening_number",
    "received",
    "position",
    "at",
    "user_name",
)
REVELATION_COLUMNS: tuple[str, ...] = (
    "position",
    "participant_id",
    "at",
    "user_name",
    "role",
    "reason",
)
ADHERENCE_COLUMNS: tuple[str, ...] = (*FORM_COLUMNS, "version")
# Whose arm-revealing record is whose: the record's review events (signed, verified, locked)
# name only the record, and its id is derived from the participant's one way.
RECORD_COLUMNS: tuple[str, ...] = ("record_id", "participant_id")

# Each model's tables: name -> (columns, primary key).
BLINDED_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "participants": (PARTICIPANT_COLUMNS, ("id",)),
    "forms": (FORM_COLUMNS, ("participant_id", "sheet_key")),
    "visits": (VISIT_COLUMNS, ("participant_id", "visit")),
    "audit": (AUDIT_COLUMNS, ("position", "item")),
    "signatures": (SIGNATURE_COLUMNS, ("participant_id", "number")),
    "sdv": (SDV_COLUMNS, ("participant_id", "form")),
}
UNBLINDED_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "allocations": (ALLOCATION_COLUMNS, ("participant_id",)),
    "revelations": (REVELATION_COLUMNS, ("position",)),
    "adherence": (ADHERENCE_COLUMNS, ("participant_id", "sheet_key")),
    "records": (RECORD_COLUMNS, ("record_id",)),
    # Signatures and SDV of the arm-revealing forms (by unblinded accounts), shaped like the
    # blinded tables of the same names; unblinded reads take both.
    "signatures": (SIGNATURE_COLUMNS, ("participant_id", "number")),
    "sdv": (SDV_COLUMNS, ("participant_id", "form")),
    "audit": (AUDIT_COLUMNS, ("position", "item")),
}
_TYPES = {
    "seq": "BIGINT",
    "position": "BIGINT",
    "last_position": "BIGINT",
    "originator_version": "BIGINT",
    "mri_eligible": "INTEGER",
    "included": "INTEGER",
    "valid": "INTEGER",
    "locked": "INTEGER",
    "verified": "INTEGER",
    "received": "INTEGER",
    "sequence_number": "INTEGER",
    "version": "INTEGER",
    "number": "INTEGER",
    "signature_count": "INTEGER",
    "form_version": "INTEGER",
}
_NOT_NULL = {"item"}
# Indexes for the reads (`projections.reading`): list pages and the audit trail's locator, which
# filters by user (an index), or by form and item walking the log by position. Each index
# costs time on every event.
_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "participants": (("site", "seq"), ("seq",)),
    "audit": (("user_name", "position"),),
}


# Sheets arrive participant after participant, all over the key order: kept in key order, each
# page would rewrite most of the table's pages. Stored in arrival order instead, a page
# appends to the table and only the (much smaller) key index is written all over.
_APPENDED = frozenset({"forms"})


def tables(view: ViewSpec | str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    blinded = view.blinded if isinstance(view, ViewSpec) else view == "blinded"
    return BLINDED_TABLES if blinded else UNBLINDED_TABLES


def columns(view: ViewSpec | str, table: str) -> tuple[str, ...]:
    return tables(view)[table][0]


def primary_key(view: ViewSpec | str, table: str) -> tuple[str, ...]:
    return tables(view)[table][1]


def table_name(view: ViewSpec | str, table: str) -> str:
    prefix = view if isinstance(view, str) else view.name
    return f"{prefix}_{table}"


def create_statements(view: ViewSpec, dialect: Dialect, *, indexes: bool = True) -> list[str]:
    """The tables (and, unless `indexes` is False, their secondary indexes), if missing."""
    # On SQLite, tables keyed by several columns are stored in key order (WITHOUT ROWID): no
    # separate key index to maintain on every insert.
    clustered = " WITHOUT ROWID" if dialect is Dialect.SQLITE else ""
    statements = []
    for table, (_cols, key) in tables(view).items():
        cols = _column_types(view, table)
        name = table_name(view, table)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {name} ({cols}, PRIMARY KEY ({', '.join(key)}))"
            + (clustered if len(key) > 1 and table not in _APPENDED else "")
        )
    return statements + index_statements(view) if indexes else statements


def index_statements(view: ViewSpec) -> list[str]:
    """The secondary indexes of the reads. Projectors look rows up by primary key only, so a
    rebuild creates these once at the end: sorting once is cheaper than keeping them in order
    through every insert."""
    statements = []
    for table in tables(view):
        name = table_name(view, table)
        for index in _INDEXES.get(table, ()):
            index_name = f"{name}_{'_'.join(index)}"
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {index_name} ON {name} ({', '.join(index)})"
            )
    return statements


# Tables of earlier schemas, dropped when a read model is rebuilt: CONSORT is counted from the
# store's cut, not from a table of its own; queries and locks are read from the store by the
# application (no list reads them from a read model).
RETIRED_TABLES = ("consort", "queries", "locks")


def drop_statements(view: ViewSpec) -> list[str]:
    return [
        f"DROP TABLE IF EXISTS {table_name(view, table)}"
        for table in (*tables(view), *RETIRED_TABLES)
    ]


def upsert_sql(view: ViewSpec, table: str) -> str:
    """Insert a whole row, replacing the row with the same primary key (both back ends)."""
    cols = columns(view, table)
    key = primary_key(view, table)
    updates = ", ".join(f"{col} = excluded.{col}" for col in cols if col not in key)
    return (
        f"INSERT INTO {table_name(view, table)} ({', '.join(cols)}) "
        f"VALUES ({', '.join('?' for _ in cols)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def _column_types(view: ViewSpec | str, table: str) -> str:
    return ", ".join(
        f"{col} {_TYPES.get(col, 'TEXT')}{' NOT NULL' if col in _NOT_NULL else ''}"
        for col in columns(view, table)
    )


def copy_sql(view: ViewSpec, table: str, *, staged: bool = False) -> str:
    """PostgreSQL's bulk load of whole rows, into the table or into its staging table."""
    name = stage_name(view, table) if staged else table_name(view, table)
    return f"COPY {name} ({', '.join(columns(view, table))}) FROM STDIN"


def stage_name(view: ViewSpec, table: str) -> str:
    return f"stage_{table_name(view, table)}"


def stage_statements(view: ViewSpec, table: str) -> tuple[str, str, str]:
    """A bulk upsert on PostgreSQL: rows are copied into a temporary table of the same columns
    (no keys), then merged into the table in one statement, then the temporary table goes.

    (create the staging table, merge it into the table, drop it)."""
    cols = ", ".join(columns(view, table))
    key = primary_key(view, table)
    updates = ", ".join(f"{col} = excluded.{col}" for col in columns(view, table) if col not in key)
    stage = stage_name(view, table)
    return (
        f"CREATE TEMPORARY TABLE {stage} ({_column_types(view, table)}) ON COMMIT DROP",
        f"INSERT INTO {table_name(view, table)} ({cols}) SELECT {cols} FROM {stage} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}",
        f"DROP TABLE {stage}",
    )


def insert_sql(view: ViewSpec, table: str) -> str:
    cols = columns(view, table)
    return (
        f"INSERT INTO {table_name(view, table)} ({', '.join(cols)}) "
        f"VALUES ({', '.join('?' for _ in cols)})"
    )


def merge_statements(view: ViewSpec, parts: Sequence[str]) -> list[str]:
    """Copy every table of the view from the attached files `parts` (schema names, each with
    tables of this schema and no row another holds) into the empty tables of the main file:
    all but the appended tables in key order, as SQLite would keep them if the rows had been
    written one page at a time; appended tables part after part, each in its arrival order."""
    statements = []
    for table, (cols, key) in tables(view).items():
        name = table_name(view, table)
        listed = ", ".join(cols)
        if table in _APPENDED:
            statements += [
                f"INSERT INTO main.{name} ({listed}) SELECT {listed} FROM {part}.{name} "
                "ORDER BY rowid"
                for part in parts
            ]
            continue
        union = " UNION ALL ".join(f"SELECT {listed} FROM {part}.{name}" for part in parts)
        statements.append(
            f"INSERT INTO main.{name} ({listed}) SELECT {listed} FROM ({union}) "
            f"ORDER BY {', '.join(key)}"
        )
    return statements
