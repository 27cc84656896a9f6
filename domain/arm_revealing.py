"""The arm-revealing part of a participant's casebook, in an aggregate of its own.

Forms whose content reveals the arm (`protocol.ARM_REVEALING_FORMS`: adherence to the
intervention, and the forms added to that set later) are kept here rather than in the
`Participant`, one record per participant (a fixed id derived from theirs). So no version a
blinded reader sees counts them: participant versions, the trail's numbering, signature
versions and ODM SourceIDs run without gaps, and every event of this aggregate is
arm-revealing (`domain.blinding`). The protocol's preconditions (randomised, participant not
locked) are the Participant's and are checked by the use case; each entry records the
participant version it was checked against.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import ProtocolOrderViolated
from domain.locking import LockingMixin
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS
from domain.reasons import Reason
from domain.sheets import SheetsMixin, check_expected_version, corrected, correction_of
from domain.signing import SignatureRecord, SigningMixin
from domain.verification import VerificationMixin
from domain.visit_records import Deviation
from domain.wording import Label, Message

Items = dict[str, Any]
_NAMESPACE = uuid5(NAMESPACE_URL, "modic-edc/arm-revealing-record")


def arm_revealing_record_id(participant_id: UUID) -> UUID:
    """The one arm-revealing record of a participant (found without an index)."""
    return uuid5(_NAMESPACE, str(participant_id))


class ArmRevealingRecord(SheetsMixin, SigningMixin, LockingMixin, VerificationMixin, Aggregate):
    """A participant's arm-revealing forms, with their versions, locks, signatures and source
    data verification (by unblinded investigators and monitors: every such event is
    arm-revealing too, as `domain.signing` says)."""

    KEEPS_ARM_REVEALING_FORMS = True

    class Started(Aggregate.Created):
        participant_id: UUID
        screening_number: str
        site: str

    class FormEntered(Aggregate.Event):
        """A first entry of an arm-revealing form (named per form by the subclasses below)."""

        participant_id: UUID
        participant_version: int
        form: str
        key: str
        items: dict[str, Any]
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingRecord) -> None:
            aggregate.keep_sheet(self, dict(self.items))

    class AdherenceRecorded(FormEntered):
        pass

    class AdverseEventReported(FormEntered):
        pass

    class InterventionDiscontinued(FormEntered):
        pass

    class ItemsCorrected(Aggregate.Event):
        """Values of an entered arm-revealing form changed, with the reason for change."""

        participant_id: UUID
        participant_version: int
        form: str
        key: str
        changes: dict[str, list[Any]]
        reason: dict[str, str] | None
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingRecord) -> None:
            aggregate.keep_sheet(self, corrected(aggregate.sheets[self.key], self.changes))

    class DeviationRecorded(Aggregate.Event):
        """A protocol deviation that reveals the arm (the intervention not given as
        allocated); blinded-safe deviations are the Participant's."""

        participant_id: UUID
        participant_version: int
        number: int
        kind: str
        description: str
        occurred_on: date
        actor: dict[str, Any]

        def apply(self, aggregate: ArmRevealingRecord) -> None:
            aggregate.deviations.append(
                {
                    "number": self.number,
                    "kind": self.kind,
                    "description": self.description,
                    "occurred_on": self.occurred_on.isoformat(),
                    "at": self.timestamp,
                    "actor": dict(self.actor),
                }
            )

    def __init__(self, participant_id: UUID, screening_number: str, site: str) -> None:
        self.participant_id = participant_id
        self.screening_number = screening_number
        self.site = site
        self.sheets: dict[str, Items] = {}
        self.form_versions: dict[str, int] = {}
        self.form_locks: dict[str, dict[str, Any]] = {}
        self.deviations: list[dict[str, Any]] = []
        # The participant lock is the Participant's; the use case checks it there.
        self.participant_lock: dict[str, Any] | None = None
        self.signatures: list[SignatureRecord] = []
        self.verified_forms: dict[str, dict[str, Any]] = {}

    @classmethod
    def start(
        cls, participant_id: UUID, screening_number: str, site: str, at: datetime
    ) -> ArmRevealingRecord:
        return cls._create(
            cls.Started,
            id=arm_revealing_record_id(participant_id),
            timestamp=at,
            participant_id=participant_id,
            screening_number=screening_number,
            site=site,
        )

    def record_form(
        self,
        form: str,
        items: Mapping[str, Any],
        *,
        expected_version: int | None,
        reason: Reason | None,
        participant_version: int,
        actor: Actor,
        at: datetime,
    ) -> bool:
        """Enter or correct one arm-revealing form; returns False when nothing changed.

        `participant_version` is the Participant version whose preconditions the use case
        checked (randomised, not locked), kept with the entry for the trail.
        """
        if form not in ARM_REVEALING_FORMS:
            raise ProtocolOrderViolated(
                Message("%(form)s is not kept in this record.", form=Label(FORM_LABELS[form]))
            )
        self.check_form_unlocked(form)
        check_expected_version(form, expected_version, self.form_version(form))
        key = self.sheet_key(form, items)
        existing = self.sheets.get(key)
        common = {
            "timestamp": at,
            "participant_id": self.participant_id,
            "participant_version": participant_version,
            "form": form,
            "key": key,
            "actor": actor.as_dict(),
        }
        if existing is None:
            self.trigger_event(entry_event(form), items=dict(items), **common)
        else:
            changes = correction_of(existing, items, reason)
            if not changes:
                return False
            self.trigger_event(
                self.ItemsCorrected,
                changes=changes,
                reason=reason.as_dict() if reason else None,
                **common,
            )
        change = {"event": type(self.pending_events[-1]).__name__, "record_version": self.version}
        self.clear_verification(form, change, actor, at)
        return True

    @property
    def signed_participant_id(self) -> UUID:
        return self.participant_id

    def record_deviation(
        self, deviation: Deviation, *, participant_version: int, actor: Actor, at: datetime
    ) -> None:
        if not deviation.reveals_arm:
            raise ProtocolOrderViolated("This deviation does not reveal the arm.")
        self.trigger_event(
            self.DeviationRecorded,
            timestamp=at,
            participant_id=self.participant_id,
            participant_version=participant_version,
            number=len(self.deviations) + 1,
            kind=deviation.kind.value,
            description=deviation.description,
            occurred_on=deviation.occurred_on,
            actor=actor.as_dict(),
        )


# The first entry of each arm-revealing form, named in the trial's words.
_ENTRY_EVENTS: dict[str, type[ArmRevealingRecord.FormEntered]] = {
    "adherence": ArmRevealingRecord.AdherenceRecorded,
    "adverse_event": ArmRevealingRecord.AdverseEventReported,
    "discontinuation": ArmRevealingRecord.InterventionDiscontinued,
}


def entry_event(form: str) -> type[ArmRevealingRecord.FormEntered]:
    return _ENTRY_EVENTS.get(form, ArmRevealingRecord.FormEntered)
