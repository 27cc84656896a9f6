"""Versions of other aggregates a save's rules were read from, checked with the insert.

A save is refused by the store only when a version of an aggregate it *writes* is taken; an
arm-revealing entry is saved alone in its record, on rules read from the Participant
(randomised, not locked, the form allowed). The use case therefore passes the versions it
read (`save(record, preconditions={participant_id: version})`) and the recorder compares them
with the stored ones inside the insert transaction, after it holds the store's write lock
(SQLite's write transaction, PostgreSQL's EXCLUSIVE lock on the events table), so no event
of those aggregates can be committed between the comparison and the commit. A difference
rolls the insert back and raises `PreconditionChanged`, an `IntegrityError`: the command's
`retry_on_conflict` then runs it again from fresh state, re-checking its rules and the
user's per-form `expected_version`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from uuid import UUID

from eventsourcing.persistence import IntegrityError

PRECONDITIONS_KEY = "preconditions"


class PreconditionChanged(IntegrityError):
    """An aggregate whose state a save depended on changed before the save: a lost race."""


def check_preconditions(
    expected: Mapping[UUID, int] | None,
    stored_version: Callable[[UUID], int],
    written: Iterable[UUID | str] = (),
) -> None:
    """Raise `PreconditionChanged` unless each aggregate is still at the version read
    (0: it had no events); `stored_version` reads the store inside the insert transaction.
    Aggregates the save itself writes are left to the store's own version check."""
    writing = set(written)
    for aggregate_id, version in (expected or {}).items():
        if aggregate_id in writing:
            continue
        found = stored_version(aggregate_id)
        if found != version:
            raise PreconditionChanged(
                f"Aggregate {aggregate_id} is at version {found}, the save was decided on "
                f"version {version}."
            )


def still_to_check(
    expected: Mapping[UUID, int] | None, written: Iterable[UUID | str] = ()
) -> dict[UUID, int]:
    """The preconditions `check_preconditions` reads for a save writing `written`."""
    writing = set(written)
    return {key: version for key, version in (expected or {}).items() if key not in writing}
