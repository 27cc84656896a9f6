"""Steps shared by application scenarios: take a participant to a given point of the protocol."""

from __future__ import annotations

from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from tests import factories


def screened(trial: Trial, staff: Actor, **overrides: object) -> UUID:
    return UUID(trial.screen(staff, factories.screening(**overrides))["id"])


def ready_to_randomise(trial: Trial, staff: Actor, **screening: object) -> UUID:
    pid = screened(trial, staff, **screening)
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    return pid


def randomised(trial: Trial, staff: Actor, **screening: object) -> tuple[UUID, str]:
    pid = ready_to_randomise(trial, staff, **screening)
    return pid, trial.randomise(staff, pid)["arm"]
