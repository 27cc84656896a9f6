"""`coerce_text_values`: turn the strings of an HTML form post into the JSON types of the API.

Purely syntactic: anything that does not look like its type is passed on unchanged, so that
`validate_form` reports it with the item's message. No rule is decided here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from domain.crf.items import ITEM_BY_NAME
from domain.crf.spec import ItemSpec
from domain.errors import FormInvalid
from domain.wording import Message

# ASCII digits only (`\d` would take "٣٥" as 35) and bounded: no item needs more digits, and
# Python refuses to read integers of more than 4,300 digits. Longer texts go on unchanged, so
# validation answers them with the item's message.
_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")
# A decimal comma is accepted too: the trial's forms are filled in Denmark.
_DECIMAL = re.compile(r"[+-]?([0-9]{1,15}([.,][0-9]{0,15})?|[.,][0-9]{1,15})")


def _scalar(spec: ItemSpec, text: str) -> Any:
    if spec.datatype == "integer" or spec.numeric_codes:
        return int(text) if _WHOLE.fullmatch(text) else text
    if spec.datatype == "float":
        return float(text.replace(",", ".")) if _DECIMAL.fullmatch(text) else text
    return text


def _coerce(spec: ItemSpec, raw: str | list[str]) -> Any:
    if spec.datatype == "codes":
        texts = [raw] if isinstance(raw, str) else list(raw)
        return [_scalar(spec, text.strip()) for text in texts if text.strip()] or None
    if not isinstance(raw, str):
        if len(raw) != 1:
            return list(raw) or None  # several values for one item: validation will say so
        raw = raw[0]
    text = raw.strip()
    return _scalar(spec, text) if text else None


def coerce_text_values(form: str, raw: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """Convert posted strings to JSON types by item datatype; empty values are left out."""
    specs = ITEM_BY_NAME.get(form)
    if specs is None:
        raise FormInvalid({"form": Message("Unknown form: %(form)s", form=form)})
    coerced: dict[str, Any] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        result = value if spec is None else _coerce(spec, value)
        if result is not None:
            coerced[name] = result
    return coerced
