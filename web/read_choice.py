"""The web's side of the read use cases (edc.usecases.reads): the application's reads opened
with the app and kept caught up in a background thread (or by a process of their own, see
`WebConfig.follow_read_models`), and asked from a worker thread. Which
read model answers, the site a list covers and what a blinded account gets are decided there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from aiohttp import web

from domain.actor import Actor
from edc.usecases.reads import Reads
from edc.worklists import WorkLists
from web.calls import run
from web.keys import CONFIG, SETTINGS, TRIAL

# The application's reads (the key keeps its name: tests look into the read models through it).
PROJECTIONS = web.AppKey("projections", Reads)


async def read_models_context(app: web.Application) -> AsyncIterator[None]:
    reads = await asyncio.to_thread(Reads.open, app[SETTINGS], app[TRIAL])
    follower = reads.follow() if app[CONFIG].follow_read_models else None
    app[PROJECTIONS] = reads
    yield
    if follower is not None:
        await asyncio.to_thread(follower.stop)
    await asyncio.to_thread(reads.close)


def reads_of(request: web.Request) -> Reads:
    """The app's reads; without read models (an app built without them), the application's."""
    reads = request.app.get(PROJECTIONS)
    return reads if reads is not None else Reads(request.app[TRIAL], None)


async def participants(
    request: web.Request, actor: Actor, site: str | None, visit_due: date | None = None
) -> tuple[list[dict[str, Any]], bool]:
    return await run(reads_of(request).participants, actor, site, visit_due)


async def participant_progress(
    request: web.Request, actor: Actor, site: str | None, visit_due: date | None = None
) -> tuple[list[dict[str, Any]], bool]:
    return await run(reads_of(request).participant_progress, actor, site, visit_due)


async def open_visits(request: web.Request, actor: Actor, today: date) -> list[dict[str, Any]]:
    return await run(reads_of(request).open_visits, actor, today)


async def participant_visits(
    request: web.Request, actor: Actor, participant_id: str, today: date
) -> dict[str, dict[str, Any]]:
    return await run(reads_of(request).participant_visits, actor, participant_id, today)


async def serious_adverse_events(request: web.Request, actor: Actor) -> list[dict[str, Any]]:
    return await run(reads_of(request).serious_adverse_events, actor)


async def work_lists(request: web.Request, actor: Actor, today: date) -> WorkLists | None:
    return await run(reads_of(request).work_lists, actor, today)
