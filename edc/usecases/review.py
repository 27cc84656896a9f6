"""Use cases of data review: electronic signatures, locks (form, participant, database), SDV."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.errors import AuthenticationFailed, NotFound, PermissionDenied, StateConflict
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, FORMS
from domain.signing import content_hash
from domain.wording import Label, Message
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize, check_blind, check_site
from edc.refusals import logs_refusals
from edc.review_presenters import lock_view, signature_view, verification_view
from edc.usecases.accounts import check_password

WRONG_PASSWORD = Message("The password is not correct: nothing was signed.")
DATABASE_LOCK_REASON = "database lock: the data are frozen for the analysis"


def check_form_name(form: str) -> None:
    if form not in FORMS:
        raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))


class ReviewUseCases(TrialBase):
    # ---- electronic signatures (21 CFR 11.50, 11.70, 11.200) ---------------------------------

    @logs_refusals
    @retry_on_conflict
    def sign(
        self,
        actor: Actor,
        participant_id: UUID,
        password: str,
        meaning: str,
        form: str | None = None,
        *,
        incomplete_reason: str | None = None,
        expected_hash: str | None = None,
    ) -> dict[str, Any]:
        """Sign one form, or the whole casebook when `form` is None, re-entering the password.

        The user name comes from the session (the actor) and the password is entered again:
        the two components of 11.200(a)(1). A wrong password stores no signature.
        """
        at = self.clock()
        check_blind(actor, form)
        participant = self._participant(participant_id)
        authorize(actor, Action.SIGN, site=participant.site)
        if form is not None:
            check_form_name(form)
        self.check_database_open()
        holder = self._entered_form_holder(participant, form)
        printed_name = self._signer_name(actor, password)
        signature = holder.sign(
            form,
            meaning,
            printed_name,
            actor,
            at,
            incomplete_reason=incomplete_reason,
            expected_hash=expected_hash,
        )
        self.save(holder)
        return signature_view(holder, signature)

    @logs_refusals
    def signing_preview(
        self, actor: Actor, participant_id: UUID, form: str | None = None
    ) -> dict[str, Any]:
        """What a signature of `form` (None: the casebook) would cover, shown before signing:
        the sheets, the sha256 the signature will store, and what is missing."""
        check_blind(actor, form)
        participant = self._participant(participant_id)
        authorize(actor, Action.SIGN, site=participant.site)
        if form is not None:
            check_form_name(form)
        holder = self._entered_form_holder(participant, form)
        content = holder.signed_content(form)
        gaps = holder.signing_gaps(form)
        return {
            "content": content,
            "content_hash": content_hash(content),
            "gaps": gaps.as_dict(),
            "gaps_text": gaps.describe(),
        }

    @logs_refusals
    def signatures(self, actor: Actor, participant_id: UUID) -> list[dict[str, Any]]:
        """Every signature of the participant, each shown as valid or invalidated (and by what);
        for unblinded readers the signatures of the arm-revealing forms too."""
        participant = self._viewable_participant(actor, participant_id)
        views = [signature_view(participant, s) for s in participant.signatures]
        record = None if actor.blinded else self.load_arm_revealing_record(participant.id)
        if record is not None:
            views += [signature_view(record, s) for s in record.signatures]
        return views

    def _entered_form_holder(
        self, participant: Participant, form: str | None
    ) -> Participant | ArmRevealingRecord:
        """The aggregate that holds an entered form (the participant for the casebook)."""
        if form is None or form not in ARM_REVEALING_FORMS:
            return participant
        record = self.load_arm_revealing_record(participant.id)
        if record is None or not record.sheets_of(form):
            raise StateConflict(
                Message("The %(form)s form is not entered.", form=Label(FORM_LABELS[form]))
            )
        return record

    def _signer_name(self, actor: Actor, password: object) -> str:
        """Check the re-entered password (the accounts' one password check, so a wrong one
        counts towards lock-out); return the printed name."""
        if not isinstance(password, str):
            raise PermissionDenied(WRONG_PASSWORD)
        try:
            user = check_password(self, actor.user, password, wrong=WRONG_PASSWORD)
        except AuthenticationFailed as error:
            raise PermissionDenied(error.message) from None
        return getattr(user, "full_name", "") or user.name

    # ---- form and participant locks --------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def lock_form(
        self, actor: Actor, participant_id: UUID, form: str, reason: str | None = None
    ) -> dict[str, Any]:
        at = self.clock()
        holder = self._form_holder(self._participant_to_lock(actor, participant_id, form), form, at)
        holder.lock_form(form, actor, at, reason)
        self.save(holder)
        return lock_view(holder, form)

    @logs_refusals
    @retry_on_conflict
    def unlock_form(
        self, actor: Actor, participant_id: UUID, form: str, reason: str
    ) -> dict[str, Any]:
        at = self.clock()
        holder = self._form_holder(self._participant_to_lock(actor, participant_id, form), form, at)
        holder.unlock_form(form, reason, actor, at)
        self.save(holder)
        return lock_view(holder, form)

    @logs_refusals
    @retry_on_conflict
    def lock_participant(
        self, actor: Actor, participant_id: UUID, reason: str | None = None
    ) -> dict[str, Any]:
        participant = self._participant_to_lock(actor, participant_id, None)
        participant.lock_participant(actor, self.clock(), reason)
        self.save(participant)
        return lock_view(participant, None)

    @logs_refusals
    @retry_on_conflict
    def unlock_participant(self, actor: Actor, participant_id: UUID, reason: str) -> dict[str, Any]:
        participant = self._participant_to_lock(actor, participant_id, None)
        participant.unlock_participant(reason, actor, self.clock())
        self.save(participant)
        return lock_view(participant, None)

    @logs_refusals
    def lock_of_form(self, actor: Actor, participant_id: UUID, form: str) -> dict[str, Any] | None:
        """What keeps a form from changing, as its page says it (None: nothing): the database
        lock, the participant's lock or the form's own; who set it, when and why."""
        check_blind(actor, form)
        check_form_name(form)
        participant = self._viewable_participant(actor, participant_id)
        database = self.load_database_lock(copy=False)
        if database is not None and database.lock is not None:
            return {**database.lock, "scope": "database", "reason": DATABASE_LOCK_REASON}
        if participant.participant_lock is not None:
            return {**participant.participant_lock, "scope": "participant"}
        holder: Participant | ArmRevealingRecord | None = participant
        if form in ARM_REVEALING_FORMS:
            holder = self.load_arm_revealing_record(participant.id)
        lock = holder.form_locks.get(form) if holder is not None else None
        return {**lock, "scope": "form"} if lock is not None else None

    def _participant_to_lock(
        self, actor: Actor, participant_id: UUID, form: str | None
    ) -> Participant:
        check_blind(actor, form)
        participant = self._participant(participant_id)
        authorize(actor, Action.LOCK, site=participant.site)
        if form is not None:
            check_form_name(form)
        self.check_database_open()
        return participant

    def _form_holder(
        self, participant: Participant, form: str, at: datetime
    ) -> Participant | ArmRevealingRecord:
        """The aggregate holding a form: arm-revealing forms are in a record of their own."""
        if form not in ARM_REVEALING_FORMS:
            return participant
        return self.load_arm_revealing_record(participant.id) or ArmRevealingRecord.start(
            participant.id, participant.screening_number, participant.site, at
        )

    # ---- source data verification ----------------------------------------------------------

    @logs_refusals
    @retry_on_conflict
    def verify_form(self, actor: Actor, participant_id: UUID, form: str) -> dict[str, Any]:
        """A monitor marks one entered form as verified against the source documents."""
        at = self.clock()
        check_blind(actor, form)
        participant = self._participant(participant_id)
        authorize(actor, Action.VERIFY, site=participant.site)
        check_form_name(form)
        self.check_database_open()
        holder = self._entered_form_holder(participant, form)
        holder.verify_form(form, actor, at)
        self.save(holder)
        return verification_view(holder, form)

    def _viewable_participant(self, actor: Actor, participant_id: UUID) -> Participant:
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_CLINICAL)
        check_site(actor, participant.site)
        return participant
