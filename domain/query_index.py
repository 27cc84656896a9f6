"""The QueryIndex aggregate: which queries were raised on one participant.

Queries are aggregates of their own (so answering one never conflicts with entering a form), and
this small index, saved atomically with each new query, finds a participant's queries without
scanning the event store. Its id is derived from the participant's id.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate


def query_index_id(participant_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"modic-edc/queries-of/{participant_id}")


class QueryIndex(Aggregate):
    """The ids of the queries raised on one participant, in the order they were raised."""

    class Started(Aggregate.Created):
        participant_id: UUID

    class QueryAdded(Aggregate.Event):
        query_id: UUID
        form: str

        def apply(self, aggregate: QueryIndex) -> None:
            aggregate.queries[self.query_id] = self.form

    def __init__(self, participant_id: UUID) -> None:
        self.participant_id = participant_id
        self.queries: dict[UUID, str] = {}

    @classmethod
    def start(cls, participant_id: UUID, at: datetime) -> QueryIndex:
        return cls._create(
            cls.Started,
            id=query_index_id(participant_id),
            timestamp=at,
            participant_id=participant_id,
        )

    def add(self, query_id: UUID, form: str, at: datetime) -> None:
        self.trigger_event(self.QueryAdded, timestamp=at, query_id=query_id, form=form)
