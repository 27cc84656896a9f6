"""Reports at an event position: the CONSORT flow diagram, enrolment, visit status, missing
data; SVG shown in pages, CSV/HTML/JSON as downloads."""

from __future__ import annotations

from aiohttp import web

from edc.usecases.downloads import report_download, report_of
from web.calls import actor_of, run, trial_of
from web.downloads import stream_file
from web.i18n import PageWords
from web.views.exports import as_of_param

routes = web.RouteTableDef()
MEDIA = {
    ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
}


@routes.get("/reports/{name}", name="report")
async def report(request: web.Request) -> web.StreamResponse:
    actor, trial = actor_of(request), trial_of(request)
    kind, suffix = report_of(request.match_info["name"])
    file = await run(
        report_download,
        trial,
        actor,
        kind,
        suffix,
        request.query.get("view", ""),
        as_of_param(request),
        "web",
        PageWords(),
    )
    return await stream_file(
        request, file.write, file.file_name, MEDIA[suffix], attachment=suffix != ".svg"
    )
