"""A migration of the audit chain to the current format: who, why, and the heads before and after.

A store sealed by an earlier version has links that do not cover the participant locator
(`edc.audit.links.legacy_link`). The operator migrates it explicitly (`edc audit migrate-chain`)
after the whole chain verified under the older rule; the links from the first one that changes
are then recomputed. Recording that step in the trail says that the heads anchored before it
were superseded on purpose, and by whom. One small aggregate per migration. No clinical data,
no arm: blinded-safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import ReasonRequired
from domain.text import text_problem

MAX_MIGRATION_REASON = 500


class ChainMigration(Aggregate):
    class Resealed(Aggregate.Created):
        """The chain resealed in the current format from `resealed_from` on."""

        actor: dict[str, Any]
        reason: str
        old_head: str
        new_head: str
        resealed_from: int
        links_resealed: int

    def __init__(
        self,
        actor: dict[str, Any],
        reason: str,
        old_head: str,
        new_head: str,
        resealed_from: int,
        links_resealed: int,
    ) -> None:
        self.actor = actor
        self.reason = reason
        self.old_head = old_head
        self.new_head = new_head
        self.resealed_from = resealed_from
        self.links_resealed = links_resealed

    @classmethod
    def reseal(
        cls,
        migration_id: UUID,
        actor: Actor,
        reason: str,
        heads: tuple[str, str],
        resealed_from: int,
        links_resealed: int,
        at: datetime,
    ) -> ChainMigration:
        return cls._create(
            cls.Resealed,
            id=migration_id,
            timestamp=at,
            actor=actor.as_dict(),
            reason=migration_reason(reason),
            old_head=heads[0],
            new_head=heads[1],
            resealed_from=resealed_from,
            links_resealed=links_resealed,
        )


def migration_reason(reason: str) -> str:
    """The reason as recorded: one line of printable text, required, bounded."""
    text = " ".join(reason.split())
    if not text:
        raise ReasonRequired("Give the reason for migrating the chain: it is recorded.")
    if len(text) > MAX_MIGRATION_REASON:
        raise ReasonRequired(f"The reason must be at most {MAX_MIGRATION_REASON} characters.")
    problem = text_problem(text)
    if problem is not None:
        raise ReasonRequired(f"The reason: {problem}")
    return text
