"""Finding a participant's queries through their indexes (no scan of the event store).

Queries on arm-revealing forms have an index of their own (`ArmRevealingQueryIndex`), read
only for accounts the blind lets see those forms (`sees_arm_revealing_forms`), so a blinded
reader's lists, counts and their timing are the same whether such queries exist or not.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.actor import Actor
from domain.arm_revealing_query import (
    ArmRevealingQuery,
    ArmRevealingQueryIndex,
    arm_revealing_query_index_id,
)
from domain.query import Query, QueryStatus
from domain.query_index import QueryIndex, query_index_id
from edc.base import TrialBase
from edc.permissions import sees_arm_revealing_forms

AnyQuery = Query | ArmRevealingQuery


def load_query_index(app: TrialBase, participant_id: UUID) -> QueryIndex | None:
    try:
        index: QueryIndex = app.repository.get(query_index_id(participant_id))
    except AggregateNotFoundError:
        return None
    return index


def load_arm_revealing_query_index(
    app: TrialBase, participant_id: UUID
) -> ArmRevealingQueryIndex | None:
    try:
        index: ArmRevealingQueryIndex = app.repository.get(
            arm_revealing_query_index_id(participant_id)
        )
    except AggregateNotFoundError:
        return None
    return index


def queries_of(app: TrialBase, participant_id: UUID) -> list[Query]:
    """The participant's queries on blinded-safe forms in the order they were raised."""
    index = load_query_index(app, participant_id)
    if index is None:
        return []
    return [app.repository.get(query_id) for query_id in index.queries]


def arm_revealing_queries_of(app: TrialBase, participant_id: UUID) -> list[ArmRevealingQuery]:
    """The participant's queries on arm-revealing forms in the order they were raised (for
    unblinded readers and the database lock's checks only)."""
    index = load_arm_revealing_query_index(app, participant_id)
    if index is None:
        return []
    return [app.repository.get(query_id) for query_id in index.queries]


def visible_queries_of(app: TrialBase, actor: Actor, participant_id: UUID) -> list[AnyQuery]:
    """The participant's queries the reader may see: those on arm-revealing forms too when the
    blind allows (asked before their index is read)."""
    queries: list[AnyQuery] = list(queries_of(app, participant_id))
    if sees_arm_revealing_forms(actor):
        queries.extend(arm_revealing_queries_of(app, participant_id))
    return queries


def open_query_counts(app: TrialBase, actor: Actor, participant_id: UUID) -> dict[str, int]:
    """Per form the reader may see, how many of the participant's queries are not closed."""
    counts: dict[str, int] = {}
    for query in visible_queries_of(app, actor, participant_id):
        if query.status is not QueryStatus.CLOSED:
            counts[query.form] = counts.get(query.form, 0) + 1
    return counts
