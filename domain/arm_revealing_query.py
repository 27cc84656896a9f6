"""Queries on arm-revealing forms (adherence, adverse events, discontinuation), apart.

An `ArmRevealingQuery` is raised on an item of the participant's `ArmRevealingRecord` by an
unblinded monitor or data manager, answered by unblinded site staff or investigators (with a
correction of the record's item when the value changed), closed and re-opened by its raiser:
the rules of the ordinary `Query` (`QueryConversation`), in an aggregate of its own. Every
event of it and of its per-participant index is arm-revealing (`domain.blinding`): a query on
an adverse event tells that there is an adverse event. So no blinded-visible number counts
these queries: not the participant's version, not the ordinary query index, not a query count.
Every step names the participant, so the trail finds it without the query's creation event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.errors import NotFound
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, REPEATING_FORM_KEY_ITEM
from domain.query import QueryConversation, QueryStatus, queried_sheet_key, query_text
from domain.wording import Label, Message, Word


def arm_revealing_query_index_id(participant_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"modic-edc/arm-revealing-queries-of/{participant_id}")


def arm_revealing_sheet_key(
    record: ArmRevealingRecord | None, form: str, item: str, repeat: int | None
) -> str:
    """The record's sheet a query on `item` of arm-revealing `form` is about; the form (the
    adverse event, for that repeating form) must have been entered."""
    if form not in ARM_REVEALING_FORMS:
        raise NotFound(Message("There is no arm-revealing form called %(form)s.", form=repr(form)))
    sheets = record.sheets if record is not None else {}
    key = queried_sheet_key(form, item, repeat, sheets)
    if form not in REPEATING_FORM_KEY_ITEM and key not in sheets:
        raise NotFound(
            Message("The %(form)s form has not been entered.", form=Label(FORM_LABELS[form]))
        )
    return key


class ArmRevealingQuery(QueryConversation, Aggregate):
    """One question about one item of an arm-revealing form, until it is closed."""

    class Raised(Aggregate.Created):
        participant_id: UUID
        screening_number: str
        site: str
        form: str
        key: str
        item: str
        text: str
        actor: dict[str, Any]

    class Answered(Aggregate.Event):
        """The site's answer; `changes` (item -> [old, new]) when it came with a correction of
        the arm-revealing record, saved in the same atomic write."""

        participant_id: UUID
        text: str
        changes: dict[str, list[Any]] | None
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingQuery) -> None:
            aggregate.step(
                QueryStatus.ANSWERED,
                "answered",
                self.actor,
                self.timestamp,
                self.text,
                self.changes,
            )

    class Closed(Aggregate.Event):
        participant_id: UUID
        text: str
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingQuery) -> None:
            aggregate.step(QueryStatus.CLOSED, "closed", self.actor, self.timestamp, self.text)

    class Reopened(Aggregate.Event):
        participant_id: UUID
        text: str
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingQuery) -> None:
            aggregate.step(QueryStatus.OPEN, "reopened", self.actor, self.timestamp, self.text)

    def __init__(
        self,
        participant_id: UUID,
        screening_number: str,
        site: str,
        form: str,
        key: str,
        item: str,
        text: str,
        actor: dict[str, Any],
    ) -> None:
        self.participant_id = participant_id
        self.screening_number = screening_number
        self.site = site
        self.form = form
        self.key = key
        self.item = item
        self.text = text
        self.raised_by = dict(actor)
        self.status = QueryStatus.OPEN
        self.history: list[dict[str, Any]] = []
        self.note("raised", actor, self.created_on, text)

    @classmethod
    def raise_on(
        cls,
        query_id: UUID,
        record: ArmRevealingRecord | None,
        participant_id: UUID,
        screening_number: str,
        site: str,
        form: str,
        item: str,
        text: str,
        actor: Actor,
        at: datetime,
        *,
        repeat: int | None = None,
    ) -> ArmRevealingQuery:
        """Raise a query on an item of the participant's arm-revealing record (and adverse
        event number, for adverse events)."""
        key = arm_revealing_sheet_key(record, form, item, repeat)
        return cls._create(
            cls.Raised,
            id=query_id,
            timestamp=at,
            participant_id=participant_id,
            screening_number=screening_number,
            site=site,
            form=form,
            key=key,
            item=item,
            text=query_text(text, Word("the question")),
            actor=actor.as_dict(),
        )

    def step_fields(self) -> dict[str, Any]:
        return {"participant_id": self.participant_id}


class ArmRevealingQueryIndex(Aggregate):
    """The ids of the arm-revealing queries raised on one participant, in order (apart from
    the ordinary `QueryIndex`, whose version blinded readers may see)."""

    class Started(Aggregate.Created):
        participant_id: UUID

    class QueryAdded(Aggregate.Event):
        participant_id: UUID
        query_id: UUID
        form: str

        def apply(self, aggregate: ArmRevealingQueryIndex) -> None:
            aggregate.queries[self.query_id] = self.form

    def __init__(self, participant_id: UUID) -> None:
        self.participant_id = participant_id
        self.queries: dict[UUID, str] = {}

    @classmethod
    def start(cls, participant_id: UUID, at: datetime) -> ArmRevealingQueryIndex:
        return cls._create(
            cls.Started,
            id=arm_revealing_query_index_id(participant_id),
            timestamp=at,
            participant_id=participant_id,
        )

    def add(self, query_id: UUID, form: str, at: datetime) -> None:
        self.trigger_event(
            self.QueryAdded,
            timestamp=at,
            participant_id=self.participant_id,
            query_id=query_id,
            form=form,
        )
