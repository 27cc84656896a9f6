"""The dashboard: what each role needs first (enrolment, status counts, links to work)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web

from domain.protocol import VISITS
from edc.permissions import Action, may
from edc.usecases.downloads import unblinded_views_allowed
from web import read_choice
from web.calls import actor_of, run, trial_of
from web.charts import bars, months_between
from web.pages import render

routes = web.RouteTableDef()


def enrolment_series(participants: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Randomisations per month (totals only: never per arm)."""
    months = Counter(p["randomised_on"][:7] for p in participants if p.get("randomised_on"))
    if not months:
        return []
    return [(month, months[month]) for month in months_between(min(months), max(months))]


@routes.get("/", name="dashboard")
async def dashboard(request: web.Request) -> web.Response:
    actor = actor_of(request)
    trial = trial_of(request)
    context: dict[str, Any] = {"clinical": False, "users": None, "unblindings": None}
    if may(actor, Action.VIEW_CLINICAL):
        participants, _ = await read_choice.participants(request, actor, None)
        statuses = Counter(p["status"] for p in participants)
        today = trial.local_date(trial.clock())
        context.update(
            clinical=True,
            screened=len(participants),
            randomised=sum(1 for p in participants if p.get("randomised_on")),
            statuses=sorted(statuses.items()),
            chart=bars(enrolment_series(participants)),
            open_queries=len(await run(trial.open_queries, actor)),
            consort_view="unblinded"
            if await run(unblinded_views_allowed, trial, actor)
            else "blinded",
            database=await run(trial.database_lock_status),
            visits=await read_choice.open_visits(request, actor, today),
            visit_labels={visit.key: visit.label for visit in VISITS},
            serious_adverse_events=await read_choice.serious_adverse_events(request, actor),
            randomisation_deviations=[
                (p, kind, text)
                for p in participants
                for kind, text in p.get("randomisation_deviations", {}).items()
            ],
            today=today.isoformat(),
            work=await read_choice.work_lists(request, actor, today),
        )
    if may(actor, Action.LIST_UNBLINDINGS):
        context["unblindings"] = await run(trial.list_unblindings, actor)
    if may(actor, Action.MANAGE_USERS):
        users = await run(trial.list_accounts, actor)
        context["users"] = {
            "total": len(users),
            "active": sum(1 for u in users if u["active"]),
            "roles": sorted(Counter(u["role"] for u in users).items()),
        }
    return await render(request, "dashboard.html", context)
