"""Rules across items and against the context: conditional requirements, dates, consent.

Each rule sees only the items that passed their own checks (others are None), so a rule never
adds a second message about an item that is already wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from domain.crf import messages
from domain.crf.context import FormContext
from domain.crf.items import (
    ARM_ITEMS,
    ARM_REQUIRED_ITEM,
    ITEMS,
    MODIC_DETAIL_ITEMS,
    ON_OR_AFTER_SCREENING,
)
from domain.protocol import EosStatus

Errors = dict[str, str]
Rule = Callable[[Mapping[str, Any], FormContext], Errors]


def check_dates(form: str, values: Mapping[str, Any], context: FormContext) -> Errors:
    errors: Errors = {}
    for spec in ITEMS[form]:
        value = values.get(spec.name)
        if not isinstance(value, date):
            continue
        screening = context.screening_date if spec.name in ON_OR_AFTER_SCREENING else None
        if value > context.today:
            errors[spec.name] = messages.NOT_IN_FUTURE
        elif screening is not None and value < screening:
            errors[spec.name] = messages.on_or_after_screening(screening.isoformat())
    return errors


def _screening(values: Mapping[str, Any], context: FormContext) -> Errors:
    if values.get("EXCL_PREGNANT") == "NA" and values.get("SEX") != "M":
        return {"EXCL_PREGNANT": messages.NOT_APPLICABLE_ONLY_MALE}
    return {}


def _mri(values: Mapping[str, Any], context: FormContext) -> Errors:
    present = values.get("MODIC_PRESENT")
    if present == "Y":
        return {
            name: "Required when Modic changes are present"
            for name in ("MODIC_TYPE", "MODIC_LEVELS")
            if values.get(name) is None
        }
    if present == "N":
        return {
            name: "Leave empty: no Modic changes are present"
            for name in MODIC_DETAIL_ITEMS
            if values.get(name) is not None
        }
    return {}


def _consent(values: Mapping[str, Any], context: FormContext) -> Errors:
    if values.get("CONSENT_OBTAINED") == "N":
        return {"CONSENT_OBTAINED": "Must be Y: record consent only once it has been obtained"}
    return {}


def _adherence(values: Mapping[str, Any], context: FormContext) -> Errors:
    arm = context.arm
    if arm not in ARM_ITEMS:
        return {}
    errors: Errors = {}
    required = ARM_REQUIRED_ITEM[arm]
    if values.get(required) is None:
        errors[required] = f"Required for the {arm} arm"
    for other, names in ARM_ITEMS.items():
        for name in names:
            if other != arm and values.get(name) is not None:
                errors[name] = f"Leave empty: only for the {other} arm"
    return errors


def _end_of_study(values: Mapping[str, Any], context: FormContext) -> Errors:
    status = values.get("EOS_STATUS")
    if status not in (None, EosStatus.COMPLETED) and values.get("EOS_REASON") is None:
        return {"EOS_REASON": "Required unless the status is completed"}
    return {}


FORM_RULES: dict[str, Rule] = {
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
