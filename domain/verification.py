"""Source data verification (SDV): a monitor confirms a form against the source documents.

Verification is of the form as it stood when verified, so any later change of that form clears
it with an event of its own: the trail shows both the verification and what undid it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import EdcError, StateConflict
from domain.protocol import ARM_REVEALING_FORMS, FORM_LABELS
from domain.wording import Label, Message

if TYPE_CHECKING:
    _AggregateBase = Aggregate
else:
    _AggregateBase = object


class VerificationMixin(_AggregateBase):
    """Which forms of a Participant are source-verified, by whom and at which form version."""

    # True on the aggregate that holds the arm-revealing forms: only they are verified there,
    # by unblinded monitors.
    KEEPS_ARM_REVEALING_FORMS = False

    if TYPE_CHECKING:
        verified_forms: dict[str, dict[str, Any]]

        def form_version(self, form: str) -> int: ...

    class FormVerified(Aggregate.Event):
        form: str
        form_version: int
        actor: dict[str, Any]

        def apply(self, aggregate: VerificationMixin) -> None:
            aggregate.verified_forms[self.form] = {
                "user": self.actor["user"],
                "role": self.actor["role"],
                "at": self.timestamp,
                "form_version": self.form_version,
            }

    class VerificationCleared(Aggregate.Event):
        """A change to a verified form cleared its verification; `cause` names the change."""

        form: str
        cause: dict[str, Any]
        actor: dict[str, Any]

        def apply(self, aggregate: VerificationMixin) -> None:
            aggregate.verified_forms.pop(self.form, None)

    def verify_form(self, form: str, actor: Actor, at: datetime) -> None:
        if (form in ARM_REVEALING_FORMS) != self.KEEPS_ARM_REVEALING_FORMS:
            raise EdcError(
                Message(
                    "The %(form)s form is not kept here, so it is not verified here.",
                    form=Label(FORM_LABELS[form]),
                )
            )
        version = self.form_version(form)
        if version == 0:
            raise StateConflict(
                Message(
                    "The %(form)s form is not entered: there is nothing to verify.",
                    form=Label(FORM_LABELS[form]),
                )
            )
        if self.verified_forms.get(form, {}).get("form_version") == version:
            done = self.verified_forms[form]
            raise StateConflict(
                Message(
                    "The %(form)s form is already verified by %(user)s.",
                    form=Label(FORM_LABELS[form]),
                    user=done["user"],
                )
            )
        self.trigger_event(
            self.FormVerified,
            timestamp=at,
            form=form,
            form_version=version,
            actor=actor.as_dict(),
        )

    def clear_verification(
        self, form: str, cause: dict[str, Any], actor: Actor, at: datetime
    ) -> None:
        """Clear the form's verification after a change (the changer is the actor)."""
        if form in self.verified_forms:
            self.trigger_event(
                self.VerificationCleared,
                timestamp=at,
                form=form,
                cause=cause,
                actor=actor.as_dict(),
            )

    def is_verified(self, form: str) -> bool:
        return form in self.verified_forms
