"""`validate_form`: strict validation of one form's items into canonical JSON-native values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.crf import messages
from domain.crf.context import FormContext
from domain.crf.items import ITEM_BY_NAME, ITEMS
from domain.crf.missing import (
    MISSING_CODE_HINT,
    MISSING_CODE_ITEMS,
    companion,
    split_missing_codes,
)
from domain.crf.models import FORM_MODELS
from domain.crf.rules import check_rules
from domain.crf.spec import ItemSpec
from domain.errors import FormInvalid
from domain.text import text_problem
from domain.wording import Message


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


def _text_refusal(spec: ItemSpec, value: Any) -> str | None:
    """The free-text rule's own message (domain.text) for a text item it refused."""
    problem = text_problem(value) if spec.datatype == "text" and isinstance(value, str) else None
    return f"{spec.label}: {problem}" if problem else None


def _given(value: Any) -> Any:
    """None for a value that says "not given": an empty text or an empty list of codes."""
    return None if value == "" or value == [] else value


def _canonical(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _checked(
    form: str, items: Mapping[str, Any], context: FormContext
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Typed values, missing codes, and a message per item (missing ones as `Missing`)."""
    specs = ITEM_BY_NAME.get(form) if isinstance(form, str) else None
    if specs is None:
        raise FormInvalid({"form": Message("Unknown form: %(form)s", form=form)})
    if not isinstance(items, Mapping):
        raise FormInvalid({"items": messages.NOT_ITEMS})
    known = set(specs) | {companion(name) for name in MISSING_CODE_ITEMS[form]}
    unknown = {str(key): messages.UNKNOWN_ITEM for key in items if key not in known}
    plain, codes, code_errors = split_missing_codes(
        form, {key: value for key, value in items.items() if key in known}
    )
    values, failing = _field_values(FORM_MODELS[form], plain)
    values = {name: _given(value) for name, value in values.items()}

    errors: dict[str, str] = dict(code_errors)
    for spec in ITEMS[form]:
        if spec.name in errors or companion(spec.name) in errors:
            continue
        if spec.name in failing:
            given_null = plain.get(spec.name, "") is None
            coded = spec.name in MISSING_CODE_ITEMS[form] and isinstance(plain[spec.name], dict)
            hint = MISSING_CODE_HINT if coded else ""
            errors[spec.name] = (
                messages.Missing(messages.REQUIRED)
                if given_null
                else _text_refusal(spec, plain[spec.name]) or messages.item_message(spec) + hint
            )
        elif spec.required and values[spec.name] is None and spec.name not in codes:
            errors[spec.name] = messages.Missing(messages.REQUIRED)
    for name, message in check_rules(form, values, context).items():
        errors.setdefault(name, message)
    ordered = {spec.name: errors[spec.name] for spec in ITEMS[form] if spec.name in errors}
    rest = {name: text for name, text in errors.items() if name not in ordered}
    return values, codes, {**ordered, **rest, **unknown}


def validate_form(
    form: str, items: Mapping[str, Any], context: FormContext, *, complete: bool = True
) -> dict[str, Any]:
    """Validate the items of `form`; return every item of the form in canonical JSON form,
    with the missing-code companion of each questionnaire item (None when it has a value).

    A questionnaire item may be given as {"missing": "ANS" | "ND" | "UNK"}. With `complete`
    False the form is a draft: required items may still be empty (`missing_items` lists them).
    Raises FormInvalid with one message per bad item (all of them at once).
    """
    values, codes, errors = _checked(form, items, context)
    if not complete:
        errors = {name: text for name, text in errors.items() if not messages.is_missing(text)}
    if errors:
        raise FormInvalid(errors)
    canonical = {spec.name: _canonical(values[spec.name]) for spec in ITEMS[form]}
    for name in MISSING_CODE_ITEMS[form]:
        canonical[companion(name)] = codes.get(name)
    return canonical


def missing_items(form: str, sheet: Mapping[str, Any], context: FormContext) -> dict[str, str]:
    """The required items of a saved form that hold neither a value nor a missing code.

    An empty answer means the form is complete (CRF.md: every required item has a value or a
    missing code).
    """
    _values, _codes, errors = _checked(form, sheet, context)
    return {name: text for name, text in errors.items() if messages.is_missing(text)}
