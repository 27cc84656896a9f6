"""Who is calling: a browser session (idle timeout) or an API bearer token.

The session holds only the user's name, the CSRF token and when it was last used; the actor
(role, site, blinding) is loaded from the account on every request, so a changed role or a
deactivated account takes effect at once.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from aiohttp_session import Session, get_session

from domain.actor import Actor
from domain.errors import EdcError
from web.calls import run
from web.errors import ApiError, Handler, is_api
from web.keys import ACTOR, AUTH, CONFIG, TRIAL

PUBLIC_PATHS = frozenset({"/login", "/api/v1/openapi.json", "/healthz"})
PUBLIC_PREFIXES = ("/static/", "/weekly/", "/sms/")
SESSION_USER = "user"
SESSION_SEEN = "seen"


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def safe_next(target: str | None) -> str:
    """Only redirect to a path of this site after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def _bearer_actor(request: web.Request, token: str) -> Actor:
    # Bearer tokens come from the accounts use cases (`edc users token NAME`).
    try:
        return await run(request.app[TRIAL].actor_for_token, token)
    except EdcError:
        raise ApiError(401, "unauthorized", "The API token is not valid.") from None


async def _session_actor(request: web.Request, session: Session) -> Actor | None:
    name = session.get(SESSION_USER)
    if not isinstance(name, str):
        return None
    config = request.app[CONFIG]
    now = config.now()
    seen = session.get(SESSION_SEEN)
    if not isinstance(seen, int | float) or now - seen > config.idle_timeout_s:
        session.invalidate()
        raise _expired(request)
    trial = request.app[TRIAL]
    try:
        user = await run(trial.get_user, name)
    except EdcError:
        user = None
    if user is None or not user.active or user.locked_out:
        # The account is gone, deactivated or locked: the session ends with it.
        session.invalidate()
        return None
    actor = user.as_actor()
    session[SESSION_SEEN] = now
    return actor


def _expired(request: web.Request) -> Exception:
    if is_api(request):
        return ApiError(401, "unauthorized", "Your session has expired; log in again.")
    return web.HTTPSeeOther("/login?expired=1&next=" + quote(request.path_qs, safe="/"))


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get("Authorization", "")
    actor: Actor | None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "Use 'Authorization: Bearer <token>'.")
        actor = await _bearer_actor(request, token.strip())
        request[AUTH] = "bearer"
    else:
        actor = await _session_actor(request, await get_session(request))
        if actor is not None:
            request[AUTH] = "session"
    if actor is not None:
        request[ACTOR] = actor
    elif not is_public(request.path):
        if is_api(request):
            raise ApiError(401, "unauthorized", "Log in or send an API token.")
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    return await handler(request)
