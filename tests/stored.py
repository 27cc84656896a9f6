"""Counting what a command stored, apart from the refusal log a refused command writes to."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from domain.refusal_log import CommandRefused
from edc.application import Trial

REFUSAL_TOPIC = get_topic(CommandRefused)


def events_besides_refusals(trial: Trial) -> int:
    """Stored events other than refusal records: a refused command must not change this."""
    return sum(
        1
        for n in trial.recorder.select_notifications(start=1, limit=10_000_000)
        if n.topic != REFUSAL_TOPIC
    )
