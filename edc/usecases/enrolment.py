"""Use cases from screening to randomisation: screen, enter and correct forms, randomise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import crf
from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.errors import NotFound
from domain.minimisation import factor_levels
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORMS
from domain.reasons import Reason
from domain.wording import Message
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize, check_blind, check_site, site_scope
from edc.presenters import form_view, participant_view
from edc.query_lookup import open_query_counts
from edc.refusals import logs_refusals


class EnrolmentUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def screen(self, actor: Actor, items: Mapping[str, Any]) -> dict[str, Any]:
        """Screen a person for MRI: validate the screening form and issue a screening number."""
        at = self.clock()
        authorize(actor, Action.SCREEN)
        context = crf.FormContext(today=self.local_date(at))
        screening = crf.validate_form("screening", items, context)
        authorize(actor, Action.SCREEN, site=screening["SITE"], form="screening")
        self.check_database_open()
        register = self._site_register(screening["SITE"], at)
        participant_id = self.new_id()
        number = register.issue_number(participant_id, actor.as_dict(), at)
        participant = Participant.screen(participant_id, number, screening, actor, at)
        self.save(register, participant)
        eligibility = participant.mri_eligibility
        return {
            "id": str(participant.id),
            "screening_number": number,
            "version": participant.form_version("screening"),
            "mri_eligible": eligibility.eligible,
            "failed_criteria": list(eligibility.failed_criteria),
        }

    @logs_refusals
    @retry_on_conflict
    def record_form(
        self,
        actor: Actor,
        participant_id: UUID,
        form: str,
        items: Mapping[str, Any],
        *,
        expected_version: int | None,
        reason: Mapping[str, Any] | None = None,
        complete: bool = True,
    ) -> dict[str, Any]:
        """First entry or correction of one form (a changed value needs a reason).

        With `complete` False the form is saved as a draft: required items may stay empty, and
        the answer's `missing` lists them.
        """
        at = self.clock()
        check_blind(actor, form)
        if form not in FORMS:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        # A plain form changes the participant alone: changed in place, no copy. An
        # arm-revealing one changes the participant's record and only reads the participant.
        participant = self._participant(participant_id, in_place=form not in ARM_REVEALING_FORMS)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form=form)
        self.check_database_open()
        parsed_reason = Reason.parse(reason)
        context = crf.FormContext(
            today=self.local_date(at),
            screening_date=participant.screening_date,
            consent_date=participant.consent_date,
            randomised_on=participant.randomised_on,
            arm=self._arm_for(actor, participant_id) if form in ARM_REVEALING_FORMS else None,
        )
        record = (
            self.load_arm_revealing_record(participant_id) if form in ARM_REVEALING_FORMS else None
        )
        holder: Participant | ArmRevealingRecord = record or participant
        items = crf.with_assigned_key(form, items, lambda: holder.repeat_numbers(form))
        validated = crf.validate_form(form, items, context, complete=complete)
        if form in ARM_REVEALING_FORMS:
            view = self._record_arm_revealing(
                participant, record, form, validated, expected_version, parsed_reason, actor, at
            )
        else:
            participant.record_form(
                form,
                validated,
                expected_version=expected_version,
                reason=parsed_reason,
                actor=actor,
                at=at,
            )
            self.save(participant)
            view = form_view(participant, form)
        view["warnings"] = crf.soft_warnings(form, validated, context)
        return view

    def _record_arm_revealing(
        self,
        participant: Participant,
        record: ArmRevealingRecord | None,
        form: str,
        items: Mapping[str, Any],
        expected_version: int | None,
        reason: Reason | None,
        actor: Actor,
        at: datetime,
    ) -> dict[str, Any]:
        """An arm-revealing form goes to the participant's record of its own, so that no
        participant version counts it; the protocol's preconditions are the participant's,
        guarded by its version."""
        participant.check_participant_unlocked()
        participant.check_form_allowed(form)
        if record is None:
            record = ArmRevealingRecord.start(
                participant.id, participant.screening_number, participant.site, at
            )
        record.record_form(
            form,
            items,
            expected_version=expected_version,
            reason=reason,
            participant_version=participant.version,
            actor=actor,
            at=at,
        )
        # Saved alone: the participant's version goes with it, so a lock (or any other change
        # to the participant) committed since it was read makes the store refuse the save and
        # the retry decide again.
        self.save(record, preconditions={participant.id: participant.version})
        return form_view(record, form, participant=participant)

    @logs_refusals
    def record_mri(
        self,
        actor: Actor,
        participant_id: UUID,
        items: Mapping[str, Any],
        expected_version: int = 0,
    ) -> dict[str, Any]:
        return self.record_form(
            actor, participant_id, "mri", items, expected_version=expected_version
        )

    @logs_refusals
    def record_consent(
        self,
        actor: Actor,
        participant_id: UUID,
        items: Mapping[str, Any],
        expected_version: int = 0,
    ) -> dict[str, Any]:
        return self.record_form(
            actor, participant_id, "consent", items, expected_version=expected_version
        )

    @logs_refusals
    def record_end_of_study(
        self,
        actor: Actor,
        participant_id: UUID,
        items: Mapping[str, Any],
        expected_version: int = 0,
    ) -> dict[str, Any]:
        return self.record_form(
            actor, participant_id, "end_of_study", items, expected_version=expected_version
        )

    @logs_refusals
    def correct_form(
        self,
        actor: Actor,
        participant_id: UUID,
        form: str,
        items: Mapping[str, Any],
        *,
        expected_version: int,
        reason: Mapping[str, Any],
    ) -> dict[str, Any]:
        return self.record_form(
            actor, participant_id, form, items, expected_version=expected_version, reason=reason
        )

    # ---- randomisation --------------------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def randomise(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        """Allocate an arm by minimisation; the fact goes to the participant, the arm apart."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.RANDOMISE, site=participant.site)
        self.check_database_open()
        participant.check_can_randomise(self.local_date(at))
        allocation = self._allocation(at)
        levels = factor_levels(
            participant.sheets["screening"],
            participant.sheets["mri"],
            participant.sheets["baseline"],
        )
        decision = allocation.allocate(
            participant.id, participant.screening_number, levels, self.draw(), actor, at
        )
        participant.mark_randomised(self.local_date(at), actor, at)
        self.save(allocation, participant)
        # The decision record (levels, imbalance, draw) stays out of this answer: whoever
        # randomises could otherwise predict the next allocation (allocation concealment).
        return {
            "arm": decision.arm,
            "randomised_on": participant.randomised_on.isoformat()
            if participant.randomised_on
            else None,
            "randomisation_number": allocation.randomisation_number_of(participant.id),
        }

    @logs_refusals
    def get_participant(self, actor: Actor, participant_id: UUID) -> dict[str, Any]:
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_CLINICAL)
        check_site(actor, participant.site)
        arm = None if actor.blinded else self._arm_for(actor, participant_id)
        record = None if actor.blinded else self.load_arm_revealing_record(participant_id)
        return participant_view(
            participant,
            blinded=actor.blinded,
            arm=arm,
            open_queries=open_query_counts(self, actor, participant.id),
            arm_revealing=record,
        )

    @logs_refusals
    def get_participant_form(self, actor: Actor, participant_id: UUID, form: str) -> dict[str, Any]:
        """The participant as `get_participant` shows them, for a page of one of their forms:
        a blinded account is refused an arm-revealing form before anything is read."""
        check_blind(actor, form, as_missing=True)
        if form not in FORMS:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        view = self.get_participant(actor, participant_id)
        if form not in view["forms"]:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        return view

    @logs_refusals
    def list_participants(self, actor: Actor, site: str | None = None) -> list[dict[str, Any]]:
        authorize(actor, Action.VIEW_CLINICAL)
        if site is None:
            site = site_scope(actor)
        check_site(actor, site)
        return [self.get_participant(actor, pid) for pid in self.participant_ids(site)]
