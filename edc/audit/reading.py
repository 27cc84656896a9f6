"""Reading the stored event sequence for audit views: one aggregate with positions, by topic."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.blinding import CLASSIFICATION
from edc.audit.store import chain_recorder

SCAN_PAGE = 1000


def aggregate_notifications(app: Application, originator_id: UUID | str) -> list[Notification]:
    """One aggregate's stored events with their notification positions, in version order."""
    read = getattr(app.recorder, "aggregate_notifications", None)
    if read is not None:
        found: list[Notification] = read(originator_id)
        return found
    # Stores without the sealing recorder (in memory): scan, which is fine at their size.
    return [n for n in scan(app, 0) if n.originator_id == originator_id]


def notifications_concerning(app: Application, participant_id: UUID) -> list[Notification] | None:
    """Events recorded as concerning a participant (the chain's locator), in order.

    None when the store keeps no chain. Events of a store adopted from before the locator
    existed are not located; a participant's own events are always found by aggregate id.
    """
    if not hasattr(app.recorder, "positions_concerning"):
        return None
    recorder = chain_recorder(app)
    return recorder.notifications_at(recorder.positions_concerning(participant_id))


def scan(
    app: Application, after: int, topics: Sequence[str] = (), page: int = SCAN_PAGE
) -> Iterator[Notification]:
    """The stored sequence after a position, in order, read in pages."""
    while True:
        rows = app.recorder.select_notifications(start=after + 1, limit=page, topics=list(topics))
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].id


def scan_back(
    app: Application,
    before: int,
    topics: Sequence[str] = (),
    page: int = SCAN_PAGE,
    lowest: int = 1,
) -> Iterator[Notification]:
    """The stored sequence before a position, newest first, read in windows of positions."""
    upper = before - 1
    while upper >= lowest:
        start = max(lowest, upper - page + 1)
        rows = app.recorder.select_notifications(
            start=start, limit=page, stop=upper, topics=list(topics)
        )
        yield from reversed(rows)
        upper = start - 1


def has_field(cls: type, name: str) -> bool:
    return dataclasses.is_dataclass(cls) and any(f.name == name for f in dataclasses.fields(cls))


@cache
def participant_linked_topics() -> tuple[str, ...]:
    """Topics of other aggregates' events that name a participant (allocations, queries...)."""
    return tuple(
        sorted(get_topic(cls) for cls in _event_classes() if has_field(cls, "participant_id"))
    )


def _event_classes() -> Iterable[type]:
    # Every event class is registered once in domain.blinding (a test checks it).
    return CLASSIFICATION.keys()
