"""Casebooks on paper: a participant's casebook PDF, the site archive and the annotated blank
CRF. The use cases decide who gets what (edc.usecases.casebooks); these routes only ask them
and send the file."""

from __future__ import annotations

from aiohttp import web

from domain.protocol import SITES
from edc.data_kinds import may_read
from edc.permissions import role_may_not, site_scope
from edc.usecases.casebooks import may_make_archive, may_read_casebooks
from edc.usecases.downloads import (
    ExportKind,
    annotated_crf_download,
    archive_download,
    casebook_download,
)
from web.calls import actor_of, participant_id, run, trial_of
from web.downloads import stream_file
from web.errors import WebRefusal
from web.i18n import N_, PageWords
from web.pages import render
from web.views.exports import as_of_param

routes = web.RouteTableDef()
PDF = "application/pdf"


def _pdf(data: bytes, name: str, headers: dict[str, str]) -> web.Response:
    return web.Response(
        body=data,
        content_type=PDF,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **headers},
    )


@routes.get("/participants/{pid}/casebook.pdf", name="casebook_pdf")
async def participant_casebook(request: web.Request) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    paper, data = await run(
        casebook_download,
        trial,
        actor,
        participant_id(request),
        as_of_param(request),
        "web",
        PageWords(),
    )
    headers = {"X-EDC-As-Of": str(paper.as_of), "X-EDC-View": paper.view}
    return _pdf(data, paper.file_name, headers)


@routes.get("/casebooks", name="casebooks")
async def casebooks_page(request: web.Request) -> web.Response:
    actor = actor_of(request)
    if not may_read_casebooks(actor) and not may_read(actor, ExportKind.DICTIONARY):
        raise WebRefusal(role_may_not(actor, N_("read casebooks")))
    head = await run(trial_of(request).recorder.max_notification_id) or 0
    context = {
        "head": head,
        "may_archive": may_make_archive(actor),
        "may_read_casebooks": may_read_casebooks(actor),
        "may_blank_crf": may_read(actor, ExportKind.DICTIONARY),
        "sites": SITES if site_scope(actor) is None else (),
    }
    return await render(request, "casebooks.html", context)


@routes.get("/casebooks/archive.zip", name="casebook_archive")
async def site_archive(request: web.Request) -> web.StreamResponse:
    actor, trial = actor_of(request), trial_of(request)
    site = request.query.get("site") or None
    file = await run(archive_download, trial, actor, site, as_of_param(request), "web", PageWords())
    return await stream_file(request, file.write, file.file_name, "application/zip")


@routes.get("/casebooks/annotated-crf.pdf", name="annotated_crf")
async def annotated_crf(request: web.Request) -> web.Response:
    actor, trial = actor_of(request), trial_of(request)
    cut, data = await run(annotated_crf_download, trial, actor, as_of_param(request), PageWords())
    headers = {"X-EDC-As-Of": str(cut.as_of), "X-EDC-View": cut.view.value}
    return _pdf(data, f"annotated-blank-crf-{cut.view}-{cut.as_of}.pdf", headers)
