"""Stata, SPSS, SAS transport and Parquet files of one typed table, written by the libraries.

pyreadstat writes `.dta`, `.sav` and `.xpt`; pyarrow writes Parquet. None of the formats is
written here by hand. ReadStat stamps `.dta`, `.sav` and `.xpt` headers with the wall-clock
time of writing and pyreadstat has no argument to set it, so after writing, the stamp (at its
fixed place in the header) is replaced by the snapshot's `as_of_time`: without that the same
`as_of` would not give the same bytes. `pin_timestamp` refuses a file whose header it does
not recognise, so a library change cannot silently break reproducibility.

The libraries are imported inside the functions: they belong to the `analysis` extra and the
server must start without loading them.
"""

from __future__ import annotations

import io
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from projections.exports.analysis_files.columns import (
    MISSING_CODES,
    MISSING_LABELS,
    SPSS_MISSING,
    STATA_MISSING,
    Column,
    Table,
)

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
XPORT_LABEL_LENGTH = 40


class UnrecognisedHeader(RuntimeError):
    """The writer's header is not laid out as expected: the time stamp cannot be pinned."""


# ---- data frames -------------------------------------------------------------------------------


def _frame(table: Table, columns: list[tuple[str, list[Any]]]) -> Any:
    import pandas as pd

    data = {}
    for name, values in columns:
        data[name] = values
    return pd.DataFrame(data, columns=[name for name, _ in columns])


def _typed_values(table: Table, column: Column) -> list[Any]:
    index = table.index_of(column.name)
    values = [column.typed(text) for text in table.column_values(index)]
    if column.kind == "numeric":
        return [float("nan") if v is None else v for v in values]
    if column.kind == "date":
        import pandas as pd

        # Plain dates in an object column: the writers then store dates (%td, DATE11, DATE),
        # where datetime64 columns would become date-times or, at second resolution, 1970.
        return list(pd.Series(values, dtype=object))
    return ["" if v is None else v for v in values]


def _missing_codes(table: Table, column: Column) -> list[str]:
    assert column.companion is not None
    index = table.index_of(column.companion)
    return list(table.column_values(index))


def _folded_columns(
    table: Table, missing_value: dict[str, Any]
) -> tuple[list[tuple[str, list[Any]]], dict[str, Column]]:
    """Items with their missing-answer codes folded in as `missing_value[code]`; no companions."""
    companions = {c.companion for c in table.columns if c.companion}
    folded: list[tuple[str, list[Any]]] = []
    kept: dict[str, Column] = {}
    for column in table.columns:
        if column.name in companions:
            continue
        values = _typed_values(table, column)
        if column.companion:
            codes = _missing_codes(table, column)
            pairs = zip(values, codes, strict=True)
            values = [missing_value[code] if code else value for value, code in pairs]
        folded.append((column.name, values))
        kept[column.name] = column
    return folded, kept


# ---- writers -----------------------------------------------------------------------------------


def _write_with(writer: Any, frame: Any, suffix: str, **options: Any) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"table{suffix}"
        writer(frame, str(path), **options)
        return path.read_bytes()


def stata_bytes(table: Table, label: str, at: datetime) -> bytes:
    """Stata 15 `.dta`: value labels, variable labels, missing codes as `.a` `.b` `.c`."""
    import pyreadstat

    folded, kept = _folded_columns(table, STATA_MISSING)
    frame = _frame(table, folded)
    with_codes = [c for c in kept.values() if c.companion]
    data = _write_with(
        pyreadstat.write_dta,
        frame,
        ".dta",
        file_label=label[:80],
        column_labels={c.name: c.label[:80] for c in kept.values()},
        version=15,
        variable_value_labels={c.name: c.value_labels for c in kept.values() if c.codes},
        missing_user_values={c.name: list(STATA_MISSING.values()) for c in with_codes},
    )
    return pin_timestamp("dta", data, at)


def spss_bytes(table: Table, label: str, at: datetime) -> bytes:
    """SPSS `.sav`: value labels, variable labels, missing codes as user-missing -97 -98 -99."""
    import pyreadstat

    folded, kept = _folded_columns(table, SPSS_MISSING)
    frame = _frame(table, folded)
    labels: dict[str, dict[float, str]] = {}
    for column in kept.values():
        value_labels = dict(column.value_labels)
        if column.companion:
            value_labels.update(
                {SPSS_MISSING[code]: MISSING_LABELS[code] for code in MISSING_CODES}
            )
        if value_labels:
            labels[column.name] = value_labels
    data = _write_with(
        pyreadstat.write_sav,
        frame,
        ".sav",
        file_label=label[:64],
        column_labels={c.name: c.label for c in kept.values()},
        variable_value_labels=labels,
        missing_ranges={c.name: list(SPSS_MISSING.values()) for c in kept.values() if c.companion},
    )
    return pin_timestamp("sav", data, at)


def xport_bytes(table: Table, short: dict[str, str], dataset: str, at: datetime) -> bytes:
    """SAS transport version 5 `.xpt`: 8-character names from the dictionary's short names."""
    import pyreadstat

    columns = [(short[c.name], _typed_values(table, c)) for c in table.columns]
    frame = _frame(table, columns)
    data = _write_with(
        pyreadstat.write_xport,
        frame,
        ".xpt",
        file_label=dataset,
        column_labels={short[c.name]: c.label[:XPORT_LABEL_LENGTH] for c in table.columns},
        table_name=dataset[:8].upper(),
        file_format_version=5,
    )
    return pin_timestamp("xpt", data, at)


def parquet_bytes(table: Table) -> bytes:
    """Parquet with a schema: typed columns, labels and codes in each field's metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = []
    arrays = []
    for column in table.columns:
        values = [column.typed(text) for text in table.column_values(table.index_of(column.name))]
        if column.codes:
            # Coded columns keep the CSV's code (text) so that the file reads like the CSV.
            values = [text or None for text in table.column_values(table.index_of(column.name))]
            kind = pa.string()
        elif column.kind == "numeric":
            kind = pa.float64()
        elif column.kind == "date":
            kind = pa.date32()
        else:
            values = [v or None for v in values]
            kind = pa.string()
        metadata = {"label": column.label}
        if column.codes:
            metadata["codes"] = json.dumps(
                {code: label for code, (_, label) in column.codes.items()}, ensure_ascii=False
            )
        fields.append(pa.field(column.name, kind, nullable=True, metadata=metadata))
        arrays.append(pa.array(values, type=kind))
    schema = pa.schema(fields, metadata={"source": f"{table.name}.csv"})
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), buffer, compression="zstd")
    return buffer.getvalue()


# ---- reproducible time stamps ------------------------------------------------------------------


def pin_timestamp(kind: str, data: bytes, at: datetime) -> bytes:
    """`data` with the writer's creation (and modification) stamp replaced by `at`."""
    month = MONTHS[at.month - 1]
    if kind == "dta":
        stamp = f"{at.day:02d} {month.capitalize()} {at.year:04d} {at.hour:02d}:{at.minute:02d}"
        marker = b"<timestamp>\x11"
        start = data.find(marker)
        if start < 0:
            raise UnrecognisedHeader("no <timestamp> of 17 characters in the .dta header")
        start += len(marker)
        return data[:start] + stamp.encode("ascii") + data[start + 17 :]
    if kind == "sav":
        if not data.startswith(b"$FL2"):
            raise UnrecognisedHeader("not an SPSS system file")
        date_text = f"{at.day:02d} {month.capitalize()} {at.year % 100:02d}"
        time_text = f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
        # File header: record type (4), product (60), five int32 (20), bias (8), then the
        # creation date (9) and time (8).
        start = 92
        if not re.fullmatch(rb"\d\d \w{3} \d\d\d\d:\d\d:\d\d", data[start : start + 17]):
            raise UnrecognisedHeader("no creation date and time at their place in the .sav")
        return data[:start] + (date_text + time_text).encode("ascii") + data[start + 17 :]
    if kind == "xpt":
        xpt_stamp = (
            f"{at.day:02d}{month}{at.year % 100:02d}:{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
        ).encode("ascii")
        # Time stamps sit only in the header records, before the first observation.
        end = data.find(b"HEADER RECORD*******OBS     HEADER RECORD")
        if end < 0:
            raise UnrecognisedHeader("no OBS header record in the .xpt")
        pattern = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
        header, count = pattern.subn(xpt_stamp, data[:end])
        if count == 0:
            raise UnrecognisedHeader("no time stamp in the .xpt header records")
        return header + data[end:]
    raise ValueError(f"unknown format {kind!r}")
