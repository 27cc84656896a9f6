"""Soft checks: warnings that ask for confirmation but never block saving a form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.crf.context import FormContext
from domain.protocol import VISIT_DATE_ITEM, VISIT_OF_FORM, window_status


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def soft_warnings(form: str, items: Mapping[str, Any], context: FormContext) -> dict[str, str]:
    """Warnings on canonical items: a visit date outside its window is a protocol deviation.

    The window is counted from randomisation (day 0), so without `randomised_on` there is
    nothing to check.
    """
    date_item = VISIT_DATE_ITEM.get(form)
    if date_item is None or context.randomised_on is None:
        return {}
    visit_date = _as_date(items.get(date_item))
    if visit_date is None:
        return {}
    study_day = (visit_date - context.randomised_on).days
    deviation = window_status(VISIT_OF_FORM[form], study_day)
    return {date_item: deviation} if deviation else {}
