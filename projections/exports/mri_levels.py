"""The MRI form's repeating group as a long table: one row per affected level, keyed by LEVEL.

The rows are stored flat in the MRI form (`domain.crf.items.level_item`); analysts of the
trial's MRI papers want one row per change, so the snapshot also writes `mri_level.csv`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from domain.crf.items import ITEM_BY_NAME, LEVEL_ROW_FIELDS, MODIC_LEVEL_CODES, level_item
from domain.crf.spec import ItemSpec, code
from domain.protocol import VISIT_OF_FORM
from projections.exports.casebook import Casebook
from projections.exports.tables import FORM_KEY_COLUMNS
from projections.exports.values import as_text

MRI_LEVEL = "mri_level"
LEVEL = code(
    "LEVEL", "Spinal level (the repeat key)", MODIC_LEVEL_CODES, note="one of MODIC_LEVELS"
)


def row_specs() -> tuple[ItemSpec, ...]:
    """The long table's items: LEVEL, then each field as the levels' items describe it, named
    without the level (a field is required in the row when it is required for a listed level)."""
    first = MODIC_LEVEL_CODES[0][0]
    fields = []
    for field in LEVEL_ROW_FIELDS:
        spec = ITEM_BY_NAME["mri"][level_item(field, first)]
        fields.append(
            replace(
                spec,
                name=field,
                label=spec.label.split(": ", 1)[1].capitalize(),
                required=spec.required_when is not None,
                required_when=None,
                note="",
            )
        )
    return (LEVEL, *fields)


COLUMNS: tuple[str, ...] = (*FORM_KEY_COLUMNS, "LEVEL", *LEVEL_ROW_FIELDS)


def mri_level_rows(casebook: Casebook) -> Iterator[list[str]]:
    participant = casebook.participant
    sheet = participant.sheets.get("mri") or {}
    levels = sheet.get("MODIC_LEVELS") or []
    visit = VISIT_OF_FORM["mri"].key
    for level in levels:
        yield [
            str(participant.id),
            participant.screening_number,
            visit,
            str(level),
            *(as_text(sheet.get(level_item(field, level))) for field in LEVEL_ROW_FIELDS),
        ]
