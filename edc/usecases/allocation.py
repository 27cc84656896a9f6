"""Re-checking every allocation against its stored minimisation decision (unblinded oversight).

Each allocation is decided again from the allocations before it, its stored factor levels and
its stored random draw; its levels are also compared with the participant's own values as they
stood when randomised. Only unblinded monitors and data managers may see this (the decision
records reveal the arms), and the operator through `edc allocation recheck`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.allocation import ALLOCATION_ID, Allocation, AllocationCheck, recheck_sequence
from domain.minimisation import factor_levels
from edc.base import TrialBase
from edc.permissions import Action, authorize
from edc.refusals import logs_refusals


def _check_view(check: AllocationCheck) -> dict[str, Any]:
    return {
        "randomisation_number": check.randomisation_number,
        "participant_id": str(check.participant_id),
        "screening_number": check.screening_number,
        "decision": check.decision,
        "agrees": check.agrees,
        "levels_as_randomised": check.levels_as_randomised,
        "ok": check.ok,
    }


class AllocationUseCases(TrialBase):
    @logs_refusals
    def recheck_allocations(self, actor: Actor) -> dict[str, Any]:
        """Every allocation re-checked; for unblinded monitors and data managers only."""
        authorize(actor, Action.RECHECK_ALLOCATIONS)
        return self.allocation_recheck()

    def allocation_recheck(self) -> dict[str, Any]:
        """The re-check itself (the operator's command line calls it without an account)."""
        allocated = [
            event
            for event in self.events.get(ALLOCATION_ID)
            if isinstance(event, Allocation.Allocated)
        ]
        levels: dict[UUID, dict[str, str] | None] = {}
        for event in allocated:
            as_randomised = self.load_participant(event.participant_id).as_randomised
            try:
                levels[event.participant_id] = factor_levels(
                    as_randomised["screening"], as_randomised["mri"], as_randomised["baseline"]
                )
            except (KeyError, ValueError):
                levels[event.participant_id] = None
        checks = recheck_sequence(allocated, levels)
        return {
            "allocations": len(checks),
            "agree": sum(1 for check in checks if check.ok),
            "mismatches": [_check_view(check) for check in checks if not check.ok],
            "checks": [_check_view(check) for check in checks],
        }
