"""Rules across items and against the context: conditional requirements, dates, consent.

Each rule sees only the items that passed their own checks (others are None), so a rule never
adds a second message about an item that is already wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.crf import messages
from domain.crf.conditions import CONDITIONS
from domain.crf.context import FormContext
from domain.crf.dates import check_dates
from domain.crf.items import (
    ARM_ITEMS,
    ARM_REQUIRED_ITEM,
    MODIC_DETAIL_ITEMS,
    MRI_LEVEL_ROWS,
)
from domain.crf.messages import Missing
from domain.wording import Message, Word

Errors = dict[str, str]
Rule = Callable[[Mapping[str, Any], FormContext], Errors]


def _screening(values: Mapping[str, Any], context: FormContext) -> Errors:
    if values.get("EXCL_PREGNANT") == "NA" and values.get("SEX") != "M":
        return {"EXCL_PREGNANT": messages.NOT_APPLICABLE_ONLY_MALE}
    return {}


def _mri(values: Mapping[str, Any], context: FormContext) -> Errors:
    present = CONDITIONS["mri"]["MODIC_TYPE"].holds(values)
    if present is True:
        errors: Errors = {
            name: Missing("Required when Modic changes are present")
            for name in ("MODIC_TYPE", "MODIC_LEVELS")
            if values.get(name) is None
        }
        errors.update(_level_rows(values))
        return errors
    if present is False:
        return {
            name: Message("Leave empty: no Modic changes are present")
            for name in MODIC_DETAIL_ITEMS
            if values.get(name) is not None
        }
    return {}


def _level_rows(values: Mapping[str, Any]) -> Errors:
    """One row per level in MODIC_LEVELS: its required fields filled, no other level's row."""
    levels = values.get("MODIC_LEVELS")
    if not isinstance(levels, list):
        return {}
    errors: Errors = {}
    for level, row in MRI_LEVEL_ROWS.items():
        listed = level in levels
        for spec in row:
            if listed and spec.required_when is not None and values.get(spec.name) is None:
                errors[spec.name] = Missing("Required for level %(level)s", level=level)
            elif not listed and values.get(spec.name) is not None:
                errors[spec.name] = Message(
                    "Leave empty: %(level)s is not among the levels with changes", level=level
                )
    return errors


def _consent(values: Mapping[str, Any], context: FormContext) -> Errors:
    if values.get("CONSENT_OBTAINED") == "N":
        return {
            "CONSENT_OBTAINED": Message("Must be Y: record consent only once it has been obtained")
        }
    return {}


def _adherence(values: Mapping[str, Any], context: FormContext) -> Errors:
    arm = context.arm
    if arm not in ARM_ITEMS:
        return {}
    errors: Errors = {}
    required = ARM_REQUIRED_ITEM[arm]
    if values.get(required) is None:
        errors[required] = Missing("Required for the %(arm)s arm", arm=Word(arm))
    for other, names in ARM_ITEMS.items():
        for name in names:
            if other != arm and values.get(name) is not None:
                errors[name] = Message("Leave empty: only for the %(arm)s arm", arm=Word(other))
    return errors


def _end_of_study(values: Mapping[str, Any], context: FormContext) -> Errors:
    needs_reason = CONDITIONS["end_of_study"]["EOS_REASON"].holds(values)
    if needs_reason is True and values.get("EOS_REASON") is None:
        return {"EOS_REASON": Missing("Required unless the status is completed")}
    return {}


def _required_exactly_when(
    condition: bool | None, name: str, values: Mapping[str, Any], required: str, empty: str
) -> Errors:
    """`name` is required when `condition` holds and must stay empty when it does not.

    None means the condition's own item is not known yet: nothing is said about `name`.
    """
    if condition is True and values.get(name) is None:
        return {name: Missing(required)}
    if condition is False and values.get(name) is not None:
        return {name: empty}
    return {}


_OUTCOME_CONDITIONS = CONDITIONS["week10"]
_AE_CONDITIONS = CONDITIONS["adverse_event"]


def _outcomes(values: Mapping[str, Any], context: FormContext) -> Errors:
    errors = _required_exactly_when(
        _OUTCOME_CONDITIONS["SICK_LEAVE_DAYS_4W"].holds(values),
        "SICK_LEAVE_DAYS_4W",
        values,
        Message("Required when working or sick-listed"),
        Message("Leave empty: only for participants working or sick-listed"),
    )
    medication = values.get("PAIN_MEDICATION")
    if isinstance(medication, list) and "none" in medication and len(medication) > 1:
        errors["PAIN_MEDICATION"] = Message("None cannot be combined with a medication")
    errors.update(
        _required_exactly_when(
            _OUTCOME_CONDITIONS["CO_INTERVENTION_TEXT"].holds(values),
            "CO_INTERVENTION_TEXT",
            values,
            Message("Required when there was another treatment"),
            Message("Leave empty: there was no other treatment"),
        )
    )
    return errors


def _adverse_event(values: Mapping[str, Any], context: FormContext) -> Errors:
    errors = _required_exactly_when(
        _AE_CONDITIONS["AE_END"].holds(values),
        "AE_END",
        values,
        Message("Required when the event is not ongoing"),
        Message("Leave empty: the event is ongoing"),
    )
    errors.update(
        _required_exactly_when(
            _AE_CONDITIONS["AE_SAE_CRITERIA"].holds(values),
            "AE_SAE_CRITERIA",
            values,
            Message("Required for a serious adverse event"),
            Message("Leave empty: the event is not serious"),
        )
    )
    return errors


def _discontinuation(values: Mapping[str, Any], context: FormContext) -> Errors:
    other = CONDITIONS["discontinuation"]["DISC_REASON"].holds(values)
    if other is True and values.get("DISC_REASON") is None:
        return {"DISC_REASON": Missing("Required when the reason is other")}
    return {}


FORM_RULES: dict[str, Rule] = {
    "baseline": _outcomes,
    "week10": _outcomes,
    "month12": _outcomes,
    "adverse_event": _adverse_event,
    "discontinuation": _discontinuation,
    "screening": _screening,
    "mri": _mri,
    "consent": _consent,
    "adherence": _adherence,
    "end_of_study": _end_of_study,
}


def check_rules(form: str, values: Mapping[str, Any], context: FormContext) -> Errors:
    """Messages for items breaking a rule of the form or of the context."""
    errors = check_dates(form, values, context)
    rule = FORM_RULES.get(form)
    if rule is not None:
        errors.update(rule(values, context))
    return errors
