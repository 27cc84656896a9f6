"""The exports page: reproducible snapshots, ODM, the data dictionary and the audit stream,
each at a chosen event position (`as_of`), blinded unless the account may see the arm."""

from __future__ import annotations

from aiohttp import web

from domain.errors import EdcError
from edc.audit import chain
from edc.data_kinds import may_read
from edc.permissions import Action, may, role_may_not
from edc.usecases.downloads import ExportKind, export_download, unblinded_views_allowed
from web.calls import actor_of, run, trial_of
from web.downloads import stream_file
from web.errors import WebRefusal
from web.i18n import N_, PageWords
from web.numbers import whole_number
from web.pages import render

routes = web.RouteTableDef()
MEDIA = {
    ExportKind.CSV: "application/zip",
    ExportKind.ODM: "application/xml",
    ExportKind.ODM_SNAPSHOT: "application/xml",
    ExportKind.AUDIT: "application/x-ndjson",
    ExportKind.DICTIONARY: "text/csv; charset=utf-8",
    ExportKind.ANALYSIS: "application/zip",
}
LABELS = {
    ExportKind.CSV: N_("Analysis snapshot (zip: CSV per form, dictionary, manifest)"),
    ExportKind.ODM_SNAPSHOT: N_("CDISC ODM 1.3.2 Snapshot (XML)"),
    ExportKind.ODM: N_("CDISC ODM 1.3.2 Transactional, with audit records and signatures (XML)"),
    ExportKind.AUDIT: N_("Audit trail stream (NDJSON)"),
    ExportKind.DICTIONARY: N_("Data dictionary (CSV)"),
    ExportKind.ANALYSIS: N_(
        "Analysis files (zip: the snapshot as Stata, SPSS, SAS transport and "
        "Parquet files, with an R reader)"
    ),
}


def as_of_param(request: web.Request) -> int | None:
    text = request.query.get("as_of", "")
    if not text:
        return None
    position = whole_number(text)
    if position is None:
        raise EdcError("as_of is an event position: a whole number.")
    return position


def _check(request: web.Request) -> None:
    actor = actor_of(request)
    if not may(actor, Action.EXPORT):
        raise WebRefusal(role_may_not(actor, Action.EXPORT))


@routes.get("/exports", name="exports")
async def exports_page(request: web.Request) -> web.Response:
    _check(request)
    actor, trial = actor_of(request), trial_of(request)
    head = await run(trial.recorder.max_notification_id) or 0
    chain_head = await run(chain.head, trial)
    views = ["blinded"]
    if await run(unblinded_views_allowed, trial, actor):
        views.append("unblinded")
    context = {
        "head": head,
        "chain_head": str(chain_head),
        "kinds": [(kind.value, label) for kind, label in LABELS.items() if may_read(actor, kind)],
        "views": views,
    }
    return await render(request, "exports.html", context)


@routes.get("/exports/{kind}", name="export")
async def download(request: web.Request) -> web.StreamResponse:
    _check(request)
    actor, trial = actor_of(request), trial_of(request)
    try:
        kind = ExportKind(request.match_info["kind"])
    except ValueError:
        raise web.HTTPNotFound() from None
    html = kind is ExportKind.DICTIONARY and request.query.get("format") == "html"
    file = await run(
        export_download,
        trial,
        actor,
        kind,
        request.query.get("view", ""),
        as_of_param(request),
        "web",
        html=html,
        words=PageWords(),
    )
    media = "text/html; charset=utf-8" if html else MEDIA[kind]
    return await stream_file(request, file.write, file.file_name, media)
