"""Small tables as CSV or a self-contained HTML page (escaped, deterministic)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

from projections.exports.cells import csv_row

Row = Sequence[object]


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def table_csv(columns: Sequence[str], rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_row(row) for row in rows])
    return buffer.getvalue()


Section = tuple[str, Sequence[str], Sequence[Row]]  # heading, columns, rows


def _table(columns: Sequence[str], rows: Sequence[Row]) -> str:
    head = "".join(f'<th scope="col">{html.escape(column)}</th>' for column in columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(value))}</td>" for value in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>\n"


def page_html(title: str, subtitle: str, sections: Sequence[Section], lang: str = "en") -> str:
    """A self-contained HTML page of one or more tables, in the language `lang`."""
    parts = [
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:2em}th,td{border:1px solid #999;padding:.25em .5em;text-align:left}"
        "th{background:#eee}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(subtitle)}</p>\n"
    ]
    for heading, columns, rows in sections:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>\n")
        parts.append(_table(columns, rows))
    parts.append("</body></html>\n")
    return "".join(parts)
