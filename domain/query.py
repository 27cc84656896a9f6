"""The Query aggregate: a data clarification raised on one item of one participant's form.

Raised by a monitor or data manager, answered by the site (optionally with a correction of the
item, saved in the same atomic write as the answer), then closed or re-opened by whoever raised
it. Queries are never raised here on arm-revealing forms, so nothing here reveals the arm: those
are `domain.arm_revealing_query.ArmRevealingQuery`, which follows the same rules
(`QueryConversation`) in an aggregate whose every event is arm-revealing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.crf.items import ITEM_BY_NAME
from domain.errors import EdcError, FormInvalid, NotFound, PermissionDenied, StateConflict
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, FORMS, REPEATING_FORM_KEY_ITEM
from domain.text import require_text
from domain.wording import Label, Message, Word

MAX_QUERY_TEXT = 2000


class QueryStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


def query_text(text: object, what: Word, *, required: bool = True) -> str:
    """Free text of a query step: trimmed, bounded, and present when required."""
    value = require_text(text, "text", multiline=True).strip() if isinstance(text, str) else ""
    if required and not value:
        write = Message("Write %(what)s.", what=what)
        raise FormInvalid({"text": write}, write)
    if len(value) > MAX_QUERY_TEXT:
        message = Message("The text must be at most %(limit)s characters.", limit=MAX_QUERY_TEXT)
        raise FormInvalid({"text": message}, message)
    return value


def query_sheet_key(participant: Participant, form: str, item: str, week: int | None) -> str:
    """Check the form and item exist and return the sheet the query is about."""
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
    if form in ARM_REVEALING_FORMS:
        raise EdcError(
            Message(
                "The %(form)s form reveals the arm: it is not queried here.",
                form=Label(FORM_LABELS[form]),
            )
        )
    return queried_sheet_key(form, item, week, participant.sheets)


# How a repeat of a repeating form is asked for and named when it is missing.
_REPEAT_ASKED = {
    "weekly": Message("Say which week's report the query is about."),
    "adverse_event": Message("Say which adverse event the query is about."),
}


def _repeat_missing(form: str, number: int) -> Message:
    label = Label(FORM_LABELS[form])
    if form == "weekly":
        return Message("There is no %(form)s for week %(number)s.", form=label, number=number)
    if form == "adverse_event":
        return Message("There is no adverse event number %(number)s.", number=number)
    return Message("There is no %(form)s number %(number)s.", form=label, number=number)


def queried_sheet_key(form: str, item: str, repeat: int | None, sheets: Mapping[str, Any]) -> str:
    """The sheet of `sheets` a query on `item` of `form` is about (the repeat's, for a
    repeating form: a week's report, an adverse event); refuses an item the form lacks and a
    repeat not entered."""
    if not isinstance(item, str) or item not in ITEM_BY_NAME[form]:
        unknown = Message(
            "The %(form)s form has no item called %(item)s.",
            form=Label(FORM_LABELS[form]),
            item=repr(item),
        )
        raise FormInvalid({"item": unknown}, unknown)
    key_item = REPEATING_FORM_KEY_ITEM.get(form)
    if key_item is None:
        return form
    if isinstance(repeat, bool) or not isinstance(repeat, int):
        message = _REPEAT_ASKED.get(form) or Message(
            "Say which repeat of the form the query is about."
        )
        raise FormInvalid({"week": message}, message)
    key = Participant.sheet_key(form, {key_item: repeat})
    if key not in sheets:
        raise NotFound(_repeat_missing(form, repeat))
    return key


if TYPE_CHECKING:
    _AggregateBase = Aggregate
else:
    _AggregateBase = object


class QueryConversation(_AggregateBase):
    """The rules of a query's conversation, shared by the ordinary `Query` and the
    `ArmRevealingQuery`: answered (again) until closed, closed and re-opened by its raiser.

    Each aggregate defines its own events (`Answered`, `Closed`, `Reopened`) and what every
    step event carries besides (`step_fields`).
    """

    if TYPE_CHECKING:
        Answered: type[Aggregate.Event]
        Closed: type[Aggregate.Event]
        Reopened: type[Aggregate.Event]
        key: str
        raised_by: dict[str, Any]
        status: QueryStatus
        history: list[dict[str, Any]]

    def step_fields(self) -> dict[str, Any]:
        """What each step event carries besides its text and actor."""
        return {}

    def answer(
        self, text: str, changes: dict[str, list[Any]] | None, actor: Actor, at: datetime
    ) -> None:
        self.check_answerable()
        self.trigger_event(
            self.Answered,
            timestamp=at,
            text=query_text(text, Word("the answer")),
            changes=changes or None,
            actor=actor.as_dict(),
            **self.step_fields(),
        )

    def close(self, text: str | None, actor: Actor, at: datetime) -> None:
        self.check_raiser(actor, Word("close"))
        if self.status is QueryStatus.CLOSED:
            raise StateConflict("This query is already closed.")
        self.trigger_event(
            self.Closed,
            timestamp=at,
            text=query_text(text, Word("a comment"), required=False),
            actor=actor.as_dict(),
            **self.step_fields(),
        )

    def reopen(self, text: str, actor: Actor, at: datetime) -> None:
        self.check_raiser(actor, Word("re-open"))
        if self.status is QueryStatus.OPEN:
            raise StateConflict("This query is already open.")
        self.trigger_event(
            self.Reopened,
            timestamp=at,
            text=query_text(text, Word("why the query is re-opened")),
            actor=actor.as_dict(),
            **self.step_fields(),
        )

    # ---- rules and state --------------------------------------------------------------------

    def check_answerable(self) -> None:
        """A query is answered, and answered again, until its raiser closes it (a site that
        forgot a correction, or learnt more, adds to its answer without waiting)."""
        if self.status is QueryStatus.CLOSED:
            raise StateConflict(
                Message(
                    "This query is %(status)s: only an open query is answered.",
                    status=Word(self.status.value),
                )
            )

    def check_raiser(self, actor: Actor, verb: Word) -> None:
        if actor.user != self.raised_by["user"]:
            raise PermissionDenied(
                Message(
                    "Only %(user)s, who raised this query, may %(verb)s it.",
                    user=self.raised_by["user"],
                    verb=verb,
                )
            )

    def step(
        self,
        status: QueryStatus,
        step: str,
        actor: dict[str, Any],
        at: datetime,
        text: str,
        changes: dict[str, list[Any]] | None = None,
    ) -> None:
        """Apply one step of the conversation (the events' `apply`)."""
        self.status = status
        self.note(step, actor, at, text, changes)

    def note(
        self,
        step: str,
        actor: dict[str, Any],
        at: datetime,
        text: str,
        changes: dict[str, list[Any]] | None = None,
    ) -> None:
        entry = {"step": step, "user": actor["user"], "role": actor["role"], "at": at, "text": text}
        if changes:
            entry["changes"] = {item: list(change) for item, change in changes.items()}
        self.history.append(entry)

    @property
    def week(self) -> int | None:
        """The repeat of a repeating form the query is about (a week, an adverse event)."""
        return int(self.key.split(":")[1]) if ":" in self.key else None


class Query(QueryConversation, Aggregate):
    """One question about one item, and its conversation until it is closed."""

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
        """The site's answer; `changes` (item -> [old, new]) when it came with a correction."""

        text: str
        changes: dict[str, list[Any]] | None
        actor: dict[str, Any]

        def apply(self, aggregate: Query) -> None:
            aggregate.step(
                QueryStatus.ANSWERED,
                "answered",
                self.actor,
                self.timestamp,
                self.text,
                self.changes,
            )

    class Closed(Aggregate.Event):
        text: str
        actor: dict[str, Any]

        def apply(self, aggregate: Query) -> None:
            aggregate.step(QueryStatus.CLOSED, "closed", self.actor, self.timestamp, self.text)

    class Reopened(Aggregate.Event):
        text: str
        actor: dict[str, Any]

        def apply(self, aggregate: Query) -> None:
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
        # The library sets created_on (the event's time) before calling __init__.
        self.note("raised", actor, self.created_on, text)

    # ---- commands -------------------------------------------------------------------------

    @classmethod
    def raise_on(
        cls,
        query_id: UUID,
        participant: Participant,
        form: str,
        item: str,
        text: str,
        actor: Actor,
        at: datetime,
        *,
        week: int | None = None,
    ) -> Query:
        """Raise a query on an item of a participant's form (and week, for weekly reports)."""
        key = query_sheet_key(participant, form, item, week)
        return cls._create(
            cls.Raised,
            id=query_id,
            timestamp=at,
            participant_id=participant.id,
            screening_number=participant.screening_number,
            site=participant.site,
            form=form,
            key=key,
            item=item,
            text=query_text(text, Word("the question")),
            actor=actor.as_dict(),
        )
