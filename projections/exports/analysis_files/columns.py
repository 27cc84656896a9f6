"""How each snapshot column becomes a typed column for statistical packages.

The snapshot's CSV files and its data dictionary are the single source: every analysis file is
derived from them, so the typed files can never say something the CSV does not. The rules:

- integer, decimal and derived scores are numeric; an empty cell is missing;
- dates are dates;
- yes/no items are numeric 1 = Yes, 0 = No, 9 = Not applicable, with value labels;
- coded items keep numeric codes as they are (EQ-5D levels, BOTHER...), and text codes become
  1..k in the dictionary's order, with the code and its label as the value label;
- multi-codes and free text stay text;
- a missing-answer code (`ANS`, `ND`, `UNK`) travels in the companion column `<ITEM>_NC`; the
  Stata and SPSS files fold it into the item as the format's own missing value (see
  `MISSING_CODES`) and drop the companion, the other formats keep the companion.

This module is pure: it reads text and returns plain Python values, no statistics library.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from projections.exports.dictionary import ALL_FORMS as EVERY_FORM_FILE
from projections.exports.dictionary import FILES_WITHOUT_FORM_KEYS

COMPANION_SUFFIX = "_NC"
YES_NO_VALUES: dict[str, int] = {"Y": 1, "N": 0, "NA": 9}

# The missing-answer codes of CRF.md, and how each format spells them.
MISSING_CODES: tuple[str, ...] = ("ANS", "ND", "UNK")
MISSING_LABELS: dict[str, str] = {
    "ANS": "Asked, not answered",
    "ND": "Not done",
    "UNK": "Unknown",
}
STATA_MISSING: dict[str, str] = {"ANS": "a", "ND": "b", "UNK": "c"}
SPSS_MISSING: dict[str, float] = {"ANS": -97.0, "ND": -98.0, "UNK": -99.0}


@dataclass(frozen=True)
class Column:
    """One column of one file, with what the dictionary says about it."""

    name: str
    label: str
    kind: str  # numeric, date, text
    # Code as it appears in the CSV -> (numeric value, label); empty for uncoded columns.
    codes: dict[str, tuple[float, str]] = field(default_factory=dict)
    companion: str | None = None  # the `<ITEM>_NC` column carrying missing-answer codes
    renumbered: bool = False  # text codes stored as 1..k: their labels name the code too

    @property
    def value_labels(self) -> dict[float, str]:
        if self.renumbered:
            return {value: f"{code}: {label}" for code, (value, label) in self.codes.items()}
        return {value: label for value, label in self.codes.values()}

    def typed(self, text: str) -> float | date | str | None:
        """The CSV cell as the typed value (None for an empty cell)."""
        if text == "":
            return None
        if self.codes:
            if text not in self.codes:
                raise ValueError(f"{self.name}: {text!r} is not one of the dictionary's codes")
            return self.codes[text][0]
        if self.kind == "numeric":
            return float(text)
        if self.kind == "date":
            return date.fromisoformat(text)
        return text


@dataclass(frozen=True)
class Table:
    """One CSV file of the snapshot, typed: its columns and its rows (lists of CSV text)."""

    name: str  # the file's stem: participants, screening, week10...
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]

    def column_values(self, index: int) -> Iterator[str]:
        return (row[index] for row in self.rows)

    def index_of(self, name: str) -> int:
        return [column.name for column in self.columns].index(name)


@dataclass(frozen=True)
class DictionaryEntry:
    file: str
    item: str
    label: str
    type: str
    codes: str
    short_name: str


def read_dictionary(text: str) -> list[DictionaryEntry]:
    reader = csv.DictReader(io.StringIO(text))
    return [
        DictionaryEntry(
            row["file"], row["item"], row["label"], row["type"], row["codes"], row["short_name"]
        )
        for row in reader
    ]


def parse_codes(text: str) -> list[tuple[str, str]]:
    """`"F=Female; M=Male"` -> [("F", "Female"), ("M", "Male")]."""
    if not text:
        return []
    pairs = []
    for part in text.split("; "):
        code, _, label = part.partition("=")
        pairs.append((code, label))
    return pairs


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isascii() and text.lstrip("-").isdigit()


def column_of(entry: DictionaryEntry) -> Column:
    """The typed column a dictionary entry describes."""
    pairs = parse_codes(entry.codes)
    if entry.type == "yesno":
        codes = {code: (float(YES_NO_VALUES[code]), label) for code, label in pairs}
        return Column(entry.item, entry.label, "numeric", codes)
    if entry.type == "code":
        if all(_is_integer(code) for code, _ in pairs):
            codes = {code: (float(int(code)), label) for code, label in pairs}
        else:
            codes = {
                code: (float(number), label) for number, (code, label) in enumerate(pairs, start=1)
            }
            return Column(entry.item, entry.label, "numeric", codes, renumbered=True)
        return Column(entry.item, entry.label, "numeric", codes)
    if entry.type in ("integer", "float", "decimal"):
        return Column(entry.item, entry.label, "numeric")
    if entry.type == "date":
        return Column(entry.item, entry.label, "date")
    return Column(entry.item, entry.label, "text")


def companion_column(item: Column) -> Column:
    return Column(
        item.name + COMPANION_SUFFIX,
        f"Missing-answer code of {item.name}",
        "text",
    )


def typed_table(name: str, csv_text: str, entries: Mapping[str, DictionaryEntry]) -> Table:
    """A CSV file of the snapshot typed by the dictionary entries of that file."""
    reader = csv.reader(io.StringIO(csv_text))
    header = next(reader)
    present = set(header)
    columns = []
    for column_name in header:
        if column_name.endswith(COMPANION_SUFFIX) and column_name[: -len(COMPANION_SUFFIX)] in (
            present
        ):
            item = column_name[: -len(COMPANION_SUFFIX)]
            columns.append(companion_column(column_of(entries[item])))
            continue
        if column_name not in entries:
            raise ValueError(f"{name}.csv: column {column_name} is not in the data dictionary")
        column = column_of(entries[column_name])
        companion = column_name + COMPANION_SUFFIX
        if companion in present:
            column = replace(column, companion=companion)
        columns.append(column)
    rows = tuple(tuple(row) for row in reader)
    return Table(name, tuple(columns), rows)


def entries_by_file(entries: list[DictionaryEntry]) -> dict[str, dict[str, DictionaryEntry]]:
    """Dictionary entries per file; the key columns of every form file go to each form file."""
    files: dict[str, dict[str, DictionaryEntry]] = {}
    common = {e.item: e for e in entries if e.file == EVERY_FORM_FILE}
    for entry in entries:
        if entry.file == EVERY_FORM_FILE:
            continue
        if entry.file not in files:
            files[entry.file] = {} if entry.file in FILES_WITHOUT_FORM_KEYS else dict(common)
        files[entry.file][entry.item] = entry
    return files
