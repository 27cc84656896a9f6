"""Item values as text, the same way in every export (CSV cells, ODM values, dictionary)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# Multi-code items (MODIC_LEVELS) are one cell: codes in entry order, joined by this.
MULTI_CODE_SEPARATOR = ";"


def as_text(value: Any) -> str:
    """A value as text; None is the empty string (a missing value)."""
    # Most values are texts and whole numbers: answered before the other checks.
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):  # never stored, but a bool must not print as "True"
        return "Y" if value else "N"
    if isinstance(value, list | tuple):
        return MULTI_CODE_SEPARATOR.join(as_text(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    return str(value)


def is_missing(value: Any) -> bool:
    return value is None or value == "" or value == []
