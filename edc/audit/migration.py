"""Migrating a store sealed in the older chain format to the current one, explicitly.

The older format's links did not cover the participant locator (`edc.audit.links`). Resealing
is only safe when the chain is intact under the rule it was sealed with: otherwise migrating
would seal tampering into a chain that then verifies. So the whole chain is verified first
(against every anchored head, under the older rule where its links follow it), and the reseal
checks each link it replaces once more under the older rule, in the writers' lock. The step is
then recorded outside the store (a `migrated` head-log entry, which supersedes the heads
anchored before it from the first resealed position on) and in it (`ChainMigration.Resealed`,
who, why, the heads before and after), so the trail shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.actor import Actor
from domain.chain_migration import migration_reason
from edc.application import Trial
from edc.audit import anchors
from edc.audit.chain import ChainHead, head, verify
from edc.audit.links import ChainBroken
from edc.audit.store import chain_recorder
from edc.config import Settings


@dataclass(frozen=True)
class Migration:
    """What `migrate_chain` did: `migrated` False means nothing changed (see `message`)."""

    migrated: bool
    message: str
    refused: bool = False
    old_head: ChainHead | None = None
    new_head: ChainHead | None = None
    resealed_from: int = 0
    links_resealed: int = 0


def migrate_chain(trial: Trial, settings: Settings, actor: Actor, reason: str) -> Migration:
    """Verify the chain under the older format, reseal it in the current one, record it."""
    reason = migration_reason(reason)
    found, damaged = anchors.anchors_for(settings)
    if damaged:
        return _refused(f"the head log is damaged: {'; '.join(damaged)}")
    result = verify(trial, anchors=found)
    if result.ok:
        return Migration(
            False, f"Nothing to migrate: the chain is in the current format (head {result.head})."
        )
    if result.problem != "older-format" or result.first_bad_position is None:
        return _refused(result.message)
    start = result.first_bad_position
    try:
        _, resealed = chain_recorder(trial).reseal_from(start)
    except ChainBroken as error:
        return _refused(str(error))
    new_head = head(trial)
    note = (
        f"resealed {resealed} links in the current chain format from position {start}; "
        f"old head {result.head}; reason: {reason}"
    )
    # Outside the store first: until this line is written the old anchors contradict it.
    anchors.record(settings, "migrated", new_head, note, resealed_from=start)
    trial.record_chain_migration(actor, reason, (str(result.head), str(new_head)), start, resealed)
    anchors.flush(settings)
    return Migration(
        True,
        note,
        old_head=result.head,
        new_head=new_head,
        resealed_from=start,
        links_resealed=resealed,
    )


def _refused(why: str) -> Migration:
    return Migration(
        False,
        "The chain does not verify under the format it was sealed in, so it was not migrated "
        f"(migrating would seal the change in): {why}",
        refused=True,
    )
