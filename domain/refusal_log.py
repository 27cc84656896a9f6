"""The log of refused actions: who tried what, when, and why it was refused.

Every denied command and failed login is appended to one event-sourced log (an
`EventSourcedLog`, never replayed into state) in the same event store as the trail, so the hash
chain covers it too. A record keeps the names of the items involved, never their values: the
values were rejected, and storing them would put unvalidated clinical data in the trail. A
refusal about arm-revealing data (adherence) keeps neither item names nor the detailed message,
because blinded monitors read this log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent

from domain.errors import EdcError
from domain.protocol import ARM_LABELS, ARM_REVEALING_FORMS, ARMS
from domain.text import refused_replaced
from domain.wording import message_record

REFUSAL_LOG_ID: UUID = uuid5(NAMESPACE_URL, "modic-edc/refusals")

# Arguments that name *what* a command was about (ids, form and account names), kept in the
# record. Anything else (item values, passwords, free text) is left out: an allow-list, so a
# new command with a new clinical argument cannot leak it into the log by default.
TARGET_PARAMETERS = (
    "participant_id",
    "form",
    "item",
    "query_id",
    "name",
    "token_id",
    "role",
    "site",
    "meaning",
    "scope",
    "blinded",
    "expected_version",
    "week",
    "since",
    "limit",
    "position",
    "at",
    "user",
    "event_type",
)
# Arguments that map item names to submitted values: only the names are kept.
ITEM_ARGUMENTS = ("items", "correction")
MAX_FIELD = 100
MAX_MESSAGE = 500
MAX_ITEMS = 200
WITHHELD = "(details withheld: they concern arm-revealing data)"
_ARM_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in {*map(str, ARMS), *ARM_LABELS.values()}) + r")\b",
    re.IGNORECASE,
)


# The library makes every DomainEvent subclass a frozen dataclass; saying so lets mypy see it.
@dataclass(frozen=True)
class CommandRefused(DomainEvent):
    """A command, query or login was refused; nothing it asked for was stored."""

    actor: dict[str, Any]
    command: str
    target: dict[str, str]
    code: str
    message: str
    items: list[str]
    # The message's id and holes (domain.wording.message_record), so that each reader reads it
    # in their language; records made before there were any keep their English only.
    message_id: str | None = None
    message_params: dict[str, Any] | None = None


def _short(value: object, limit: int = MAX_FIELD) -> str:
    # What a refused command carried is kept even when it broke the free-text rule, with the
    # characters the rule refuses replaced (domain.text), so none reorders a reader's page.
    text = refused_replaced(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item_names(names: Iterable[object]) -> list[str]:
    return sorted({_short(name) for name in names})[:MAX_ITEMS]


def refusal_fields(command: str, arguments: Mapping[str, Any], error: EdcError) -> dict[str, Any]:
    """What the log keeps of a refusal: the command, its targets, the error, item *names*."""
    target = {
        name: _short(arguments[name])
        for name in TARGET_PARAMETERS
        if arguments.get(name) is not None
    }
    fields = getattr(error, "fields", None)
    submitted = [arguments.get(name) for name in ITEM_ARGUMENTS]
    if isinstance(fields, Mapping) and fields:
        items = _item_names(fields)
    else:
        items = _item_names(name for m in submitted if isinstance(m, Mapping) for name in m)
    message = _short(error.message, MAX_MESSAGE)
    arm_revealing = (
        error.arm_revealing
        or arguments.get("form") in ARM_REVEALING_FORMS
        or any(form in command for form in ARM_REVEALING_FORMS)
    )
    if arm_revealing:
        # Which adherence items were sent or rejected hints at the arm (each arm has its own).
        target.pop("item", None)
        if items or fields or error.arm_revealing:
            message = WITHHELD
        items = []
    if _ARM_WORDS.search(message):
        message = WITHHELD
    # The id and holes only of a message kept whole: a withheld or shortened one is read as
    # stored, so no hole can show a reader what the stored English leaves out.
    worded = message_record(error.message) if message == error.message else None
    record: dict[str, Any] = {
        "command": command,
        "target": target,
        "code": error.code,
        "message": message,
        "items": items,
    }
    if worded is not None:
        record["message_id"], record["message_params"] = worded
    return record
