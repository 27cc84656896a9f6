"""Randomisation by site staff: a confirmation page with the eligibility checks, then the arm."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aiohttp import web

from domain import crf
from domain.protocol import ARM_LABELS, Arm
from edc.permissions import Action, allowed, role_may_not
from web.calls import actor_of, participant_id, run, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.pages import form_text, render

routes = web.RouteTableDef()


def _check_may(request: web.Request) -> None:
    actor = actor_of(request)
    if not allowed(actor, Action.RANDOMISE):
        raise WebRefusal(role_may_not(actor, Action.RANDOMISE))


def checks(view: dict[str, Any]) -> list[tuple[str, bool]]:
    """The eligibility checks as the confirmation page lists them (from the participant view)."""
    forms = view["forms"]
    return [
        (N_("Eligible at screening"), bool(view["mri_eligible"])),
        (N_("Modic changes on MRI (included)"), bool(view["included"])),
        (
            N_("Written informed consent obtained"),
            forms["consent"]["items"].get("CONSENT_OBTAINED") == "Y",
        ),
        (N_("Baseline form complete"), bool(forms["baseline"]["version"])),
        (N_("Not yet randomised"), view["randomised_on"] is None),
        (N_("Has not ended the study"), not forms["end_of_study"]["version"]),
    ]


async def _confirmation(
    request: web.Request, pid: UUID, error: str | None = None, status: int = 200
) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    # The blockers are the domain's own rule (the same one `randomise` enforces).
    participant = await run(trial.load_participant, pid)
    context = {
        "p": view,
        "checks": checks(view),
        "blockers": participant.randomisation_blockers(),
        "failed": [crf.describe_criterion(c) for c in view["failed_criteria"]],
        "error": error,
    }
    return await render(request, "randomise.html", context, status=status)


@routes.get("/participants/{pid}/randomise", name="randomise_form")
async def randomise_form(request: web.Request) -> web.Response:
    _check_may(request)
    return await _confirmation(request, participant_id(request))


@routes.post("/participants/{pid}/randomise", name="randomise")
async def randomise(request: web.Request) -> web.Response:
    _check_may(request)
    actor, pid, trial = actor_of(request), participant_id(request), trial_of(request)
    post = await request.post()
    if form_text(post, "confirm", 5) != "yes":
        return await _confirmation(
            request, pid, N_("Tick the confirmation box to randomise."), status=422
        )
    result = await run(trial.randomise, actor, pid)
    view = await run(trial.get_participant, actor, pid)
    arm = str(result["arm"])
    context = {
        "p": view,
        "arm": arm,
        "arm_label": ARM_LABELS.get(Arm(arm), arm),
        "randomised_on": result["randomised_on"],
        "randomisation_number": result["randomisation_number"],
    }
    return await render(request, "randomised.html", context)
