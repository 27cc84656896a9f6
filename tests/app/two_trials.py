"""Two applications on one store, each with its own cache: another process (the CLI, a second
server) as the cache-following tests and the form-save attacks meet it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import StepClock

REASON = {"code": "transcription_error", "text": "Misread the paper form"}


@pytest.fixture
def pair(settings: Settings, clock: StepClock) -> Iterator[tuple[Trial, Trial]]:
    """Two applications on one store, each with its own cache."""
    first = build_trial(settings, clock=clock, draw=random.Random(7).random)
    second = build_trial(settings, clock=clock, draw=random.Random(8).random)
    yield first, second
    second.close()
    first.close()


def as_stored(settings: Settings, clock: StepClock, pid: UUID) -> dict[str, Any]:
    """The participant replayed from the store by an application that cached nothing."""
    fresh = build_trial(settings, clock=clock)
    try:
        return dict(vars(fresh.load_participant(pid)))
    finally:
        fresh.close()


def cached(trial: Trial, pid: UUID) -> dict[str, Any]:
    """The participant as this application's cache holds it (no copy, no read)."""
    return dict(vars(trial.repository.get(pid, deepcopy_from_cache=False)))
