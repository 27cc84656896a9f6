"""Use cases of what site staff record beside forms: a missed follow-up visit (and its
withdrawal) and a protocol deviation.

A deviation of a kind that concerns the intervention reveals the arm: it goes to the
participant's arm-revealing record, and a blinded account is refused it before anything is
read (like an arm-revealing form), so the refusal is the same for every participant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.errors import PermissionDenied, ReasonRequired
from domain.reasons import Reason
from domain.visit_records import ARM_REVEALING_DEVIATIONS, Deviation, DeviationKind, MissedVisit
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize
from edc.presenters import deviations_view, missed_visits_view
from edc.refusals import logs_refusals


def check_deviation_blind(actor: Actor, kind: object) -> None:
    """A blinded account may not record (or be told anything about) an arm-revealing
    deviation; checked before the participant is read."""
    if actor.blinded and kind in {k.value for k in ARM_REVEALING_DEVIATIONS}:
        raise PermissionDenied(
            "Blinded accounts may not record a deviation of the intervention: it reveals the arm."
        )


def recordable_deviation_kinds(actor: Actor) -> tuple[DeviationKind, ...]:
    """The kinds of deviation this account may record (the form offers only these)."""
    return tuple(
        kind for kind in DeviationKind if not (actor.blinded and kind in ARM_REVEALING_DEVIATIONS)
    )


class VisitRecordUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def record_visit_missed(
        self, actor: Actor, participant_id: UUID, visit: str, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Record a follow-up visit as not done, with a coded reason (text for "other")."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.RECORD_MISSED_VISIT, site=participant.site)
        self.check_database_open()
        missed = MissedVisit.parse(visit, data)
        participant.record_visit_missed(missed, actor, at)
        self.save(participant)
        return {"missed_visits": missed_visits_view(participant)}

    @logs_refusals
    @retry_on_conflict
    def withdraw_missed_visit(
        self, actor: Actor, participant_id: UUID, visit: str, reason: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """Withdraw a missed-visit record (recorded by mistake, or the visit took place after
        all), with a reason for change; the visit's form can then be entered."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.RECORD_MISSED_VISIT, site=participant.site)
        self.check_database_open()
        parsed = Reason.parse(reason)
        if parsed is None:
            raise ReasonRequired("Withdrawing a missed visit needs a reason for change.")
        participant.withdraw_missed_visit(visit, parsed, actor, at)
        self.save(participant)
        return {"missed_visits": missed_visits_view(participant)}

    @logs_refusals
    @retry_on_conflict
    def record_deviation(
        self, actor: Actor, participant_id: UUID, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Record a protocol deviation (kind, description, date) for the monitor to review."""
        at = self.clock()
        check_deviation_blind(actor, data.get("kind"))
        participant = self._participant(participant_id)
        authorize(actor, Action.RECORD_DEVIATION, site=participant.site)
        self.check_database_open()
        deviation = Deviation.parse(
            data, today=self.local_date(at), screened_on=participant.screening_date
        )
        if deviation.kind in ARM_REVEALING_DEVIATIONS:
            participant.check_participant_unlocked()
            record = self.load_arm_revealing_record(participant_id) or ArmRevealingRecord.start(
                participant.id, participant.screening_number, participant.site, at
            )
            record.record_deviation(
                deviation, participant_version=participant.version, actor=actor, at=at
            )
            # Guarded by the participant version, as an arm-revealing form entry is.
            self.save(record, preconditions={participant.id: participant.version})
        else:
            participant.record_deviation(deviation, actor, at)
            self.save(participant)
        return deviation.as_dict()

    @logs_refusals
    def list_deviations(self, actor: Actor, participant_id: UUID) -> list[dict[str, Any]]:
        """The participant's recorded deviations as the reader may see them."""
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_CLINICAL, site=participant.site)
        record = None if actor.blinded else self.load_arm_revealing_record(participant_id)
        return deviations_view(participant, record)
