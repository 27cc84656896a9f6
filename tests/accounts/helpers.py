"""Reading what the store holds, as an auditor (or someone with the database file) would."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.user import user_id
from edc.application import SYSTEM, Trial

STAFF_PASSWORD = "sune's long password"


def stored_bytes(trial: Trial) -> bytes:
    """Every stored event's bytes, as they lie in the database."""
    return b"\n".join(
        n.topic.encode() + b" " + bytes(n.state)
        for n in trial.recorder.select_notifications(start=1, limit=10_000_000)
    )


def user_events(trial: Trial, name: str) -> list[Any]:
    return [
        trial.mapper.to_domain_event(e)
        for e in trial.recorder.select_events(user_id(name), limit=100_000)
    ]


def events_of(trial: Trial, name: str, cls: type) -> list[Any]:
    return [e for e in user_events(trial, name) if get_topic(type(e)) == get_topic(cls)]


def add_staff(trial: Trial, name: str = "sune") -> str:
    trial.add_user(SYSTEM, name, "site_staff", STAFF_PASSWORD, site="RINGE")
    return name
