"""Conditional items: one statement of each condition, read by the rules and by the pages."""

from __future__ import annotations

from datetime import date

import pytest

from domain import crf
from domain.crf.conditions import CONDITIONS, applies
from domain.crf.context import FormContext
from domain.crf.rules import check_rules
from tests import factories


def test_every_conditional_requirement_is_a_stated_condition() -> None:
    for form, specs in crf.ITEMS.items():
        for spec in specs:
            if spec.required_when and not spec.required_when.startswith("arm ="):
                condition = CONDITIONS[form][spec.name]
                assert condition.words == spec.required_when, (form, spec.name)
                assert condition.item in {s.name for s in specs}


@pytest.mark.parametrize(
    ("form", "item", "values", "expected"),
    [
        ("baseline", "SICK_LEAVE_DAYS_4W", {"WORK_STATUS": "sick-listed"}, True),
        ("baseline", "SICK_LEAVE_DAYS_4W", {"WORK_STATUS": "retired"}, False),
        ("baseline", "SICK_LEAVE_DAYS_4W", {}, None),
        ("end_of_study", "EOS_REASON", {"EOS_STATUS": "completed"}, False),
        ("end_of_study", "EOS_REASON", {"EOS_STATUS": "died"}, True),
        ("mri", "MODIC_LARGE", {"MODIC_PRESENT": "N"}, False),
        ("baseline", "LBP_NOW", {}, True),
    ],
)
def test_whether_an_item_applies(
    form: str, item: str, values: dict[str, str], expected: bool | None
) -> None:
    assert applies(form, item, values) is expected


def test_the_rules_refuse_a_value_where_the_condition_does_not_hold() -> None:
    context = FormContext(today=date(2024, 6, 1))
    values = {**factories.outcomes("week10"), "CO_INTERVENTION": "N", "CO_INTERVENTION_TEXT": "x"}
    assert "CO_INTERVENTION_TEXT" in check_rules("week10", values, context)
    values["CO_INTERVENTION"] = "Y"
    assert "CO_INTERVENTION_TEXT" not in check_rules("week10", values, context)
