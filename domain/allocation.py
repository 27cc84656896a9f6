"""The Allocation aggregate: the trial's allocation sequence, built by minimisation.

One aggregate holds the whole sequence so that concurrent randomisations cannot decide from the
same state: each allocation is the next version, and a writer that lost the race gets a conflict
from the event store and decides again from the new state. Every event here reveals the arm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import ProtocolOrderViolated, RandomisationRefused
from domain.minimisation import MarginalCounts, MinimisationDecision, minimise, recheck

ALLOCATION_ID = uuid5(NAMESPACE_URL, "modic-edc/allocation-sequence")


def randomisation_number(sequence_number: int) -> str:
    """The number the person randomising is told (`R-007`): the place in the sequence only."""
    return f"R-{sequence_number:03d}"


class Allocation(Aggregate):
    """The allocation list of the trial: who got which arm, and how minimisation decided."""

    class Started(Aggregate.Created):
        pass

    class Allocated(Aggregate.Event):
        participant_id: UUID
        screening_number: str
        sequence_number: int
        decision: dict[str, Any]
        actor: dict[str, Any]

        def apply(self, aggregate: Allocation) -> None:
            arm = self.decision["arm"]
            aggregate.arms[self.participant_id] = arm
            aggregate.decisions[self.participant_id] = dict(self.decision)
            aggregate.sequence_numbers[self.participant_id] = self.sequence_number
            aggregate.counts = aggregate.counts.add(self.decision["levels"], arm)

    class ArmRevealed(Aggregate.Event):
        """Emergency unblinding of one participant by an investigator, with a reason."""

        participant_id: UUID
        arm: str
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: Allocation) -> None:
            aggregate.revealed.add(self.participant_id)
            # Who broke the blind, when and why: listed for data managers without the arm.
            aggregate.revelations.append(
                {
                    "participant_id": self.participant_id,
                    "reason": self.reason,
                    "actor": dict(self.actor),
                    "at": self.timestamp,
                }
            )

    def __init__(self) -> None:
        self.arms: dict[UUID, str] = {}
        self.decisions: dict[UUID, dict[str, Any]] = {}
        self.sequence_numbers: dict[UUID, int] = {}
        self.counts = MarginalCounts.empty()
        self.revealed: set[UUID] = set()
        self.revelations: list[dict[str, Any]] = []

    @classmethod
    def start(cls, at: datetime) -> Allocation:
        return cls._create(cls.Started, id=ALLOCATION_ID, timestamp=at)

    def allocate(
        self,
        participant_id: UUID,
        screening_number: str,
        levels: Mapping[str, str],
        draw: float,
        actor: Actor,
        at: datetime,
    ) -> MinimisationDecision:
        """Minimise with the given random draw (made by the caller) and record the arm."""
        if participant_id in self.arms:
            raise RandomisationRefused("Cannot randomise: the participant is already randomised.")
        decision = minimise(self.counts, levels, draw)
        self.trigger_event(
            self.Allocated,
            timestamp=at,
            participant_id=participant_id,
            screening_number=screening_number,
            sequence_number=len(self.arms) + 1,
            decision=decision.as_dict(),
            actor=actor.as_dict(),
        )
        return decision

    def reveal_arm(self, participant_id: UUID, reason: str, actor: Actor, at: datetime) -> str:
        """Emergency unblinding of one participant: record who, when and why; return the arm."""
        arm = self.arms.get(participant_id)
        if arm is None:
            raise ProtocolOrderViolated(
                "The participant is not randomised, so there is no arm to reveal."
            )
        self.trigger_event(
            self.ArmRevealed,
            timestamp=at,
            participant_id=participant_id,
            arm=arm,
            reason=reason,
            actor=actor.as_dict(),
        )
        return arm

    def arm_of(self, participant_id: UUID) -> str | None:
        return self.arms.get(participant_id)

    def randomisation_number_of(self, participant_id: UUID) -> str | None:
        number = self.sequence_numbers.get(participant_id)
        return None if number is None else randomisation_number(number)


@dataclass(frozen=True)
class AllocationCheck:
    """One allocation re-checked against its stored decision record."""

    randomisation_number: str
    participant_id: UUID
    screening_number: str
    decision: dict[str, Any]
    # The stored decision is exactly what minimisation gives from the allocations before it,
    # its stored levels and its stored draw.
    agrees: bool
    # The stored levels are those of the participant's values as they stood when randomised
    # (None when those values are not known).
    levels_as_randomised: bool | None

    @property
    def ok(self) -> bool:
        return self.agrees and self.levels_as_randomised is not False


def recheck_sequence(
    allocated: Iterable[Allocation.Allocated],
    levels_as_randomised: Mapping[UUID, Mapping[str, str] | None],
) -> list[AllocationCheck]:
    """Replay the allocation sequence in order, re-deciding each allocation from the counts
    of those before it; `levels_as_randomised` gives each participant's levels from their own
    values when randomised."""
    counts = MarginalCounts.empty()
    checks = []
    for event in sorted(allocated, key=lambda e: e.sequence_number):
        decision = dict(event.decision)
        expected = levels_as_randomised.get(event.participant_id)
        checks.append(
            AllocationCheck(
                randomisation_number=randomisation_number(event.sequence_number),
                participant_id=event.participant_id,
                screening_number=event.screening_number,
                decision=decision,
                agrees=recheck(decision, counts),
                levels_as_randomised=None
                if expected is None
                else dict(expected) == decision.get("levels"),
            )
        )
        # A malformed record is already a disagreement; the later ones are judged without it.
        with suppress(KeyError, TypeError, ValueError):
            counts = counts.add(decision["levels"], decision["arm"])
    return checks
