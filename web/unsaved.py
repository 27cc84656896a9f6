"""Unsaved typing: what a person had typed into a page when its save found their session ended.

It is kept by the application's store of unsaved typing (edc.unsaved_typing): never in the
event store, not a draft, sealed with the session key, bound to the account and to the address
of the page the form was on, for at most `KEEP_SECONDS`. Every form posted by a browser session
is kept so (the screening, a CRF form, a query, a deviation, a reason to sign, lock or
unlock...), except those of the account itself (login, passwords, tokens); a password field is
never kept.

Each post form carries the page it was shown on (`FROM_PAGE_FIELD`, next to its CSRF token:
`web.context.form_tokens`), and the login after an expired save leads back there. The typing is
given back once, to that account only, when it opens that page: its handler renders it as for
any visit (so the account's access is checked as always), then `refill_middleware` puts the
typing back into the form that lost it, marked "Not saved yet"; nothing is saved until the
person saves. A CRF form page takes its typing itself, before that, to render it through its
own fields (conditions, reasons for change, the version it was typed on).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp_session import Session
from markupsafe import escape
from multidict import MultiDict

from edc.unsaved_typing import (
    KEEP_SECONDS,
    Fields,
    KeptPost,
    UnsavedTyping,
    open_unsaved_database,
)
from web.calls import run
from web.handler import Handler
from web.i18n import gettext as _
from web.keys import ACTOR, AUTH, CONFIG, EPOCH, SETTINGS
from web.refill import refill
from web.security import CSRF_FIELD, FORM_TYPES, FROM_PAGE_FIELD, from_page, token_matches

# A form post has a few hundred fields at most; the request size limit bounds their length.
MAX_FIELDS = 500
# The posts of a browser session that are not kept: the account's own (a password, a token,
# the session itself), where nothing typed is data of the trial.
UNKEPT_ROUTES = frozenset(
    {
        "login_post",
        "choose_password",
        "logout",
        "password_post",
        "own_tokens_post",
        "own_tokens_revoke",
        "session_keepalive",
        "language",
    }
)
UNKEPT_FIELDS = frozenset({CSRF_FIELD, FROM_PAGE_FIELD})

UNSAVED = web.AppKey("unsaved_typing", UnsavedTyping)
__all__ = [
    "KEEP_SECONDS",
    "UNSAVED",
    "KeptPost",
    "UnsavedTyping",
    "keep_expired_post",
    "take_typing",
]


async def unsaved_typing_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    db = await run(open_unsaved_database, app[SETTINGS])
    store = UnsavedTyping(db, config.session_key, config.now)
    await run(store.ensure_schema)
    app[UNSAVED] = store
    yield
    await run(db.close)


def _kept_field(name: str) -> bool:
    return name not in UNKEPT_FIELDS and "password" not in name.lower()


async def keep_expired_post(
    request: web.Request,
    session: Session,
    user: str,
    epoch: object,
    safe_page: Callable[[str], str],
) -> str | None:
    """Keep what an expired session posted from one of its pages (its CSRF token) for its
    account; the page to go back to after the login, when something was kept."""
    route = request.match_info.route.name
    if request.method != "POST" or route is None or route in UNKEPT_ROUTES:
        return None
    if request.content_type not in FORM_TYPES or UNSAVED not in request.app:
        return None
    post = await request.post()
    if not token_matches(session, post.get(CSRF_FIELD)):
        return None
    page = safe_page(from_page(request, post))
    fields = [(k, v) for k, v in post.items() if isinstance(v, str) and _kept_field(k)]
    store = request.app[UNSAVED]
    await run(store.keep, user, page, fields[:MAX_FIELDS], request.path, epoch)
    return page


async def take_typing(request: web.Request, user: str) -> MultiDict[str] | None:
    """The typing kept for `user` on the page at this request's address and posted to that
    address (a form page posting to itself), as posted fields, or None. Call only once the
    account's access to the page is checked."""
    store = request.app.get(UNSAVED)
    if store is None:
        return None
    kept = await run(store.take, user, request.path_qs, request.path, request.get(EPOCH))
    return None if kept is None else MultiDict(kept)


def _notice() -> str:
    text = _(
        "Not saved yet: what you typed here before your session ended is filled in below,"
        " kept for you for up to 2 hours outside the casebook. Check it and save; until"
        " then nothing of it is recorded."
    )
    return f'<p class="flash warn" role="alert" id="unsaved-typing">{escape(text)}</p>'


def _lost(fields: Fields) -> str:
    # The page no longer has the form (a query answered, a form locked meanwhile): what was
    # typed is shown, so that nothing is lost without the person seeing it.
    text = _(
        "Not saved yet: what you typed here before your session ended could not be put"
        " back, because this page has changed since. Nothing of it is recorded:"
    )
    rows = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>"
        for name, value in fields
        if value.strip() and not name.startswith("expected_")
    )
    return (
        f'<section class="flash warn" role="alert" id="unsaved-typing">'
        f"<p>{escape(text)}</p><dl>{rows}</dl></section>"
    )


@web.middleware
async def refill_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give a page its kept typing back (see the module's docstring)."""
    response = await handler(request)
    actor, store = request.get(ACTOR), request.app.get(UNSAVED)
    if (
        request.method != "GET"
        or actor is None
        or store is None
        or request.get(AUTH) != "session"
        or not isinstance(response, web.Response)
        or response.status != 200
        or response.content_type != "text/html"
        or response.text is None
    ):
        return response
    kept = await run(store.take_post, actor.user, request.path_qs, None, request.get(EPOCH))
    if kept is None:
        return response
    page = response.text
    done = refill(page, kept.action, kept.fields, UNKEPT_FIELDS, _notice())
    if done is not None and done[1]:
        response.text = done[0]
    elif done is None:
        main = page.find("<main")
        at = page.find(">", main) + 1 if main >= 0 else 0
        response.text = page[:at] + _lost(kept.fields) + page[at:]
    return response
