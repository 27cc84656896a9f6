"""Reports at an event position: the CONSORT flow diagram, enrolment, visit status, missing
data; SVG shown in pages, CSV/HTML/JSON as downloads."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from domain.errors import NotFound
from edc.permissions import site_scope
from projections.reports.output import SUFFIXES, ReportKind, write_report
from web.calls import actor_of, run, trial_of
from web.downloads import report_view, stream_file, take_cut
from web.views.exports import as_of_param

routes = web.RouteTableDef()
MEDIA = {
    ".svg": "image/svg+xml",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
}


def parse_name(name: str) -> tuple[ReportKind, str]:
    stem, dot, suffix = name.partition(".")
    try:
        kind = ReportKind(stem)
    except ValueError:
        raise NotFound(f"There is no report called {name!r}.") from None
    if not dot or f".{suffix}" not in SUFFIXES[kind]:
        raise NotFound(f"There is no report called {name!r}.")
    return kind, f".{suffix}"


@routes.get("/reports/{name}", name="report")
async def report(request: web.Request) -> web.StreamResponse:
    actor, trial = actor_of(request), trial_of(request)
    kind, suffix = parse_name(request.match_info["name"])
    view = await run(report_view, trial, actor, request.query.get("view", ""))
    cut = await run(
        take_cut, trial, actor, view, as_of_param(request), f"report {kind.value}", "web"
    )
    # Site roles see their own site's participants, as in every other read.
    cut = dataclasses.replace(cut, site=site_scope(actor))
    file_name = f"{kind.value}-{view.value}-{cut.as_of}{suffix}"
    return await stream_file(
        request,
        lambda out: write_report(kind, cut, out, file_name),
        file_name,
        MEDIA[suffix],
        attachment=suffix != ".svg",
    )
