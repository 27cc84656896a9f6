"""The session's remaining time, for the page's idle-timeout warning, and keeping it alive.

`GET /session/status` does not count as activity (web.auth leaves the session's last use as
it was), so a page asking how long it has left never extends the session by asking;
`POST /session/keepalive` ("Stay signed in") is a request like any other and so refreshes it.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

from web.auth import SESSION_SEEN, SESSION_STARTED, SESSION_STATUS_PATH
from web.calls import actor_of
from web.keys import CONFIG

routes = web.RouteTableDef()


async def _remaining(request: web.Request) -> web.Response:
    actor_of(request)
    session, config = await get_session(request), request.app[CONFIG]
    now = config.now()
    idle = config.idle_timeout_s - (now - float(session.get(SESSION_SEEN, now)))
    lifetime = config.session_lifetime_s - (now - float(session.get(SESSION_STARTED, now)))
    return web.json_response(
        {
            "remaining_s": max(0, round(min(idle, lifetime))),
            "idle_timeout_s": config.idle_timeout_s,
            # At the end of its absolute lifetime a session cannot be kept alive.
            "extendable": lifetime > idle,
        }
    )


@routes.get(SESSION_STATUS_PATH, name="session_status")
async def session_status(request: web.Request) -> web.Response:
    return await _remaining(request)


@routes.post("/session/keepalive", name="session_keepalive")
async def keep_alive(request: web.Request) -> web.Response:
    return await _remaining(request)
