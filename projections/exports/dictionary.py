"""The data dictionary, generated from the protocol and the CRF item specifications.

One row per column of the snapshot's files: the participants file, the columns every form file
starts with, then each form's items and derived scores. A blinded dictionary leaves out the
arm and the arm-revealing forms, so even the column list reveals nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields, replace

from domain.crf import DERIVED, ItemSpec, export_items
from domain.crf.short_names import short_names
from domain.minimisation import FACTOR_LEVELS
from domain.protocol import (
    ARM_LABELS,
    ARM_REVEALING_FORMS,
    FORMS,
    SITES,
    VISITS,
)
from projections.exports.allocation_table import ALLOCATION, described_columns
from projections.exports.cells import TEXT_CELL_NOTE, csv_row
from projections.exports.mri_levels import MRI_LEVEL, row_specs
from projections.exports.tables import RANDOMISATION_LEVEL_COLUMNS
from projections.exports.view import View

PARTICIPANTS = "participants"
ALL_FORMS = "(every form file)"
# Files with their own key columns: the form files' common columns are not theirs.
FILES_WITHOUT_FORM_KEYS = (PARTICIPANTS, ALLOCATION)


@dataclass(frozen=True)
class Entry:
    """One column of one file, described for analysts."""

    file: str
    item: str
    label: str
    type: str
    codes: str
    range: str
    required: str
    derivation: str
    note: str
    # The column's name in SAS transport files (8 characters at most), unique within its file.
    short_name: str = ""


COLUMNS = tuple(f.name for f in fields(Entry))


def visible_forms(view: View) -> tuple[str, ...]:
    return tuple(f for f in FORMS if not (view.blinded and f in ARM_REVEALING_FORMS))


def codes_text(spec: ItemSpec) -> str:
    return "; ".join(f"{code}={label}" for code, label in spec.codes)


def range_text(spec: ItemSpec) -> str:
    if spec.min is None and spec.max is None:
        return ""
    return f"{_number(spec.min)}..{_number(spec.max)}"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def required_text(spec: ItemSpec) -> str:
    if spec.required:
        return "yes"
    return f"when {spec.required_when}" if spec.required_when else "no"


def item_entry(file: str, spec: ItemSpec, derived: bool = False) -> Entry:
    return Entry(
        file=file,
        item=spec.name,
        label=spec.label,
        type=spec.datatype,
        codes=codes_text(spec),
        range=range_text(spec),
        required="derived" if derived else required_text(spec),
        derivation=spec.note if derived else "",
        note="" if derived else _with_text_rule(spec),
    )


def _with_text_rule(spec: ItemSpec) -> str:
    """A free-text item's note says how a formula-like text is written (exports.cells)."""
    if spec.datatype != "text":
        return spec.note
    return f"{spec.note}; {TEXT_CELL_NOTE}" if spec.note else TEXT_CELL_NOTE


def participant_entries(view: View) -> Iterator[Entry]:
    def entry(item: str, label: str, type_: str, codes: str = "", note: str = "") -> Entry:
        return Entry(PARTICIPANTS, item, label, type_, codes, "", "yes", "", note)

    yield entry("participant_id", "Participant identifier (pseudonymous)", "text", note="UUID")
    yield entry("screening_number", "Screening number", "text", note="site code and number")
    yield entry("site", "Site", "code", "; ".join(f"{s}={s.capitalize()}" for s in SITES))
    yield entry(
        "status",
        "Status at the cut",
        "text",
        note="screen failure, awaiting MRI, excluded at MRI, awaiting consent, "
        "awaiting baseline, ready to randomise, randomised, completed, ended: <status>",
    )
    yield Entry(
        PARTICIPANTS,
        "randomised_on",
        "Date of randomisation",
        "date",
        "",
        "",
        "no",
        "",
        "empty until randomised",
    )
    for factor, column in RANDOMISATION_LEVEL_COLUMNS.items():
        yield Entry(
            PARTICIPANTS,
            column,
            f"Minimisation factor {factor.replace('_', ' ')} at randomisation",
            "code",
            "; ".join(f"{level}={level}" for level in FACTOR_LEVELS[factor]),
            "",
            "no",
            "",
            "the level the randomisation used; a later correction does not change it; "
            "empty until randomised",
        )
    if not view.blinded:
        yield Entry(
            PARTICIPANTS,
            "ARM",
            "Allocated arm",
            "code",
            "; ".join(f"{arm.value}={label}" for arm, label in ARM_LABELS.items()),
            "",
            "no",
            "",
            "unblinded view only; empty until randomised",
        )


def common_entries() -> Iterator[Entry]:
    yield Entry(
        ALL_FORMS,
        "participant_id",
        "Participant identifier",
        "text",
        "",
        "",
        "yes",
        "",
        "joins to participants.csv",
    )
    yield Entry(ALL_FORMS, "screening_number", "Screening number", "text", "", "", "yes", "", "")
    yield Entry(
        ALL_FORMS,
        "visit",
        "Visit",
        "code",
        "; ".join(f"{visit.key}={visit.label}" for visit in VISITS),
        "",
        "yes",
        "",
        "one row per participant and visit (weekly: per week)",
    )


def entries(view: View) -> Iterator[Entry]:
    yield from participant_entries(view)
    yield from common_entries()
    for form in visible_forms(view):
        for spec in export_items(form):
            yield item_entry(form, spec)
        for spec in DERIVED[form]:
            yield item_entry(form, spec, derived=True)
        if form == "mri":
            for spec in row_specs():
                yield item_entry(MRI_LEVEL, spec)
    if not view.blinded:
        yield from allocation_entries()


def allocation_entries() -> Iterator[Entry]:
    """The allocation decisions' columns (unblinded view only)."""
    for column in described_columns():
        yield Entry(
            ALLOCATION,
            column.item,
            column.label,
            column.type,
            column.codes,
            "",
            column.required,
            "",
            column.note,
        )


def named_entries(view: View) -> Iterator[Entry]:
    """The entries with their SAS transport short names, unique within each file."""
    listed = list(entries(view))
    common = [e.item for e in listed if e.file == ALL_FORMS]
    by_file: dict[str, list[str]] = {}
    for entry in listed:
        standalone = entry.file in (*FILES_WITHOUT_FORM_KEYS, ALL_FORMS)
        by_file.setdefault(entry.file, [] if standalone else common[:])
        by_file[entry.file].append(entry.item)
    names = {file: short_names(items) for file, items in by_file.items()}
    for entry in listed:
        yield replace(entry, short_name=names[entry.file][entry.item])


def dictionary_csv(view: View) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in named_entries(view):
        writer.writerow(csv_row(astuple(entry)))
    return buffer.getvalue()
