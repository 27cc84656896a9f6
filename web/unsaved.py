"""Unsaved typing: what a person had typed into a form when the save found their session ended.

It is kept by the application's store of unsaved typing (edc.unsaved_typing), sealed with the
session key, bound to the account and to the form's address, for at most `KEEP_SECONDS`. It is
given back once, to that account only, when it opens that form after logging in again;
the form page checks the account's access to the form before it asks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp_session import Session
from multidict import MultiDict

from edc.unsaved_typing import KEEP_SECONDS, UnsavedTyping, open_unsaved_database
from web.calls import run
from web.keys import CONFIG, SETTINGS
from web.security import CSRF_FIELD, token_matches

# A form post has a few hundred fields at most; the request size limit bounds their length.
MAX_FIELDS = 500
# The routes whose expired posts are kept: a CRF form page (the address of the form itself).
KEEPING_ROUTES = frozenset({"form_post"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

UNSAVED = web.AppKey("unsaved_typing", UnsavedTyping)
__all__ = ["KEEP_SECONDS", "UNSAVED", "UnsavedTyping", "keep_expired_post", "take_typing"]


async def unsaved_typing_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    db = await run(open_unsaved_database, app[SETTINGS])
    store = UnsavedTyping(db, config.session_key, config.now)
    await run(store.ensure_schema)
    app[UNSAVED] = store
    yield
    await run(db.close)


async def keep_expired_post(request: web.Request, session: Session, user: str) -> bool:
    """Keep what an expired session posted to a form page, if it came from that session's own
    page (its CSRF token); True when something was kept."""
    route = request.match_info.route.name
    if request.method != "POST" or route not in KEEPING_ROUTES:
        return False
    if request.content_type not in FORM_TYPES or UNSAVED not in request.app:
        return False
    post = await request.post()
    if not token_matches(session, post.get(CSRF_FIELD)):
        return False
    fields = [(k, v) for k, v in post.items() if isinstance(v, str) and k != CSRF_FIELD]
    await run(request.app[UNSAVED].keep, user, request.path, fields[:MAX_FIELDS])
    return True


async def take_typing(request: web.Request, user: str) -> MultiDict[str] | None:
    """The typing kept for `user` on the form at this request's address, as posted fields,
    or None. Call only once the account's access to the form is checked."""
    store = request.app.get(UNSAVED)
    if store is None:
        return None
    kept = await run(store.take, user, request.path)
    return None if kept is None else MultiDict(kept)
