"""Applying events to a read model: one handler per event type, reshaping only.

Both read models use the same handlers. What differs is the input: the blinded model is fed
only blinded-safe events (and checks each one), so arm-revealing facts never arrive there; its
participants table also has no arm column. Event types without a handler (for example types
added later by other parts of the system) still get an audit index row, and the position
still moves past them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain import crf
from domain.allocation import Allocation
from domain.participant import Participant
from domain.protocol import (
    ARM_REVEALING_FORMS,
    REPEATING_FORM_KEY_ITEM,
    VISIT_DATE_ITEM,
    VISIT_OF_FORM,
)
from projections import review
from projections.batch import _SORTED, Batch, Row
from projections.consort import adherence_received
from projections.participant_state import (
    DERIVING_FORMS,
    ELIGIBILITY_FORMS,
    STATUS_FORMS,
    VISIT_DATE_FORM,
    consort_stage,
    eligibility_of,
    status_of,
    visit_rows,
)
from projections.spec import ViewSpec

Handler = Callable[[Batch, int, Any], None]
# Forms whose entry changes nothing but the sheet itself and the form's version.
_PLAIN_FORMS = frozenset(REPEATING_FORM_KEY_ITEM) - STATUS_FORMS - set(VISIT_DATE_ITEM)


@dataclass(frozen=True)
class _Kind:
    """What the projector needs to know about an event class, worked out once per class."""

    name: str
    handler: Handler | None
    participant_event: bool
    screening: bool
    correction: bool
    has_actor: bool
    may_name_item: bool

    @classmethod
    def of(cls, event_class: type, handlers: dict[type, Handler]) -> _Kind:
        names = {n for klass in event_class.__mro__ for n in getattr(klass, "__annotations__", {})}
        return cls(
            name=event_class.__qualname__,
            handler=handlers.get(event_class),
            participant_event=issubclass(event_class, Participant.Event),
            screening=issubclass(event_class, Participant.Screened),
            correction=issubclass(event_class, Participant.FormCorrected),
            has_actor="actor" in names,
            may_name_item="item" in names,
        )


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _actor(event: Any) -> dict[str, Any]:
    actor = getattr(event, "actor", None)
    return actor if isinstance(actor, dict) else {}


class Projector:
    """Turns domain events into rows of one read model."""

    def __init__(self, view: ViewSpec) -> None:
        self.view = view
        self.handlers: dict[type, Handler] = {
            Participant.Screened: self._screened,
            Participant.FormEntered: self._form_entered,
            Participant.AdherenceEntered: self._form_entered,
            Participant.FormCorrected: self._form_corrected,
            Participant.AdherenceCorrected: self._form_corrected,
            Participant.VisitOutOfWindow: self._out_of_window,
            Participant.Randomised: self._randomised,
            Allocation.Allocated: self._allocated,
            Allocation.ArmRevealed: self._arm_revealed,
        }
        self.handlers.update(review.handlers())
        self._kinds: dict[type, _Kind] = {}
        # The event being applied: its time as stored in rows, and its participant.
        self._at = ""
        self._pid: str | None = None

    # ---- entry points ---------------------------------------------------------------------

    @staticmethod
    def participant_of(event: Any) -> str | None:
        """The participant an event is about, if any (read ahead of a page)."""
        if isinstance(event, Participant.Event):
            return str(event.originator_id)
        participant_id = getattr(event, "participant_id", None)
        if isinstance(participant_id, UUID):
            return str(participant_id)
        return participant_id if isinstance(participant_id, str) else None

    def apply(
        self, batch: Batch, position: int, topic: str, event: Any, participant_id: str | None
    ) -> None:
        """Apply one event; `participant_id` is `participant_of(event)`, worked out already."""
        self.view.check(topic)
        self._at = event.timestamp.isoformat()
        self._pid = participant_id
        kind = self._kinds.get(type(event))
        if kind is None:
            kind = self._kinds[type(event)] = _Kind.of(type(event), self.handlers)
        if kind.handler is not None:
            kind.handler(batch, position, event)
        self._index(batch, position, event, kind)

    # ---- audit index ----------------------------------------------------------------------

    def _index(self, batch: Batch, position: int, event: Any, kind: _Kind) -> None:
        """One audit index row per event; a correction gets one row per changed item."""
        actor = event.actor if kind.has_actor else {}
        pid = self._pid
        participant = batch.participant(pid) if pid else None
        if participant is None:
            pid = None
        if kind.screening:
            form: Any = "screening"
            key: Any = "screening"
        else:
            form = getattr(event, "form", None)
            key = getattr(event, "key", None)
        head = (
            self._at,
            pid,
            participant["site"] if participant else actor.get("site"),
            form if form.__class__ is str else None,
            key if key.__class__ is str else None,
            actor.get("user"),
            actor.get("role"),
            kind.name,
            self._pid if kind.participant_event else str(event.originator_id),
            event.originator_version,
        )
        if kind.correction:
            reason = event.reason
            for item, (old, new) in event.changes.items():
                detail = _SORTED.encode({"old": old, "new": new, "reason": reason})
                batch.add_audit((position, item, *head, detail))
            return
        item = getattr(event, "item", None) if kind.may_name_item else None
        batch.add_audit((position, item if item.__class__ is str else "", *head, None))

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
            "consort": None,
        }
        if not self.view.blinded:
            participant |= {"arm": None, "arm_revealed": None}
        batch.put_participant(participant)
        self._put_sheet(batch, pid, "screening", "screening", event.items, position)
        self._touch(batch, participant, position, event)
        self._restate(batch, participant, position, "screening")

    def _form_entered(self, batch: Batch, position: int, event: Participant.FormEntered) -> None:
        participant = self._participant(batch, event)
        # The decoded event is not used after this page: its items can be the sheet itself.
        self._put_sheet(batch, participant["id"], event.key, event.form, event.items, position)
        self._form_changed(batch, participant, position, event)

    def _form_corrected(
        self, batch: Batch, position: int, event: Participant.FormCorrected
    ) -> None:
        participant = self._participant(batch, event)
        items = dict(batch.sheet_items(participant["id"], event.key) or {})
        for item, (_old, new) in event.changes.items():
            items[item] = new
        self._put_sheet(batch, participant["id"], event.key, event.form, items, position)
        self._form_changed(batch, participant, position, event)

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
        if form in _PLAIN_FORMS:  # the weekly report: most events, nothing more to do
            return
        if form in VISIT_DATE_ITEM:
            visit = batch.visit(participant["id"], VISIT_OF_FORM[form].key)
            if visit is not None:
                items = batch.sheet_items(participant["id"], event.key) or {}
                visit["done_on"] = items.get(VISIT_DATE_ITEM[form])
                batch.touch_visit(visit)
        if form in STATUS_FORMS:
            self._restate(batch, participant, position, form)
        elif form in VISIT_DATE_ITEM or form in ARM_REVEALING_FORMS:
            self._reconsort(batch, participant, position)

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
            batch.put_visit(visit)
        self._restate(batch, participant, position, None)

    # ---- allocation (arm-revealing: only ever reaches the unblinded model) ------------------

    def _allocated(self, batch: Batch, position: int, event: Allocation.Allocated) -> None:
        participant = batch.participant(self._pid or str(event.participant_id))
        if participant is None:
            return
        if "arm" in participant:
            participant["arm"] = event.decision["arm"]
        self._touch(batch, participant, position, event)
        self._reconsort(batch, participant, position, arm=event.decision["arm"])

    def _arm_revealed(self, batch: Batch, position: int, event: Allocation.ArmRevealed) -> None:
        participant = batch.participant(self._pid or str(event.participant_id))
        if participant is None:
            return
        if "arm_revealed" in participant:
            participant["arm_revealed"] = {
                "at": self._at,
                "by": _actor(event).get("user"),
                "reason": event.reason,
            }
        self._touch(batch, participant, position, event)

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

    def _restate(self, batch: Batch, participant: Row, position: int, form: str | None) -> None:
        """Recompute status and dates (and eligibility, if `form` bears on it)."""
        pid = participant["id"]
        screening = batch.sheet_items(pid, "screening")
        if screening is None:
            raise LookupError(f"{self.view.name}: participant {pid} has no screening sheet.")
        mri = batch.sheet_items(pid, "mri")
        if form in ELIGIBILITY_FORMS:
            participant.update(eligibility_of(screening, mri))
        participant.update(
            status_of(
                participant,
                screening,
                mri,
                batch.sheet_items(pid, "consent"),
                batch.sheet_items(pid, "baseline"),
                batch.sheet_items(pid, "end_of_study"),
            )
        )
        self._reconsort(batch, participant, position)

    def _reconsort(
        self, batch: Batch, participant: Row, position: int, arm: str | None = None
    ) -> None:
        """Record the participant's CONSORT standing at this position if it changed."""
        pid = participant["id"]
        previous = participant["consort"] or {}
        record = consort_stage(participant, batch.sheet(pid, "mri") is not None)
        # The arm is only ever given by the allocation event, which the blinded model never
        # receives; later records carry it on.
        record["arm"] = arm if arm is not None else previous.get("arm")
        if record["stage"] == "randomised":
            record["week10"] = batch.sheet(pid, "week10") is not None
            record["month12"] = batch.sheet(pid, "month12") is not None
            record["eos_status"] = participant["eos_status"]
            adherence = batch.sheet_items(pid, "adherence")
            if record["arm"] is not None or adherence is not None:
                record["received"] = adherence_received(record["arm"], adherence)
        record = {k: v for k, v in record.items() if v is not None}
        if record != previous:
            participant["consort"] = record
            batch.touch_participant(participant)
            batch.add_consort(pid, position, record)
