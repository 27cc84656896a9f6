"""Use cases of data queries: raise, answer (optionally with a correction), close, re-open, list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import crf
from domain.actor import Actor
from domain.errors import EdcError, FormInvalid, NotFound
from domain.participant import Participant
from domain.protocol import REPEATING_FORM_KEY_ITEM, ReasonCode
from domain.query import Query, QueryStatus, query_text
from domain.query_index import QueryIndex
from domain.reasons import MAX_REASON_TEXT, Reason, changed_items
from domain.roles import SITE_ROLES, Role
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, authorize, check_blind, check_site
from edc.query_lookup import load_query_index, queries_of
from edc.refusals import logs_refusals
from edc.review_presenters import query_view


def changed_values(stored: Mapping[str, Any], as_left: Mapping[str, Any]) -> dict[str, Any] | None:
    """The items of `as_left` whose value differs from the stored one (None: no change)."""
    changed = {
        item: value
        for item, value in as_left.items()
        if _comparable(stored.get(item)) != _comparable(value)
    }
    return changed or None


def _comparable(value: Any) -> Any:
    """A value as compared for change: the order of ticked codes is no change."""
    return sorted(map(str, value)) if isinstance(value, list | tuple) else value


class QueryUseCases(TrialBase):
    @logs_refusals
    @retry_on_conflict
    def raise_query(
        self,
        actor: Actor,
        participant_id: UUID,
        form: str,
        item: str,
        text: str,
        *,
        week: int | None = None,
    ) -> dict[str, Any]:
        """Raise a query on one item of a form (and week, for the weekly report)."""
        at = self.clock()
        check_blind(actor, form)
        participant = self._participant(participant_id)
        authorize(actor, Action.RAISE_QUERY, site=participant.site)
        self.check_database_open()
        query = Query.raise_on(self.new_id(), participant, form, item, text, actor, at, week=week)
        index = load_query_index(self, participant.id) or QueryIndex.start(participant.id, at)
        index.add(query.id, form, at)
        self.save(query, index)
        return query_view(query)

    @logs_refusals
    @retry_on_conflict
    def answer_query(
        self,
        actor: Actor,
        query_id: UUID | str,
        text: str,
        correction: Mapping[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        as_left: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Answer a query not yet closed (again, if need be); a correction of the form is
        saved in the same atomic write.

        `correction` maps items of the queried form to new values; the change is recorded with
        reason `query_resolution` and the answer as its text. `as_left` is the queried item as
        the person answering left it on the answer page: whatever in it differs from the
        stored value is the correction, so a changed value is never saved as a bare answer.
        """
        at = self.clock()
        query = self._query(query_id)
        participant = self._participant(query.participant_id)
        authorize(actor, Action.ANSWER_QUERY, site=participant.site)
        self.check_database_open()
        query.check_answerable()
        answer = query_text(text, "the answer")
        if correction is None and as_left is not None:
            correction = changed_values(participant.sheets.get(query.key) or {}, as_left)
        if correction is None:
            query.answer(answer, None, actor, at)
            self.save(query)
            return query_view(query)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form=query.form)
        changes = self._correct(participant, query, correction, answer, expected_version, actor, at)
        query.answer(answer, changes, actor, at)
        self.save(participant, query)
        return query_view(query)

    @logs_refusals
    @retry_on_conflict
    def close_query(
        self, actor: Actor, query_id: UUID | str, text: str | None = None
    ) -> dict[str, Any]:
        """Close a query (only the user who raised it)."""
        query = self._query_to_manage(actor, query_id)
        query.close(text, actor, self.clock())
        self.save(query)
        return query_view(query)

    @logs_refusals
    @retry_on_conflict
    def reopen_query(self, actor: Actor, query_id: UUID | str, text: str) -> dict[str, Any]:
        """Re-open an answered or closed query, saying why (only the user who raised it)."""
        query = self._query_to_manage(actor, query_id)
        query.reopen(text, actor, self.clock())
        self.save(query)
        return query_view(query)

    @logs_refusals
    def get_query(self, actor: Actor, query_id: UUID | str) -> dict[str, Any]:
        query = self._query(query_id)
        authorize(actor, Action.VIEW_CLINICAL)
        check_site(actor, query.site)
        return query_view(query)

    @logs_refusals
    def open_queries(
        self, actor: Actor, participant_id: UUID | None = None, site: str | None = None
    ) -> list[dict[str, Any]]:
        """Queries not yet closed (open or answered), of one participant or of a site."""
        authorize(actor, Action.VIEW_CLINICAL)
        if participant_id is not None:
            participant = self._participant(participant_id)
            check_site(actor, participant.site)
            participant_ids = [participant.id]
        else:
            if Role(actor.role) in SITE_ROLES and site is None:
                site = actor.site
            check_site(actor, site)
            participant_ids = self.participant_ids(site)
        return [
            query_view(query)
            for pid in participant_ids
            for query in queries_of(self, pid)
            if query.status is not QueryStatus.CLOSED
        ]

    # ---- helpers ----------------------------------------------------------------------------

    def _query(self, query_id: UUID | str) -> Query:
        try:
            if not str(query_id).isascii():  # UUID() reads "٣" as the hex digit 3
                raise ValueError(query_id)
            query: Query = self.repository.get(UUID(str(query_id)))
        except (AggregateNotFoundError, ValueError):
            raise NotFound("No such query.") from None
        if not isinstance(query, Query):
            raise NotFound("No such query.")
        return query

    def _query_to_manage(self, actor: Actor, query_id: UUID | str) -> Query:
        query = self._query(query_id)
        authorize(actor, Action.CLOSE_QUERY, site=query.site)
        self.check_database_open()
        return query

    def _correct(
        self,
        participant: Participant,
        query: Query,
        correction: Mapping[str, Any],
        answer: str,
        expected_version: int | None,
        actor: Actor,
        at: datetime,
    ) -> dict[str, list[Any]]:
        """Apply the answer's correction to the participant (not saved here); return changes."""
        if not isinstance(correction, Mapping) or not correction:
            message = "Give the corrected values, or answer without a correction."
            raise FormInvalid({"correction": message}, message)
        key_item = REPEATING_FORM_KEY_ITEM.get(query.form)
        if key_item is not None and key_item in correction:
            message = "The week of a report is not changed through a query."
            raise FormInvalid({key_item: message}, message)
        current = dict(participant.sheets.get(query.key) or {})
        context = crf.FormContext(
            today=self.local_date(at),
            screening_date=participant.screening_date,
            randomised_on=participant.randomised_on,
        )
        validated = crf.validate_form(query.form, {**current, **correction}, context)
        reason = Reason(ReasonCode.QUERY_RESOLUTION, answer[:MAX_REASON_TEXT])
        changed = participant.record_form(
            query.form,
            validated,
            expected_version=expected_version,
            reason=reason,
            actor=actor,
            at=at,
        )
        if not changed:
            raise EdcError("The correction changes no value; answer without a correction.")
        return changed_items(current, validated)
