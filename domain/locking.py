"""Locks on a participant's forms and whole casebook, set and lifted by data managers.

A locked form (or a locked participant) refuses every change until it is unlocked, and an
unlock needs a reason, so the trail shows why locked data was opened again. Signing and
source data verification do not change data, so they are allowed on locked forms.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from domain import errors
from domain.actor import Actor
from domain.protocol import FORM_LABELS, TIME_ZONE
from domain.text import normalise_line_breaks, text_problem
from domain.wording import Label, Message, Moment, Word

if TYPE_CHECKING:
    _AggregateBase = Aggregate
else:
    _AggregateBase = object

MAX_UNLOCK_REASON = 500
MAX_LOCK_REASON = 500
SITE_ZONE = ZoneInfo(TIME_ZONE)


def lock_record(actor: dict[str, Any], at: datetime, reason: str | None = None) -> dict[str, Any]:
    return {"user": actor["user"], "role": actor["role"], "at": at, "reason": reason}


def describe_lock(lock: dict[str, Any]) -> str:
    """Who locked and when, in the site's time with its zone (the time a site reads)."""
    holes = {"user": lock["user"], "role": Word(lock["role"]), "at": Moment(lock["at"])}
    if lock.get("reason"):
        return Message(
            "by %(user)s (%(role)s) on %(at)s (%(reason)s)", **holes, reason=lock["reason"]
        )
    return Message("by %(user)s (%(role)s) on %(at)s", **holes)


def check_lock_reason(reason: str | None) -> str | None:
    """Why a form or participant is locked, shown to the site: optional, one bounded text."""
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise errors.ReasonRequired("The reason must be text.", fields={"reason": "Not text"})
    if problem := text_problem(reason, multiline=True):
        raise errors.ReasonRequired(
            Message("The reason: %(problem)s", problem=problem), fields={"reason": problem}
        )
    text = normalise_line_breaks(reason).strip()
    if len(text) > MAX_LOCK_REASON:
        raise errors.ReasonRequired(
            Message("The reason must be at most %(limit)s characters.", limit=MAX_LOCK_REASON),
            fields={"reason": "Too long"},
        )
    return text or None


def check_unlock_reason(reason: str | None) -> str:
    """An unlock must say why; the text is stored in the unlock event."""
    if isinstance(reason, str) and (problem := text_problem(reason, multiline=True)):
        raise errors.ReasonRequired(
            Message("The reason: %(problem)s", problem=problem), fields={"reason": problem}
        )
    text = normalise_line_breaks(reason).strip() if isinstance(reason, str) else ""
    if not text:
        raise errors.ReasonRequired(
            "Unlocking needs a reason.", fields={"reason": "Give the reason for unlocking"}
        )
    if len(text) > MAX_UNLOCK_REASON:
        raise errors.ReasonRequired(
            Message("The reason must be at most %(limit)s characters.", limit=MAX_UNLOCK_REASON),
            fields={"reason": "Too long"},
        )
    return text


class LockingMixin(_AggregateBase):
    """Form and participant locks of a Participant."""

    if TYPE_CHECKING:
        screening_number: str
        form_locks: dict[str, dict[str, Any]]
        participant_lock: dict[str, Any] | None

    class FormLocked(Aggregate.Event):
        form: str
        actor: dict[str, Any]
        # Why, as the data manager said it (locks recorded before reasons existed have none).
        reason: str | None = None

        def apply(self, aggregate: LockingMixin) -> None:
            aggregate.form_locks[self.form] = lock_record(self.actor, self.timestamp, self.reason)

    class FormUnlocked(Aggregate.Event):
        form: str
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: LockingMixin) -> None:
            aggregate.form_locks.pop(self.form, None)

    class Locked(Aggregate.Event):
        """The whole participant (every form, randomisation) is locked."""

        actor: dict[str, Any]
        reason: str | None = None

        def apply(self, aggregate: LockingMixin) -> None:
            aggregate.participant_lock = lock_record(self.actor, self.timestamp, self.reason)

    class Unlocked(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: LockingMixin) -> None:
            aggregate.participant_lock = None

    # ---- commands -------------------------------------------------------------------------

    def lock_form(self, form: str, actor: Actor, at: datetime, reason: str | None = None) -> None:
        text = check_lock_reason(reason)
        if form in self.form_locks:
            raise errors.StateConflict(
                Message(
                    "The %(form)s form of %(number)s is already locked %(lock)s.",
                    form=Label(FORM_LABELS[form]),
                    number=self.screening_number,
                    lock=describe_lock(self.form_locks[form]),
                )
            )
        self.trigger_event(
            self.FormLocked, timestamp=at, form=form, actor=actor.as_dict(), reason=text
        )

    def unlock_form(self, form: str, reason: str | None, actor: Actor, at: datetime) -> None:
        text = check_unlock_reason(reason)
        if form not in self.form_locks:
            raise errors.StateConflict(
                Message(
                    "The %(form)s form of %(number)s is not locked.",
                    form=Label(FORM_LABELS[form]),
                    number=self.screening_number,
                )
            )
        self.trigger_event(
            self.FormUnlocked, timestamp=at, form=form, reason=text, actor=actor.as_dict()
        )

    def lock_participant(self, actor: Actor, at: datetime, reason: str | None = None) -> None:
        text = check_lock_reason(reason)
        if self.participant_lock is not None:
            raise errors.StateConflict(
                Message(
                    "Participant %(number)s is already locked %(lock)s.",
                    number=self.screening_number,
                    lock=describe_lock(self.participant_lock),
                )
            )
        self.trigger_event(self.Locked, timestamp=at, actor=actor.as_dict(), reason=text)

    def unlock_participant(self, reason: str | None, actor: Actor, at: datetime) -> None:
        text = check_unlock_reason(reason)
        if self.participant_lock is None:
            raise errors.StateConflict(
                Message("Participant %(number)s is not locked.", number=self.screening_number)
            )
        self.trigger_event(self.Unlocked, timestamp=at, reason=text, actor=actor.as_dict())

    # ---- rules ----------------------------------------------------------------------------

    def check_participant_unlocked(self) -> None:
        if self.participant_lock is not None:
            raise errors.Locked(
                Message(
                    "Participant %(number)s is locked %(lock)s; a data manager must unlock it, "
                    "with a reason, before anything can change.",
                    number=self.screening_number,
                    lock=describe_lock(self.participant_lock),
                )
            )

    def check_form_unlocked(self, form: str) -> None:
        """Refuse a change to a locked form or to any form of a locked participant."""
        self.check_participant_unlocked()
        lock = self.form_locks.get(form)
        if lock is not None:
            raise errors.Locked(
                Message(
                    "The %(form)s form of %(number)s is locked %(lock)s; a data manager must "
                    "unlock it, with a reason, before it can change.",
                    form=Label(FORM_LABELS[form]),
                    number=self.screening_number,
                    lock=describe_lock(lock),
                )
            )

    def is_form_locked(self, form: str) -> bool:
        return self.participant_lock is not None or form in self.form_locks
