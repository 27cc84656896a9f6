"""Rules every sheet of a casebook follows, whichever aggregate holds it.

A writer names the form version they last saw, and a value already entered changes only with a
reason. The participant's casebook and the arm-revealing record both keep sheets, so the two
rules live here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import ReasonRequired, StaleVersion
from domain.protocol import FORM_LABELS
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
            "Changing a value that was already entered needs a reason for change.",
            fields={item: "Changed: give a reason for change" for item in needing},
        )
    return changes
