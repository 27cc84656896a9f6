"""Audit index rows: one per event (one per changed item for a correction), for the audit
trail's locator (`ReadModels.audit_positions`).

A row says where the event is in the sequence, which form and item it is about and who made
it: what the trail's user, form and item filters ask. Nothing else is kept: the trail reads and
checks each event it locates from the store itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.arm_revealing import ArmRevealingRecord
from domain.participant import Participant

Handler = Callable[..., None]


@dataclass(frozen=True)
class EventKind:
    """What a projector needs to know about an event class, worked out once per class."""

    name: str
    handler: Handler | None
    screening: bool
    correction: bool
    has_actor: bool
    may_name_item: bool

    @classmethod
    def of(cls, event_class: type, handlers: Mapping[type, Handler]) -> EventKind:
        names = {n for klass in event_class.__mro__ for n in getattr(klass, "__annotations__", {})}
        # A named event (a milestone, a form's own entry event) is handled as the generic
        # event it specialises, unless it has a handler of its own.
        handler = next((handlers[k] for k in event_class.__mro__ if k in handlers), None)
        return cls(
            name=event_class.__qualname__,
            handler=handler,
            screening=issubclass(event_class, Participant.Screened),
            correction=issubclass(
                event_class, Participant.FormCorrected | ArmRevealingRecord.ItemsCorrected
            ),
            has_actor="actor" in names,
            may_name_item="item" in names,
        )


def participant_of(event: Any) -> str | None:
    """The participant an event is about, if any."""
    if isinstance(event, Participant.Event):
        return str(event.originator_id)
    participant_id = getattr(event, "participant_id", None)
    if isinstance(participant_id, UUID):
        return str(participant_id)
    return participant_id if isinstance(participant_id, str) else None


def participants_of(events: Iterable[Any]) -> list[str | None]:
    """`participant_of` for each event, each participant's id spelt out once."""
    found: list[str | None] = []
    add = found.append
    spelt: dict[Any, str] = {}
    for event in events:
        if isinstance(event, Participant.Event):
            originator = event.originator_id
            pid = spelt.get(originator)
            if pid is None:
                pid = spelt[originator] = str(originator)
            add(pid)
        else:
            add(participant_of(event))
    return found


def index_rows(
    add: Callable[[tuple[Any, ...]], None], kind: EventKind, event: Any, position: int
) -> None:
    """Add the audit index rows of one event (columns as in `schema.AUDIT_COLUMNS`)."""
    user = event.actor.get("user") if kind.has_actor else None
    if kind.screening:
        form: Any = "screening"
    else:
        form = getattr(event, "form", None)
        form = form if form.__class__ is str else None
    if kind.correction:
        for item in event.changes:
            add((position, item, form, user))
        return
    item = getattr(event, "item", None) if kind.may_name_item else None
    add((position, item if item.__class__ is str else "", form, user))
