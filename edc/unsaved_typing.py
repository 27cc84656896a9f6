"""The store of unsaved typing: what a person had typed into a page when its save found their
session ended (web.unsaved keeps it and gives it back).

It is not trial data and never enters the event store, and it is not a draft (a draft is a
form saved incomplete, in the store, with its audit trail). It is kept in a small table of its
own (`unsaved.sqlite` in the data directory, or a table of the PostgreSQL database), sealed with
the session key, bound to the account and to the address of the page the form was on, for at
most `KEEP_SECONDS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NamedTuple

from cryptography.fernet import Fernet, InvalidToken

from edc.config import Settings
from edc.private_files import private_directory, private_file
from projections.db import ViewDatabase

KEEP_SECONDS = 2 * 3600
UNSAVED_FILE = "unsaved"

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
    # The account's session epoch it was typed in.
    epoch: object = None


class UnsavedTyping:
    """The store of unsaved typing (see the module's docstring)."""

    def __init__(
        self, db: ViewDatabase, key: str, now: Callable[[], float], keep_s: int = KEEP_SECONDS
    ) -> None:
        self._db, self._fernet, self._now, self._keep_s = db, Fernet(key), now, keep_s

    def ensure_schema(self) -> None:
        with self._db.schema_transaction() as cur:
            cur.execute(SCHEMA)

    def keep(
        self,
        user: str,
        path: str,
        fields: Fields,
        action: str | None = None,
        epoch: object = None,
    ) -> None:
        """Keep `fields` for `user` on the page at `path` (posted to `action`, by default the
        page itself), typed in the account's session `epoch`, replacing what was kept there."""
        now = self._now()
        sealed = self._seal(user, path, fields, path if action is None else action, epoch)
        with self._db.transaction() as cur:
            cur.execute("DELETE FROM unsaved_typing WHERE kept_at < ?", (now - self._keep_s,))
            cur.execute(
                "INSERT INTO unsaved_typing (user_name, form_path, kept_at, sealed)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (user_name, form_path)"
                " DO UPDATE SET kept_at = excluded.kept_at, sealed = excluded.sealed",
                (user, path, now, sealed),
            )

    def take(
        self, user: str, path: str, action: str | None = None, epoch: object = None
    ) -> Fields | None:
        """What `user` typed on the page at `path` (posted to `action`, when given), once: it
        is gone after this call."""
        kept = self.take_post(user, path, action, epoch)
        return None if kept is None else kept.fields

    def take_post(
        self, user: str, path: str, action: str | None = None, epoch: object = None
    ) -> KeptPost | None:
        """What `user` typed on the page at `path` and where it was posted, once; when `action`
        is given, only what was posted there (another form's typing stays for its own form).
        Typing from another session epoch of the account (its role, blinding or password
        changed since) is dropped, never given back: it was typed by the account as it was."""
        # Asked on every page an account opens: a plain read first, so the write transaction
        # (a lock on SQLite) is taken only when there is typing to give back.
        if not self._db.query(
            "SELECT 1 FROM unsaved_typing WHERE user_name = ? AND form_path = ?", (user, path)
        ):
            return None
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
        if self._now() - float(kept_at) > self._keep_s or kept is None or kept.epoch != epoch:
            return None
        return kept

    def _seal(self, user: str, path: str, fields: Fields, action: str, epoch: object) -> str:
        plain = json.dumps(
            {"user": user, "path": path, "action": action, "epoch": epoch, "fields": fields}
        )
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
        return KeptPost(str(kept.get("action", path)), fields, kept.get("epoch"))


def open_unsaved_database(settings: Settings) -> ViewDatabase:
    if settings.database_url:
        return ViewDatabase.postgres(settings.database_url)
    private_directory(settings.data_dir)
    return ViewDatabase.sqlite(private_file(settings.sqlite_path(UNSAVED_FILE)))
