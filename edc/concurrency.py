"""Optimistic concurrency: a command that lost a race to another writer runs again.

The event store refuses a save whose aggregate version was taken meanwhile. The command is then
repeated from freshly loaded state, so it decides from what really happened (for randomisation:
the allocation sequence including the other allocation). A user's own stale version is a
different matter: the domain raises StaleVersion and the user decides what to do.

Each attempt also collects the versions of aggregates it read a rule from without writing them
(`note_read`; the database lock for every clinical change): the application's save passes them
to the store as preconditions (edc.audit.preconditions), so a change to one of them committed
meanwhile is a lost race too. They belong to one attempt only, and outside a command nothing is
collected.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.errors import EdcError

P = ParamSpec("P")
R = TypeVar("R")
MAX_ATTEMPTS = 50

_READS: ContextVar[dict[UUID, int] | None] = ContextVar("versions_read", default=None)


class Attempt:
    """One attempt of a command: what it has already asked the store, and what it must hand
    back when it ends (`edc.repository`: an aggregate taken to change in place).

    `may_trust` (the first attempt only): the attempt may decide on the cache without asking
    the store what changed, if all it decides on is checked at its insert (`edc.repository`
    `take`); `trusted` says it did. Only a committed insert checks the cache, so any answer of
    such an attempt that committed nothing (a refusal, or a save that changed nothing) may
    rest on a stale cache: the command is then decided again after following the store.
    """

    __slots__ = ("_at_end", "committed", "followed", "may_trust", "trusted")

    def __init__(self, *, may_trust: bool = False) -> None:
        self.followed: object | None = None
        self.may_trust = may_trust
        self.trusted = False
        self.committed = False
        self._at_end: list[Callable[[BaseException | None], None]] = []

    def at_end(self, hand_back: Callable[[BaseException | None], None]) -> None:
        """Call `hand_back` when the attempt ends, with its exception (None on success)."""
        self._at_end.append(hand_back)

    def end(self, error: BaseException | None) -> None:
        while self._at_end:
            self._at_end.pop()(error)

    def decide_again(self) -> bool:
        """Whether this attempt's answer must be decided again on the store (it trusted the
        cache and no insert checked it)."""
        return self.trusted and not self.committed


_ATTEMPT: ContextVar[Attempt | None] = ContextVar("command_attempt", default=None)


def current_attempt() -> Attempt | None:
    """The running command attempt (None outside a command)."""
    return _ATTEMPT.get()


def note_committed() -> None:
    """The running attempt's save is committed (a refusal after it is final)."""
    attempt = _ATTEMPT.get()
    if attempt is not None:
        attempt.committed = True


def note_read(aggregate_id: UUID, version: int) -> None:
    """The running attempt decided on this version of an aggregate it does not write."""
    reads = _READS.get()
    if reads is not None:
        reads.setdefault(aggregate_id, version)


def versions_read() -> dict[UUID, int]:
    """What the running attempt noted (empty outside a command)."""
    return dict(_READS.get() or {})


class WriteContention(EdcError):
    """Raised when a command lost the race to other writers too many times in a row."""

    code = "conflict"


def retry_on_conflict(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        may_trust = True
        for attempt_number in range(MAX_ATTEMPTS):
            # A command run inside another keeps what the outer one read so far.
            reads = _READS.set(dict(_READS.get() or {}))
            # Each attempt but the first follows the store afresh: a retry decides on what
            # was committed.
            this = Attempt(may_trust=may_trust)
            may_trust = False
            this_attempt = _ATTEMPT.set(this)
            try:
                try:
                    result = command(*args, **kwargs)
                except BaseException as error:
                    this.end(error)
                    raise
                this.end(None)
                if not this.decide_again():
                    return result
            except IntegrityError:
                # Back off a little, with jitter, so racing writers spread out.
                time.sleep(random.uniform(0, 0.002 * (attempt_number + 1)))
            except EdcError:
                if not this.decide_again():
                    raise
            finally:
                _ATTEMPT.reset(this_attempt)
                _READS.reset(reads)
        raise WriteContention("The system is busy with other changes; please try again.")

    return attempt
