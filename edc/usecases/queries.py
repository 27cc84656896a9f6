"""Use cases of data queries: raise, answer (optionally with a correction), close, re-open, list.

A query on an arm-revealing form (adherence, adverse event, discontinuation) is an
`ArmRevealingQuery` on the participant's arm-revealing record, raised by unblinded monitors and
data managers and answered by unblinded site staff and investigators of the site: the same
commands, with the blind checked first (`check_blind`), so a blinded account of any role gets
one refusal for every participant, and a blinded reader is told of no such query ("No such
query.", as for an id that names nothing) and counts none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import crf
from domain.actor import Actor
from domain.arm_revealing import ArmRevealingRecord
from domain.arm_revealing_query import ArmRevealingQuery, ArmRevealingQueryIndex
from domain.errors import EdcError, FormInvalid, NotFound, PermissionDenied
from domain.participant import Participant
from domain.protocol import ARM_REVEALING_FORMS, REPEATING_FORM_KEY_ITEM, ReasonCode
from domain.query import Query, QueryStatus, query_text
from domain.query_index import QueryIndex
from domain.reasons import MAX_REASON_TEXT, Reason, changed_items
from domain.wording import Word
from edc.base import TrialBase
from edc.concurrency import retry_on_conflict
from edc.permissions import Action, asked_site, authorize, check_blind, check_site
from edc.query_lookup import (
    AnyQuery,
    load_arm_revealing_query_index,
    load_query_index,
    visible_queries_of,
)
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


@contextmanager
def about_arm_revealing_data(query: AnyQuery) -> Iterator[None]:
    """Refusals of a command on a query of an arm-revealing form are arm-revealing: the
    refusal log keeps no item names or message of them (its arguments name only the query)."""
    try:
        yield
    except EdcError as error:
        if isinstance(query, ArmRevealingQuery):
            error.arm_revealing = True
        raise


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
        if form in ARM_REVEALING_FORMS:
            return self._raise_arm_revealing(participant, form, item, text, week, actor, at)
        query = Query.raise_on(self.new_id(), participant, form, item, text, actor, at, week=week)
        index = load_query_index(self, participant.id) or QueryIndex.start(participant.id, at)
        index.add(query.id, form, at)
        self.save(query, index)
        return query_view(query)

    def _raise_arm_revealing(
        self,
        participant: Participant,
        form: str,
        item: str,
        text: str,
        repeat: int | None,
        actor: Actor,
        at: datetime,
    ) -> dict[str, Any]:
        """A query on the participant's arm-revealing record, indexed apart from theirs."""
        query = ArmRevealingQuery.raise_on(
            self.new_id(),
            self.load_arm_revealing_record(participant.id),
            participant.id,
            participant.screening_number,
            participant.site,
            form,
            item,
            text,
            actor,
            at,
            repeat=repeat,
        )
        index = load_arm_revealing_query_index(
            self, participant.id
        ) or ArmRevealingQueryIndex.start(participant.id, at)
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
        query = self._query(actor, query_id)
        with about_arm_revealing_data(query):
            if isinstance(query, ArmRevealingQuery):
                return self._answer_arm_revealing(
                    actor, query, text, correction, expected_version, as_left, at
                )
            return self._answer(actor, query, text, correction, expected_version, as_left, at)

    def _answer(
        self,
        actor: Actor,
        query: Query,
        text: str,
        correction: Mapping[str, Any] | None,
        expected_version: int | None,
        as_left: Mapping[str, Any] | None,
        at: datetime,
    ) -> dict[str, Any]:
        participant = self._participant(query.participant_id)
        authorize(actor, Action.ANSWER_QUERY, site=participant.site)
        self.check_database_open()
        query.check_answerable()
        answer = query_text(text, Word("the answer"))
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

    def _answer_arm_revealing(
        self,
        actor: Actor,
        query: ArmRevealingQuery,
        text: str,
        correction: Mapping[str, Any] | None,
        expected_version: int | None,
        as_left: Mapping[str, Any] | None,
        at: datetime,
    ) -> dict[str, Any]:
        """As `_answer`; a correction is of the arm-revealing record's item, saved with the
        answer, and only those who enter the form may make it."""
        participant = self._participant(query.participant_id)
        # The blind was checked on loading the query; any unblinded site role that answers
        # queries answers these, and a correction needs the form's writers (below).
        authorize(actor, Action.ANSWER_QUERY, site=participant.site)
        self.check_database_open()
        query.check_answerable()
        answer = query_text(text, Word("the answer"))
        record = self.load_arm_revealing_record(participant.id)
        if record is None:  # a query is raised only on an entered form
            raise NotFound("No such query.")
        if correction is None and as_left is not None:
            correction = changed_values(record.sheets.get(query.key) or {}, as_left)
        if correction is None:
            query.answer(answer, None, actor, at)
            self.save(query)
            return query_view(query)
        authorize(actor, Action.ENTER_FORM, site=participant.site, form=query.form)
        changes = self._correct_arm_revealing(
            participant, record, query, correction, answer, expected_version, actor, at
        )
        query.answer(answer, changes, actor, at)
        # The record's rules are the participant's: guarded by the version they were read at.
        self.save(record, query, preconditions={participant.id: participant.version})
        return query_view(query)

    @logs_refusals
    @retry_on_conflict
    def close_query(
        self, actor: Actor, query_id: UUID | str, text: str | None = None
    ) -> dict[str, Any]:
        """Close a query (only the user who raised it)."""
        query = self._query_to_manage(actor, query_id)
        with about_arm_revealing_data(query):
            query.close(text, actor, self.clock())
        self.save(query)
        return query_view(query)

    @logs_refusals
    @retry_on_conflict
    def reopen_query(self, actor: Actor, query_id: UUID | str, text: str) -> dict[str, Any]:
        """Re-open an answered or closed query, saying why (only the user who raised it)."""
        query = self._query_to_manage(actor, query_id)
        with about_arm_revealing_data(query):
            query.reopen(text, actor, self.clock())
        self.save(query)
        return query_view(query)

    @logs_refusals
    def get_query(self, actor: Actor, query_id: UUID | str) -> dict[str, Any]:
        query = self._query(actor, query_id)
        with about_arm_revealing_data(query):
            authorize(actor, Action.VIEW_CLINICAL)
            check_site(actor, query.site)
        return query_view(query)

    @logs_refusals
    def open_queries(
        self, actor: Actor, participant_id: UUID | None = None, site: str | None = None
    ) -> list[dict[str, Any]]:
        """Queries not yet closed (open or answered), of one participant or of a site; those
        on arm-revealing forms only for readers the blind lets see them."""
        authorize(actor, Action.VIEW_CLINICAL)
        if participant_id is not None:
            participant = self._participant(participant_id)
            check_site(actor, participant.site)
            participant_ids = [participant.id]
        else:
            site = asked_site(actor, site)
            check_site(actor, site)
            participant_ids = self.participant_ids(site)
        return [
            query_view(query)
            for pid in participant_ids
            for query in visible_queries_of(self, actor, pid)
            if query.status is not QueryStatus.CLOSED
        ]

    # ---- helpers ----------------------------------------------------------------------------

    def _query(self, actor: Actor, query_id: UUID | str) -> AnyQuery:
        """The query of that id; a query on an arm-revealing form is, to an account the blind
        keeps from that form, no query at all (the answer for an id that names nothing)."""
        try:
            if not str(query_id).isascii():  # UUID() reads "٣" as the hex digit 3
                raise ValueError(query_id)
            query: AnyQuery = self.repository.get(UUID(str(query_id)))
        except (AggregateNotFoundError, ValueError):
            raise NotFound("No such query.") from None
        if not isinstance(query, Query | ArmRevealingQuery):
            raise NotFound("No such query.")
        if isinstance(query, ArmRevealingQuery):
            try:
                check_blind(actor, query.form)
            except PermissionDenied:
                raise NotFound("No such query.") from None
        return query

    def _query_to_manage(self, actor: Actor, query_id: UUID | str) -> AnyQuery:
        query = self._query(actor, query_id)
        with about_arm_revealing_data(query):
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

    def _correct_arm_revealing(
        self,
        participant: Participant,
        record: ArmRevealingRecord,
        query: ArmRevealingQuery,
        correction: Mapping[str, Any],
        answer: str,
        expected_version: int | None,
        actor: Actor,
        at: datetime,
    ) -> dict[str, list[Any]]:
        """Apply the answer's correction to the arm-revealing record (not saved here), with the
        participant's preconditions as for any entry of it; return the changes."""
        if not isinstance(correction, Mapping) or not correction:
            message = "Give the corrected values, or answer without a correction."
            raise FormInvalid({"correction": message}, message)
        key_item = REPEATING_FORM_KEY_ITEM.get(query.form)
        if key_item is not None and key_item in correction:
            message = "The number of an adverse event is not changed through a query."
            raise FormInvalid({key_item: message}, message)
        participant.check_participant_unlocked()
        participant.check_form_allowed(query.form)
        current = dict(record.sheets.get(query.key) or {})
        context = crf.FormContext(
            today=self.local_date(at),
            screening_date=participant.screening_date,
            consent_date=participant.consent_date,
            randomised_on=participant.randomised_on,
            arm=self._arm_for(actor, participant.id),
        )
        validated = crf.validate_form(query.form, {**current, **correction}, context)
        reason = Reason(ReasonCode.QUERY_RESOLUTION, answer[:MAX_REASON_TEXT])
        changed = record.record_form(
            query.form,
            validated,
            expected_version=expected_version,
            reason=reason,
            participant_version=participant.version,
            actor=actor,
            at=at,
        )
        if not changed:
            raise EdcError("The correction changes no value; answer without a correction.")
        return changed_items(current, validated)
