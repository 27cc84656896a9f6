"""The door for every list the web and the command line read: participants, their progress,
visits, serious adverse events, work lists and the audit index, each filtered by the reader's
role and site and answered from the read model of the reader's view.

The choices live here, once: the view is the account's blind (edc.usecases.casebooks.view_for:
blinded accounts read the blinded model, built only from blinded-safe events); a site role reads
its own site only; a list waits briefly until the read models hold everything stored so far
(read-your-writes after a save), and while they are still catching up (a large store just after
start) it is answered by the application instead, slower but never stale, or left empty where
only the read models know it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from domain.actor import Actor
from domain.errors import PermissionDenied
from edc.application import Trial
from edc.config import Settings
from edc.permissions import Action, asked_site, authorize, check_site
from edc.read_model_wiring import build_projections
from edc.refusals import record_refusal
from edc.usecases.casebooks import view_for
from edc.worklists import WorkLists
from edc.worklists import work_lists as build_work_lists
from projections.exports.cells import csv_rows
from projections.participant_list import (
    COLUMNS,
    ORDERS,
    PROGRESS_FORMS,
    csv_table,
    progress_rows,
    sort_rows,
    weekly_reports,
)
from projections.reading import ReadModels
from projections.service import Follower, Projections
from projections.visits import OPEN_STATUSES

log = logging.getLogger("edc.reads")
# How long a read waits for the read models to catch up with the store before the application
# answers instead (seconds).
FRESH_WAIT = 2.0

# The participant list's columns and sort orders, for pages and catalogues.
__all__ = ["COLUMNS", "ORDERS", "PROGRESS_FORMS", "Reads", "participants_csv", "sort_rows"]


def view_of(actor: Actor) -> str:
    """The read model an account reads: its blind decides (as for casebooks and exports)."""
    return view_for(actor).value


def list_scope(trial: Trial, actor: Actor, site: str | None, what: str) -> str | None:
    """The site a listing covers: a site role's own site; refuses another one (and logs it)."""
    try:
        authorize(actor, Action.VIEW_CLINICAL)
        site = asked_site(actor, site)
        check_site(actor, site)
    except PermissionDenied as error:
        record_refusal(trial, actor.as_dict(), what, {"site": site}, error)
        raise
    return site


def participants_csv(rows: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The participant list's rows as CSV cells (with the English column names)."""
    return list(csv_rows(csv_table(rows)))


class Reads:
    """The read use cases over a trial and its read models (None: the application answers)."""

    def __init__(
        self, trial: Trial, projections: Projections | None, fresh_wait: float = FRESH_WAIT
    ) -> None:
        self.trial, self._projections, self._fresh_wait = trial, projections, fresh_wait

    @classmethod
    def open(cls, settings: Settings, trial: Trial) -> Reads:
        """The trial's read models (built or rebuilt as their schema needs); `close()` them."""
        return cls(trial, build_projections(settings, trial))

    def follow(self) -> Follower | None:
        """Keep the read models caught up in a background thread (stop the follower)."""
        return None if self._projections is None else self._projections.start_background()

    def catch_up(self) -> None:
        """Apply every stored event to the read models, in this thread."""
        if self._projections is not None:
            self._projections.catch_up()

    def close(self) -> None:
        if self._projections is not None:
            self._projections.db.close()

    def read_models(self) -> ReadModels:
        """The read models themselves (for tools and tests that look inside them)."""
        if self._projections is None:
            raise LookupError("These reads have no read models.")
        return self._projections.read_models()

    def _fresh(self) -> ReadModels | None:
        """The read models once they hold every stored event, or None if they are behind."""
        if self._projections is None:
            return None
        head = self._projections.head()
        if self._projections.wait_for(head, self._fresh_wait):
            return self._projections.read_models()
        log.info("read models behind the store (head %s); answering from the application", head)
        return None

    def participants(
        self, actor: Actor, site: str | None, visit_due: date | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Participants in screening order, and whether the visit filter could be applied."""
        scope = list_scope(self.trial, actor, site, "participants")
        models = self._fresh()
        if models is not None:
            return models.participants(view_of(actor), scope, visit_due), True
        return self.trial.list_participants(actor, scope), visit_due is None

    def participant_records(self, actor: Actor, site: str | None) -> list[dict[str, Any]]:
        """Participants with their forms (the JSON API's list): the application answers from
        the store, since the read models keep no participant's forms."""
        return self.trial.list_participants(actor, site)

    def participant_progress(
        self, actor: Actor, site: str | None, visit_due: date | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """As `participants`, each with its progress by form (projections/participant_list.py)."""
        scope = list_scope(self.trial, actor, site, "participants")
        models = self._fresh()
        if models is not None:
            rows = models.participants(view_of(actor), scope, visit_due)
            return progress_rows(rows, weekly_reports(models, scope)), True
        rows = self.trial.list_participants(actor, scope)
        return progress_rows(rows), visit_due is None

    def open_visits(self, actor: Actor, today: date) -> list[dict[str, Any]]:
        """Visits due or overdue today (empty while the read models catch up)."""
        scope = list_scope(self.trial, actor, None, "visits")
        models = self._fresh()
        if models is None:
            return []
        visits = models.visits(view_of(actor), today, scope)
        return [visit for visit in visits if visit["status"] in OPEN_STATUSES]

    def participant_visits(
        self, actor: Actor, participant_id: str, today: date
    ) -> dict[str, dict[str, Any]]:
        """The participant's scheduled visits by visit key, with their status today (the page
        asks after the participant's own use case, which checks the site)."""
        models = self._fresh()
        if models is None:
            return {}
        visits = models.visits(view_of(actor), today, None, participant_id)
        return {visit["visit"]: visit for visit in visits}

    def serious_adverse_events(self, actor: Actor) -> list[dict[str, Any]]:
        """Serious adverse events of the actor's site for unblinded accounts; none for blinded
        ones (harms reveal the arm). Empty while the read models catch up."""
        if actor.blinded:
            return []
        scope = list_scope(self.trial, actor, None, "serious adverse events")
        models = self._fresh()
        if models is None:
            return []
        return models.serious_adverse_events(scope)

    def work_lists(self, actor: Actor, today: date) -> WorkLists | None:
        """The reader's work lists (edc/worklists.py) in their scope and view; None while the
        read models catch up."""
        scope = list_scope(self.trial, actor, None, "work lists")
        models = self._fresh()
        if models is None:
            return None
        return build_work_lists(self.trial, models, actor, view_of(actor), scope, today)

    def audit_positions(
        self,
        actor: Actor,
        *,
        user: str | None,
        form: str | None,
        item: str | None,
        since: int,
        before: int | None,
        newest_first: bool,
    ) -> Iterator[int] | None:
        """Where the audit events a user, form or item filter may match lie, from the audit
        index of the reader's view once it holds every stored event; None while it catches up
        (the trail then reads the store itself, which also checks who may read it)."""
        models = self._fresh()
        if models is None:
            return None
        return self._audit_positions(
            models,
            view_of(actor),
            user=user,
            form=form,
            item=item,
            since=since,
            before=before,
            newest_first=newest_first,
        )

    @staticmethod
    def _audit_positions(models: ReadModels, view: str, **filters: Any) -> Iterator[int]:
        # Read page by page while the trail consumes them, from within this use case.
        yield from models.audit_positions(view, **filters)
