"""Who is calling: a browser session (idle timeout, absolute lifetime) or an API bearer token.

The session cookie (encrypted) holds the user's name, the session's id and the account's
session epoch at login, when it began and was last used, and the CSRF token. On every request
the account (cached, brought up to date from the store) says whether that session is still
open: logout ends it, and a password change or reset, a role or blinding change, a lock-out or
deactivation end every session of the account, in every server process at once. The actor
(role, site, blinding) is loaded from the account, so changes take effect at once too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

from aiohttp import web
from aiohttp_session import Session, get_session

from domain.actor import Actor
from domain.errors import EdcError
from web.calls import run
from web.errors import ApiError, Handler, is_api
from web.keys import ACTOR, AUTH, CONFIG, EPOCH, TRIAL
from web.unsaved import keep_expired_post

PUBLIC_PATHS = frozenset(
    {"/login", "/language", "/login/password", "/api/v1/openapi.json", "/healthz"}
)
PUBLIC_PREFIXES = ("/static/", "/weekly/", "/sms/")
SESSION_USER = "user"
SESSION_SEEN = "seen"
SESSION_ID = "sid"
SESSION_EPOCH = "epoch"
SESSION_STARTED = "started"
# Asked by the page itself (how long the session has left): not activity of the user.
SESSION_STATUS_PATH = "/session/status"
PASSIVE_PATHS = frozenset({SESSION_STATUS_PATH})
MAX_NEXT = 2000
# A target still percent-encoded after this many decodings is refused, not decoded further.
NEXT_DECODINGS = 3


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _same_site_path(path: str) -> bool:
    # Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/evil" or
    # "/\\evil" lead to another host: only plain printable ASCII without them is a path here.
    if not path.startswith("/") or path.startswith("//"):
        return False
    if not path.isascii() or "\\" in path or any(c.isspace() or not c.isprintable() for c in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """Only redirect to a path of this site after login (no open redirect): the target and
    every percent-decoding of it must be a plain same-site path, else the dashboard."""
    if not target or len(target) > MAX_NEXT:
        return "/"
    probe = target
    for _ in range(NEXT_DECODINGS):
        if not _same_site_path(probe):
            return "/"
        decoded = unquote(probe)
        if decoded == probe:
            return target
        probe = decoded
    return "/"


def start_session(session: Any, user: str, session_id: str, epoch: int, now: float) -> None:
    """What a browser session carries from its login on (see the module's docstring)."""
    session[SESSION_USER] = user
    session[SESSION_ID] = session_id
    session[SESSION_EPOCH] = epoch
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now


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
    seen, started = session.get(SESSION_SEEN), session.get(SESSION_STARTED)
    if (
        not isinstance(seen, int | float)
        or not isinstance(started, int | float)
        or now - seen > config.idle_timeout_s
        or now - started > config.session_lifetime_s
    ):
        if request.path in PASSIVE_PATHS:
            # The page asking whether its session has ended: yes, but the cookie stays as it
            # is, so that a form saved next is still known as this account's (web.unsaved).
            raise ApiError(401, "unauthorized", "Your session has expired; log in again.")
        # What the expired session posted from a page is kept for its account (web.unsaved),
        # and the login leads back to that page.
        kept_on = await keep_expired_post(
            request, session, name, session.get(SESSION_EPOCH), safe_next
        )
        session.invalidate()
        raise _expired(request, kept_on)
    trial = request.app[TRIAL]
    actor = await run(
        trial.session_actor, name, session.get(SESSION_ID), session.get(SESSION_EPOCH)
    )
    if actor is None:
        # Logged out, ended by an account change, or the account is closed or locked.
        session.invalidate()
        return None
    if request.path not in PASSIVE_PATHS:
        session[SESSION_SEEN] = now
    epoch = session.get(SESSION_EPOCH)
    if isinstance(epoch, int):
        request[EPOCH] = epoch
    return actor


def _expired(request: web.Request, kept_on: str | None = None) -> Exception:
    if is_api(request):
        return ApiError(401, "unauthorized", "Your session has expired; log in again.")
    if kept_on is not None:
        return web.HTTPSeeOther("/login?expired=1&kept=1&next=" + quote(kept_on, safe="/"))
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
