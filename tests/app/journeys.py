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
    baseline = factories.outcomes(**_recent_baseline(trial))
    trial.record_form(staff, pid, "baseline", baseline, expected_version=0)
    return pid


def _recent_baseline(trial: Trial) -> dict[str, str]:
    """A test's step clock starts where the factories' dates fit; on the wall clock those dates
    are years old, and a baseline more than 30 days old cannot be randomised (CRF.md), so the
    baseline is dated today."""
    if hasattr(trial.clock, "current"):
        return {}
    return {"ASSESS_DATE": trial.local_date(trial.clock()).isoformat()}


def randomised(trial: Trial, staff: Actor, **screening: object) -> tuple[UUID, str]:
    pid = ready_to_randomise(trial, staff, **screening)
    return pid, trial.randomise(staff, pid)["arm"]
