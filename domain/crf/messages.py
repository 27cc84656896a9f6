"""Messages for a site nurse, one per item, built from the item specifications.

A value of the wrong type and a value out of range get the same message: it says what is
allowed, which is what the person entering data needs to know.
"""

from __future__ import annotations

from domain.crf.spec import Code, ItemSpec
from domain.wording import Message

TEXT_MAX_LENGTH = 1000


class Missing(Message):
    """A message saying that a required item is empty: a draft may be saved with it."""


def is_missing(message: str) -> bool:
    return isinstance(message, Missing)


REQUIRED = "Required"
UNKNOWN_ITEM = "Unknown item"
NOT_IN_FUTURE = "Must not be in the future"
NOT_APPLICABLE_ONLY_MALE = "Not applicable is only allowed for male participants"
NOT_ITEMS = "Items must be given as item names with their values"


def text_limit(spec: ItemSpec) -> int:
    return int(spec.max) if spec.max is not None else TEXT_MAX_LENGTH


def on_or_after(what: str, day: str) -> str:
    return f"Must be on or after {what} ({day})"


def before_trial_start(start: str) -> str:
    return f"Must not be before the trial started ({start})"


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


def _code(value: Code, label: str) -> str:
    return str(value) if str(value).lower() == label.lower() else f"{value} ({label})"


def _choices(spec: ItemSpec) -> str:
    parts = [_code(value, label) for value, label in spec.codes]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def item_message(spec: ItemSpec) -> str:
    """What the item accepts, in words: the message for any value it does not accept."""
    low, high = _number(spec.min), _number(spec.max)
    match spec.datatype:
        case "integer":
            return f"{spec.label} must be a whole number from {low} to {high}"
        case "float":
            return f"{spec.label} must be a number from {low} to {high}"
        case "date":
            return f"{spec.label} must be a date written as YYYY-MM-DD"
        case "text":
            return f"{spec.label} must be text of at most {text_limit(spec)} characters"
        case "codes":
            return f"{spec.label} must be a list of {_choices(spec)}, each at most once"
        case _ if spec.numeric_codes:
            return f"{spec.label} must be one of the numbers {_choices(spec)}"
        case _:
            return f"{spec.label} must be {_choices(spec)}"
