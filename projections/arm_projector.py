"""The unblinded read model's own tables, from the arm-revealing events alone.

Allocation (the arm of each participant and its place in the sequence), emergency unblinding
and adherence to the intervention. Everything else an unblinded reader sees comes from the
blinded tables, so these events are the only ones this projection reads: a few per
randomised participant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain.allocation import Allocation
from domain.arm_revealing import ArmRevealingRecord
from projections.audit_rows import EventKind, index_rows, participant_of
from projections.batch import ParticipantCache, Row, RowCache
from projections.consort import adherence_received
from projections.db import Cursor
from projections.schema import insert_sql
from projections.spec import ViewSpec

ArmHandler = Callable[["ArmBatch", int, Any], None]


class ArmBatch:
    """The rows one page of arm-revealing events changes."""

    def __init__(self, cur: Cursor, view: ViewSpec) -> None:
        self.cur = cur
        self.view = view
        self.allocations = RowCache(cur, view, "allocations")
        self.adherence = RowCache(cur, view, "adherence")
        self.revelations: list[tuple[Any, ...]] = []
        self.audit: list[tuple[Any, ...]] = []

    def flush(self) -> None:
        with self.cur.pipeline():
            self._flush()

    def _flush(self) -> None:
        self.allocations.flush()
        self.adherence.flush()
        self.cur.executemany(insert_sql(self.view, "revelations"), self.revelations)
        self.cur.executemany(insert_sql(self.view, "audit"), self.audit)


class ArmProjector:
    """Turns allocation, unblinding and adherence events into the unblinded tables."""

    def __init__(self, view: ViewSpec) -> None:
        self.view = view
        self.handlers: dict[type, ArmHandler] = {
            Allocation.Allocated: self._allocated,
            Allocation.ArmRevealed: self._revealed,
            ArmRevealingRecord.FormEntered: self._adherence,
            ArmRevealingRecord.ItemsCorrected: self._adherence,
        }
        self._kinds: dict[type, EventKind] = {}
        self._at = ""

    participant_of = staticmethod(participant_of)

    def new_batch(self, cur: Cursor, cache: ParticipantCache) -> ArmBatch:
        # A few events per randomised participant: rows are simply read when needed.
        return ArmBatch(cur, self.view)

    def prepare(self, batch: ArmBatch, participant_ids: Iterable[str]) -> None:
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
        index_rows(batch.audit.append, kind, event, position, self._at, participant_id, None)

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
            items = dict(sheet["items"]) if sheet else {}
            for item, (_old, new) in event.changes.items():
                items[item] = new
        else:
            items = dict(event.items)
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
