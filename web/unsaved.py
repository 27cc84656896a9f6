"""Unsaved typing: what a person had typed into a form when the save found their session ended.

It is not trial data and never enters the event store, and it is not a draft (a draft is a
form saved incomplete, in the store, with its audit trail). It is kept in a small table of its
own (`unsaved.sqlite` in the data directory, or a table of the PostgreSQL database), sealed with
the session key, bound to the account and to the form's address, for at most `KEEP_SECONDS`.
It is given back once, to that account only, when it opens that form after logging in again;
the form page checks the account's access to the form before it asks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp_session import Session
from cryptography.fernet import Fernet, InvalidToken
from multidict import MultiDict

from edc.config import Settings
from edc.private_files import private_directory, private_file
from projections.db import ViewDatabase
from web.calls import run
from web.keys import CONFIG, SETTINGS
from web.security import CSRF_FIELD, token_matches

KEEP_SECONDS = 2 * 3600
UNSAVED_FILE = "unsaved"
# A form post has a few hundred fields at most; the request size limit bounds their length.
MAX_FIELDS = 500
# The routes whose expired posts are kept: a CRF form page (the address of the form itself).
KEEPING_ROUTES = frozenset({"form_post"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Fields = list[tuple[str, str]]

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS unsaved_typing ("
    " user_name TEXT NOT NULL, form_path TEXT NOT NULL, kept_at DOUBLE PRECISION NOT NULL,"
    " sealed TEXT NOT NULL, PRIMARY KEY (user_name, form_path))"
)


class UnsavedTyping:
    """The store of unsaved typing (see the module's docstring)."""

    def __init__(
        self, db: ViewDatabase, key: str, now: Callable[[], float], keep_s: int = KEEP_SECONDS
    ) -> None:
        self._db, self._fernet, self._now, self._keep_s = db, Fernet(key), now, keep_s

    def ensure_schema(self) -> None:
        with self._db.transaction() as cur:
            cur.execute(SCHEMA)

    def keep(self, user: str, path: str, fields: Fields) -> None:
        """Keep `fields` for `user` on the form at `path`, replacing what was kept there."""
        now = self._now()
        sealed = self._seal(user, path, fields)
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM unsaved_typing WHERE kept_at < ?", (now - self._keep_s,))
            cur.execute(
                "INSERT INTO unsaved_typing (user_name, form_path, kept_at, sealed)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_name, form_path)"
                " DO UPDATE SET kept_at = excluded.kept_at, sealed = excluded.sealed",
                (user, path, now, sealed),
            )

    def take(self, user: str, path: str) -> Fields | None:
        """What `user` typed on the form at `path`, once: it is gone after this call."""
        with self._db.transaction() as cur:
            row = cur.execute(
                "SELECT kept_at, sealed FROM unsaved_typing WHERE user_name = ? AND form_path = ?",
                (user, path),
            ).fetchone()
            if row is None:
                return None
            cur.execute(
                "DELETE FROM unsaved_typing WHERE user_name = ? AND form_path = ?", (user, path)
            )
        kept_at, sealed = row
        if self._now() - float(kept_at) > self._keep_s:
            return None
        return self._unseal(user, path, sealed)

    def _seal(self, user: str, path: str, fields: Fields) -> str:
        plain = json.dumps({"user": user, "path": path, "fields": fields})
        return self._fernet.encrypt(plain.encode()).decode()

    def _unseal(self, user: str, path: str, sealed: str) -> Fields | None:
        # The owner and the form are sealed in too: a row moved to another account or form in
        # the table is worth nothing.
        try:
            kept = json.loads(self._fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        if kept.get("user") != user or kept.get("path") != path:
            return None
        return [(str(name), str(value)) for name, value in kept.get("fields", [])]


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
