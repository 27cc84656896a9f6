"""Items that apply only under a condition on another item of the same form, as data.

The form rules (`domain.crf.rules`) require such an item exactly when its condition holds and
refuse a value when it does not; the pages show the item only when it applies. Both read the
condition from here, so it is stated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.crf.items import (
    AE_NOT_ONGOING,
    AE_SERIOUS_Y,
    DISC_REASON_OTHER,
    MODIC_DETAIL_ITEMS,
    MODIC_PRESENT_Y,
    MRI_LEVEL_ROWS,
    WORKING_OR_SICK_LISTED,
    WORKING_OR_SICK_LISTED_CODES,
    level_listed,
)
from domain.protocol import EosStatus


@dataclass(frozen=True)
class Condition:
    """`item` holds one of `codes`, or lists one of them if it holds several (with `negated`:
    none of them)."""

    item: str
    codes: tuple[str, ...]
    words: str
    negated: bool = False

    def holds(self, values: Mapping[str, Any]) -> bool | None:
        """Whether the condition holds for these values; None while `item` is empty."""
        value = values.get(self.item)
        if value is None or value == "" or value == [] or value == ():
            return None
        chosen = value if isinstance(value, list | tuple) else (value,)
        matches = any(str(one) in self.codes for one in chosen)
        return not matches if self.negated else matches


_MODIC_PRESENT = Condition("MODIC_PRESENT", ("Y",), MODIC_PRESENT_Y)
# A level's row applies when MODIC_LEVELS lists the level (it is one of several codes chosen).
_LEVEL_ROWS = {
    spec.name: Condition("MODIC_LEVELS", (str(level),), level_listed(level))
    for level, row in MRI_LEVEL_ROWS.items()
    for spec in row
}
_OUTCOME_CONDITIONS = {
    "SICK_LEAVE_DAYS_4W": Condition(
        "WORK_STATUS", WORKING_OR_SICK_LISTED_CODES, WORKING_OR_SICK_LISTED
    ),
    "CO_INTERVENTION_TEXT": Condition("CO_INTERVENTION", ("Y",), "CO_INTERVENTION = Y"),
}

# form -> item -> the condition under which the item applies.
CONDITIONS: dict[str, dict[str, Condition]] = {
    "mri": {**dict.fromkeys(MODIC_DETAIL_ITEMS, _MODIC_PRESENT), **_LEVEL_ROWS},
    "baseline": _OUTCOME_CONDITIONS,
    "week10": _OUTCOME_CONDITIONS,
    "month12": _OUTCOME_CONDITIONS,
    "adverse_event": {
        "AE_END": Condition("AE_ONGOING", ("N",), AE_NOT_ONGOING),
        "AE_SAE_CRITERIA": Condition("AE_SERIOUS", ("Y",), AE_SERIOUS_Y),
    },
    "discontinuation": {
        "DISC_REASON": Condition(
            "DISC_REASON_CODE", (DISC_REASON_OTHER,), f"DISC_REASON_CODE = {DISC_REASON_OTHER}"
        )
    },
    "end_of_study": {
        "EOS_REASON": Condition(
            "EOS_STATUS",
            (EosStatus.COMPLETED.value,),
            "EOS_STATUS is not completed",
            negated=True,
        )
    },
}


def applies(form: str, item: str, values: Mapping[str, Any]) -> bool | None:
    """Whether `item` applies given the form's values: True for an unconditional item, None
    while the item its condition looks at is still empty."""
    condition = CONDITIONS.get(form, {}).get(item)
    return True if condition is None else condition.holds(values)
