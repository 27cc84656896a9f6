"""Plain dicts for signatures, queries, locks and verification (web, CLI, JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.arm_revealing import ArmRevealingRecord
from domain.arm_revealing_query import ArmRevealingQuery
from domain.participant import Participant
from domain.query import Query
from domain.signing import SignatureRecord


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def signature_view(
    holder: Participant | ArmRevealingRecord, signature: SignatureRecord
) -> dict[str, Any]:
    """A signature as every display must show it (11.50): name, time, meaning, and validity."""
    valid = holder.signature_is_valid(signature)
    return {
        "participant_id": str(holder.signed_participant_id),
        "number": signature.number,
        "scope": signature.scope,
        "form": signature.form,
        "meaning": signature.meaning,
        "printed_name": signature.printed_name,
        "user": signature.signer["user"],
        "role": signature.signer["role"],
        "signed_at": _iso(signature.signed_at),
        "participant_version": signature.participant_version,
        "content_hash": signature.content_hash,
        "status": "valid" if valid else "invalidated",
        "invalidated_by": None if valid else signature.invalidated_by,
        "incomplete": signature.incomplete,
        "incomplete_reason": signature.incomplete_reason,
    }


def lock_view(holder: Participant | ArmRevealingRecord, form: str | None) -> dict[str, Any]:
    """The lock state of one form (or of the participant when `form` is None); `holder` is
    the aggregate holding the form: the participant or their arm-revealing record."""
    lock = holder.participant_lock if form is None else holder.form_locks.get(form)
    participant_id = holder.participant_id if isinstance(holder, ArmRevealingRecord) else holder.id
    return {
        "participant_id": str(participant_id),
        "form": form,
        "locked": lock is not None,
        "locked_by": lock["user"] if lock else None,
        "locked_at": _iso(lock["at"]) if lock else None,
    }


def verification_view(holder: Participant | ArmRevealingRecord, form: str) -> dict[str, Any]:
    done = holder.verified_forms.get(form)
    return {
        "participant_id": str(holder.signed_participant_id),
        "form": form,
        "verified": done is not None,
        "verified_by": done["user"] if done else None,
        "verified_at": _iso(done["at"]) if done else None,
        "form_version": done["form_version"] if done else None,
    }


def query_view(query: Query | ArmRevealingQuery) -> dict[str, Any]:
    """A query as the outside world sees it; `week` is the repeat it is about (a week's
    report, an adverse event's number)."""
    return {
        "id": str(query.id),
        "participant_id": str(query.participant_id),
        "screening_number": query.screening_number,
        "site": query.site,
        "form": query.form,
        "week": query.week,
        "item": query.item,
        "text": query.text,
        "status": query.status.value,
        "raised_by": query.raised_by["user"],
        "raised_at": _iso(query.created_on),
        "history": [{**entry, "at": _iso(entry["at"])} for entry in query.history],
        "arm_revealing": isinstance(query, ArmRevealingQuery),
    }
