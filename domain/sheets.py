"""Rules every sheet of a casebook follows, whichever aggregate holds it.

A writer names the form version they last saw, and a value already entered changes only with a
reason. The participant's casebook and the arm-revealing record both keep sheets, so these
rules, and how sheets are kept, keyed and versioned (`SheetsMixin`), live here once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from domain.errors import ReasonRequired, StaleVersion
from domain.protocol import FORM_LABELS, REPEATING_FORM_KEY_ITEM
from domain.reasons import Reason, changed_items, items_needing_reason
from domain.wording import Label, Message


def check_expected_version(form: str, expected: int | None, current: int) -> None:
    """Refuse a save made from a version of the form someone else has changed since."""
    if expected is not None and expected != current:
        raise StaleVersion(
            Message(
                "%(form)s was changed by someone else since you opened it "
                "(you saw version %(seen)s, it is now %(current)s).",
                form=Label(FORM_LABELS[form]),
                seen=expected,
                current=current,
            ),
            current_version=current,
        )


def correction_of(
    existing: Mapping[str, Any], items: Mapping[str, Any], reason: Reason | None
) -> dict[str, list[Any]]:
    """The changes a save makes to an entered sheet (empty: nothing changed).

    Overwriting a value needs a reason for change; filling an empty item does not.
    """
    changes = changed_items(existing, items)
    needing = items_needing_reason(changes)
    if needing and reason is None:
        raise ReasonRequired(
            Message("Changing a value that was already entered needs a reason for change."),
            fields={item: Message("Changed: give a reason for change") for item in needing},
        )
    return changes


def corrected(sheet: Mapping[str, Any], changes: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """The sheet after a correction: each changed item takes its new value (`[old, new]`)."""
    return {**sheet, **{item: change[1] for item, change in changes.items()}}


class SheetsMixin:
    """Sheets keyed by form (and by repeat for repeating forms), each form with its version."""

    if TYPE_CHECKING:  # set by the aggregate; signatures are the signing mixin's
        sheets: dict[str, dict[str, Any]]
        form_versions: dict[str, int]

        def invalidate_signatures(self, event: Any) -> None: ...

    def keep_sheet(self, event: Any, sheet: dict[str, Any]) -> None:
        """An entry or correction (`event`) of a sheet: the sheet is kept, its form's version
        moves on, and the signatures covering the form no longer hold."""
        self.sheets[event.key] = sheet
        self.form_versions[event.form] = self.form_version(event.form) + 1
        self.invalidate_signatures(event)

    def form_version(self, form: str) -> int:
        return self.form_versions.get(form, 0)

    @staticmethod
    def sheet_key(form: str, items: Mapping[str, Any]) -> str:
        key_item = REPEATING_FORM_KEY_ITEM.get(form)
        return f"{form}:{int(items[key_item]):02d}" if key_item else form

    def sheets_of(self, form: str) -> dict[str, dict[str, Any]]:
        """The sheets of one form: one for ordinary forms, one per repeat for repeating ones."""
        repeat = f"{form}:"
        return {
            key: items
            for key, items in self.sheets.items()
            if key == form or key.startswith(repeat)
        }

    def repeat_numbers(self, form: str) -> list[int]:
        """The repeat keys entered so far of a repeating form (weeks, adverse event numbers)."""
        return [int(key.split(":")[1]) for key in self.sheets_of(form) if ":" in key]
