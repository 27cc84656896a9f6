"""Reading the log of refused actions (monitors and data managers)."""

from __future__ import annotations

from typing import Any

from domain.actor import Actor
from domain.errors import EdcError
from domain.refusal_log import CommandRefused
from domain.wording import Message, message_from_record
from edc.base import TrialBase
from edc.permissions import Action, authorize
from edc.refusals import logs_refusals, refusal_log

MAX_PAGE = 1000


def refusal_view(record: CommandRefused) -> dict[str, Any]:
    return {
        "position": record.originator_version,
        "time": record.timestamp.isoformat(),
        "user": record.actor.get("user"),
        "role": record.actor.get("role"),
        "site": record.actor.get("site"),
        "command": record.command,
        "target": dict(record.target),
        "code": record.code,
        # The message as stored (English) that a page reads again in its own language.
        "message": message_from_record(record.message, record.message_id, record.message_params),
        "items": list(record.items),
    }


class RefusalUseCases(TrialBase):
    @logs_refusals
    def list_refusals(self, actor: Actor, since: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Refusals after position `since`, oldest first; page on with the last position seen."""
        authorize(actor, Action.VIEW_REFUSALS)
        if not 1 <= limit <= MAX_PAGE:
            raise EdcError(Message("The page size must be from 1 to %(limit)s.", limit=MAX_PAGE))
        if since < 0:
            raise EdcError("`since` is a position in the log: 0 or more.")
        return [refusal_view(r) for r in refusal_log(self).get(gt=since, limit=limit)]
