"""ODM Transactional ClinicalData: every data event of the cut, in order, each audited.

- screening (Participant.Screened): SubjectData Insert, with the screening form;
- first entry of a form: FormData Insert (its StudyEventData is an Insert the first time a form
  of that visit arrives, and Context afterwards);
- correction: ItemData Update (or Insert when an empty item is filled, Remove when cleared),
  each with its own AuditRecord carrying the reason for change;
- randomisation: FormData Insert of the randomisation form (date only);
- allocation (unblinded view only): FormData Insert of the allocation form (the arm);
- signature: a Signature on the FormData signed (each week's, for the weekly report) or, for a
  casebook signature, on the SubjectData, with the hash of the content signed.

Every element that sets Insert, Update or Remove has an AuditRecord whose SourceID is the
event's identity in the store. Events that carry no clinical data (accounts, screening logs,
deviations flagged, emergency unblinding) are in the NDJSON audit stream, not here. Each
participant's subject key and which study events were already inserted are kept on disk (see
`ledger`), so memory holds neither the events nor anything per participant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord
from domain.crf import ITEMS, export_items
from domain.participant import Participant
from domain.protocol import REPEATING_FORM_KEY_ITEM, VISIT_BY_KEY, VISIT_OF_FORM
from projections.exports.casebook import Change
from projections.exports.odm.clinical import ClinicalOut, Signed
from projections.exports.odm.forms import (
    ALLOCATION,
    ARM,
    RANDOMISATION,
    RANDOMISATION_VISIT,
    RANDOMISED_ON,
)
from projections.exports.odm.ledger import SubjectLedger
from projections.exports.odm.names import form_oid, group_oid, item_oid
from projections.exports.odm.xml import attribute_text, attributes
from projections.exports.values import as_text, is_missing


class TransactionalClinical:
    """Turns domain events into ODM transactions, one SubjectData element per event."""

    def __init__(self, clinical: ClinicalOut, ledger: SubjectLedger) -> None:
        self.clinical = clinical
        self.out = clinical.out
        # Subject keys and the study events inserted so far, per participant.
        self.ledger = ledger

    def write(self, event: Any) -> None:
        if isinstance(event, Participant.Screened):
            self.screened(event)
        elif isinstance(event, Participant.FormCorrected):
            self.corrected(event.originator_id, event)
        elif isinstance(event, Participant.FormEntered):
            self.entered(event.originator_id, event)
        elif isinstance(event, ArmRevealingRecord.ItemsCorrected):  # unblinded view only
            self.corrected(event.participant_id, event)
        elif isinstance(event, ArmRevealingRecord.FormEntered):  # unblinded view only
            self.entered(event.participant_id, event)
        elif isinstance(event, Participant.Randomised):
            self.insert_form(
                event.originator_id,
                RANDOMISATION_VISIT,
                None,
                RANDOMISATION,
                {RANDOMISED_ON.name: event.randomised_on},
                Change.of(event),
            )
        elif isinstance(event, Participant.Signed):
            self.signed(event)
        elif isinstance(event, Allocation.Allocated):
            # Events of several aggregates saved in one transaction are stored in the order
            # the aggregates were given, so an allocation can precede the screening it
            # belongs to; it names the subject itself.
            self.ledger.name_if_new(event.participant_id, event.screening_number)
            self.insert_form(
                event.participant_id,
                RANDOMISATION_VISIT,
                None,
                ALLOCATION,
                {ARM.name: event.decision["arm"]},
                Change.of(event),
            )

    # ---- events --------------------------------------------------------------------------------

    def screened(self, event: Participant.Screened) -> None:
        participant_id = event.originator_id
        self.ledger.name(participant_id, event.screening_number)
        visit = VISIT_OF_FORM["screening"]
        self.ledger.insert(participant_id, visit.oid, None)
        with self.out.element(
            "SubjectData", SubjectKey=event.screening_number, TransactionType="Insert"
        ):
            self.clinical.audit_record(Change.of(event))
            self.out.leaf(
                "SiteRef", LocationOID=self.clinical.directory.location({"site": event.site})
            )
            with self.out.element("StudyEventData", StudyEventOID=visit.oid):
                self.clinical.form_data("screening", ITEMS["screening"], event.items, None)
        self.out.newline()

    def entered(
        self, participant_id: UUID, event: Participant.FormEntered | ArmRevealingRecord.FormEntered
    ) -> None:
        self.insert_form(
            participant_id,
            VISIT_OF_FORM[event.form].key,
            repeat_key(event.form, event.key),
            event.form,
            event.items,
            Change.of(event),
        )

    def corrected(
        self,
        participant_id: UUID,
        event: Participant.FormCorrected | ArmRevealingRecord.ItemsCorrected,
    ) -> None:
        change = Change.of(event)
        visit = VISIT_OF_FORM[event.form]
        with (
            self.subject(participant_id),
            self.study_event(participant_id, visit.oid, repeat_key(event.form, event.key), change),
            self.out.element("FormData", FormOID=form_oid(event.form), TransactionType="Context"),
            self.out.element(
                "ItemGroupData", ItemGroupOID=group_oid(event.form), TransactionType="Context"
            ),
        ):
            for item, (old, new) in event.changes.items():
                self.changed_item(item, old, new, change)
        self.out.newline()

    def signed(self, event: Participant.Signed) -> None:
        signed = Signed(event.meaning, event.actor, event.timestamp, event.content_hash)
        participant_id = event.originator_id
        with self.subject(participant_id):
            if event.form is None:
                self.clinical.signature(signed)
            else:
                visit = VISIT_OF_FORM[event.form]
                for repeat in self.ledger.inserted(participant_id, visit.oid):
                    with (
                        self.out.element(
                            "StudyEventData",
                            StudyEventOID=visit.oid,
                            StudyEventRepeatKey=repeat,
                            TransactionType="Context",
                        ),
                        self.out.element(
                            "FormData", FormOID=form_oid(event.form), TransactionType="Context"
                        ),
                    ):
                        self.clinical.signature(signed)
        self.out.newline()

    def changed_item(self, item: str, old: Any, new: Any, change: Change) -> None:
        if is_missing(old):
            transaction, value = "Insert", as_text(new)
        elif is_missing(new):
            transaction, value = "Remove", None
        else:
            transaction, value = "Update", as_text(new)
        with self.out.element(
            "ItemData", ItemOID=item_oid(item), Value=value, TransactionType=transaction
        ):
            self.clinical.audit_record(change)

    def insert_form(
        self,
        participant_id: UUID,
        visit_key: str,
        repeat: str | None,
        form: str,
        values: dict[str, Any],
        change: Change,
    ) -> None:
        specs = (
            export_items(form)
            if form in ITEMS
            else ((RANDOMISED_ON,) if form == RANDOMISATION else (ARM,))
        )
        visit = VISIT_BY_KEY[visit_key]
        subject = self.subject_start(participant_id)
        first = self.ledger.insert(participant_id, visit.oid, repeat)
        # Inside a study event inserted just now the form inherits Insert and its audit.
        audit = self.clinical.audit_markup(change) if first else ""
        form_data = self.clinical.form_data_markup(
            form, specs, values, None if first else change, None if first else "Insert"
        )
        self.out.top_level(
            f"{subject}{study_event_start(visit.oid, repeat, first)}{audit}{form_data}"
            "</StudyEventData></SubjectData>\n"
        )

    # ---- context ---------------------------------------------------------------------------------

    @contextmanager
    def subject(self, participant_id: UUID) -> Iterator[None]:
        with self.out.element(
            "SubjectData", SubjectKey=self.subject_key(participant_id), TransactionType="Context"
        ):
            yield

    def subject_key(self, participant_id: UUID) -> str:
        key = self.ledger.subject_key(participant_id)
        if key is None:
            raise ValueError(f"Event for participant {participant_id} before their screening")
        return key

    def subject_start(self, participant_id: UUID) -> str:
        """The start tag of a SubjectData giving a participant's context, as `subject` writes
        it when content follows."""
        key = attribute_text(self.subject_key(participant_id))
        return f'<SubjectData SubjectKey="{key}" TransactionType="Context">'

    @contextmanager
    def study_event(
        self, participant_id: UUID, oid: str, repeat: str | None, change: Change
    ) -> Iterator[bool]:
        """StudyEventData: Insert (audited) the first time, Context afterwards; yields which."""
        first = self.ledger.insert(participant_id, oid, repeat)
        with self.out.element(
            "StudyEventData",
            StudyEventOID=oid,
            StudyEventRepeatKey=repeat,
            TransactionType="Insert" if first else "Context",
        ):
            if first:
                self.clinical.audit_record(change)
            yield first


@lru_cache(maxsize=1024)
def study_event_start(oid: str, repeat: str | None, first: bool) -> str:
    """The start tag of a StudyEventData, as `study_event` writes it when content follows."""
    transaction = "Insert" if first else "Context"
    attrs = attributes(
        {"StudyEventOID": oid, "StudyEventRepeatKey": repeat, "TransactionType": transaction}
    )
    return f"<StudyEventData{attrs}>"


def repeat_key(form: str, sheet_key: str) -> str | None:
    """The study event repeat key of a sheet: the week number for the weekly report."""
    if form not in REPEATING_FORM_KEY_ITEM:
        return None
    return str(int(sheet_key.split(":")[1]))
