"""The SiteRegister aggregate: the screening log of one site, issuing screening numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate


def site_register_id(site: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"modic-edc/sites/{site}")


class SiteRegister(Aggregate):
    """A site's screening log: numbers are issued in order and never reused."""

    class Opened(Aggregate.Created):
        site: str

    class NumberIssued(Aggregate.Event):
        participant_id: UUID
        screening_number: str
        actor: dict[str, Any]

        def apply(self, aggregate: SiteRegister) -> None:
            aggregate.participants.append(self.participant_id)

    def __init__(self, site: str) -> None:
        self.site = site
        self.participants: list[UUID] = []

    @classmethod
    def open(cls, site: str, at: datetime) -> SiteRegister:
        return cls._create(cls.Opened, id=site_register_id(site), timestamp=at, site=site)

    def issue_number(self, participant_id: UUID, actor: dict[str, Any], at: datetime) -> str:
        number = f"{self.site}-{len(self.participants) + 1:04d}"
        self.trigger_event(
            self.NumberIssued,
            timestamp=at,
            participant_id=participant_id,
            screening_number=number,
            actor=actor,
        )
        return number
