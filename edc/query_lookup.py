"""Finding a participant's queries through their QueryIndex (no scan of the event store)."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.query import Query, QueryStatus
from domain.query_index import QueryIndex, query_index_id
from edc.base import TrialBase


def load_query_index(app: TrialBase, participant_id: UUID) -> QueryIndex | None:
    try:
        index: QueryIndex = app.repository.get(query_index_id(participant_id))
    except AggregateNotFoundError:
        return None
    return index


def queries_of(app: TrialBase, participant_id: UUID) -> list[Query]:
    """The participant's queries in the order they were raised."""
    index = load_query_index(app, participant_id)
    if index is None:
        return []
    return [app.repository.get(query_id) for query_id in index.queries]


def open_query_counts(app: TrialBase, participant_id: UUID) -> dict[str, int]:
    """Per form, how many of the participant's queries are not closed (open or answered)."""
    counts: dict[str, int] = {}
    for query in queries_of(app, participant_id):
        if query.status is not QueryStatus.CLOSED:
            counts[query.form] = counts.get(query.form, 0) + 1
    return counts
