"""Every route of the web UI and the JSON API, registered in one place."""

from __future__ import annotations

from aiohttp import web

from web import i18n_views
from web.api import routes as api_routes
from web.views import (
    account,
    allocation,
    analysis,
    audit,
    casebooks,
    crf_pages,
    dashboard,
    exports,
    participants,
    patient_reports,
    queries,
    randomise,
    refusals,
    reports,
    review,
    session,
    unblind,
    users,
    visit_records,
    worklists,
)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz, name="healthz")
    for table in (
        account.routes,
        dashboard.routes,
        participants.routes,
        crf_pages.routes,
        randomise.routes,
        users.routes,
        audit.routes,
        review.routes,
        queries.routes,
        unblind.routes,
        exports.routes,
        analysis.routes,
        patient_reports.routes,
        reports.routes,
        refusals.routes,
        allocation.routes,
        visit_records.routes,
        casebooks.routes,
        worklists.routes,
        i18n_views.routes,
        session.routes,
    ):
        app.router.add_routes(table)
    api_routes.add_api_routes(app)
