"""A small trial with corrections and randomisations, the store the audit tests tamper with."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise

REASON = {"code": "transcription_error", "text": "Misread the paper form"}


@dataclass
class Scenario:
    randomised: UUID
    corrected: UUID


def build(trial: Trial, actors: dict[str, Actor]) -> Scenario:
    staff = actors["site_staff"]
    first, _arm = randomised(trial, staff)
    second = ready_to_randomise(trial, staff)
    trial.correct_form(
        staff, second, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    trial.randomise(staff, second)
    return Scenario(randomised=first, corrected=second)
