"""CSV cells an analyst's spreadsheet reads as data, never as a formula.

The rule (README "Exports", the data dictionary's `*` entry): a cell whose text starts with `=`,
`+`, `-`, `@`, TAB or CR and is not a number is written with a leading apostrophe `'`, which
spreadsheets read as "this is text" (so `=HYPERLINK(...)` arrives as the text it was typed as,
while `-0.624` stays the number -0.624). Characters no UTF-8 file or XML can hold (a control
character stored before the free-text rule) are written as U+FFFD, as in the ODM files
(`domain.text.for_export`). The rule depends only on the cell, so the same `as_of` still gives
the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from domain.text import for_export

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
TEXT_CELL_NOTE = (
    "a text starting with =, +, -, @, TAB or CR that is not a number is written after an "
    "apostrophe ('), so spreadsheets do not run it as a formula"
)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(text: str) -> str:
    """One cell's text as it is written (usually unchanged)."""
    if not (text.isascii() and text.isprintable()):
        text = for_export(text)
    if text.startswith(FORMULA_LEADS) and not _NUMBER.fullmatch(text):
        return TEXT_MARK + text
    return text


# Cells whose written text is remembered (short texts only: codes, numbers, dates), so the
# rule runs once per distinct text rather than once per cell. Bounded, so memory stays flat:
# when full it starts again, so texts frequent now take the place of those of earlier rows.
KNOWN_CELLS = 8192
SHORT_TEXT = 24


class _Cells(dict[str, str]):
    """Text -> the cell written for it, `csv_cell` worked out on a miss."""

    def __missing__(self, text: str) -> str:
        cell = csv_cell(text)
        if len(text) <= SHORT_TEXT:
            if len(self) >= KNOWN_CELLS:
                self.clear()
            self[text] = cell
        return cell


_CELLS = _Cells()


def csv_row(row: Iterable[object]) -> list[str]:
    cells = _CELLS
    return [
        cells[value] if type(value) is str else csv_cell("" if value is None else str(value))
        for value in row
    ]


def csv_rows(rows: Iterable[Iterable[object]]) -> Iterator[list[str]]:
    return (csv_row(row) for row in rows)
