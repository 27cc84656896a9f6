"""An unblinded export: who took which unblinded data, at which position (an audit fact).

Every unblinded export, snapshot, analysis run or download is recorded as one of these, in
the event store with the rest of the trail: the sponsor's auditor asks who saw the arms and
when. One small aggregate per export, so that recording one never conflicts with another.
The record holds no clinical data and no arm, so it is blinded-safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor


class UnblindedExport(Aggregate):
    class Taken(Aggregate.Created):
        kind: str
        as_of: int
        channel: str  # web, api or command line
        actor: dict[str, Any]

    def __init__(self, kind: str, as_of: int, channel: str, actor: dict[str, Any]) -> None:
        self.kind = kind
        self.as_of = as_of
        self.channel = channel
        self.actor = actor

    @classmethod
    def take(
        cls, export_id: UUID, kind: str, as_of: int, channel: str, actor: Actor, at: datetime
    ) -> UnblindedExport:
        return cls._create(
            cls.Taken,
            id=export_id,
            timestamp=at,
            kind=kind,
            as_of=as_of,
            channel=channel,
            actor=actor.as_dict(),
        )
