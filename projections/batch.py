"""The rows a page of events touches: read once, changed in memory, written back in one go.

A runner keeps participants it has seen (their row, sheets and visits) in a bounded cache
between pages, so a page costs a few `executemany` statements rather than reads and writes per
event. Participants are dropped least recently used first, and never one the last page used: a
participant's events come close together, so those of the next page are mostly of this one.
The cache is trusted only while the stored tracking is exactly what this runner last committed:
anyone else writing in between (another runner, a rebuild) empties it, and so does any failure
inside a page, whose transaction rolls back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from domain.protocol import REPEATING_FORM_KEY_ITEM
from projections.db import Cursor
from projections.schema import columns, primary_key, table_name
from projections.spec import ViewSpec
from projections.tracking import Tracking
from projections.writes import PageWrites

Row = dict[str, Any]
Key = tuple[Any, ...]
Entered = tuple[str, dict[str, Any], dict[str, Any], int, str]

# Columns holding JSON, decoded while in memory.
JSON_COLUMNS = frozenset(
    {
        "failed_criteria",
        "form_versions",
        "deviations",
        "items",
        "derived",
        "detail",
        "thread",
        "valid_signatures",
        "invalidated_by",
        "cleared_by",
        "missed_visits",
        "missed",
    }
)
# Item values keep the form's own order; everything else is written with sorted keys so that
# two builds of the same events give the same bytes. Encoding every sheet's items is a large
# part of a rebuild: orjson, not the standard library's encoder.
_SORT_KEYS = orjson.OPT_SORT_KEYS


def sorted_json(value: Any) -> str:
    return orjson.dumps(value, option=_SORT_KEYS).decode()


def ordered_json(value: Any) -> str:
    return orjson.dumps(value).decode()


_CHUNK = 500
# Participants kept in memory between pages besides those the last page used (least recently
# used ones are dropped first).
CACHE_PARTICIPANTS = 5000
# Sheets of repeating forms (the weekly report) are many and rarely read again: not cached.
_REPEATING = tuple(f"{form}:" for form in REPEATING_FORM_KEY_ITEM)


def encode(column: str, value: Any) -> Any:
    if value is None or column not in JSON_COLUMNS:
        return value
    if not value:  # most derived-item sets and deviation lists are empty: skip the encoder
        return "{}" if isinstance(value, dict) else "[]"
    return ordered_json(value) if column == "items" else sorted_json(value)


class _Encoder:
    """A table's row as the values to store: JSON columns encoded, the others as they are."""

    def __init__(self, cols: tuple[str, ...]) -> None:
        self.cols = cols
        self.json = [(i, col) for i, col in enumerate(cols) if col in JSON_COLUMNS]

    def __call__(self, row: Row) -> tuple[Any, ...]:
        get = row.get
        values = [get(col) for col in self.cols]
        for i, col in self.json:
            value = values[i]
            if value is not None:
                values[i] = encode(col, value)
        return tuple(values)


def decode(column: str, value: Any) -> Any:
    if value is None or column not in JSON_COLUMNS:
        return value
    return orjson.loads(value)


def _row(cols: tuple[str, ...], values: Iterable[Any]) -> Row:
    return {col: decode(col, value) for col, value in zip(cols, values, strict=True)}


@dataclass
class Entry:
    """One participant as far as the read model knows: row (None if unknown), sheets, visits."""

    row: Row | None
    sheets: dict[str, Row] = field(default_factory=dict)
    visits: dict[str, Row] = field(default_factory=dict)


class ParticipantCache:
    """Participants read or written by recent pages, valid for one tracking state only."""

    def __init__(self, limit: int = CACHE_PARTICIPANTS) -> None:
        self.limit = limit
        # Least recently used first.
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.tracking: Tracking | None = None
        # Participants the page in hand uses (kept when it commits).
        self.in_use = 0
        # Set while the read model holds no participant but those of this cache and these,
        # dropped from it (a rebuild): any other is known to be absent without a read.
        self.dropped: set[str] | None = None

    def clear(self) -> None:
        self.entries.clear()
        self.tracking = None
        self.dropped = None

    def empty(self, tracking: Tracking) -> None:
        """The read model was just emptied and holds `tracking`: nobody is in it yet."""
        self.clear()
        self.tracking = tracking
        self.dropped = set()

    def trust(self, tracking: Tracking) -> None:
        """Use the cache for a page starting at `tracking`, or drop it if it is stale."""
        if self.tracking != tracking:
            self.entries.clear()
            self.dropped = None
        self.tracking = None  # until the page commits
        self.in_use = 0

    def use(self, participant_ids: Iterable[str]) -> list[str]:
        """Mark the page's participants as the most recently used; return those to read (not
        cached, and not known to be absent, who are cached as absent)."""
        entries, missing, dropped = self.entries, [], self.dropped
        wanted = dict.fromkeys(participant_ids)
        for pid in wanted:
            if pid in entries:
                entries.move_to_end(pid)
            elif dropped is None or pid in dropped:
                missing.append(pid)
            else:
                entries[pid] = Entry(None)
        self.in_use += len(wanted)
        return missing

    def committed(self, tracking: Tracking) -> None:
        """The page committed: what the cache holds is now stored; keep the page's participants
        (the most recently used) and as many others as the limit allows."""
        keep = max(self.limit, self.in_use)
        entries, dropped = self.entries, self.dropped
        while len(entries) > keep:
            pid, _ = entries.popitem(last=False)
            if dropped is not None:
                dropped.add(pid)
        self.tracking = tracking
        self.in_use = 0


class RowCache:
    """Rows of a small table (signatures, sdv...) read or written in one page."""

    def __init__(self, cur: Cursor, view: ViewSpec, table: str, *, empty: bool = False) -> None:
        self.cur = cur
        self.view = view
        self.table = table
        # The table is known to hold no rows (the first page of a rebuild): nothing to read.
        self.empty = empty
        self.columns = columns(view, table)
        self.key_columns = primary_key(view, table)
        self.rows: dict[Key, Row | None] = {}
        self.dirty: set[Key] = set()
        self._select = (
            f"SELECT {', '.join(self.columns)} FROM {table_name(view, table)} WHERE "
            + " AND ".join(f"{col} = ?" for col in self.key_columns)
        )

    def get(self, key: Key) -> Row | None:
        if key not in self.rows:
            if self.empty:
                self.rows[key] = None
                return None
            found = self.cur.execute(self._select, key).fetchone()
            self.rows[key] = None if found is None else _row(self.columns, found)
        return self.rows[key]

    def select(self, where: str, params: tuple[Any, ...]) -> list[Row]:
        """Rows matching a condition, as cached rows (so changes to them are written back)."""
        if self.empty:
            return []
        sql = f"SELECT {', '.join(self.columns)} FROM {table_name(self.view, self.table)}"
        found = []
        for values in self.cur.execute(f"{sql} WHERE {where}", params).fetchall():
            row = _row(self.columns, values)
            key = tuple(row[col] for col in self.key_columns)
            if key not in self.rows:
                self.rows[key] = row
            cached = self.rows[key]
            if cached is not None:
                found.append(cached)
        return found

    def put(self, row: Row) -> Row:
        key = tuple(row[col] for col in self.key_columns)
        self.rows[key] = row
        self.dirty.add(key)
        return row

    def touch(self, row: Row) -> None:
        self.dirty.add(tuple(row[col] for col in self.key_columns))

    def flush(self, writes: PageWrites) -> None:
        rows = [
            tuple(encode(col, row.get(col)) for col in self.columns)
            for key in sorted(self.dirty, key=repr)
            if (row := self.rows[key]) is not None
        ]
        writes.upsert(self.table, rows)
        self.dirty.clear()


def _sheet_row(
    pid: str,
    key: str,
    form: str,
    items: dict[str, Any],
    derived: dict[str, Any],
    position: int,
    at: str,
) -> Row:
    return {
        "participant_id": pid,
        "sheet_key": key,
        "form": form,
        "items": items,
        "derived": derived,
        "position": position,
        "updated_at": at,
    }


class Batch:
    """Everything one page of events changes, written in the page's transaction."""

    def __init__(self, cur: Cursor, view: ViewSpec, cache: ParticipantCache) -> None:
        self.cur = cur
        self.view = view
        self.cache = cache
        self.signatures = RowCache(cur, view, "signatures")
        self.sdv = RowCache(cur, view, "sdv")
        self.audit: list[tuple[Any, ...]] = []
        # Participants whose standing is restated at the end of the page (the projector's).
        self.restating: dict[str, Row] = {}
        self._dirty_participants: set[str] = set()
        self._dirty_sheets: set[tuple[str, str]] = set()
        self._dirty_visits: set[tuple[str, str]] = set()
        # Sheets of repeating forms entered in this page and not read since, without a row of
        # their own (most events): (participant, key) -> (form, items, derived, position, at).
        self._entered: dict[tuple[str, str], Entered] = {}
        self._cols = {t: columns(view, t) for t in ("participants", "forms", "visits")}
        self._encoders = {t: _Encoder(cols) for t, cols in self._cols.items()}

    # ---- reading ------------------------------------------------------------------------------

    def load(self, participant_ids: Iterable[str]) -> None:
        """Read participants (row, sheets of non-repeating forms, visits) not cached yet."""
        wanted = self.cache.use(participant_ids)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            entries = {pid: Entry(None) for pid in chunk}
            for table, where in (
                ("participants", f"id IN ({marks})"),
                ("forms", f"participant_id IN ({marks}) AND form NOT IN ({self._repeating})"),
                ("visits", f"participant_id IN ({marks})"),
            ):
                cols = self._cols[table]
                sql = f"SELECT {', '.join(cols)} FROM {table_name(self.view, table)} WHERE {where}"
                for values in self.cur.execute(sql, chunk).fetchall():
                    row = _row(cols, values)
                    if table == "participants":
                        entries[row["id"]].row = row
                    elif table == "forms":
                        entries[row["participant_id"]].sheets[row["sheet_key"]] = row
                    else:
                        entries[row["participant_id"]].visits[row["visit"]] = row
            self.cache.entries.update(entries)

    @property
    def _repeating(self) -> str:
        return ", ".join(f"'{form}'" for form in REPEATING_FORM_KEY_ITEM)

    def entry(self, participant_id: str) -> Entry:
        # The page's participants are loaded by `prepare`; one a handler names that the page
        # did not (none does today) is read here.
        try:
            return self.cache.entries[participant_id]
        except KeyError:
            self.load([participant_id])
            return self.cache.entries[participant_id]

    def participant(self, participant_id: str) -> Row | None:
        return self.entry(participant_id).row

    def sheet(self, participant_id: str, key: str) -> Row | None:
        entry = self.entry(participant_id)
        found = entry.sheets.get(key)
        if found is None and key.startswith(_REPEATING):
            entered = self._entered.pop((participant_id, key), None)
            if entered is not None:  # read again in its page (a correction): a row from now on
                form, items, derived, position, at = entered
                found = entry.sheets[key] = _sheet_row(
                    participant_id, key, form, items, derived, position, at
                )
                self._dirty_sheets.add((participant_id, key))
                return found
            cols = self._cols["forms"]
            values = self.cur.execute(
                f"SELECT {', '.join(cols)} FROM {table_name(self.view, 'forms')} "
                "WHERE participant_id = ? AND sheet_key = ?",
                (participant_id, key),
            ).fetchone()
            if values is not None:
                found = entry.sheets[key] = _row(cols, values)
        return found

    def sheet_items(self, participant_id: str, key: str) -> dict[str, Any] | None:
        row = self.sheet(participant_id, key)
        return None if row is None else row["items"]

    def visit(self, participant_id: str, visit: str) -> Row | None:
        return self.entry(participant_id).visits.get(visit)

    # ---- writing ------------------------------------------------------------------------------

    def put_participant(self, row: Row) -> None:
        self.cache.entries[row["id"]] = Entry(row)
        self._dirty_participants.add(row["id"])

    def touch_participant(self, row: Row) -> None:
        self._dirty_participants.add(row["id"])

    def put_sheet(self, row: Row) -> None:
        key = (row["participant_id"], row["sheet_key"])
        self.entry(key[0]).sheets[key[1]] = row
        self._dirty_sheets.add(key)
        if self._entered:
            self._entered.pop(key, None)

    def enter_repeating(
        self,
        participant_id: str,
        key: str,
        form: str,
        items: dict[str, Any],
        derived: dict[str, Any],
        position: int,
        at: str,
    ) -> bool:
        """Note a repeating form's sheet as entered, without a row; False (nothing noted) if
        the page holds a row of that sheet, which `put_sheet` must then replace, or if the key
        is not a repeating sheet's (only a planted event has one): `sheet` would not find it.

        The participant is one the page has read (`participant` found them).
        """
        if not key.startswith(_REPEATING) or key in self.cache.entries[participant_id].sheets:
            return False
        self._entered[(participant_id, key)] = (form, items, derived, position, at)
        return True

    def put_visit(self, row: Row) -> None:
        self.entry(row["participant_id"]).visits[row["visit"]] = row
        self._dirty_visits.add((row["participant_id"], row["visit"]))

    def touch_visit(self, row: Row) -> None:
        self._dirty_visits.add((row["participant_id"], row["visit"]))

    def flush(self) -> None:
        writes = PageWrites(self.cur, self.view)
        self._flush(writes)
        writes.write()

    def _flush(self, writes: PageWrites) -> None:
        entries = self.cache.entries
        participants = sorted(self._dirty_participants)
        self._write(writes, "participants", (entries[pid].row for pid in participants))
        forms: list[tuple[Any, ...]] = [
            (
                pid,
                key,
                form,
                ordered_json(items),
                sorted_json(derived) if derived else "{}",
                position,
                at,
            )
            for (pid, key), (form, items, derived, position, at) in self._entered.items()
        ]
        add = forms.append
        for pid, key in self._dirty_sheets:
            sheet = entries[pid].sheets[key]
            derived = sheet["derived"]
            add(
                (
                    pid,
                    key,
                    sheet["form"],
                    ordered_json(sheet["items"]),
                    sorted_json(derived) if derived else "{}",
                    sheet["position"],
                    sheet["updated_at"],
                )
            )
        # In key order, as the table keeps them; a sheet is either entered or a row, never both.
        forms.sort()
        writes.upsert("forms", forms)
        self._write(
            writes, "visits", (entries[pid].visits[key] for pid, key in sorted(self._dirty_visits))
        )
        for cache in (self.signatures, self.sdv):
            cache.flush(writes)
        writes.insert("audit", self.audit)
        # Weekly sheets are written; keeping them would only fill memory.
        for pid, key in self._dirty_sheets:
            if key.startswith(_REPEATING):
                entries[pid].sheets.pop(key, None)

    def _write(self, writes: PageWrites, table: str, rows: Iterable[Row | None]) -> None:
        encoded = self._encoders[table]
        writes.upsert(table, [encoded(row) for row in rows if row is not None])
