"""The analysis page: start the pre-specified analysis at a position, follow it, download it.

The analysis runs as a background job (edc.analysis_jobs), never inside a request; its page
refreshes itself while it runs (no JavaScript needed). Who may run it, and in which view, is
the exports' rule: a blinded account runs it on a dummy allocation.
"""

from __future__ import annotations

from aiohttp import web

from domain.errors import EdcError, NotFound
from domain.wording import Message
from edc.analysis_jobs import DEFAULT_DUMMY_SEED, analysis_purpose, dummy_allocation_seed
from edc.data_kinds import may_read
from edc.permissions import role_may_not
from edc.usecases.downloads import (
    ExportKind,
    export_view,
    take_cut,
    unblinded_views_allowed,
)
from web.calls import actor_of, run, trial_of
from web.errors import WebRefusal
from web.i18n import N_
from web.keys import ANALYSES
from web.numbers import whole_number
from web.pages import form_text, render

routes = web.RouteTableDef()
MEDIA = {
    "report.html": "text/html; charset=utf-8",
    "report.pdf": "application/pdf",
    "forest.png": "image/png",
    "results.json": "application/json",
    "manifest.json": "application/json",
    "snapshot.zip": "application/zip",
}


def _check(request: web.Request) -> None:
    actor = actor_of(request)
    if not may_read(actor, ExportKind.ANALYSIS):
        raise WebRefusal(role_may_not(actor, N_("run the analysis")))


async def _page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    head = await run(trial.recorder.max_notification_id) or 0
    views = ["blinded"]
    if await run(unblinded_views_allowed, trial, actor):
        views.append("unblinded")
    context = {
        "head": head,
        "views": views,
        "jobs": request.app[ANALYSES].of(actor),
        "error": error,
        "dummy_seed": DEFAULT_DUMMY_SEED,
    }
    return await render(request, "analysis.html", context, status=status)


@routes.get("/analysis", name="analysis")
async def analysis_page(request: web.Request) -> web.Response:
    _check(request)
    return await _page(request)


@routes.post("/analysis", name="analysis_start")
async def start(request: web.Request) -> web.Response:
    _check(request)
    actor, trial = actor_of(request), trial_of(request)
    post = await request.post()
    try:
        as_of_text = form_text(post, "as_of", 20)
        as_of = whole_number(as_of_text) if as_of_text else None
        if as_of_text and as_of is None:
            raise EdcError(Message("The event position is a whole number."))
        seed_text = form_text(post, "dummy_seed", 20)
        dummy_seed = whole_number(seed_text) if seed_text else None
        if seed_text and dummy_seed is None:
            raise EdcError(Message("The dummy seed is a whole number."))
        view = await run(export_view, trial, actor, form_text(post, "view", 20))
        allocation = form_text(post, "allocation", 10)
        dummy_seed = dummy_allocation_seed(view, allocation, dummy_seed)
        cut = await run(take_cut, trial, actor, view, as_of, analysis_purpose(dummy_seed), "web")
    except EdcError as error:
        if error.code in ("forbidden", "not_found"):
            raise
        return await _page(request, error.message, status=422)
    job = request.app[ANALYSES].start(actor, cut, dummy_seed)
    raise web.HTTPSeeOther(request.app.router["analysis_job"].url_for(job=job.id))


def _job(request: web.Request):  # type: ignore[no-untyped-def]
    job = request.app[ANALYSES].get(actor_of(request), request.match_info["job"])
    if job is None:
        raise NotFound("No such analysis.")
    return job


@routes.get("/analysis/jobs/{job}", name="analysis_job")
async def job_page(request: web.Request) -> web.Response:
    _check(request)
    job = _job(request)
    return await render(request, "analysis_job.html", {"job": job, "files": sorted(MEDIA)})


@routes.get("/analysis/jobs/{job}/files/{name}", name="analysis_file")
async def job_file(request: web.Request) -> web.Response:
    _check(request)
    job = _job(request)
    name = request.match_info["name"]
    if name == "analysis.zip" and job.status == "done":
        data, media = job.bundle(), "application/zip"
    elif name in MEDIA and name in job.files:
        data, media = job.files[name], MEDIA[name]
    else:
        raise NotFound("No such file in this analysis.")
    disposition = "inline" if name in ("report.html", "forest.png") else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    return web.Response(body=data, content_type=media.split(";")[0], headers=headers)
