"""Which participant each stored event concerns, recorded with its chain link as a locator.

A participant's own events are found by aggregate id; events of other aggregates that concern
them (the allocation, the screening log, queries, emergency unblinding) would otherwise need a
scan of the whole store. The recorder stores this column next to each link, in the same
transaction, and the participant trail looks it up. It is a locator, not evidence: the trail
re-reads and re-checks the events it points to, and the chain covers the events themselves.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from domain.participant import Participant

SUBJECTS_KEY = "audit_subjects"


def subject_of(event: Any, aggregate: Any) -> UUID | None:
    """The participant an event of another aggregate concerns: named in it or by its aggregate.

    None for the participant's own events: those are found by aggregate id.
    """
    if isinstance(aggregate, Participant):
        return None
    named = getattr(event, "participant_id", None) or getattr(aggregate, "participant_id", None)
    return named if isinstance(named, UUID) else None


def note_subjects(processing_event: ProcessingEvent[Any]) -> None:
    """Pass each event's participant to the recorder with the save (aligned with the events)."""
    processing_event.saved_kwargs[SUBJECTS_KEY] = [
        subject_of(event, processing_event.aggregates.get(event.originator_id))
        for event in processing_event.events
    ]
