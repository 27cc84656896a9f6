"""The unblinded read model's own tables, from the arm-revealing events alone.

Allocation (the arm of each participant and its place in the sequence), emergency unblinding,
the arm-revealing forms (adherence, adverse events, discontinuation) and their review: the
signatures and source data verification of those forms, by unblinded accounts, in rows shaped
as the blinded model's (`projections.review`). Everything else an unblinded reader
sees comes from the blinded tables, so these events are the only ones this projection reads: a
few per randomised participant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord
from domain.sheets import corrected
from domain.signing import covers
from projections.audit_rows import EventKind, index_rows, participant_of, participants_of
from projections.batch import ParticipantCache, Row, RowCache
from projections.consort import adherence_received
from projections.db import Cursor
from projections.review import (
    clear_verification,
    invalidate,
    signature_row,
    verification_row,
)
from projections.spec import ViewSpec
from projections.writes import PageWrites, first_page

ArmHandler = Callable[["ArmBatch", int, Any], None]


class ArmBatch:
    """The rows one page of arm-revealing events changes."""

    def __init__(self, cur: Cursor, view: ViewSpec, *, empty: bool = False) -> None:
        self.cur = cur
        self.view = view
        # `empty`: the page is the first since the tables were made, no row is stored yet.
        self.allocations = RowCache(cur, view, "allocations", empty=empty)
        self.adherence = RowCache(cur, view, "adherence", empty=empty)
        self.records = RowCache(cur, view, "records", empty=empty)
        self.signatures = RowCache(cur, view, "signatures", empty=empty)
        self.sdv = RowCache(cur, view, "sdv", empty=empty)
        self.revelations: list[tuple[Any, ...]] = []
        self.audit: list[tuple[Any, ...]] = []
        # Each participant's signature rows (those stored and those signed in this page), read
        # once per page: looked up again for every entry of an arm-revealing form.
        self.signatures_of: dict[str, list[Row]] = {}

    def flush(self) -> None:
        writes = PageWrites(self.cur, self.view)
        self._flush(writes)
        writes.write()

    def _flush(self, writes: PageWrites) -> None:
        for cache in (
            self.allocations,
            self.adherence,
            self.records,
            self.signatures,
            self.sdv,
        ):
            cache.flush(writes)
        writes.insert("revelations", self.revelations)
        writes.insert("audit", self.audit)


class ArmProjector:
    """Turns allocation, unblinding and arm-revealing record events into the unblinded tables."""

    def __init__(self, view: ViewSpec) -> None:
        self.view = view
        self.handlers: dict[type, ArmHandler] = {
            Allocation.Allocated: self._allocated,
            Allocation.ArmRevealed: self._revealed,
            ArmRevealingRecord.Started: self._started,
            ArmRevealingRecord.FormEntered: self._adherence,
            ArmRevealingRecord.ItemsCorrected: self._adherence,
            ArmRevealingRecord.Signed: self._signed,
            ArmRevealingRecord.FormVerified: self._verified,
            ArmRevealingRecord.VerificationCleared: self._verification_cleared,
            # The record's own participant lock is never set: the participant lock is the
            # Participant's (blinded tables), which unblinded reads take as well.
        }
        self._kinds: dict[type, EventKind] = {}
        self._at = ""

    participant_of = staticmethod(participant_of)
    participants_of = staticmethod(participants_of)
    # Allocations are the allocation list's events, not a participant's: built in one.
    splits_by_participant = False

    def new_batch(self, cur: Cursor, cache: ParticipantCache) -> ArmBatch:
        # A few events per randomised participant: rows are simply read when needed, and not
        # at all in a rebuild's first page, when there are none yet.
        return ArmBatch(cur, self.view, empty=first_page(cur, self.view))

    def prepare(self, batch: ArmBatch, participant_ids: Iterable[str]) -> None:
        return None

    def finish(self, batch: ArmBatch) -> None:
        return None

    def apply(
        self, batch: ArmBatch, position: int, topic: str, event: Any, participant_id: str | None
    ) -> None:
        self.view.check(topic)
        self._at = event.timestamp.isoformat()
        kind = self._kinds.get(type(event))
        if kind is None:
            kind = self._kinds[type(event)] = EventKind.of(type(event), self.handlers)
        if kind.handler is not None:
            kind.handler(batch, position, event)
        index_rows(batch.audit.append, kind, event, position)

    def _participant(self, batch: ArmBatch, event: Any) -> str:
        """Whose record an event of the arm-revealing record is (its Started says it)."""
        found = batch.records.get((str(event.originator_id),))
        if found is None:
            raise LookupError(
                f"{self.view.name}: event {type(event).__qualname__} of record "
                f"{event.originator_id} arrived before the record was started."
            )
        return str(found["participant_id"])

    def _started(self, batch: ArmBatch, position: int, event: ArmRevealingRecord.Started) -> None:
        batch.records.put(
            {"record_id": str(event.originator_id), "participant_id": str(event.participant_id)}
        )

    def _allocated(self, batch: ArmBatch, position: int, event: Allocation.Allocated) -> None:
        pid = str(event.participant_id)
        arm = event.decision["arm"]
        batch.allocations.put(
            {
                "participant_id": pid,
                "arm": arm,
                "sequence_number": event.sequence_number,
                "screening_number": event.screening_number,
                "received": None,
                "position": position,
                "at": self._at,
                "user_name": event.actor.get("user"),
            }
        )

    def _revealed(self, batch: ArmBatch, position: int, event: Allocation.ArmRevealed) -> None:
        batch.revelations.append(
            (
                position,
                str(event.participant_id),
                self._at,
                event.actor.get("user"),
                event.actor.get("role"),
                event.reason,
            )
        )

    def _adherence(
        self,
        batch: ArmBatch,
        position: int,
        event: ArmRevealingRecord.FormEntered | ArmRevealingRecord.ItemsCorrected,
    ) -> None:
        pid = str(event.participant_id)
        sheet = batch.adherence.get((pid, event.key))
        if isinstance(event, ArmRevealingRecord.ItemsCorrected):
            items = corrected(sheet["items"] if sheet else {}, event.changes)
        else:
            items = dict(event.items)
        self._invalidate_signatures(batch, pid, event)
        batch.adherence.put(
            {
                "participant_id": pid,
                "sheet_key": event.key,
                "form": event.form,
                "items": items,
                "derived": {},
                "position": position,
                "updated_at": self._at,
                "version": (sheet["version"] if sheet else 0) + 1,
            }
        )
        allocation: Row | None = batch.allocations.get((pid,))
        if allocation is None:
            return
        if event.form == "adherence":
            received = int(adherence_received(allocation["arm"], items))
            if received != allocation["received"]:
                allocation["received"] = received
                batch.allocations.touch(allocation)

    # ---- review of the arm-revealing forms (as `projections.review` does for the others) --

    @staticmethod
    def _signatures_of(batch: ArmBatch, pid: str) -> list[Row]:
        found = batch.signatures_of.get(pid)
        if found is None:
            found = batch.signatures_of[pid] = batch.signatures.select("participant_id = ?", (pid,))
        return found

    def _signed(self, batch: ArmBatch, position: int, event: ArmRevealingRecord.Signed) -> None:
        pid = self._participant(batch, event)
        signatures = self._signatures_of(batch, pid)
        # Numbered as the record numbers them: its first signature is 1.
        number = 1 + max((row["number"] for row in signatures), default=0)
        signatures.append(
            batch.signatures.put(signature_row(pid, number, event.form, event, self._at, position))
        )

    def _invalidate_signatures(
        self,
        batch: ArmBatch,
        pid: str,
        event: ArmRevealingRecord.FormEntered | ArmRevealingRecord.ItemsCorrected,
    ) -> None:
        """Any entry or correction of a form invalidates its valid signatures (a new adverse
        event too: a form's signature covers all its sheets, as in `domain.signing`)."""
        for signature in self._signatures_of(batch, pid):
            if signature["valid"] and covers(signature["form"], event.form):
                invalidate(signature, event)
                batch.signatures.touch(signature)

    def _verified(
        self, batch: ArmBatch, position: int, event: ArmRevealingRecord.FormVerified
    ) -> None:
        pid = self._participant(batch, event)
        batch.sdv.put(verification_row(pid, event, self._at, position))

    def _verification_cleared(
        self, batch: ArmBatch, position: int, event: ArmRevealingRecord.VerificationCleared
    ) -> None:
        row = batch.sdv.get((self._participant(batch, event), event.form))
        if row is not None:
            clear_verification(row, event, position)
            batch.sdv.touch(row)
