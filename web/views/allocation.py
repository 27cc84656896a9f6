"""The allocation re-check for unblinded monitors and data managers (blinded accounts: 403)."""

from __future__ import annotations

from aiohttp import web

from web.calls import actor_of, run, trial_of
from web.pages import render

routes = web.RouteTableDef()


@routes.get("/allocation/recheck", name="allocation_recheck")
async def allocation_recheck(request: web.Request) -> web.Response:
    # The use case refuses blinded accounts and other roles (PermissionDenied -> 403 page).
    result = await run(trial_of(request).recheck_allocations, actor_of(request))
    return await render(request, "allocation_recheck.html", {"result": result})
