"""ReportAccess: which weekly-report link and which phone number are live for one participant.

A participant has at most one live personal link and one registered phone. Making a new link
revokes the previous one; registering another number replaces the previous number; site staff
may revoke the link or remove the number at any time. The `ReportLink` aggregates (found by the
digest of their secret) are still what a link or an SMS is looked up by; this aggregate says
which of them is current, so a link made before another one no longer works.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import StateConflict
from domain.wording import Message

NOTHING_TO_REVOKE = {
    "link": Message("There is no live weekly-report link to revoke."),
    "sms": Message("There is no live phone number for SMS replies to revoke."),
}


def report_access_id(participant_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"modic-edc/report-access/{participant_id}")


class ReportAccess(Aggregate):
    """The live link and phone of one participant, with when and by whom each was given."""

    class Opened(Aggregate.Created):
        participant_id: UUID

    class Granted(Aggregate.Event):
        """A new link made or a phone registered; it replaces the channel's previous one."""

        channel: str
        link_id: UUID
        actor: dict[str, Any]

        def apply(self, aggregate: ReportAccess) -> None:
            aggregate.current[self.channel] = {
                "link_id": self.link_id,
                "at": self.timestamp,
                "user": self.actor["user"],
            }

    class Withdrawn(Aggregate.Event):
        """Site staff revoked the link or removed the phone number."""

        channel: str
        link_id: UUID
        actor: dict[str, Any]

        def apply(self, aggregate: ReportAccess) -> None:
            aggregate.current.pop(self.channel, None)

    def __init__(self, participant_id: UUID) -> None:
        self.participant_id = participant_id
        self.current: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, participant_id: UUID, at: datetime) -> ReportAccess:
        return cls._create(
            cls.Opened,
            id=report_access_id(participant_id),
            timestamp=at,
            participant_id=participant_id,
        )

    def live(self, channel: str) -> UUID | None:
        entry = self.current.get(channel)
        return entry["link_id"] if entry else None

    def grant(self, channel: str, link_id: UUID, actor: Actor, at: datetime) -> UUID | None:
        """Make `link_id` the channel's live one; returns the one it replaces, if any."""
        previous = self.live(channel)
        self.trigger_event(
            self.Granted, timestamp=at, channel=channel, link_id=link_id, actor=actor.as_dict()
        )
        return previous if previous != link_id else None

    def withdraw(self, channel: str, actor: Actor, at: datetime) -> UUID:
        link_id = self.live(channel)
        if link_id is None:
            raise StateConflict(NOTHING_TO_REVOKE[channel])
        self.trigger_event(
            self.Withdrawn, timestamp=at, channel=channel, link_id=link_id, actor=actor.as_dict()
        )
        return link_id

    def summary(self) -> dict[str, dict[str, Any] | None]:
        """What the participant page shows: per channel, when and by whom, or None."""
        return {
            channel: (
                {"issued_at": entry["at"], "issued_by": entry["user"]}
                if (entry := self.current.get(channel))
                else None
            )
            for channel in NOTHING_TO_REVOKE
        }
