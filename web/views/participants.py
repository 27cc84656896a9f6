"""Participant list with filters, screening a new person, and the participant timeline."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from domain import crf
from domain.errors import FormInvalid
from domain.protocol import FORM_LABELS, SITES, VISITS
from domain.visit_records import MISSABLE_VISITS
from domain.wording import Label, Listing, Message
from edc.permissions import Action, allowed, may, role_may_not, site_scope
from edc.usecases.reads import COLUMNS, ORDERS, PROGRESS_FORMS, participants_csv, sort_rows
from web import read_choice
from web.calls import actor_of, participant_id, run, trial_of
from web.crf_fields import fields, posted_text, sections
from web.errors import WebRefusal
from web.i18n import N_, ngettext
from web.i18n import gettext as _
from web.numbers import whole_number
from web.pages import flash, render, url_for

routes = web.RouteTableDef()
PAGE_SIZE = 50
# The list's column headings on the page (the CSV keeps the English names of COLUMNS).
HEADINGS: dict[str, str] = {
    "screening_number": N_("Screening number"),
    "site": N_("Site"),
    "status": N_("Status"),
    "randomised_on": N_("Randomised on"),
    "progress": N_("Forms entered"),
    "screening": N_("Screening"),
    "mri": N_("MRI"),
    "consent": N_("Consent"),
    "baseline": N_("Baseline"),
    "week10": N_("Week 10"),
    "month12": N_("1 year"),
    "end_of_study": N_("End of study"),
    "weekly": N_("Weekly reports"),
}


def _filtered(participants: list[dict[str, Any]], status: str, number: str) -> list[dict[str, Any]]:
    rows = participants
    if status:
        rows = [p for p in rows if p["status"] == status]
    if number:
        rows = [p for p in rows if number.lower() in p["screening_number"].lower()]
    return rows


def _sorting(query: Mapping[str, str]) -> tuple[str, str]:
    """The `sort` column and `order` asked for; refuses what the list has not."""
    column, order = query.get("sort", ""), query.get("order", "asc")
    problems = {}
    if column and column not in COLUMNS:
        problems["sort"] = (
            f"There is no column {column[:40]!r} to sort by; choose one of: "
            + ", ".join(COLUMNS)
            + "."
        )
    if order not in ORDERS:
        problems["order"] = f"The order {order[:40]!r} is neither 'asc' nor 'desc'."
    if problems:
        raise FormInvalid(problems, " ".join(problems.values()))
    return column, order


def _csv(rows: list[dict[str, Any]], today: str) -> web.Response:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(participants_csv(rows))
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="participants-{today}.csv"'},
    )


@routes.get("/participants", name="participants")
async def participant_list(request: web.Request) -> web.Response:
    actor = actor_of(request)
    query = request.query
    trial_wide = site_scope(actor) is None
    site = query.get("site", "") if trial_wide else ""
    status, number = query.get("status", ""), query.get("number", "").strip()[:40]
    due = query.get("due", "") == "today"
    output = query.get("format", "")
    if output not in ("", "csv"):
        raise FormInvalid({"format": "Choose format=csv or none."}, "Unknown format.")
    column, order = _sorting(query)
    trial = trial_of(request)
    today = trial.local_date(trial.clock())
    participants, filtered = await read_choice.participant_progress(
        request, actor, site or None, today if due else None
    )
    rows = _filtered(participants, status, number)
    if column:
        rows = sort_rows(rows, column, order)
    if output == "csv":
        return _csv(rows, today.isoformat())
    page = max(1, whole_number(query.get("page", "1")) or 1)
    pages = max(1, (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    filters = {
        k: v
        for k, v in (
            ("site", site),
            ("status", status),
            ("number", number),
            ("due", "today" if due else ""),
        )
        if v
    }
    sorting = {"sort": column, "order": order} if column else {}
    context = {
        "rows": shown,
        "total": len(rows),
        "page": page,
        "pages": pages,
        "sites": SITES if trial_wide else (),
        "statuses": sorted({p["status"] for p in participants}),
        "filters": {"site": site, "status": status, "number": number, "due": due},
        "visit_filter_missing": due and not filtered,
        "columns": {key: HEADINGS[key] for key in COLUMNS},
        "progress_forms": PROGRESS_FORMS,
        "form_count": len(PROGRESS_FORMS),
        "sort": column,
        "order": order,
        "filter_query": filters,
        "page_query": {**filters, **sorting},
    }
    return await render(request, "participants.html", context)


async def _screening_page(
    request: web.Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "sections": sections("screening", fields("screening", values, errors=errors)),
        "form_label": FORM_LABELS["screening"],
        "errors": errors or {},
    }
    return await render(request, "screen.html", context, status=status)


@routes.get("/participants/new", name="screen_form")
async def screen_form(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may(actor, Action.SCREEN):
        raise WebRefusal(role_may_not(actor, Action.SCREEN))
    return await _screening_page(request, {"SITE": actor.site} if actor.site else {})


@routes.post("/participants", name="screen")
async def screen(request: web.Request) -> web.Response:
    actor = actor_of(request)
    post = await request.post()
    raw = posted_text("screening", post)
    try:
        items = crf.coerce_text_values("screening", raw)
        result = await run(trial_of(request).screen, actor, items)
    except FormInvalid as error:
        return await _screening_page(request, dict(raw), error.fields, status=422)
    await flash(request, screened_message(result))
    raise web.HTTPSeeOther(url_for(request, "participant", pid=result["id"]))


def screened_message(result: Mapping[str, Any]) -> Message:
    """The flash after screening: the number given, and the criteria a person did not meet
    (the trial's wording, said in the reader's language)."""
    number = result["screening_number"]
    if result["mri_eligible"]:
        return Message("Screened as %(number)s: eligible for MRI.", number=number)
    reasons = Listing(Label(crf.describe_criterion(c)) for c in result["failed_criteria"])
    return Message(
        "Screened as %(number)s: not eligible for MRI (%(reasons)s).",
        number=number,
        reasons=reasons,
    )


def timeline(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The participant's visits in protocol order with each visible form's state."""
    visits = []
    for visit in VISITS:
        forms = []
        for form in visit.forms:
            state = view["forms"].get(form)
            if state is None:
                continue  # a form this role may not see (adherence for blinded roles)
            forms.append(
                {
                    "form": form,
                    "label": FORM_LABELS[form],
                    "state": state,
                    "badges": badges(state),
                }
            )
        if forms:
            visits.append(
                {"key": visit.key, "label": visit.label, "forms": forms, "window": visit.window}
            )
    return visits


def badges(state: dict[str, Any]) -> list[tuple[str, str]]:
    """Status badges of one form: (css class, text in the page's language)."""
    result = [("done", _("complete"))] if state.get("version") else [("todo", _("not started"))]
    for key, css, text in (
        ("signed", "signed", _("signed")),
        ("locked", "locked", _("locked")),
        ("verified", "verified", _("verified")),
    ):
        if state.get(key):
            result.append((css, text))
    if state.get("resign_needed"):
        result.append(("warn", _("re-sign needed")))
    open_queries = state.get("open_queries")
    if open_queries:
        text = ngettext("%(num)s open query", "%(num)s open queries", open_queries)
        result.append(("query", text % {"num": open_queries}))
    if state.get("deviation"):
        result.append(("warn", _("out of window")))
    return result


@routes.get("/participants/{pid}", name="participant")
async def participant(request: web.Request) -> web.Response:
    actor = actor_of(request)
    pid = participant_id(request)
    trial = trial_of(request)
    view = await run(trial.get_participant, actor, pid)
    scheduled = await read_choice.participant_visits(
        request, actor, str(pid), trial.local_date(trial.clock())
    )
    visits = timeline(view)
    for visit in visits:
        visit["scheduled"] = scheduled.get(visit["key"])
    may_report_links = allowed(actor, Action.ENTER_FORM, site=view.get("site"), form="weekly")
    context = {
        "p": view,
        "report_access": (
            await run(trial.report_access, actor, pid)
            if may_report_links and view.get("randomised_on")
            else None
        ),
        "visits": visits,
        "failed": [crf.describe_criterion(c) for c in view["failed_criteria"]],
        "may_randomise": allowed(actor, Action.RANDOMISE, site=view.get("site")),
        "may_report_links": may_report_links,
        "missable_visits": MISSABLE_VISITS,
    }
    return await render(request, "participant.html", context)
