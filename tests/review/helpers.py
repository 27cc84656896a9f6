"""Reading what a scenario stored: the events of one aggregate, and the topics of new events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from edc.application import Trial
from tests import factories

CORRECTION = {"code": "transcription_error", "text": "Misread the paper form"}


def events_of(trial: Trial, aggregate_id: UUID) -> list[Any]:
    return list(trial.repository.event_store.get(aggregate_id))


def names_of(trial: Trial, aggregate_id: UUID) -> list[str]:
    return [type(event).__name__ for event in events_of(trial, aggregate_id)]


def position(trial: Trial) -> int:
    return trial.recorder.max_notification_id() or 0


def topics_after(trial: Trial, start: int) -> list[str]:
    """Topics of every event stored after position `start`."""
    return [n.topic for n in trial.recorder.select_notifications(start=start + 1, limit=1_000_000)]


def clinical_topics_after(trial: Trial, start: int) -> list[str]:
    """New topics, leaving out the refusal log (a refused command is logged by design)."""
    return [t for t in topics_after(trial, start) if "CommandRefused" not in t]


def corrected_baseline(**overrides: object) -> dict[str, Any]:
    return factories.outcomes(**overrides)
