"""Emergency unblinding by an investigator: one participant, with a reason, shown once."""

from __future__ import annotations

from aiohttp import web

from domain.errors import EdcError
from domain.protocol import ARM_LABELS, Arm
from domain.wording import Message
from edc.permissions import Action, may, role_may_not
from web.calls import actor_of, participant_id, run, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.pages import form_text, render

routes = web.RouteTableDef()


def _check(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.UNBLIND):
        raise WebRefusal(role_may_not(actor, N_("break the blind")))


@routes.get("/participants/{pid}/unblind", name="unblind_form")
async def unblind_form(request: web.Request) -> web.Response:
    _check(request)
    view = await run(trial_of(request).get_participant, actor_of(request), participant_id(request))
    return await render(request, "unblind.html", {"p": view, "error": None, "reason": ""})


@routes.post("/participants/{pid}/unblind", name="unblind")
async def unblind(request: web.Request) -> web.Response:
    _check(request)
    actor, pid, trial = actor_of(request), participant_id(request), trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    post = await request.post()
    reason = form_text(post, "reason", 600)
    try:
        if form_text(post, "confirm", 5) != "yes":
            raise EdcError(Message("Tick the box to confirm that this is an emergency."))
        result = await run(trial.unblind, actor, pid, reason)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        context = {"p": view, "error": error.message, "reason": reason}
        return await render(request, "unblind.html", context, status=422)
    arm = str(result["arm"])
    # Shown on this one answer only: not stored in the session or linked from anywhere.
    context = {"p": view, "arm": arm, "arm_label": ARM_LABELS.get(Arm(arm), arm)}
    return await render(request, "unblinded.html", context)
