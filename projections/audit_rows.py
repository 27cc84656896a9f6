"""Audit index rows: one per event (one per changed item for a correction), for history pages.

A row says where the event is in the sequence, when, about which participant, form and item,
by whom in which role, and what type of event it was. Corrections also keep the old and new
value and the reason, so an item's history is read from the index alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.arm_revealing import ArmRevealingRecord
from domain.participant import Participant
from projections.batch import sorted_json

Handler = Callable[..., None]


@dataclass(frozen=True)
class EventKind:
    """What a projector needs to know about an event class, worked out once per class."""

    name: str
    handler: Handler | None
    participant_event: bool
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
            participant_event=issubclass(event_class, Participant.Event),
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


def index_rows(
    add: Callable[[tuple[Any, ...]], None],
    kind: EventKind,
    event: Any,
    position: int,
    at: str,
    participant_id: str | None,
    site: str | None,
) -> None:
    """Add the audit index rows of one event (columns as in `schema.AUDIT_COLUMNS`)."""
    actor = event.actor if kind.has_actor else {}
    if kind.screening:
        form: Any = "screening"
        key: Any = "screening"
    else:
        form = getattr(event, "form", None)
        key = getattr(event, "key", None)
    head = (
        at,
        participant_id,
        site if site is not None else actor.get("site"),
        form if form.__class__ is str else None,
        key if key.__class__ is str else None,
        actor.get("user"),
        actor.get("role"),
        kind.name,
        participant_id if kind.participant_event and participant_id else str(event.originator_id),
        event.originator_version,
    )
    if kind.correction:
        reason = event.reason
        for item, (old, new) in event.changes.items():
            add((position, item, *head, sorted_json({"old": old, "new": new, "reason": reason})))
        return
    item = getattr(event, "item", None) if kind.may_name_item else None
    add((position, item if item.__class__ is str else "", *head, None))
