"""The work lists page: what the reader's role has to do today (edc/worklists.py)."""

from __future__ import annotations

from aiohttp import web

from edc.permissions import Action, may
from web import read_side
from web.calls import actor_of, trial_of
from web.errors import WebRefusal
from web.pages import render

routes = web.RouteTableDef()


@routes.get("/work", name="work")
async def work(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.VIEW_CLINICAL):
        raise WebRefusal(f"Your role ({actor.role}) has no work lists: it sees no clinical data.")
    trial = trial_of(request)
    today = trial.local_date(trial.clock())
    lists = await read_side.work_lists(request, actor, today)
    return await render(request, "work.html", {"work": lists, "today": today.isoformat()})
