"""The work lists page: what the reader's role has to do today (edc/worklists.py)."""

from __future__ import annotations

from aiohttp import web

from domain.protocol import FORM_LABELS
from domain.wording import Message, Word
from edc.permissions import Action, may
from web import read_choice
from web.calls import actor_of, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.pages import render

routes = web.RouteTableDef()
# Kinds of deviation the read side names in English (projections/worklists.py), translated
# where the page shows them.
DEVIATION_KINDS = (
    N_("recorded by the site"),
    N_("visit out of window"),
    N_("randomised while ineligible"),
    N_("randomised on a wrong factor level"),
)


@routes.get("/work", name="work")
async def work(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.VIEW_CLINICAL):
        raise WebRefusal(
            Message(
                "Your role (%(role)s) has no work lists: it sees no clinical data.",
                role=Word(actor.role),
            )
        )
    trial = trial_of(request)
    today = trial.local_date(trial.clock())
    lists = await read_choice.work_lists(request, actor, today)
    context = {"work": lists, "today": today.isoformat(), "form_labels": FORM_LABELS}
    return await render(request, "work.html", context)
