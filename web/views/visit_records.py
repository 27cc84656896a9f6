"""Pages for what the site records beside forms: a follow-up visit not done, and deviations.

The rules (who may, which visits, which kinds a blinded account may record) are the use
cases'; these handlers only read the posted fields and show the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from domain.errors import EdcError, NotFound
from domain.protocol import REASON_LABELS, VISIT_BY_KEY
from domain.visit_records import DEVIATION_KIND_LABELS, MISSABLE_VISITS, MISSED_REASON_LABELS
from domain.wording import Message
from edc.usecases.visits import recordable_deviation_kinds
from web.calls import actor_of, participant_id, run, trial_of
from web.i18n import N_
from web.i18n import gettext as _
from web.pages import flash, form_text, render, url_for

routes = web.RouteTableDef()

# The domain's wording of these records, marked so the catalogue holds it (the domain stays
# untranslated); shown through gettext. A label changed in the domain needs its mark here too.
DOMAIN_WORDS = (
    N_("Week 10"),
    N_("1-year follow-up (week 62)"),
    N_("Participant could not be reached"),
    N_("Participant declined the visit"),
    N_("Participant ill or in hospital"),
    N_("Not done by the site (scheduling, staff)"),
    N_("Other (text required)"),
    N_("Eligibility criteria"),
    N_("Informed consent"),
    N_("Visit schedule"),
    N_("Outcome assessment not done as the protocol says"),
    N_("Outcome assessor's blinding at risk"),
    N_("Intervention not given as allocated (reveals the arm)"),
    N_("Other"),
    N_("Required: say what happened."),
    N_("The date cannot be in the future."),
    N_("The date cannot be before the participant's screening."),
    N_("A date as YYYY-MM-DD is required."),
    N_("Withdrawing a missed visit needs a reason for change."),
)


def _translated(labels: Mapping[Any, str]) -> dict[str, str]:
    return {str(code): _(label) for code, label in labels.items()}


def _visit(request: web.Request) -> str:
    visit = request.match_info["visit"]
    if visit not in MISSABLE_VISITS:
        raise NotFound(Message("There is no follow-up visit called %(visit)s.", visit=repr(visit)))
    return visit


def _back(request: web.Request, pid: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(url_for(request, "participant", pid=pid))


async def _missed_page(
    request: web.Request,
    visit: str,
    *,
    error: EdcError | None = None,
    posted: dict[str, str] | None = None,
) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    view = await run(trial_of(request).get_participant, actor, pid)
    context: dict[str, Any] = {
        "p": view,
        "visit": visit,
        "visit_label": _(VISIT_BY_KEY[visit].label),
        "missed": view["missed_visits"].get(visit),
        "reasons": _translated(MISSED_REASON_LABELS),
        "change_reasons": _translated(REASON_LABELS),
        "error": error.message if error else None,
        "fields": getattr(error, "fields", {}) if error else {},
        "posted": posted or {},
    }
    return await render(request, "visit_missed.html", context, status=422 if error else 200)


@routes.get("/participants/{pid}/visits/{visit}/missed", name="visit_missed_form")
async def visit_missed_form(request: web.Request) -> web.Response:
    return await _missed_page(request, _visit(request))


@routes.post("/participants/{pid}/visits/{visit}/missed", name="visit_missed")
async def visit_missed(request: web.Request) -> web.Response:
    actor, pid, visit = actor_of(request), participant_id(request), _visit(request)
    post = await request.post()
    posted = {"reason": form_text(post, "reason", 40), "text": form_text(post, "text", 1200)}
    try:
        await run(trial_of(request).record_visit_missed, actor, pid, visit, posted)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _missed_page(request, visit, error=error, posted=posted)
    await flash(
        request, _("%(visit)s recorded as missed.") % {"visit": _(VISIT_BY_KEY[visit].label)}
    )
    raise _back(request, str(pid))


@routes.post("/participants/{pid}/visits/{visit}/missed/withdraw", name="visit_missed_withdraw")
async def visit_missed_withdraw(request: web.Request) -> web.Response:
    actor, pid, visit = actor_of(request), participant_id(request), _visit(request)
    post = await request.post()
    reason = {"code": form_text(post, "code", 40), "text": form_text(post, "text", 600)}
    try:
        await run(trial_of(request).withdraw_missed_visit, actor, pid, visit, reason)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _missed_page(request, visit, error=error)
    label = _(VISIT_BY_KEY[visit].label)
    await flash(request, _("The missed-visit record of %(visit)s is withdrawn.") % {"visit": label})
    raise _back(request, str(pid))


async def _deviations_page(
    request: web.Request,
    *,
    error: EdcError | None = None,
    posted: dict[str, str] | None = None,
) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    trial = trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    context: dict[str, Any] = {
        "p": view,
        "deviations": view["deviations_recorded"],
        "kind_labels": _translated(DEVIATION_KIND_LABELS),
        "kinds": _translated(
            {kind: DEVIATION_KIND_LABELS[kind] for kind in recordable_deviation_kinds(actor)}
        ),
        "error": error.message if error else None,
        "fields": getattr(error, "fields", {}) if error else {},
        "posted": posted or {},
        "today": trial.local_date(trial.clock()).isoformat(),
    }
    return await render(request, "deviations.html", context, status=422 if error else 200)


@routes.get("/participants/{pid}/deviations", name="deviations")
async def deviations(request: web.Request) -> web.Response:
    return await _deviations_page(request)


@routes.post("/participants/{pid}/deviations", name="deviation_record")
async def deviation_record(request: web.Request) -> web.Response:
    actor, pid = actor_of(request), participant_id(request)
    post = await request.post()
    posted = {
        "kind": form_text(post, "kind", 40),
        "description": form_text(post, "description", 1200),
        "occurred_on": form_text(post, "occurred_on", 20),
    }
    try:
        await run(trial_of(request).record_deviation, actor, pid, posted)
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _deviations_page(request, error=error, posted=posted)
    await flash(request, _("Protocol deviation recorded."))
    raise web.HTTPSeeOther(url_for(request, "deviations", pid=str(pid)))
