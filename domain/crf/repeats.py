"""Repeat keys assigned in order: adverse events are numbered 1, 2, 3... per participant."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from domain.errors import FormInvalid
from domain.wording import Message

# Repeating forms whose key the system assigns (the weekly report's WEEK is the patient's).
ASSIGNED_KEY_ITEM = {"adverse_event": "AE_NO"}


def with_assigned_key(
    form: str, items: Mapping[str, Any], taken: Callable[[], Iterable[int]]
) -> dict[str, Any]:
    """The items with their repeat key: the next number for a new entry, or the one given.
    `taken` gives the numbers entered so far, asked only for a form whose key is assigned.

    A given key must name an entry already made (a correction) or be the next number, so that
    the numbers stay in order without gaps.
    """
    key_item = ASSIGNED_KEY_ITEM.get(form)
    result = dict(items)
    if key_item is None:
        return result
    numbers = set(taken())
    following = max(numbers, default=0) + 1
    given = result.get(key_item)
    if given is None:
        result[key_item] = following
    elif type(given) is not int or not (given in numbers or given == following):
        raise FormInvalid(
            {
                key_item: Message(
                    "Must be the number of an entered event or the next one (%(next)s)",
                    next=following,
                )
            }
        )
    return result
