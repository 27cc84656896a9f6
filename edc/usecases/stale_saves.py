"""A save refused as stale (someone saved the form since the writer opened it), merged item by
item: who changed which item since, and whose value each item keeps (domain.stale_merge)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain import crf
from domain.actor import Actor
from domain.arm_revealing import arm_revealing_record_id
from domain.errors import NotFound
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, FORMS, REPEATING_FORM_KEY_ITEM
from domain.stale_merge import SheetVersion, base_and_changes, merge
from domain.wording import Message
from edc.base import TrialBase
from edc.permissions import Action, authorize, check_blind, check_site
from edc.refusals import logs_refusals


class StaleSaveUseCases(TrialBase):
    @logs_refusals
    def merge_stale_save(
        self,
        actor: Actor,
        participant_id: UUID,
        form: str,
        seen_version: int,
        mine: Mapping[str, Any],
        *,
        week: int | None = None,
    ) -> dict[str, Any]:
        """The writer's values (`mine`, saved from form version `seen_version`) merged with
        what was saved since: `merges` (item -> domain.stale_merge.ItemMerge) for every item
        either side changed, the form's current `version` and the sheet as it now stands."""
        check_blind(actor, form)
        if form not in FORMS:
            raise NotFound(Message("There is no form called %(form)s.", form=repr(form)))
        participant = self._participant(participant_id)
        authorize(actor, Action.VIEW_CLINICAL)
        check_site(actor, participant.site)
        key_item = REPEATING_FORM_KEY_ITEM.get(form)
        key = Participant.sheet_key(form, {key_item: week or 0} if key_item else {})
        versions = self._sheet_versions(participant, form, key)
        base, changes = base_and_changes(versions, seen_version)
        theirs = dict(versions[-1].sheet) if versions else {}
        names = [spec.name for spec in crf.ITEMS[form]]
        names += [crf.companion(name) for name in crf.MISSING_CODE_ITEMS[form]]
        return {
            "version": versions[-1].version if versions else 0,
            "theirs": theirs,
            "merges": merge(base, mine, theirs, changes, names),
        }

    def _sheet_versions(self, participant: Participant, form: str, key: str) -> list[SheetVersion]:
        """The sheet after each save of the form, replayed from the aggregate holding it."""
        holder_id = (
            arm_revealing_record_id(participant.id)
            if form in ARM_REVEALING_FORMS
            else participant.id
        )
        versions: list[SheetVersion] = []
        aggregate: Any = None
        events: list[Any] = list(self.repository.event_store.get(holder_id))
        for event in events:
            aggregate = event.mutate(aggregate)
            version = aggregate.form_version(form)
            if version == (versions[-1].version if versions else 0):
                continue
            actor = getattr(event, "actor", None) or {"user": "", "role": ""}
            versions.append(
                SheetVersion(
                    version,
                    dict(aggregate.sheets.get(key) or {}),
                    actor["user"],
                    actor["role"],
                    event.timestamp,
                )
            )
        return versions
