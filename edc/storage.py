"""When the event store cannot be written: a read-only database, a full disk, a busy lock.

The library raises its own `PersistenceError`s; to a user they are one clear refusal,
`StorageUnavailable`, saying that nothing was saved (a save is one transaction, so it was
all or nothing). A lost race (`IntegrityError`) is not this: it goes on to the retry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import IntegrityError, PersistenceError

from domain.errors import EdcError

READ_ONLY = "The trial database is read-only, so nothing was saved. Tell the administrator."
DISK_FULL = "The disk of the trial database is full, so nothing was saved. Tell the administrator."
BUSY = "The trial database is busy, so nothing was saved. Please try again in a moment."
OTHER = "The trial database could not be written, so nothing was saved. Tell the administrator."


class StorageUnavailable(EdcError):
    """Raised when the event store refuses a write; nothing of the command was stored."""

    code = "unavailable"


def _message(error: BaseException) -> str:
    text = str(error).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return READ_ONLY
    if "full" in text or "no space" in text or "too large" in text:
        return DISK_FULL
    if "locked" in text or "timeout" in text or "busy" in text:
        return BUSY
    return OTHER


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn the store's write failures (except lost races) into `StorageUnavailable`."""
    try:
        yield
    except IntegrityError:
        raise
    except (PersistenceError, sqlite3.OperationalError) as error:
        raise StorageUnavailable(_message(error)) from error
