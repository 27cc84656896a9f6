"""The ReportLink aggregate: how a participant reports the weekly questions without logging in.

A site gives the participant a personal link (an unguessable token) and may register the phone
number their SMS replies come from. Neither secret is stored: the aggregate's id is derived
from a keyed digest of the token (or of the phone number), so the link can be found from the
secret and the secret cannot be found from the store. A link is revoked when it is lost or the
participant stops reporting.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import FormInvalid, StateConflict
from domain.protocol import LAST_REPORT_WEEK

CHANNELS = ("link", "sms")


def report_link_id(channel: str, digest: str) -> UUID:
    """The id of the link whose secret has this digest (hex), for a channel."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    return uuid5(NAMESPACE_URL, f"modic-edc/report-links/{channel}/{digest}")


class ReportLink(Aggregate):
    """One way into one participant's weekly report: a personal link or a phone number."""

    class Issued(Aggregate.Created):
        participant_id: UUID
        channel: str
        actor: dict[str, Any]

    class Revoked(Aggregate.Event):
        actor: dict[str, Any]

        def apply(self, aggregate: ReportLink) -> None:
            aggregate.active = False

    class Reinstated(Aggregate.Event):
        """A removed phone number registered again (perhaps for another participant)."""

        participant_id: UUID
        actor: dict[str, Any]

        def apply(self, aggregate: ReportLink) -> None:
            aggregate.active = True
            aggregate.participant_id = self.participant_id

    def __init__(self, participant_id: UUID, channel: str, actor: dict[str, Any]) -> None:
        self.participant_id = participant_id
        self.channel = channel
        self.active = True

    @classmethod
    def issue(
        cls, channel: str, digest: str, participant_id: UUID, actor: Actor, at: datetime
    ) -> ReportLink:
        return cls._create(
            cls.Issued,
            id=report_link_id(channel, digest),
            timestamp=at,
            participant_id=participant_id,
            channel=channel,
            actor=actor.as_dict(),
        )

    def reinstate(self, participant_id: UUID, actor: Actor, at: datetime) -> None:
        if self.active:
            raise StateConflict("This phone number is already registered for weekly reports.")
        self.trigger_event(
            self.Reinstated, timestamp=at, participant_id=participant_id, actor=actor.as_dict()
        )

    def revoke(self, actor: Actor, at: datetime) -> None:
        if not self.active:
            raise StateConflict("This report link is already revoked.")
        self.trigger_event(self.Revoked, timestamp=at, actor=actor.as_dict())


def report_week(randomised_on: date, today: date) -> int:
    """The week a report sent today is about: the last completed week since randomisation
    (days 0-6 are week 1, reported from day 7); before that, week 1."""
    return min(LAST_REPORT_WEEK, max(1, (today - randomised_on).days // 7))


def report_week_days(randomised_on: date, week: int) -> tuple[date, date]:
    """The first and last day a report week covers (week 1: days 0-6 after randomisation)."""
    first = randomised_on + timedelta(days=7 * (week - 1))
    return first, first + timedelta(days=6)


_NUMBER = re.compile(r"[0-9]+")  # ASCII digits: `\d` would read "٣" as 3


def parse_sms_reply(text: str) -> tuple[int, int]:
    """The two numbers of an SMS reply: days with low back pain, days on sick leave."""
    numbers = _NUMBER.findall(text or "")
    if len(numbers) != 2 or len(text) > 160:
        raise FormInvalid(
            {"text": "Reply with two numbers: days with back pain, days on sick leave."},
            "Reply with two numbers, for example: 3 0",
        )
    return int(numbers[0]), int(numbers[1])
