"""Missing data by item at a cut-off: for each form entered, how often each item is empty.

Counted over the forms that were entered (a visit not done at all is in the visit report).
A form whose visit the site recorded as missed (`VisitMissed`) is missing by design: counted
apart, in `missed_by_design`, never as missing items.
Conditionally required items (e.g. Modic details only when Modic changes are present) are
counted too, with their condition shown, so a reader can tell expected gaps from real ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields

from domain import crf
from projections.exports.casebook import Casebook, casebooks
from projections.exports.dictionary import required_text, visible_forms
from projections.exports.source import Cut
from projections.exports.tables import derived_values
from projections.exports.values import is_missing
from projections.exports.view import View


@dataclass(frozen=True)
class MissingLine:
    form: str
    item: str
    label: str
    required: str
    forms_entered: int
    missing: int
    missing_percent: str
    missed_by_design: int


COLUMNS = tuple(f.name for f in fields(MissingLine))


def missing_by_item(books: Iterable[Casebook], view: View) -> list[MissingLine]:
    forms = visible_forms(view)
    entered = dict.fromkeys(forms, 0)
    by_design = dict.fromkeys(forms, 0)
    missing: dict[tuple[str, str], int] = {}
    for casebook in books:
        for form in casebook.participant.forms_missed_by_design & set(forms):
            by_design[form] += 1
        for form in forms:
            for sheet in casebook.participant.sheets_of(form).values():
                entered[form] += 1
                values = {**sheet, **derived_values(casebook, form, sheet)}
                for spec in (*crf.ITEMS[form], *crf.DERIVED[form]):
                    if is_missing(values.get(spec.name)):
                        missing[(form, spec.name)] = missing.get((form, spec.name), 0) + 1
    lines = []
    for form in forms:
        derived = {spec.name for spec in crf.DERIVED[form]}
        for spec in (*crf.ITEMS[form], *crf.DERIVED[form]):
            count = missing.get((form, spec.name), 0)
            share = f"{100 * count / entered[form]:.1f}" if entered[form] else ""
            lines.append(
                MissingLine(
                    form,
                    spec.name,
                    spec.label,
                    "derived" if spec.name in derived else required_text(spec),
                    entered[form],
                    count,
                    share,
                    by_design[form],
                )
            )
    return lines


def missing_report(cut: Cut) -> list[MissingLine]:
    return missing_by_item(casebooks(cut), cut.view)


def as_rows(lines: Iterable[MissingLine]) -> list[tuple[object, ...]]:
    return [astuple(missing_line) for missing_line in lines]
