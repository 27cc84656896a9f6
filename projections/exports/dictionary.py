"""The data dictionary, generated from the protocol and the CRF item specifications.

One row per column of the snapshot's files: the participants file, the columns every form file
starts with, then each form's items and derived scores. A blinded dictionary leaves out the
arm and the arm-revealing forms, so even the column list reveals nothing.

Each description is worded (domain.wording): the trial's wording as a `Label` (the eCRF
catalogue), the dictionary's own phrases as a `Message` with its holes, several said one after
another as a `Listing`; what stays the same in every language (item names, codes, ranges) is
plain text. Every one of them is its English text, which the CSV writes; the page
(dictionary_page) says each in the reader's language from its parts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, fields, replace

from domain.crf import DERIVED, ItemSpec, export_items
from domain.crf.short_names import short_names
from domain.crf.spec import Code
from domain.minimisation import FACTOR_LEVELS
from domain.protocol import (
    ARM_LABELS,
    ARM_REVEALING_FORMS,
    FORMS,
    SITES,
    VISITS,
)
from domain.wording import Label, Listing, Message
from projections.exports.allocation_table import ALLOCATION, described_columns, factor_label
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
    """One column of one file, described for analysts (label, codes, required, derivation and
    note are worded, as the module says)."""

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


def codes_text(spec: ItemSpec) -> Listing:
    return code_list(spec.codes)


def code_list(pairs: Iterable[tuple[Code, str]]) -> Listing:
    """`code=label; ...`: each code as it is stored, each label the trial's wording (a label
    spelt as its code, such as a minimisation level, is the code itself)."""
    return Listing(
        (
            Listing((str(code), label if label == str(code) else Label(label)), "=")
            for code, label in pairs
        ),
        "; ",
    )


def range_text(spec: ItemSpec) -> str:
    if spec.min is None and spec.max is None:
        return ""
    return f"{_number(spec.min)}..{_number(spec.max)}"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def required_text(spec: ItemSpec) -> Message:
    if spec.required:
        return Message("yes")
    if spec.required_when:
        return Message("when %(condition)s", condition=Label(spec.required_when))
    return Message("no")


def item_entry(file: str, spec: ItemSpec, derived: bool = False) -> Entry:
    return Entry(
        file=file,
        item=spec.name,
        label=trial_wording(spec.label),
        type=spec.datatype,
        codes=codes_text(spec),
        range=range_text(spec),
        required=Message("derived") if derived else required_text(spec),
        derivation=trial_wording(spec.note) if derived else "",
        note="" if derived else _with_text_rule(spec),
    )


def trial_wording(text: str) -> str:
    """An item specification's text as the trial's wording, unless the specification words it
    itself (a missing-code companion's label and note are messages around the item's name)."""
    if not text or isinstance(text, Label | Message | Listing):
        return text
    return Label(text)


def _with_text_rule(spec: ItemSpec) -> str:
    """A free-text item's note says how a formula-like text is written (exports.cells)."""
    note = trial_wording(spec.note)
    if spec.datatype != "text":
        return note
    rule = Message(TEXT_CELL_NOTE)
    return Listing((note, rule)) if note else rule


def column_entry(
    file: str,
    item: str,
    label: str,
    type_: str,
    codes: str = "",
    *,
    required: bool = True,
    note: str = "",
) -> Entry:
    """A column the dictionary describes itself (a key column, a participant's column, an
    allocation column), with its label and note worded already."""
    requirement = Message("yes") if required else Message("no")
    return Entry(file, item, label, type_, codes, "", requirement, "", note)


def participant_entries(view: View) -> Iterator[Entry]:
    def until_randomised(item: str, label: str, type_: str, codes: str, *notes: str) -> Entry:
        note = Listing((*notes, Message("empty until randomised")))
        return column_entry(PARTICIPANTS, item, label, type_, codes, required=False, note=note)

    yield column_entry(
        PARTICIPANTS,
        "participant_id",
        Label("Participant identifier (pseudonymous)"),
        "text",
        note="UUID",
    )
    yield column_entry(
        PARTICIPANTS,
        "screening_number",
        Label("Screening number"),
        "text",
        note=Message("site code and number"),
    )
    yield column_entry(
        PARTICIPANTS,
        "site",
        Label("Site"),
        "code",
        code_list((site, site.capitalize()) for site in SITES),
    )
    yield column_entry(
        PARTICIPANTS,
        "status",
        Label("Status at the cut"),
        "text",
        note=Message(
            "screen failure, awaiting MRI, excluded at MRI, awaiting consent, "
            "awaiting baseline, ready to randomise, randomised, completed, ended: <status>"
        ),
    )
    yield until_randomised("randomised_on", Label("Date of randomisation"), "date", "")
    for factor, column in RANDOMISATION_LEVEL_COLUMNS.items():
        yield until_randomised(
            column,
            Message("Minimisation factor %(factor)s at randomisation", factor=factor_label(factor)),
            "code",
            code_list((level, level) for level in FACTOR_LEVELS[factor]),
            Message("the level the randomisation used"),
            Message("a later correction does not change it"),
        )
    if not view.blinded:
        yield until_randomised(
            "ARM",
            Label("Allocated arm"),
            "code",
            code_list((arm.value, label) for arm, label in ARM_LABELS.items()),
            Message("unblinded view only"),
        )


def common_entries() -> Iterator[Entry]:
    yield column_entry(
        ALL_FORMS,
        "participant_id",
        Label("Participant identifier"),
        "text",
        note=Message("joins to participants.csv"),
    )
    yield column_entry(ALL_FORMS, "screening_number", Label("Screening number"), "text")
    yield column_entry(
        ALL_FORMS,
        "visit",
        Label("Visit"),
        "code",
        code_list((visit.key, visit.label) for visit in VISITS),
        note=Message("one row per participant and visit (weekly: per week)"),
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
        yield column_entry(
            ALLOCATION,
            column.item,
            column.label,
            column.type,
            code_list(column.codes),
            required=column.required,
            note=column.note,
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
