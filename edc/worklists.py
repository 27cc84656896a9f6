"""Work lists per role: who gets which list, and each list read within the reader's scope.

A list is shown to the accounts whose role does that work (the permission rules of
`edc.permissions`): forms to sign for those who sign, forms to verify and deviations to review
for those who verify source data, visits due for those who enter forms, queries for everyone
who reads clinical data. The reader's blinding chooses the read model and `check_blind` the
forms a visit offers, so a blinded reader's list holds no arm-revealing form; the site scope is
the one every read uses, so another site's participants never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.protocol import FORM_LABELS, VISIT_BY_KEY
from domain.roles import Role
from edc.application import Trial
from edc.permissions import FORM_WRITERS, Action, check_blind, may
from projections import worklists
from projections.reading import ReadModels

TO_SIGN, TO_VERIFY, VISITS, QUERIES, DEVIATIONS = (
    "to_sign",
    "to_verify",
    "visits",
    "queries",
    "deviations",
)
# Each list and the action whose holders do that work.
LIST_ACTIONS: dict[str, Action] = {
    TO_SIGN: Action.SIGN,
    TO_VERIFY: Action.VERIFY,
    VISITS: Action.ENTER_FORM,
    QUERIES: Action.VIEW_CLINICAL,
    DEVIATIONS: Action.VERIFY,
}


def lists_for(actor: Actor) -> tuple[str, ...]:
    return tuple(name for name, action in LIST_ACTIONS.items() if may(actor, action))


def visible(actor: Actor, form: str | None) -> bool:
    try:
        check_blind(actor, form)
    except PermissionDenied:
        return False
    return True


def forms_to_enter(actor: Actor, visit: str) -> list[str]:
    """The forms of a visit this reader enters (and may see)."""
    role = Role(actor.role)
    return [
        form
        for form in VISIT_BY_KEY[visit].forms
        if role in FORM_WRITERS.get(form, frozenset()) and visible(actor, form)
    ]


@dataclass
class WorkLists:
    today: date
    shown: tuple[str, ...]
    to_sign: list[dict[str, Any]] = field(default_factory=list)
    to_verify: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    queries_open: list[dict[str, Any]] = field(default_factory=list)
    queries_answered: list[dict[str, Any]] = field(default_factory=list)
    deviations: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            TO_SIGN: len(self.to_sign),
            TO_VERIFY: len(self.to_verify),
            VISITS: len(self.visits),
            QUERIES: len(self.queries_open) + len(self.queries_answered),
            DEVIATIONS: len(self.deviations),
        }


def _labelled(forms: list[str]) -> list[dict[str, str]]:
    return [{"form": form, "label": FORM_LABELS.get(form, form)} for form in forms]


def work_lists(
    trial: Trial,
    models: ReadModels,
    actor: Actor,
    view: str,
    site: str | None,
    today: date,
) -> WorkLists:
    """The reader's work lists on `today`; `view` and `site` are the reader's (read side)."""
    shown = lists_for(actor)
    work = WorkLists(today, shown)
    if TO_SIGN in shown:
        work.to_sign = [
            {**row, "forms": _labelled(row["forms"])}
            for row in worklists.to_sign(models, view, site)
        ]
    if TO_VERIFY in shown:
        work.to_verify = [
            {**row, "forms": _labelled(row["forms"]), "again": _labelled(row["again"])}
            for row in worklists.to_verify(models, view, site)
        ]
    if VISITS in shown:
        work.visits = [
            {
                **visit,
                "label": VISIT_BY_KEY[visit["visit"]].label,
                "forms": _labelled(forms_to_enter(actor, visit["visit"])),
            }
            for visit in worklists.visits_due(models, view, today, site)
        ]
    if QUERIES in shown:
        for query in trial.open_queries(actor, site=site):
            if not visible(actor, query["form"]):
                continue
            query = {**query, "form_label": FORM_LABELS.get(query["form"], query["form"])}
            if query["status"] == "answered":
                work.queries_answered.append(query)
            else:
                work.queries_open.append(query)
    if DEVIATIONS in shown:
        work.deviations = worklists.deviations(models, view, today, site)
    return work
