"""One strict pydantic model per form, generated from the item specifications.

Every field is optional in the model: requirements (some conditional) are checked afterwards, so
that one missing item never hides the problems of another and every message is our own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model

from domain.crf.items import ITEMS
from domain.crf.messages import text_limit
from domain.crf.spec import Code, ItemSpec
from domain.text import checked_text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> date:
    # Only "YYYY-MM-DD": date.fromisoformat alone would also take "20240301" or "2024-W09-5".
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("not a YYYY-MM-DD date")
    return date.fromisoformat(value)  # still refuses 2024-02-30


def _free_text(value: Any) -> Any:
    return checked_text(value) if isinstance(value, str) else value


def _member_of(allowed: tuple[Code, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError("unknown code")
        return value

    return check


def _unique_in_code_order(allowed: tuple[Code, ...]) -> Callable[[list[Any]], list[Any]]:
    def check(values: list[Any]) -> list[Any]:
        if len(set(values)) != len(values):
            raise ValueError("a code is repeated")
        return sorted(values, key=allowed.index)

    return check


def _code_type(spec: ItemSpec) -> Any:
    base = int if spec.numeric_codes else str
    return Annotated[base, AfterValidator(_member_of(spec.code_values))]


def field_type(spec: ItemSpec) -> Any:
    """The strict type of one item's value (the model adds None for "not given")."""
    match spec.datatype:
        case "integer":
            return Annotated[int, Field(ge=spec.min, le=spec.max)]
        case "float":
            return Annotated[float, Field(ge=spec.min, le=spec.max, allow_inf_nan=False)]
        case "date":
            return Annotated[date, BeforeValidator(_iso_date)]
        case "text":
            # The free-text rule (domain.text) is part of the type: every text item has it,
            # checked before surrounding whitespace (which includes some controls) is trimmed.
            free_text = BeforeValidator(_free_text)
            return Annotated[str, Field(max_length=text_limit(spec)), free_text]
        case "codes":
            unique = AfterValidator(_unique_in_code_order(spec.code_values))
            return Annotated[list[_code_type(spec)], unique]  # type: ignore[misc]
        case _:
            return _code_type(spec)


def _model(form: str, specs: tuple[ItemSpec, ...]) -> type[BaseModel]:
    fields: dict[str, Any] = {spec.name: (field_type(spec) | None, None) for spec in specs}
    name = "".join(part.capitalize() for part in form.split("_")) + "Items"
    config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)
    return create_model(name, __config__=config, **fields)


FORM_MODELS: dict[str, type[BaseModel]] = {
    form: _model(form, specs) for form, specs in ITEMS.items()
}
