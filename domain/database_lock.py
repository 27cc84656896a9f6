"""The DatabaseLock aggregate: the end-of-study freeze of the trial database, and the release of
the unblinded data to analysts.

One aggregate with a fixed id. Locking is a controlled, signed step: the pre-lock checks
(`domain.prelock`) must pass, or each failing check is overridden with a reason, and the data
manager signs with their password. While locked, nothing clinical can change (emergency
unblinding stays possible, since it must never be delayed). Releasing the unblinded data to
analysts is a second signed step, only on a locked database; analysts then read unblinded data
at positions from the release on. Unlocking needs a reason; an unlock after a release suspends
unblinded pulls until the next lock and release, and is counted for every later manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate

from domain import errors
from domain.actor import Actor
from domain.locking import check_unlock_reason, describe_lock, lock_record
from domain.prelock import CHECK_LABELS, PreLockFindings, check_overrides
from domain.wording import Message

DATABASE_LOCK_ID = uuid5(NAMESPACE_URL, "modic-edc/database-lock")
LOCK_MEANING = "The data are final: the database is locked"
RELEASE_MEANING = "The unblinded data are released to the analysts"


class DatabaseLock(Aggregate):
    """Whether the trial database is locked and released, by whom and since when."""

    class Started(Aggregate.Created):
        pass

    class Locked(Aggregate.Event):
        """The database locked with the data manager's signature, after the pre-lock checks."""

        actor: dict[str, Any]
        signed_by: str
        meaning: str
        # Each check's findings at the lock, and the override reason where it failed.
        checks: dict[str, dict[str, Any]]

        def apply(self, aggregate: DatabaseLock) -> None:
            aggregate.lock = lock_record(self.actor, self.timestamp)

    class UnblindedDataReleased(Aggregate.Event):
        """The unblinded data released to analysts, signed, from position `from_position`."""

        actor: dict[str, Any]
        signed_by: str
        meaning: str
        from_position: int

        def apply(self, aggregate: DatabaseLock) -> None:
            aggregate.release = {
                "from_position": self.from_position,
                "user": self.actor["user"],
                "at": self.timestamp,
            }

    class Unlocked(Aggregate.Event):
        reason: str
        actor: dict[str, Any]
        after_release: bool = False

        def apply(self, aggregate: DatabaseLock) -> None:
            aggregate.lock = None
            aggregate.release = None
            if self.after_release:
                aggregate.unlocks_after_release += 1

    def __init__(self) -> None:
        self.lock: dict[str, Any] | None = None
        self.release: dict[str, Any] | None = None
        self.unlocks_after_release = 0

    @classmethod
    def start(cls, at: datetime) -> DatabaseLock:
        return cls._create(cls.Started, id=DATABASE_LOCK_ID, timestamp=at)

    @property
    def locked(self) -> bool:
        return self.lock is not None

    @property
    def released(self) -> bool:
        return self.release is not None

    @property
    def state(self) -> str:
        if self.release is not None:
            return "released"
        return "locked" if self.lock is not None else "open"

    def lock_database(
        self,
        findings: PreLockFindings,
        overrides: Mapping[str, str],
        signed_by: str,
        actor: Actor,
        at: datetime,
    ) -> None:
        if self.lock is not None:
            raise errors.StateConflict(
                Message("The database is already locked %(lock)s.", lock=describe_lock(self.lock))
            )
        reasons = check_overrides(findings, overrides)
        checks = {
            check: {
                # Stored as plain text: the event keeps the English the lock was made with.
                "label": str(CHECK_LABELS[check]),
                "findings": [str(finding) for finding in found],
                "override": reasons.get(check),
            }
            for check, found in findings.items()
        }
        self.trigger_event(
            self.Locked,
            timestamp=at,
            actor=actor.as_dict(),
            signed_by=signed_by,
            meaning=LOCK_MEANING,
            checks=checks,
        )

    def release_unblinded_data(
        self, from_position: int, signed_by: str, actor: Actor, at: datetime
    ) -> None:
        if self.lock is None:
            raise errors.StateConflict(
                "The unblinded data are released only from a locked database: lock it first."
            )
        if self.release is not None:
            raise errors.StateConflict("The unblinded data are already released.")
        self.trigger_event(
            self.UnblindedDataReleased,
            timestamp=at,
            actor=actor.as_dict(),
            signed_by=signed_by,
            meaning=RELEASE_MEANING,
            from_position=from_position,
        )

    def unlock_database(self, reason: str | None, actor: Actor, at: datetime) -> None:
        text = check_unlock_reason(reason)
        if self.lock is None:
            raise errors.StateConflict("The database is not locked.")
        self.trigger_event(
            self.Unlocked,
            timestamp=at,
            reason=text,
            actor=actor.as_dict(),
            after_release=self.release is not None,
        )

    def check_open(self) -> None:
        if self.lock is not None:
            raise errors.Locked(
                Message(
                    "The database is locked %(lock)s: nothing can change until a data manager "
                    "unlocks it with a reason.",
                    lock=describe_lock(self.lock),
                )
            )
