"""Steps shared by application scenarios: take a participant to a given point of the protocol."""

from __future__ import annotations

from datetime import date
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
    baseline = factories.outcomes(**_recent_baseline(trial))
    trial.record_form(staff, pid, "baseline", baseline, expected_version=0)
    return pid


def _recent_baseline(trial: Trial) -> dict[str, str]:
    """The factories' baseline date fits the step clocks most tests start at; on a later clock
    (the wall clock, or a step clock weeks on) a baseline more than 30 days old cannot be
    randomised (CRF.md), so the baseline is then dated on the clock's day."""
    today = trial.local_date(trial.clock())
    if (today - date.fromisoformat(factories.outcomes()["ASSESS_DATE"])).days <= 30:
        return {}
    return {"ASSESS_DATE": today.isoformat()}


def randomised(trial: Trial, staff: Actor, **screening: object) -> tuple[UUID, str]:
    pid = ready_to_randomise(trial, staff, **screening)
    return pid, trial.randomise(staff, pid)["arm"]
