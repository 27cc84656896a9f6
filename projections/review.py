"""Signatures, source data verification and the casebook lock in the blinded read model.

The participant's review events never touch arm-revealing forms (those are signed and verified
in the arm-revealing record, whose events the unblinded model projects with the row shapes
below: `projections.arm_projector`), so they live in the blinded tables and unblinded reads
share them. Form and database locks and queries have no table: no list reads them from a read
model (the application reads them from the store), so their events get audit index rows only.
A signature is valid until the first later change to content it covers, as in `domain.signing`;
the participant row lists its valid signatures so that a form entry looks signature rows up
only when there is something to invalidate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.participant import Participant
from domain.signing import CASEBOOK, covers, describe_change
from projections.batch import Batch, Row

Handler = Callable[[Batch, int, Any], None]
# The participant's events that change no table (no list reads form locks from a read model):
# each gets its audit index row only.
AUDIT_ROW_ONLY: frozenset[type] = frozenset({Participant.FormLocked, Participant.FormUnlocked})
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
            Participant.Locked: self._participant_locked,
            Participant.Unlocked: self._participant_unlocked,
            Participant.FormVerified: self._verified,
            Participant.VerificationCleared: self._verification_cleared,
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

    # ---- the casebook lock -------------------------------------------------------------------

    def _participant_locked(self, batch: Batch, position: int, event: Any) -> None:
        self._set_participant_lock(batch, position, event, True)

    def _participant_unlocked(self, batch: Batch, position: int, event: Any) -> None:
        self._set_participant_lock(batch, position, event, False)

    def _set_participant_lock(self, batch: Batch, position: int, event: Any, locked: bool) -> None:
        participant = self._participant(batch, event)
        participant["locked"] = int(locked)
        batch.touch_participant(participant)

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
