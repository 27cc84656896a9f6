"""Signatures, locks, source data verification and queries in the blinded read model.

The participant's review events never touch arm-revealing forms (those are signed, verified
and locked in the arm-revealing record, whose events the unblinded model projects with the row
shapes below: `projections.arm_projector`), so they live in the blinded tables and unblinded
reads share them. A signature is valid until the first later change to content it covers, as in
`domain.signing`; the participant row lists its valid signatures so that a form entry looks
signature rows up only when there is something to invalidate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.database_lock import DatabaseLock
from domain.participant import Participant
from domain.query import Query
from domain.signing import CASEBOOK, covers, describe_change
from projections.batch import Batch, Row

Handler = Callable[[Batch, int, Any], None]
DATABASE_SCOPE = "database"


def participant_scope(participant_id: str) -> str:
    return f"participant:{participant_id}"


def form_scope(participant_id: str, form: str) -> str:
    return f"form:{participant_id}:{form}"


# ---- rows, the same in both models -------------------------------------------------------


def signature_row(
    pid: str, number: int, form: str | None, event: Any, at: str, position: int
) -> Row:
    return {
        "participant_id": pid,
        "number": number,
        "scope": event.scope,
        "form": form,
        "meaning": event.meaning,
        "printed_name": event.printed_name,
        "signed_by": event.actor.get("user"),
        "role": event.actor.get("role"),
        "signed_at": at,
        "content_hash": event.content_hash,
        "valid": 1,
        "invalidated_by": None,
        "position": position,
    }


def invalidate(signature: Row, event: Any) -> None:
    """The first change to signed content invalidates the signature, naming the change."""
    signature["valid"] = 0
    signature["invalidated_by"] = describe_change(event)


def lock_row(
    scope: str,
    participant_id: str | None,
    form: str | None,
    locked: bool,
    event: Any,
    at: str,
    position: int,
) -> Row:
    return {
        "scope": scope,
        "participant_id": participant_id,
        "form": form,
        "locked": int(locked),
        "by_user": event.actor.get("user"),
        "role": event.actor.get("role"),
        "at": at,
        "reason": getattr(event, "reason", None),
        "position": position,
    }


def verification_row(pid: str, event: Any, at: str, position: int) -> Row:
    return {
        "participant_id": pid,
        "form": event.form,
        "verified": 1,
        "by_user": event.actor.get("user"),
        "at": at,
        "form_version": event.form_version,
        "cleared_by": None,
        "position": position,
    }


def clear_verification(row: Row, event: Any, position: int) -> None:
    row.update({"verified": 0, "cleared_by": event.cause, "position": position})


class ReviewProjection:
    """Handlers for review events; mixed into the blinded `Projector`."""

    _at: str
    _pid: str | None

    def _participant(self, batch: Batch, event: Any) -> Row:
        raise NotImplementedError

    def review_handlers(self) -> dict[type, Handler]:
        return {
            Participant.Signed: self._signed,
            Participant.FormLocked: self._form_locked,
            Participant.FormUnlocked: self._form_unlocked,
            Participant.Locked: self._participant_locked,
            Participant.Unlocked: self._participant_unlocked,
            Participant.FormVerified: self._verified,
            Participant.VerificationCleared: self._verification_cleared,
            DatabaseLock.Locked: self._database_locked,
            DatabaseLock.Unlocked: self._database_unlocked,
            Query.Raised: self._query_raised,
            Query.Answered: self._query_step,
            Query.Closed: self._query_step,
            Query.Reopened: self._query_step,
        }

    # ---- signatures -------------------------------------------------------------------------

    def _signed(self, batch: Batch, position: int, event: Any) -> None:
        participant = self._participant(batch, event)
        number = participant["signature_count"] = (participant["signature_count"] or 0) + 1
        form = event.form if event.scope != CASEBOOK else None
        participant["valid_signatures"][str(number)] = form
        batch.touch_participant(participant)
        batch.signatures.put(
            signature_row(participant["id"], number, form, event, self._at, position)
        )

    def invalidate_signatures(self, batch: Batch, participant: Row, form: str, event: Any) -> None:
        """The first change to signed content invalidates the signature, naming the change."""
        valid: dict[str, str | None] = participant["valid_signatures"]
        for number, signed_form in list(valid.items()):
            if not covers(signed_form, form):
                continue
            signature = batch.signatures.get((participant["id"], int(number)))
            if signature is not None:
                invalidate(signature, event)
                batch.signatures.touch(signature)
            del valid[number]
            batch.touch_participant(participant)

    # ---- locks ------------------------------------------------------------------------------

    def _lock(
        self,
        batch: Batch,
        position: int,
        event: Any,
        scope: str,
        participant_id: str | None,
        form: str | None,
        locked: bool,
    ) -> None:
        batch.locks.put(lock_row(scope, participant_id, form, locked, event, self._at, position))

    def _form_locked(self, batch: Batch, position: int, event: Any) -> None:
        pid = self._participant(batch, event)["id"]
        self._lock(batch, position, event, form_scope(pid, event.form), pid, event.form, True)

    def _form_unlocked(self, batch: Batch, position: int, event: Any) -> None:
        pid = self._participant(batch, event)["id"]
        self._lock(batch, position, event, form_scope(pid, event.form), pid, event.form, False)

    def _participant_locked(self, batch: Batch, position: int, event: Any) -> None:
        self._set_participant_lock(batch, position, event, True)

    def _participant_unlocked(self, batch: Batch, position: int, event: Any) -> None:
        self._set_participant_lock(batch, position, event, False)

    def _set_participant_lock(self, batch: Batch, position: int, event: Any, locked: bool) -> None:
        participant = self._participant(batch, event)
        participant["locked"] = int(locked)
        batch.touch_participant(participant)
        pid = participant["id"]
        self._lock(batch, position, event, participant_scope(pid), pid, None, locked)

    def _database_locked(self, batch: Batch, position: int, event: Any) -> None:
        self._lock(batch, position, event, DATABASE_SCOPE, None, None, True)

    def _database_unlocked(self, batch: Batch, position: int, event: Any) -> None:
        self._lock(batch, position, event, DATABASE_SCOPE, None, None, False)

    # ---- source data verification -----------------------------------------------------------

    def _verified(self, batch: Batch, position: int, event: Any) -> None:
        pid = self._participant(batch, event)["id"]
        batch.sdv.put(verification_row(pid, event, self._at, position))

    def _verification_cleared(self, batch: Batch, position: int, event: Any) -> None:
        pid = self._participant(batch, event)["id"]
        row = batch.sdv.get((pid, event.form))
        if row is None:
            return
        clear_verification(row, event, position)
        batch.sdv.touch(row)

    # ---- queries ------------------------------------------------------------------------------

    def _query_raised(self, batch: Batch, position: int, event: Any) -> None:
        step = {
            "step": "raised",
            "user": event.actor.get("user"),
            "role": event.actor.get("role"),
            "at": self._at,
            "text": event.text,
        }
        batch.queries.put(
            {
                "id": str(event.originator_id),
                "participant_id": str(event.participant_id),
                "site": event.site,
                "form": event.form,
                "sheet_key": event.key,
                "item": event.item,
                "status": "open",
                "text": event.text,
                "raised_by": event.actor.get("user"),
                "raised_at": self._at,
                "updated_at": self._at,
                "position": position,
                "thread": [step],
            }
        )

    def _query_step(self, batch: Batch, position: int, event: Any) -> None:
        query = batch.queries.get((str(event.originator_id),))
        if query is None:
            return
        step_name, status = _QUERY_STEPS[type(event)]
        step: dict[str, Any] = {
            "step": step_name,
            "user": event.actor.get("user"),
            "role": event.actor.get("role"),
            "at": self._at,
            "text": event.text,
        }
        changes = getattr(event, "changes", None)
        if changes:
            step["changes"] = {item: list(change) for item, change in changes.items()}
        query["thread"].append(step)
        query.update({"status": status, "updated_at": self._at, "position": position})
        batch.queries.touch(query)
        # The audit index row of this event belongs to the participant the query is about.
        self._pid = query["participant_id"]


_QUERY_STEPS: dict[type, tuple[str, str]] = {
    Query.Answered: ("answered", "answered"),
    Query.Closed: ("closed", "closed"),
    Query.Reopened: ("reopened", "open"),
}
