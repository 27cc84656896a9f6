"""The Participant aggregate: one person from screening to end of study, and their casebook.

A participant is pseudonymous (a screening number and a UUID). Their forms live in the casebook
as sheets keyed by form (or by form and week for the repeating weekly report). Each form has
its own version, so two people entering different forms never conflict. The arm is not here:
it lives only in the `Allocation` aggregate, and forms that reveal it live in the
`ArmRevealingRecord` (domain.arm_revealing), so nothing in this aggregate, not even its
version numbers, reveals the arm.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import crf
from domain.actor import Actor
from domain.errors import ProtocolOrderViolated, RandomisationRefused, StateConflict
from domain.locking import LockingMixin
from domain.participant_state import ParticipantState
from domain.protocol import (
    AFTER_CONSENT_FORMS,
    ARM_REVEALING_FORMS,
    FOLLOW_UP_FORMS,
    FORM_LABELS,
    POST_RANDOMISATION_FORMS,
    VISIT_BY_KEY,
    VISIT_DATE_ITEM,
    VISIT_OF_FORM,
    window_status,
)
from domain.randomisation_deviation import RANDOMISATION_FORMS, randomisation_deviations
from domain.reasons import Reason
from domain.sheets import SheetsMixin, check_expected_version, corrected, correction_of
from domain.signing import SignatureRecord, SigningMixin
from domain.verification import VerificationMixin
from domain.visit_records import (
    MISSABLE_VISITS,
    Deviation,
    MissedVisit,
    recorded_deviation_key,
)
from domain.wording import Label, Listing, Message

Items = dict[str, Any]


class Participant(SheetsMixin, SigningMixin, LockingMixin, VerificationMixin, Aggregate):
    """A screened person and everything recorded about them, except their arm.

    Sheets, signatures, locks and source data verification are mixins (domain.sheets,
    .signing, .locking, .verification); the library re-defines their events on this class, so
    their stored topics are `domain.participant:Participant.<Event>`.
    """

    class Screened(Aggregate.Created):
        """A person screened for MRI, with the outcome: eligible, or the criteria failed."""

        class_version = 2
        screening_number: str
        site: str
        items: dict[str, Any]
        actor: dict[str, Any]
        mri_eligible: bool
        failed_criteria: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Events stored before the outcome was recorded: worked out by the same rule."""
            eligibility = crf.mri_eligibility(state["items"])
            state["mri_eligible"] = eligibility.eligible
            state["failed_criteria"] = list(eligibility.failed_criteria)

    class FormEntered(Aggregate.Event):
        form: str
        key: str
        items: dict[str, Any]
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.keep_sheet(self, dict(self.items))

    class FormCorrected(Aggregate.Event):
        form: str
        key: str
        changes: dict[str, list[Any]]
        reason: dict[str, str] | None
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.keep_sheet(self, corrected(aggregate.sheets[self.key], self.changes))

    # ---- milestones: a form's first entry named for what it makes true (DESIGN.md "Events in
    # the trial's words"); each is a FormEntered, so items ride on it and every reader of
    # form entries (history, signatures, exports, projections) treats it as one.

    class ModicConfirmed(FormEntered):
        """The MRI shows Modic changes and the person meets every inclusion criterion."""

        WORDS = "MRI confirmed Modic changes"

    class ExcludedAtMri(FormEntered):
        WORDS = "Excluded at MRI"

    class Consented(FormEntered):
        WORDS = "Informed consent obtained"

    class ConsentNotObtained(FormEntered):
        WORDS = "Informed consent not obtained"

    class BaselineRecorded(FormEntered):
        WORDS = "Baseline recorded"

    class OutcomeRecorded(FormEntered):
        """A follow-up visit's outcomes, on their first save (see `records_outcome`)."""

        WORDS = "Follow-up outcome recorded"

    class WeeklyReportReceived(FormEntered):
        WORDS = "Weekly report received"

    class StudyEnded(FormEntered):
        """End of study: completed, withdrew consent, lost to follow-up, ... (EOS_STATUS)."""

        WORDS = "Study ended"

    # ---- corrections that make a milestone untrue (or true) are named events of their own.

    class ModicConfirmationWithdrawn(FormCorrected):
        """An MRI re-read no longer meets the inclusion criteria after ModicConfirmed."""

        WORDS = "Modic confirmation withdrawn on correction"

    class ModicConfirmedOnCorrection(FormCorrected):
        WORDS = "Modic changes confirmed on correction"

    class MriEligibilityWithdrawn(FormCorrected):
        WORDS = "Eligibility for MRI withdrawn on correction"

    class ConsentWithdrawnOnCorrection(FormCorrected):
        WORDS = "Consent shown as not obtained on correction"

    class MriEligibilityReassessed(Aggregate.Event):
        """A screening correction changed the outcome of screening (recorded after it)."""

        WORDS = "Eligibility for MRI reassessed on correction"

        mri_eligible: bool
        failed_criteria: list[str]
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.screening_outcome = crf.Eligibility(
                self.mri_eligible, tuple(self.failed_criteria)
            )

    # ---- visits and deviations recorded by site staff (domain.visit_records)

    class VisitMissed(Aggregate.Event):
        """A follow-up visit did not take place: its form is missing by design, not overdue."""

        WORDS = "Visit missed"

        visit: str
        reason: dict[str, str]
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.missed_visits[self.visit] = dict(self.reason)

    class MissedVisitWithdrawn(Aggregate.Event):
        """The visit was recorded as missed by mistake (or took place after all)."""

        WORDS = "Missed visit withdrawn"

        visit: str
        reason: dict[str, str]
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.missed_visits.pop(self.visit, None)

    class DeviationRecorded(Aggregate.Event):
        """A protocol deviation reported by the site (one that does not reveal the arm; those
        are the arm-revealing record's)."""

        WORDS = "Protocol deviation recorded"

        number: int
        kind: str
        description: str
        occurred_on: date
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.deviations[recorded_deviation_key(self.number)] = self.description
            aggregate.recorded_deviations.append(
                {
                    "number": self.number,
                    "kind": self.kind,
                    "description": self.description,
                    "occurred_on": self.occurred_on.isoformat(),
                    "at": self.timestamp,
                    "actor": dict(self.actor),
                }
            )

    class VisitOutOfWindow(Aggregate.Event):
        """A protocol deviation: the visit happened outside its window (accepted, flagged)."""

        form: str
        study_day: int
        description: str
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.deviations[self.form] = self.description

    class Randomised(Aggregate.Event):
        """The fact and date of randomisation; the arm is recorded apart, in `Allocation`."""

        randomised_on: date
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.randomised_on = self.randomised_on
            # The values randomisation decided on, so that a later correction can be judged
            # against them (domain.randomisation_deviation) without reading the allocation.
            aggregate.as_randomised = {
                form: dict(aggregate.sheets.get(form, {})) for form in RANDOMISATION_FORMS
            }

    class RandomisationDeviationFound(Aggregate.Event):
        """A correction after randomisation shows the randomisation was a protocol deviation
        (randomised while ineligible, or on a wrong factor level); the allocation stands."""

        kind: str
        description: str
        form: str
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.deviations[self.kind] = self.description

    class EmergencyUnblinded(Aggregate.Event):
        """The fact that the participant's blind was broken in an emergency: when, by whom and
        why. Blinded-safe: the arm itself is only in the allocation's `ArmRevealed`."""

        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: Participant) -> None:
            aggregate.unblindings.append(
                {"at": self.timestamp, "reason": self.reason, "actor": dict(self.actor)}
            )

    def __init__(
        self,
        screening_number: str,
        site: str,
        items: dict[str, Any],
        actor: dict[str, Any],
        mri_eligible: bool,
        failed_criteria: list[str],
    ) -> None:
        self.screening_number = screening_number
        self.site = site
        self.screening_outcome = crf.Eligibility(mri_eligible, tuple(failed_criteria))
        self.missed_visits: dict[str, dict[str, str]] = {}
        self.recorded_deviations: list[dict[str, Any]] = []
        self.sheets: dict[str, Items] = {"screening": dict(items)}
        self.form_versions: dict[str, int] = {"screening": 1}
        self.deviations: dict[str, str] = {}
        self.unblindings: list[dict[str, Any]] = []
        self.as_randomised: dict[str, Items] = {}
        self.randomised_on: date | None = None
        self.signatures: list[SignatureRecord] = []
        self.form_locks: dict[str, dict[str, Any]] = {}
        self.participant_lock: dict[str, Any] | None = None
        self.verified_forms: dict[str, dict[str, Any]] = {}

    # ---- commands -------------------------------------------------------------------------

    @classmethod
    def screen(
        cls,
        participant_id: UUID,
        screening_number: str,
        items: Mapping[str, Any],
        actor: Actor,
        at: datetime,
    ) -> Participant:
        """Register a person from their validated screening form, with its outcome."""
        eligibility = crf.mri_eligibility(items)
        return cls._create(
            cls.Screened,
            id=participant_id,
            timestamp=at,
            screening_number=screening_number,
            site=items["SITE"],
            items=dict(items),
            actor=actor.as_dict(),
            mri_eligible=eligibility.eligible,
            failed_criteria=list(eligibility.failed_criteria),
        )

    def record_form(
        self,
        form: str,
        items: Mapping[str, Any],
        *,
        expected_version: int | None,
        reason: Reason | None,
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Enter or correct one form from validated items; returns False when nothing changed.

        `expected_version` is the form version the writer last saw (None only for channels
        without one, such as the patient's own weekly report). A locked form or participant
        refuses (Locked); a change clears the form's source data verification with an event.
        """
        if form in ARM_REVEALING_FORMS:
            raise ProtocolOrderViolated(
                Message(
                    "%(form)s reveals the arm: it is kept in the arm-revealing record.",
                    form=Label(FORM_LABELS[form]),
                )
            )
        self.check_form_unlocked(form)
        check_expected_version(form, expected_version, self.form_version(form))
        key = self.sheet_key(form, items)
        existing = self.sheets.get(key)
        if existing is None:
            self.check_form_allowed(form)
            self.trigger_event(
                self._entry_event(form, items),
                timestamp=at,
                form=form,
                key=key,
                items=dict(items),
                actor=actor.as_dict(),
            )
        else:
            changes = correction_of(existing, items, reason)
            if not changes:
                return False
            self.trigger_event(
                self._correction_event(form, existing, items),
                timestamp=at,
                form=form,
                key=key,
                changes=changes,
                reason=reason.as_dict() if reason else None,
                actor=actor.as_dict(),
            )
        self.clear_verification(form, self._last_change(), actor, at)
        self._reassess_eligibility(form, actor, at)
        self._flag_window_deviation(form, actor, at)
        self._flag_randomisation_deviation(form, actor, at)
        return True

    def check_can_randomise(self, on: date | None = None) -> None:
        """Refuse unless included, consented, baseline complete, not ended and not randomised
        (and, given the day of randomisation `on`, the baseline recent enough)."""
        self.check_participant_unlocked()
        problems = self.randomisation_blockers(on)
        if problems:
            raise RandomisationRefused(
                Message("Cannot randomise: %(problems)s.", problems=Listing(problems))
            )

    def record_emergency_unblinding(self, reason: str, actor: Actor, at: datetime) -> None:
        """Neither a participant lock nor the database lock stops this: code-breaking in an
        emergency is never delayed."""
        self.trigger_event(
            self.EmergencyUnblinded, timestamp=at, reason=reason, actor=actor.as_dict()
        )

    def mark_randomised(self, on: date, actor: Actor, at: datetime) -> None:
        self.check_can_randomise(on)
        self.trigger_event(self.Randomised, timestamp=at, randomised_on=on, actor=actor.as_dict())

    def record_visit_missed(self, missed: MissedVisit, actor: Actor, at: datetime) -> None:
        """Record that a follow-up visit did not take place. Its form may then not be entered
        until the record is withdrawn (`withdraw_missed_visit`), so the two never disagree."""
        self.check_participant_unlocked()
        label = Label(VISIT_BY_KEY[missed.visit].label)
        if self.randomised_on is None:
            raise ProtocolOrderViolated(
                Message("%(visit)s cannot be missed before randomisation.", visit=label)
            )
        if self.ended:
            raise ProtocolOrderViolated(
                Message(
                    "%(visit)s cannot be recorded as missed: the participant has ended the study.",
                    visit=label,
                )
            )
        if missed.visit in self.missed_visits:
            raise StateConflict(Message("%(visit)s is already recorded as missed.", visit=label))
        entered = [form for form in _VISIT_OUTCOME_FORMS[missed.visit] if form in self.sheets]
        if entered:
            raise StateConflict(
                Message(
                    "%(visit)s cannot be recorded as missed: %(form)s is entered.",
                    visit=label,
                    form=Label(FORM_LABELS[entered[0]]),
                )
            )
        self.trigger_event(
            self.VisitMissed,
            timestamp=at,
            visit=missed.visit,
            reason=missed.as_reason(),
            actor=actor.as_dict(),
        )

    def withdraw_missed_visit(self, visit: str, reason: Reason, actor: Actor, at: datetime) -> None:
        self.check_participant_unlocked()
        if visit not in self.missed_visits:
            label = Label(VISIT_BY_KEY[visit].label) if visit in VISIT_BY_KEY else repr(visit)
            raise StateConflict(Message("%(visit)s is not recorded as missed.", visit=label))
        self.trigger_event(
            self.MissedVisitWithdrawn,
            timestamp=at,
            visit=visit,
            reason=reason.as_dict(),
            actor=actor.as_dict(),
        )

    def record_deviation(self, deviation: Deviation, actor: Actor, at: datetime) -> None:
        """A protocol deviation that does not reveal the arm (those go to the arm-revealing
        record: the use case decides by `deviation.reveals_arm`)."""
        if deviation.reveals_arm:
            raise ProtocolOrderViolated(
                "This deviation reveals the arm: it is kept in the arm-revealing record."
            )
        self.check_participant_unlocked()
        self.trigger_event(
            self.DeviationRecorded,
            timestamp=at,
            number=len(self.recorded_deviations) + 1,
            actor=actor.as_dict(),
            kind=deviation.kind.value,
            description=deviation.description,
            occurred_on=deviation.occurred_on,
        )

    # ---- rules ----------------------------------------------------------------------------

    def check_form_allowed(self, form: str) -> None:
        """Forms follow the protocol: screening, MRI, consent, baseline, randomisation..."""
        if form == "screening":
            return
        if form == "mri" and not self.mri_eligibility.eligible:
            raise ProtocolOrderViolated(
                "MRI cannot be recorded: the participant is not eligible for MRI."
            )
        # Willingness is a criterion for the MRI, so consent may come before or after it; an
        # MRI without Modic changes excludes the participant either way.
        if form == "consent" and not self.mri_eligibility.eligible:
            raise ProtocolOrderViolated(
                "Consent cannot be recorded: the participant is not eligible for MRI."
            )
        if form == "consent" and "mri" in self.sheets and not self.inclusion.eligible:
            raise ProtocolOrderViolated(
                "Consent cannot be recorded: the MRI shows no Modic changes."
            )
        if form in AFTER_CONSENT_FORMS and "consent" not in self.sheets:
            raise ProtocolOrderViolated(
                Message(
                    "%(form)s cannot be recorded before consent.", form=Label(FORM_LABELS[form])
                )
            )
        if form in POST_RANDOMISATION_FORMS and self.randomised_on is None:
            raise ProtocolOrderViolated(
                Message(
                    "%(form)s cannot be recorded before randomisation.",
                    form=Label(FORM_LABELS[form]),
                )
            )
        visit = VISIT_OF_FORM[form].key
        if visit in self.missed_visits and form in _VISIT_OUTCOME_FORMS.get(visit, ()):
            raise ProtocolOrderViolated(
                Message(
                    "%(form)s cannot be recorded: the visit is recorded as missed. "
                    "Withdraw the missed visit (with a reason) first.",
                    form=Label(FORM_LABELS[form]),
                )
            )

    def randomisation_blockers(self, on: date | None = None) -> list[str]:
        problems: list[str] = []
        if self.randomised_on is not None:
            problems.append(Message("the participant is already randomised"))
        if not self.inclusion.eligible:
            problems.append(Message("the participant is not included (eligibility and MRI)"))
        if self.sheets.get("consent", {}).get("CONSENT_OBTAINED") != "Y":
            problems.append(Message("consent is not recorded"))
        if "baseline" not in self.sheets:
            problems.append(Message("the baseline form is not complete"))
        problems.extend(crf.form_readiness_problems(self.sheets, on))
        if self.ended:
            problems.append(Message("the participant has ended the study"))
        return problems

    # ---- queries --------------------------------------------------------------------------

    @property
    def state(self) -> ParticipantState:
        """Where the participant stands (`domain.participant_state`, the one definition)."""
        return ParticipantState.of(self.sheets, self.screening_outcome, self.randomised_on)

    @property
    def mri_eligibility(self) -> crf.Eligibility:
        """The outcome of screening as recorded (Screened, MriEligibilityReassessed)."""
        return self.screening_outcome

    @property
    def inclusion(self) -> crf.Eligibility:
        return self.state.inclusion

    @property
    def screening_date(self) -> date:
        return date.fromisoformat(self.sheets["screening"]["SCR_DATE"])

    @property
    def consent_date(self) -> date | None:
        value = self.sheets.get("consent", {}).get("CONSENT_DATE")
        return date.fromisoformat(value) if isinstance(value, str) else None

    @property
    def forms_missed_by_design(self) -> frozenset[str]:
        """The forms not entered because their visit is recorded as missed."""
        return frozenset(
            form for visit in self.missed_visits for form in _VISIT_OUTCOME_FORMS[visit]
        )

    @property
    def ended(self) -> bool:
        return self.state.ended

    # ---- internals ------------------------------------------------------------------------

    def _entry_event(self, form: str, items: Mapping[str, Any]) -> type[FormEntered]:
        """The milestone a first entry makes true (FormEntered when it is no milestone)."""
        if form == "mri":
            included = crf.inclusion(self.sheets["screening"], items).eligible
            return self.ModicConfirmed if included else self.ExcludedAtMri
        if form == "consent":
            obtained = items.get("CONSENT_OBTAINED") == "Y"
            return self.Consented if obtained else self.ConsentNotObtained
        if form in FOLLOW_UP_FORMS:
            return self.OutcomeRecorded if records_outcome(form, items) else self.FormEntered
        return _MILESTONE_OF_FORM.get(form, self.FormEntered)

    def _correction_event(
        self, form: str, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> type[FormCorrected]:
        """A correction that changes a milestone is named for it (FormCorrected otherwise)."""
        if form == "mri":
            screening = self.sheets["screening"]
            was = crf.inclusion(screening, before).eligible
            now = crf.inclusion(screening, after).eligible
            if was and not now:
                return self.ModicConfirmationWithdrawn
            if now and not was:
                return self.ModicConfirmedOnCorrection
        eligible = crf.mri_eligibility
        if form == "screening" and eligible(before).eligible and not eligible(after).eligible:
            return self.MriEligibilityWithdrawn
        obtained = (before.get("CONSENT_OBTAINED"), after.get("CONSENT_OBTAINED"))
        if form == "consent" and obtained[0] == "Y" and obtained[1] != "Y":
            return self.ConsentWithdrawnOnCorrection
        return self.FormCorrected

    def _last_change(self) -> dict[str, Any]:
        """The change just triggered, named for the trail (type and participant version)."""
        return {
            "event": type(self.pending_events[-1]).__name__,
            "participant_version": self.version,
        }

    def _reassess_eligibility(self, form: str, actor: Actor, at: datetime) -> None:
        if form != "screening":
            return
        now = crf.mri_eligibility(self.sheets["screening"])
        if now != self.screening_outcome:
            self.trigger_event(
                self.MriEligibilityReassessed,
                timestamp=at,
                mri_eligible=now.eligible,
                failed_criteria=list(now.failed_criteria),
                actor=actor.as_dict(),
            )

    def _flag_randomisation_deviation(self, form: str, actor: Actor, at: datetime) -> None:
        as_randomised = getattr(self, "as_randomised", None)
        if form not in RANDOMISATION_FORMS or self.randomised_on is None or not as_randomised:
            return
        corrected = {name: self.sheets.get(name, {}) for name in RANDOMISATION_FORMS}
        for kind, description in randomisation_deviations(as_randomised, corrected).items():
            if self.deviations.get(kind) != description:
                self.trigger_event(
                    self.RandomisationDeviationFound,
                    timestamp=at,
                    kind=kind.value,
                    description=description,
                    form=form,
                    actor=actor.as_dict(),
                )

    def _flag_window_deviation(self, form: str, actor: Actor, at: datetime) -> None:
        date_item = VISIT_DATE_ITEM.get(form)
        if date_item is None or self.randomised_on is None:
            return
        value = self.sheets[form].get(date_item)
        if value is None:
            return
        study_day = (date.fromisoformat(value) - self.randomised_on).days
        deviation = window_status(VISIT_OF_FORM[form], study_day)
        if deviation is not None and self.deviations.get(form) != deviation:
            self.trigger_event(
                self.VisitOutOfWindow,
                timestamp=at,
                form=form,
                study_day=study_day,
                description=deviation,
                actor=actor.as_dict(),
            )


def records_outcome(form: str, items: Mapping[str, Any]) -> bool:
    """Whether a first save of a follow-up form records its outcome (the one place to say
    when a follow-up counts as recorded: today, on its first save)."""
    return form in FOLLOW_UP_FORMS


# The forms a missed visit leaves missing by design (its blinded outcome forms; adherence, in
# the week-10 visit too, covers the whole intervention period and is not the visit's).
_VISIT_OUTCOME_FORMS: dict[str, tuple[str, ...]] = {
    visit: tuple(form for form in VISIT_BY_KEY[visit].forms if form not in ARM_REVEALING_FORMS)
    for visit in MISSABLE_VISITS
}

_MILESTONE_OF_FORM: dict[str, type[Participant.FormEntered]] = {
    "baseline": Participant.BaselineRecorded,
    "weekly": Participant.WeeklyReportReceived,
    "end_of_study": Participant.StudyEnded,
}
