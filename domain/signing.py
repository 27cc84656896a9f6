"""Electronic signatures on a form or a whole casebook (21 CFR 11.50, 11.70, 11.200).

A signature stores the printed name, the time, the meaning and a sha256 of a canonical JSON of
exactly what was signed, so it stays linked to that content (11.70): whenever the content
changes afterwards the signature shows as invalidated, naming the change that did it. The
invalidation is computed on replay, never stored, so it cannot be forgotten or forged.

Casebook signatures cover every sheet except arm-revealing forms (adherence), so neither the
hash nor the "invalidated by" of a signature can tell a blinded reader anything about the arm.
Arm-revealing forms (adverse events) are signed one form at a time by unblinded investigators,
in the arm-revealing record that holds them (`KEEPS_ARM_REVEALING_FORMS`), so those signatures
are arm-revealing events themselves.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError, FormInvalid, ReasonRequired, StateConflict
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS, FORMS, REPEATING_FORM_KEY_ITEM
from domain.text import normalise_line_breaks, text_problem
from domain.wording import Label, Listing, Message

if TYPE_CHECKING:
    _AggregateBase = Aggregate
else:
    _AggregateBase = object

CASEBOOK = "casebook"
FORM = "form"
MAX_INCOMPLETE_REASON = 500
# Completeness does not depend on dates, so any day will do.
_ANY_DAY = crf.FormContext(today=date.max)
# The forms a casebook is complete without: arm-revealing ones (not signed here) and the
# repeating ones, of which any number of entries is complete.
CASEBOOK_FORMS = tuple(
    form
    for form in FORMS
    if form not in ARM_REVEALING_FORMS and form not in REPEATING_FORM_KEY_ITEM
)


@dataclass(frozen=True)
class SigningGaps:
    """What the content being signed lacks: forms not started, and required items still
    missing from forms saved as incomplete drafts (form -> items)."""

    not_started: tuple[str, ...]
    incomplete: dict[str, tuple[str, ...]]

    def __bool__(self) -> bool:
        return bool(self.not_started or self.incomplete)

    def as_dict(self) -> dict[str, Any]:
        return {
            "not_started": list(self.not_started),
            "incomplete": {form: list(items) for form, items in self.incomplete.items()},
        }

    def describe(self) -> Listing:
        parts = []
        if self.not_started:
            names = Listing((Label(FORM_LABELS[form]) for form in self.not_started), ", ")
            parts.append(
                Message(
                    "%(count)s form(s) not started (%(names)s)",
                    count=len(self.not_started),
                    names=names,
                )
            )
        if self.incomplete:
            missing = Listing(
                (
                    Message(
                        "%(form)s: %(count)s item(s) missing",
                        form=Label(FORM_LABELS[form]),
                        count=len(items),
                    )
                    for form, items in self.incomplete.items()
                ),
                ", ",
            )
            parts.append(
                Message(
                    "%(count)s incomplete (%(names)s)", count=len(self.incomplete), names=missing
                )
            )
        return Listing(parts)


def check_incomplete_reason(gaps: SigningGaps, reason: str | None) -> str | None:
    """Signing content that is incomplete needs a reason, kept with the signature."""
    if not gaps:
        return None
    if isinstance(reason, str) and (problem := text_problem(reason, multiline=True)):
        raise ReasonRequired(
            Message("The reason: %(problem)s", problem=problem),
            fields={"incomplete_reason": problem},
        )
    text = normalise_line_breaks(reason).strip() if isinstance(reason, str) else ""
    if not text:
        message = Message(
            "What you sign is incomplete: %(gaps)s. Give a reason to sign it anyway.",
            gaps=gaps.describe(),
        )
        raise ReasonRequired(message, fields={"incomplete_reason": "Give the reason"})
    if len(text) > MAX_INCOMPLETE_REASON:
        message = Message(
            "The reason must be at most %(limit)s characters.", limit=MAX_INCOMPLETE_REASON
        )
        raise ReasonRequired(message, fields={"incomplete_reason": "Too long"})
    return text


class SignatureMeaning(StrEnum):
    APPROVAL = "approval"
    REVIEW = "review"
    AUTHORSHIP = "authorship"


def canonical_json(content: Any) -> bytes:
    """One byte string per content: sorted keys, no spaces, UTF-8, dates as ISO text."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_iso
    ).encode("utf-8")


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"Cannot sign a value of type {type(value).__name__}")


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


@dataclass
class SignatureRecord:
    """A signature as it stands: what it covers and, once the content changed, what changed it."""

    number: int
    scope: str
    form: str | None
    meaning: str
    printed_name: str
    signer: dict[str, Any]
    signed_at: datetime
    participant_version: int
    content_hash: str
    invalidated_by: dict[str, Any] | None = None
    incomplete: dict[str, Any] | None = None
    incomplete_reason: str | None = None

    def covers(self, form: str) -> bool:
        return covers(None if self.scope == CASEBOOK else self.form, form)


def covers(signed_form: str | None, changed_form: str) -> bool:
    """Whether a signature of `signed_form` (None: the casebook) covers `changed_form`, so
    that a change to it invalidates the signature: a casebook's covers every form but the
    arm-revealing ones, a form's covers all of that form's sheets."""
    if signed_form is None:
        return changed_form not in ARM_REVEALING_FORMS
    return signed_form == changed_form


def describe_change(event: Any) -> dict[str, Any]:
    """The event that changed signed content: its type, position in the stream, who, when, why."""
    return {
        "event": type(event).__name__,
        "participant_version": event.originator_version,
        "form": event.form,
        "at": event.timestamp.isoformat(),
        "user": event.actor["user"],
        "role": event.actor["role"],
        "reason": getattr(event, "reason", None),
    }


class SigningMixin(_AggregateBase):
    """Signatures of a Participant's forms and casebook."""

    # True on the aggregate that holds the arm-revealing forms: only they are signed there.
    KEEPS_ARM_REVEALING_FORMS = False

    if TYPE_CHECKING:
        sheets: dict[str, dict[str, Any]]
        signatures: list[SignatureRecord]

        def sheets_of(self, form: str) -> dict[str, dict[str, Any]]: ...

    class Signed(Aggregate.Event):
        """An investigator signed a form or the casebook; the hash is of exactly that content."""

        scope: str
        form: str | None
        meaning: str
        printed_name: str
        content_hash: str
        actor: dict[str, Any]
        # Signed although incomplete: what was missing, and the signer's reason (signatures
        # made before this was asked have neither).
        incomplete: dict[str, Any] | None = None
        incomplete_reason: str | None = None

        def apply(self, aggregate: SigningMixin) -> None:
            aggregate.signatures.append(
                SignatureRecord(
                    number=len(aggregate.signatures) + 1,
                    scope=self.scope,
                    form=self.form,
                    meaning=self.meaning,
                    printed_name=self.printed_name,
                    signer=dict(self.actor),
                    signed_at=self.timestamp,
                    participant_version=self.originator_version,
                    content_hash=self.content_hash,
                    incomplete=self.incomplete,
                    incomplete_reason=self.incomplete_reason,
                )
            )

    def sign(
        self,
        form: str | None,
        meaning: str,
        printed_name: str,
        actor: Actor,
        at: datetime,
        *,
        incomplete_reason: str | None = None,
        expected_hash: str | None = None,
    ) -> SignatureRecord:
        """Sign one entered form, or the whole casebook when `form` is None.

        Incomplete content (forms not started, drafts with required items missing) is signed
        only with a reason. `expected_hash` is the hash of the content the signer was shown:
        when the content changed since, nothing is signed.
        """
        try:
            parsed = SignatureMeaning(meaning)
        except ValueError:
            allowed = ", ".join(m.value for m in SignatureMeaning)
            message = Message("Choose the meaning of the signature: %(allowed)s.", allowed=allowed)
            raise FormInvalid({"meaning": message}, message) from None
        if form is None and self.KEEPS_ARM_REVEALING_FORMS:
            raise EdcError("Forms that reveal the arm are signed one form at a time.")
        if form is not None:
            if (form in ARM_REVEALING_FORMS) != self.KEEPS_ARM_REVEALING_FORMS:
                raise EdcError(
                    Message(
                        "The %(form)s form is not kept here, so it is not signed here.",
                        form=Label(FORM_LABELS[form]),
                    )
                )
            if not self.sheets_of(form):
                raise StateConflict(
                    Message(
                        "The %(form)s form is not entered: nothing to sign.",
                        form=Label(FORM_LABELS[form]),
                    )
                )
        signed_hash = content_hash(self.signed_content(form))
        if expected_hash is not None and expected_hash != signed_hash:
            raise StateConflict(
                "What you are signing changed since you opened the page: nothing was signed. "
                "Review the content shown now and sign again."
            )
        gaps = self.signing_gaps(form)
        reason = check_incomplete_reason(gaps, incomplete_reason)
        self.trigger_event(
            self.Signed,
            timestamp=at,
            scope=CASEBOOK if form is None else FORM,
            form=form,
            meaning=parsed.value,
            printed_name=printed_name,
            content_hash=signed_hash,
            actor=actor.as_dict(),
            incomplete=gaps.as_dict() if gaps else None,
            incomplete_reason=reason,
        )
        return self.signatures[-1]

    def signed_content(self, form: str | None) -> dict[str, Any]:
        """Exactly what a signature covers, including whose record it is (no transfer, 11.70)."""
        if form is None:
            sheets = {
                key: items
                for key, items in self.sheets.items()
                if key.split(":")[0] not in ARM_REVEALING_FORMS
            }
        else:
            sheets = self.sheets_of(form)
        return {
            "participant_id": str(self.signed_participant_id),
            "scope": CASEBOOK if form is None else FORM,
            "form": form,
            "sheets": sheets,
        }

    @property
    def signed_participant_id(self) -> UUID:
        """Whose record a signature is of (the arm-revealing record names its participant)."""
        return self.id

    def signing_gaps(self, form: str | None) -> SigningGaps:
        """What the content of a signature of `form` (None: the casebook) lacks."""
        forms = CASEBOOK_FORMS if form is None else (form,)
        not_started = tuple(name for name in forms if not self.sheets_of(name))
        incomplete = {}
        for name in forms:
            for sheet in self.sheets_of(name).values():
                missing = crf.missing_items(name, sheet, _ANY_DAY)
                if missing:
                    incomplete[name] = tuple(missing)
        return SigningGaps(not_started if form is None else (), incomplete)

    def needs_resigning(self, form: str | None) -> bool:
        """A signature of this content was made invalid by a later change and no valid one
        covers it now: the form (None: the casebook) must be signed again."""
        if form is None:
            casebook = [s for s in self.signatures if s.scope == CASEBOOK]
            return bool(casebook) and not self.signature_is_valid(casebook[-1])
        changed = any(
            s.covers(form) and s.invalidated_by is not None and s.invalidated_by["form"] == form
            for s in self.signatures
        )
        return changed and not self.valid_signatures_of(form)

    def invalidate_signatures(self, event: Any) -> None:
        """Called when a sheet changes: the first change after signing invalidates a signature."""
        for signature in self.signatures:
            if signature.invalidated_by is None and signature.covers(event.form):
                signature.invalidated_by = describe_change(event)

    def signature_is_valid(self, signature: SignatureRecord) -> bool:
        """Valid while nothing changed since signing and the content still has the signed hash."""
        # A recorded change settles it: the content is hashed only for signatures still standing.
        if signature.invalidated_by is not None:
            return False
        return content_hash(self.signed_content(signature.form)) == signature.content_hash

    def valid_signatures_of(self, form: str) -> list[SignatureRecord]:
        return [s for s in self.signatures if s.covers(form) and self.signature_is_valid(s)]
