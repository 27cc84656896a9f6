"""Unsaved typing: what a person had typed into a page when its save found their session ended.

It is not trial data and never enters the event store, and it is not a draft (a draft is a
form saved incomplete, in the store, with its audit trail). It is kept in a small table of its
own (`unsaved.sqlite` in the data directory, or a table of the PostgreSQL database), sealed with
the session key, bound to the account and to the address of the page the form was on, for at
most `KEEP_SECONDS`. Every form posted by a browser session is kept so (the screening, a CRF
form, a query, a deviation, a reason to sign, lock or unlock...), except those of the account
itself (login, passwords, tokens); a password field is never kept.

Each post form carries the page it was shown on (`FROM_PAGE_FIELD`, next to its CSRF token:
`web.context.form_tokens`), and the login after an expired save leads back there. The typing is
given back once, to that account only, when it opens that page: its handler renders it as for
any visit (so the account's access is checked as always), then `refill_middleware` puts the
typing back into the form that lost it, marked "Not saved yet"; nothing is saved until the
person saves. A CRF form page takes its typing itself, before that, to render it through its
own fields (conditions, reasons for change, the version it was typed on).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

from aiohttp import web
from aiohttp_session import Session
from cryptography.fernet import Fernet, InvalidToken
from markupsafe import escape
from multidict import MultiDict

from edc.config import Settings
from edc.private_files import private_directory, private_file
from projections.db import ViewDatabase
from web.calls import run
from web.handler import Handler
from web.i18n import gettext as _
from web.keys import ACTOR, AUTH, CONFIG, SETTINGS
from web.refill import refill
from web.security import CSRF_FIELD, FORM_TYPES, FROM_PAGE_FIELD, from_page, token_matches

KEEP_SECONDS = 2 * 3600
UNSAVED_FILE = "unsaved"
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

Fields = list[tuple[str, str]]

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS unsaved_typing ("
    " user_name TEXT NOT NULL, form_path TEXT NOT NULL, kept_at DOUBLE PRECISION NOT NULL,"
    " sealed TEXT NOT NULL, PRIMARY KEY (user_name, form_path))"
)


class KeptPost(NamedTuple):
    """What was typed on a page, and the address the form posted it to."""

    action: str
    fields: Fields


class UnsavedTyping:
    """The store of unsaved typing (see the module's docstring)."""

    def __init__(
        self, db: ViewDatabase, key: str, now: Callable[[], float], keep_s: int = KEEP_SECONDS
    ) -> None:
        self._db, self._fernet, self._now, self._keep_s = db, Fernet(key), now, keep_s

    def ensure_schema(self) -> None:
        with self._db.transaction() as cur:
            cur.execute(SCHEMA)

    def keep(self, user: str, path: str, fields: Fields, action: str | None = None) -> None:
        """Keep `fields` for `user` on the page at `path` (posted to `action`, by default the
        page itself), replacing what was kept there."""
        now = self._now()
        sealed = self._seal(user, path, fields, path if action is None else action)
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM unsaved_typing WHERE kept_at < ?", (now - self._keep_s,))
            cur.execute(
                "INSERT INTO unsaved_typing (user_name, form_path, kept_at, sealed)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_name, form_path)"
                " DO UPDATE SET kept_at = excluded.kept_at, sealed = excluded.sealed",
                (user, path, now, sealed),
            )

    def take(self, user: str, path: str, action: str | None = None) -> Fields | None:
        """What `user` typed on the page at `path` (posted to `action`, when given), once: it
        is gone after this call."""
        kept = self.take_post(user, path, action)
        return None if kept is None else kept.fields

    def take_post(self, user: str, path: str, action: str | None = None) -> KeptPost | None:
        """What `user` typed on the page at `path` and where it was posted, once; when `action`
        is given, only what was posted there (another form's typing stays for its own form)."""
        with self._db.transaction() as cur:
            row = cur.execute(
                "SELECT kept_at, sealed FROM unsaved_typing WHERE user_name = ? AND form_path = ?",
                (user, path),
            ).fetchone()
            if row is None:
                return None
            kept_at, sealed = row
            kept = self._unseal(user, path, sealed)
            if kept is not None and action is not None and kept.action != action:
                return None
            cur.execute(
                "DELETE FROM unsaved_typing WHERE user_name = ? AND form_path = ?", (user, path)
            )
        if self._now() - float(kept_at) > self._keep_s:
            return None
        return kept

    def _seal(self, user: str, path: str, fields: Fields, action: str) -> str:
        plain = json.dumps({"user": user, "path": path, "action": action, "fields": fields})
        return self._fernet.encrypt(plain.encode()).decode()

    def _unseal(self, user: str, path: str, sealed: str) -> KeptPost | None:
        # The owner and the form are sealed in too: a row moved to another account or form in
        # the table is worth nothing.
        try:
            kept = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        if kept.get("user") != user or kept.get("path") != path:
            return None
        fields = [(str(name), str(value)) for name, value in kept.get("fields", [])]
        return KeptPost(str(kept.get("action", path)), fields)


UNSAVED = web.AppKey("unsaved_typing", UnsavedTyping)


def _open_database(settings: Settings) -> ViewDatabase:
    if settings.database_url:
        return ViewDatabase.postgres(settings.database_url)
    private_directory(settings.data_dir)
    return ViewDatabase.sqlite(private_file(settings.sqlite_path(UNSAVED_FILE)))


async def unsaved_typing_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    db = await run(_open_database, app[SETTINGS])
    store = UnsavedTyping(db, config.session_key, config.now)
    await run(store.ensure_schema)
    app[UNSAVED] = store
    yield
    await run(db.close)


def _kept_field(name: str) -> bool:
    return name not in UNKEPT_FIELDS and "password" not in name.lower()


async def keep_expired_post(
    request: web.Request, session: Session, user: str, safe_page: Callable[[str], str]
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
    await run(request.app[UNSAVED].keep, user, page, fields[:MAX_FIELDS], request.path)
    return page


async def take_typing(request: web.Request, user: str) -> MultiDict[str] | None:
    """The typing kept for `user` on the page at this request's address and posted to that
    address (a form page posting to itself), as posted fields, or None. Call only once the
    account's access to the page is checked."""
    store = request.app.get(UNSAVED)
    if store is None:
        return None
    kept = await run(store.take, user, request.path_qs, request.path)
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
    kept = await run(store.take_post, actor.user, request.path_qs)
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
