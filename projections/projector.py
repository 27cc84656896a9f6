"""Applying events to the blinded read model: one handler per event type, reshaping only.

This model is fed only blinded-safe events (and checks each one), so arm-revealing facts never
arrive; its tables have no place for an arm. Event types without a handler
still get an audit index row, and the position still moves past them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain import crf
from domain.arm_revealing import ArmRevealingRecord
from domain.participant import Participant
from domain.participant_state import STANDING_FORMS
from domain.protocol import (
    ARM_REVEALING_FORMS,
    REPEATING_FORM_KEY_ITEM,
    TIME_ZONE,
    VISIT_DATE_ITEM,
    VISIT_OF_FORM,
)
from domain.sheets import corrected
from domain.visit_records import recorded_deviation_key
from projections.audit_rows import EventKind, index_rows, participant_of, participants_of
from projections.batch import Batch, ParticipantCache, Row
from projections.db import Cursor
from projections.participant_row import (
    DERIVING_FORMS,
    VISIT_DATE_FORM,
    screening_outcome_columns,
    standing_columns,
    state_of_row,
    visit_rows,
)
from projections.review import ReviewProjection
from projections.spec import BlindingViolation, ViewSpec

Handler = Callable[[Batch, int, Any], None]
_ZONE = ZoneInfo(TIME_ZONE)
# Forms whose entry changes nothing but the sheet itself and the form's version. Never an
# arm-revealing one: a participant's event holding one is refused (`_form_entered`).
_PLAIN_FORMS = (
    frozenset(REPEATING_FORM_KEY_ITEM) - STANDING_FORMS - set(VISIT_DATE_ITEM) - ARM_REVEALING_FORMS
)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


class Projector(ReviewProjection):
    """Turns blinded-safe domain events into rows of the blinded read model."""

    def __init__(self, view: ViewSpec) -> None:
        self.view = view
        self.handlers: dict[type, Handler] = {
            Participant.Screened: self._screened,
            Participant.FormEntered: self._form_entered,
            Participant.FormCorrected: self._form_corrected,
            # Never fed to a blinded model; were one let in by a wrong filter, it would be
            # stored like any form, where the leak check finds it.
            ArmRevealingRecord.FormEntered: self._form_entered,
            ArmRevealingRecord.ItemsCorrected: self._form_corrected,
            Participant.VisitOutOfWindow: self._out_of_window,
            Participant.Randomised: self._randomised,
            Participant.RandomisationDeviationFound: self._randomisation_deviation,
            Participant.EmergencyUnblinded: self._emergency_unblinded,
            Participant.MriEligibilityReassessed: self._eligibility_reassessed,
            Participant.VisitMissed: self._visit_missed,
            Participant.MissedVisitWithdrawn: self._missed_visit_withdrawn,
            Participant.DeviationRecorded: self._deviation_recorded,
        }
        self.handlers.update(self.review_handlers())
        # Milestones and named corrections are entries and corrections like any other.
        for milestone in Participant.FormEntered.__subclasses__():
            self.handlers[milestone] = self._form_entered
        for correction in Participant.FormCorrected.__subclasses__():
            self.handlers[correction] = self._form_corrected
        self._kinds: dict[type, EventKind] = {}
        # Event classes applied as a form's entry (`_form_entered`), worked out once per class.
        self._entries: dict[type, bool] = {}
        self._admitted: set[str] = set()
        # The event being applied: its time as stored in rows, and its participant.
        self._at = ""
        self._pid: str | None = None

    # ---- entry points ---------------------------------------------------------------------

    participant_of = staticmethod(participant_of)
    participants_of = staticmethod(participants_of)

    @property
    def splits_by_participant(self) -> bool:
        """Whether each event this view reads changes only rows of the participant whose
        aggregate it is, and its own audit index rows: then the view can be built in parts,
        by participant (`projections.rebuild_parts`). Every handler is of a participant's
        events, but those the view never admits (it refuses them)."""
        return all(
            issubclass(cls, Participant.Event) or not self.view.admits(get_topic(cls))
            for cls in self.handlers
        )

    def new_batch(self, cur: Cursor, cache: ParticipantCache) -> Batch:
        return Batch(cur, self.view, cache)

    def prepare(self, batch: Batch, participant_ids: Iterable[str]) -> None:
        """Read the participants a page is about, all at once."""
        batch.load(participant_ids)

    def apply(
        self, batch: Batch, position: int, topic: str, event: Any, participant_id: str | None
    ) -> None:
        """Apply one event; `participant_id` is `participant_of(event)`, worked out already."""
        if topic not in self._admitted:
            self.view.check(topic)  # raises unless the view may read this type of event
            self._admitted.add(topic)
        self._at = event.timestamp.isoformat()
        self._pid = participant_id
        cls = event.__class__
        kind = self._kinds.get(cls)
        if kind is None:
            kind = self._kinds[cls] = EventKind.of(cls, self.handlers)
            self._entries[cls] = kind.handler == self._form_entered
        if (
            self._entries[cls]
            and participant_id is not None
            and event.form in _PLAIN_FORMS
            and self._enter_plain(batch, position, event, participant_id)
        ):
            pass
        elif kind.handler is not None:
            kind.handler(batch, position, event)
        index_rows(batch.audit.append, kind, event, position)

    def _enter_plain(self, batch: Batch, position: int, event: Any, pid: str) -> bool:
        """What `_form_entered` does for a plain form (most events), without a sheet row.

        False, having changed nothing, where the general path is needed: a participant not
        screened, valid signatures to invalidate, or a row of this sheet in the page.
        """
        participant = batch.participant(pid)
        if participant is None or participant["valid_signatures"]:
            return False
        form, items, at = event.form, event.items, self._at
        derived = crf.derive(form, items) if form in DERIVING_FORMS else {}
        if not batch.enter_repeating(pid, event.key, form, items, derived, position, at):
            return False
        versions = participant["form_versions"]
        versions[form] = versions.get(form, 0) + 1
        participant["last_position"] = position
        participant["last_event_at"] = at
        batch.touch_participant(participant)
        return True

    # ---- participants ---------------------------------------------------------------------

    def _touch(self, batch: Batch, participant: Row, position: int, event: Any) -> None:
        participant["last_position"] = position
        participant["last_event_at"] = self._at
        batch.touch_participant(participant)

    def _screened(self, batch: Batch, position: int, event: Participant.Screened) -> None:
        pid = str(event.originator_id)
        participant: Row = {
            "id": pid,
            "seq": position,
            "screening_number": event.screening_number,
            "site": event.site,
            "randomised_on": None,
            "form_versions": {"screening": 1},
            "deviations": {},
            "locked": 0,
            "signature_count": 0,
            "valid_signatures": {},
            "missed_visits": {},
            **screening_outcome_columns(event.mri_eligible, event.failed_criteria),
        }
        batch.put_participant(participant)
        self._put_sheet(batch, pid, "screening", "screening", event.items, position)
        self._touch(batch, participant, position, event)
        self._restate(batch, participant)

    def _form_entered(self, batch: Batch, position: int, event: Participant.FormEntered) -> None:
        self._refuse_arm_revealing_form(event)
        participant = self._participant(batch, event)
        # The decoded event is not used after this page: its items can be the sheet itself.
        self._put_sheet(batch, participant["id"], event.key, event.form, event.items, position)
        self._form_changed(batch, participant, position, event)

    def _form_corrected(
        self, batch: Batch, position: int, event: Participant.FormCorrected
    ) -> None:
        self._refuse_arm_revealing_form(event)
        participant = self._participant(batch, event)
        items = corrected(batch.sheet_items(participant["id"], event.key) or {}, event.changes)
        self._put_sheet(batch, participant["id"], event.key, event.form, items, position)
        self._form_changed(batch, participant, position, event)

    def _refuse_arm_revealing_form(self, event: Any) -> None:
        """A participant's event never holds an arm-revealing form (those are the record's), so
        one that does was written into the store by hand: refuse it rather than store it."""
        if event.form in ARM_REVEALING_FORMS and isinstance(
            event, Participant.FormEntered | Participant.FormCorrected
        ):
            raise BlindingViolation(
                f"The {self.view.name} read model refused a participant's "
                f"{type(event).__qualname__} of the arm-revealing form {event.form!r}."
            )

    def _form_changed(
        self,
        batch: Batch,
        participant: Row,
        position: int,
        event: Participant.FormEntered | Participant.FormCorrected,
    ) -> None:
        form = event.form
        versions = participant["form_versions"]
        versions[form] = versions.get(form, 0) + 1
        participant["last_position"] = position
        participant["last_event_at"] = self._at
        batch.touch_participant(participant)
        if participant["valid_signatures"]:
            self.invalidate_signatures(batch, participant, form, event)
        if form in _PLAIN_FORMS:  # the weekly report: most events, nothing more to do
            return
        if form in VISIT_DATE_ITEM:
            visit = batch.visit(participant["id"], VISIT_OF_FORM[form].key)
            if visit is not None:
                items = batch.sheet_items(participant["id"], event.key) or {}
                visit["done_on"] = items.get(VISIT_DATE_ITEM[form])
                batch.touch_visit(visit)
        if form in STANDING_FORMS:
            self._restate(batch, participant)

    def _put_sheet(
        self,
        batch: Batch,
        pid: str,
        key: str,
        form: str,
        items: dict[str, Any],
        position: int,
    ) -> None:
        batch.put_sheet(
            {
                "participant_id": pid,
                "sheet_key": key,
                "form": form,
                "items": items,
                "derived": crf.derive(form, items) if form in DERIVING_FORMS else {},
                "position": position,
                "updated_at": self._at,
            }
        )

    def _out_of_window(
        self, batch: Batch, position: int, event: Participant.VisitOutOfWindow
    ) -> None:
        participant = self._participant(batch, event)
        participant["deviations"][event.form] = event.description
        self._touch(batch, participant, position, event)
        visit = batch.visit(participant["id"], VISIT_OF_FORM[event.form].key)
        if visit is not None:
            visit["deviation"] = event.description
            batch.touch_visit(visit)

    def _randomisation_deviation(
        self, batch: Batch, position: int, event: Participant.RandomisationDeviationFound
    ) -> None:
        participant = self._participant(batch, event)
        participant["deviations"][event.kind] = event.description
        self._touch(batch, participant, position, event)

    def _eligibility_reassessed(
        self, batch: Batch, position: int, event: Participant.MriEligibilityReassessed
    ) -> None:
        participant = self._participant(batch, event)
        participant.update(screening_outcome_columns(event.mri_eligible, event.failed_criteria))
        self._touch(batch, participant, position, event)
        self._restate(batch, participant)

    def _visit_missed(self, batch: Batch, position: int, event: Participant.VisitMissed) -> None:
        # With the day it was recorded: the visit's status on an earlier day is the calendar's.
        on = event.timestamp.astimezone(_ZONE).date().isoformat()
        self._mark_missed(batch, position, event, {**event.reason, "on": on})

    def _missed_visit_withdrawn(
        self, batch: Batch, position: int, event: Participant.MissedVisitWithdrawn
    ) -> None:
        self._mark_missed(batch, position, event, None)

    def _mark_missed(
        self,
        batch: Batch,
        position: int,
        event: Participant.VisitMissed | Participant.MissedVisitWithdrawn,
        reason: dict[str, str] | None,
    ) -> None:
        participant = self._participant(batch, event)
        missed = participant["missed_visits"]
        if reason is None:
            missed.pop(event.visit, None)
        else:
            missed[event.visit] = reason
        self._touch(batch, participant, position, event)
        visit = batch.visit(participant["id"], event.visit)
        if visit is not None:
            visit["missed"] = reason
            batch.touch_visit(visit)

    def _deviation_recorded(
        self, batch: Batch, position: int, event: Participant.DeviationRecorded
    ) -> None:
        participant = self._participant(batch, event)
        participant["deviations"][recorded_deviation_key(event.number)] = event.description
        self._touch(batch, participant, position, event)

    def _emergency_unblinded(
        self, batch: Batch, position: int, event: Participant.EmergencyUnblinded
    ) -> None:
        # The fact is in the trail (audit index); the participant's row only moves on.
        self._touch(batch, self._participant(batch, event), position, event)

    def _randomised(self, batch: Batch, position: int, event: Participant.Randomised) -> None:
        participant = self._participant(batch, event)
        participant["randomised_on"] = _iso(event.randomised_on)
        self._touch(batch, participant, position, event)
        for visit in visit_rows(participant["id"], participant["randomised_on"]):
            form = VISIT_DATE_FORM[visit["visit"]]
            items = batch.sheet_items(participant["id"], form)
            if items is not None:
                visit["done_on"] = items.get(VISIT_DATE_ITEM[form])
            visit["deviation"] = participant["deviations"].get(form)
            visit["missed"] = participant["missed_visits"].get(visit["visit"])
            batch.put_visit(visit)
        self._restate(batch, participant)

    # ---- derived state --------------------------------------------------------------------

    def _participant(self, batch: Batch, event: Any) -> Row:
        pid = self._pid or str(event.originator_id)
        participant = batch.participant(pid)
        if participant is None:
            raise LookupError(
                f"{self.view.name}: event {type(event).__qualname__} for participant {pid} "
                "arrived before the participant was screened."
            )
        return participant

    def _restate(self, batch: Batch, participant: Row) -> None:
        """Restate the participant's standing (status, inclusion, dates) in their row, once
        per page: no handler reads the standing, and it follows from the sheets and the row as
        they are at the end of the page."""
        batch.restating[participant["id"]] = participant
        batch.touch_participant(participant)

    def finish(self, batch: Batch) -> None:
        """Work left to the end of a page: the standing of the participants it moved."""
        for participant in batch.restating.values():
            self._state_of(batch, participant)
        batch.restating.clear()

    def _state_of(self, batch: Batch, participant: Row) -> None:
        pid = participant["id"]
        sheets = {
            form: items
            for form in STANDING_FORMS
            if (items := batch.sheet_items(pid, form)) is not None
        }
        if "screening" not in sheets:
            raise LookupError(f"{self.view.name}: participant {pid} has no screening sheet.")
        participant.update(standing_columns(state_of_row(participant, sheets)))
