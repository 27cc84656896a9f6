"""`validate_form`: strict validation of one form's items into canonical JSON-native values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.crf import messages
from domain.crf.context import FormContext
from domain.crf.items import ITEM_BY_NAME, ITEMS
from domain.crf.models import FORM_MODELS
from domain.crf.rules import check_rules
from domain.errors import FormInvalid


def _field_values(model: type[BaseModel], data: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The typed values of the items that are valid, and the names of those that are not.

    Fields are independent (all optional, no model-level validators), so validating again
    without the failing items always succeeds and yields the values the rules need.
    """
    try:
        return dict(model.model_validate(data)), set()
    except ValidationError as error:
        failing = {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}
    valid = {name: value for name, value in data.items() if name not in failing}
    return dict(model.model_validate(valid)), failing


def _given(value: Any) -> Any:
    """None for a value that says "not given": an empty text or an empty list of codes."""
    return None if value == "" or value == [] else value


def _canonical(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def validate_form(form: str, items: Mapping[str, Any], context: FormContext) -> dict[str, Any]:
    """Validate the items of `form`; return every item of the form in canonical JSON form.

    Raises FormInvalid with one message per bad item (all of them at once).
    """
    specs = ITEM_BY_NAME.get(form) if isinstance(form, str) else None
    if specs is None:
        raise FormInvalid({"form": f"Unknown form: {form}"})
    if not isinstance(items, Mapping):
        raise FormInvalid({"items": messages.NOT_ITEMS})
    unknown = {str(key): messages.UNKNOWN_ITEM for key in items if key not in specs}
    data = {key: value for key, value in items.items() if key in specs}
    values, failing = _field_values(FORM_MODELS[form], data)
    values = {name: _given(value) for name, value in values.items()}

    errors: dict[str, str] = {}
    for spec in ITEMS[form]:
        if spec.name in failing:
            given_null = data.get(spec.name, "") is None
            errors[spec.name] = messages.REQUIRED if given_null else messages.item_message(spec)
        elif spec.required and values[spec.name] is None:
            errors[spec.name] = messages.REQUIRED
    for name, message in check_rules(form, values, context).items():
        errors.setdefault(name, message)
    if errors or unknown:
        ordered = {spec.name: errors[spec.name] for spec in ITEMS[form] if spec.name in errors}
        raise FormInvalid({**ordered, **unknown})
    return {spec.name: _canonical(values[spec.name]) for spec in ITEMS[form]}
