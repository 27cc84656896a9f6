"""The web's choice of view: which read model answers a request (or the application while the
read models catch up); lists and counts from them, kept caught up in a background thread.

The read models are chosen by the caller's blinding: blinded accounts read the blinded model,
which is built only from blinded-safe events. Before answering, a request waits briefly until
the read models have applied everything stored so far (read-your-writes after a save); if they
are still catching up (a large store just after start), the answer comes from the application
instead, which is slower but never stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from aiohttp import web

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.roles import SITE_ROLES, Role
from edc.permissions import Action, authorize, check_site
from edc.read_model_wiring import build_projections
from edc.worklists import WorkLists
from edc.worklists import work_lists as build_work_lists
from projections.participant_list import progress_rows, weekly_reports
from projections.service import Projections
from projections.visits import OPEN_STATUSES
from web.calls import run
from web.errors import WebRefusal
from web.keys import SETTINGS, TRIAL

log = logging.getLogger("edc.web.read_models")
PROJECTIONS = web.AppKey("projections", Projections)
FRESH_WAIT = 2.0


async def read_models_context(app: web.Application) -> AsyncIterator[None]:
    projections = await asyncio.to_thread(build_projections, app[SETTINGS], app[TRIAL])
    follower = projections.start_background()
    app[PROJECTIONS] = projections
    yield
    await asyncio.to_thread(follower.stop)
    await asyncio.to_thread(projections.db.close)


def view_of(actor: Actor) -> str:
    return "blinded" if actor.blinded else "unblinded"


def site_scope(actor: Actor, site: str | None) -> str | None:
    """The site a listing covers: a site role's own site; refuses another one."""
    try:
        authorize(actor, Action.VIEW_CLINICAL)
        if Role(actor.role) in SITE_ROLES and site is None:
            site = actor.site
        check_site(actor, site)
    except PermissionDenied as error:
        raise WebRefusal(error.message) from None
    return site


async def fresh(request: web.Request) -> Projections | None:
    """The read models once they hold every stored event, or None if they are behind."""
    projections = request.app.get(PROJECTIONS)
    if projections is None:
        return None
    head = await run(projections.head)
    if await run(projections.wait_for, head, FRESH_WAIT):
        return projections
    log.info("read models behind the store (head %s); answering from the application", head)
    return None


async def participants(
    request: web.Request,
    actor: Actor,
    site: str | None,
    visit_due: date | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Participants in screening order, and whether the visit filter could be applied."""
    scope = site_scope(actor, site)
    projections = await fresh(request)
    if projections is not None:
        models = projections.read_models()
        rows = await run(models.participants, view_of(actor), scope, None, visit_due)
        return rows, True
    rows = await run(request.app[TRIAL].list_participants, actor, scope)
    return rows, visit_due is None


async def participant_progress(
    request: web.Request,
    actor: Actor,
    site: str | None,
    visit_due: date | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """As `participants`, each with its progress by form (projections/participant_list.py)."""
    scope = site_scope(actor, site)
    projections = await fresh(request)
    if projections is not None:
        models = projections.read_models()
        rows = await run(models.participants, view_of(actor), scope, None, visit_due)
        weekly = await run(weekly_reports, models, scope)
        return progress_rows(rows, weekly), True
    rows = await run(request.app[TRIAL].list_participants, actor, scope)
    return progress_rows(rows), visit_due is None


async def open_visits(request: web.Request, actor: Actor, today: date) -> list[dict[str, Any]]:
    """Visits due or overdue today (empty while the read models catch up)."""
    scope = site_scope(actor, None)
    projections = await fresh(request)
    if projections is None:
        return []
    models = projections.read_models()
    visits = await run(models.visits, view_of(actor), today, scope)
    return [visit for visit in visits if visit["status"] in OPEN_STATUSES]


async def participant_visits(
    request: web.Request, actor: Actor, participant_id: str, today: date
) -> dict[str, dict[str, Any]]:
    """The participant's scheduled visits by visit key, with their status today."""
    projections = await fresh(request)
    if projections is None:
        return {}
    models = projections.read_models()
    visits = await run(models.visits, view_of(actor), today, None, participant_id)
    return {visit["visit"]: visit for visit in visits}


async def serious_adverse_events(request: web.Request, actor: Actor) -> list[dict[str, Any]]:
    """Serious adverse events of the actor's site for unblinded accounts; none for blinded ones
    (harms reveal the arm). Empty while the read models catch up."""
    if actor.blinded:
        return []
    scope = site_scope(actor, None)
    projections = await fresh(request)
    if projections is None:
        return []
    return await run(projections.read_models().serious_adverse_events, scope)


async def work_lists(request: web.Request, actor: Actor, today: date) -> WorkLists | None:
    """The reader's work lists (edc/worklists.py) in their scope and view; None while the
    read models catch up."""
    scope = site_scope(actor, None)
    projections = await fresh(request)
    if projections is None:
        return None
    models = projections.read_models()
    return await run(
        build_work_lists, request.app[TRIAL], models, actor, view_of(actor), scope, today
    )
