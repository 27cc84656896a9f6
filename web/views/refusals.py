"""The log of refused actions (who tried what, when, why), for monitors and data managers."""

from __future__ import annotations

from aiohttp import web

from domain.protocol import FORM_LABELS
from edc.permissions import Action, may, role_may_not
from web.calls import actor_of, run, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.numbers import whole_number
from web.pages import render

routes = web.RouteTableDef()
PAGE = 100
# The refusals' codes (domain.errors and the web's own), shown as words (`| words`).
CODE_WORDS = (
    N_("refused"),
    N_("invalid"),
    N_("reason required"),
    N_("conflict"),
    N_("locked"),
    N_("protocol order"),
    N_("randomisation refused"),
    N_("password change required"),
    N_("forbidden"),
    N_("not found"),
    N_("unauthorized"),
    N_("unavailable"),
    N_("authentication failed"),
    N_("account locked"),
)


@routes.get("/refusals", name="refusals")
async def refusals(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.VIEW_REFUSALS):
        raise WebRefusal(role_may_not(actor, N_("read the refusal log")))
    text = request.query.get("since", "0")
    since = whole_number(text) or 0
    rows = await run(trial_of(request).list_refusals, actor, since, PAGE)
    following = rows[-1]["position"] if len(rows) == PAGE else None
    for row in rows:
        form = row["target"].get("form")
        row["form_label"] = FORM_LABELS.get(form, form) if form else None
    return await render(request, "refusals.html", {"rows": rows, "next": following})
