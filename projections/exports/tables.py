"""The rows of the snapshot's CSV files: participants, and one file per form.

Form files are wide: one row per participant and visit; a repeating form is a long table with
one row per repeat and its key (weekly: WEEK; adverse events: AE_NO). Columns are named by CRF
item, each questionnaire item followed by its missing-code companion `<ITEM>_NC`, derived
scores after the items.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from domain import crf
from domain.minimisation import FACTORS, factor_levels
from domain.protocol import VISIT_OF_FORM
from projections.exports.casebook import Casebook
from projections.exports.values import as_text
from projections.exports.view import View

FORM_KEY_COLUMNS = ("participant_id", "screening_number", "visit")


# The minimisation factor levels the randomisation used (blinded-safe: participant facts),
# for the analysis adjusted "as randomised"; corrections after randomisation leave them.
RANDOMISATION_LEVEL_COLUMNS: dict[str, str] = {
    factor: f"RAND_{factor.upper()}" for factor in FACTORS
}


def participant_columns(view: View) -> tuple[str, ...]:
    columns = (
        "participant_id",
        "screening_number",
        "site",
        "status",
        "randomised_on",
        *RANDOMISATION_LEVEL_COLUMNS.values(),
    )
    return columns if view.blinded else (*columns, "ARM")


def levels_at_randomisation(casebook: Casebook) -> list[str]:
    participant = casebook.participant
    sheets = participant.as_randomised
    if participant.randomised_on is None or not sheets:
        return ["" for _ in RANDOMISATION_LEVEL_COLUMNS]
    levels = factor_levels(sheets["screening"], sheets["mri"], sheets["baseline"])
    return [levels[factor] for factor in RANDOMISATION_LEVEL_COLUMNS]


def participant_row(casebook: Casebook, view: View) -> list[str]:
    participant = casebook.participant
    row = [
        str(participant.id),
        participant.screening_number,
        participant.site,
        casebook.state.status,
        as_text(participant.randomised_on),
        *levels_at_randomisation(casebook),
    ]
    if not view.blinded:
        row.append(as_text(casebook.arm))
    return row


def form_columns(form: str) -> tuple[str, ...]:
    items = tuple(spec.name for spec in crf.export_items(form))
    derived = tuple(spec.name for spec in crf.DERIVED[form])
    return (*FORM_KEY_COLUMNS, *items, *derived)


def derived_values(casebook: Casebook, form: str, sheet: dict[str, Any]) -> dict[str, Any]:
    """A sheet's derived items; inclusion needs the screening sheet too, so the standing says."""
    derived = crf.derive(form, sheet)
    if form == "mri":
        derived["INCLUDED"] = "Y" if casebook.state.included else "N"
    return derived


@cache
def _item_names(form: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of a form's export items and of its derived items (asked once per sheet)."""
    return (
        tuple(spec.name for spec in crf.export_items(form)),
        tuple(spec.name for spec in crf.DERIVED[form]),
    )


def form_rows(casebook: Casebook, form: str) -> Iterator[list[str]]:
    participant = casebook.participant
    visit = VISIT_OF_FORM[form].key
    items, derived_items = _item_names(form)
    # Sheet keys of the weekly form are zero-padded ("weekly:05"), so they sort by week.
    for _key, sheet in sorted(casebook.sheets_of(form).items()):
        derived = derived_values(casebook, form, sheet)
        yield [
            casebook.id_text,
            participant.screening_number,
            visit,
            *[value if type(value) is str else as_text(value) for value in map(sheet.get, items)],
            *[as_text(value) for value in map(derived.get, derived_items)],
        ]
