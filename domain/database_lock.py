"""The DatabaseLock aggregate: the end-of-study freeze of the whole trial database.

One aggregate with a fixed id. While it is locked nothing clinical can change (no screening,
form entry, randomisation, query work, signatures, verification or form locks); emergency
unblinding stays possible, since it must never be delayed. Unlocking needs a reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate

from domain import errors
from domain.actor import Actor
from domain.locking import check_unlock_reason, describe_lock, lock_record

DATABASE_LOCK_ID = uuid5(NAMESPACE_URL, "modic-edc/database-lock")


class DatabaseLock(Aggregate):
    """Whether the trial database is locked, by whom and since when."""

    class Started(Aggregate.Created):
        pass

    class Locked(Aggregate.Event):
        actor: dict[str, Any]

        def apply(self, aggregate: DatabaseLock) -> None:
            aggregate.lock = lock_record(self.actor, self.timestamp)

    class Unlocked(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

        def apply(self, aggregate: DatabaseLock) -> None:
            aggregate.lock = None

    def __init__(self) -> None:
        self.lock: dict[str, Any] | None = None

    @classmethod
    def start(cls, at: datetime) -> DatabaseLock:
        return cls._create(cls.Started, id=DATABASE_LOCK_ID, timestamp=at)

    @property
    def locked(self) -> bool:
        return self.lock is not None

    def lock_database(self, actor: Actor, at: datetime) -> None:
        if self.lock is not None:
            raise errors.StateConflict(
                f"The database is already locked {describe_lock(self.lock)}."
            )
        self.trigger_event(self.Locked, timestamp=at, actor=actor.as_dict())

    def unlock_database(self, reason: str | None, actor: Actor, at: datetime) -> None:
        text = check_unlock_reason(reason)
        if self.lock is None:
            raise errors.StateConflict("The database is not locked.")
        self.trigger_event(self.Unlocked, timestamp=at, reason=text, actor=actor.as_dict())

    def check_open(self) -> None:
        if self.lock is not None:
            raise errors.Locked(
                f"The database is locked {describe_lock(self.lock)}: nothing can change until "
                "a data manager unlocks it with a reason."
            )
