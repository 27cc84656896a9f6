"""Emergency unblinding: an investigator reveals one participant's arm, with a reason.

The revelation is split like randomisation: the arm in an arm-revealing event on the
allocation sequence, which blinded read paths never see, and the fact (who broke the blind,
when and why) in a blinded-safe event of the participant, which blinded monitors and data
managers see in the trail, the read models and their dashboard. Nothing about any other
participant is revealed. The database lock does not stop it:
emergency code-breaking must never be delayed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.errors import ProtocolOrderViolated, ReasonRequired
from domain.reasons import MAX_REASON_TEXT
from domain.text import normalise_line_breaks, text_problem
from domain.wording import Message
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize
from edc.refusals import logs_refusals


def unblinding_reason(reason: object) -> str:
    if isinstance(reason, str) and (problem := text_problem(reason, multiline=True)):
        raise ReasonRequired(
            Message("The reason: %(problem)s", problem=problem), fields={"reason": problem}
        )
    text = normalise_line_breaks(reason).strip() if isinstance(reason, str) else ""
    if not text:
        raise ReasonRequired(
            "An emergency unblinding needs a reason.",
            fields={"reason": "Say why the arm must be revealed"},
        )
    if len(text) > MAX_REASON_TEXT:
        raise ReasonRequired(
            Message("The reason must be at most %(limit)s characters.", limit=MAX_REASON_TEXT),
            fields={"reason": "Too long"},
        )
    return text


class UnblindingUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def unblind(self, actor: Actor, participant_id: UUID, reason: str) -> dict[str, Any]:
        """Reveal one randomised participant's arm to the investigator; returns {"arm"}."""
        at = self.clock()
        participant = self._participant(participant_id)
        authorize(actor, Action.UNBLIND, site=participant.site)
        text = unblinding_reason(reason)
        allocation = self.load_allocation()
        if allocation is None:
            raise ProtocolOrderViolated(
                "The participant is not randomised, so there is no arm to reveal."
            )
        arm = allocation.reveal_arm(participant.id, text, actor, at)
        # Split like randomisation: the blinded-safe fact on the participant, the arm apart.
        participant.record_emergency_unblinding(text, actor, at)
        self.save(allocation, participant)
        return {"arm": arm}

    @logs_refusals
    def list_unblindings(self, actor: Actor) -> list[dict[str, Any]]:
        """Every emergency unblinding: who, when, why and which participant; never the arm."""
        authorize(actor, Action.LIST_UNBLINDINGS)
        allocation = self.load_allocation()
        if allocation is None:
            return []
        rows = []
        for revelation in allocation.revelations:
            participant = self._participant(revelation["participant_id"])
            rows.append(
                {
                    "participant_id": str(participant.id),
                    "screening_number": participant.screening_number,
                    "site": participant.site,
                    "user": revelation["actor"]["user"],
                    "role": revelation["actor"]["role"],
                    "at": revelation["at"].isoformat(),
                    "reason": revelation["reason"],
                }
            )
        return rows
