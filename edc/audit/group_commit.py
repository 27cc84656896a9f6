"""Saves made at the same time by several threads of one process, committed together.

A commit of the event store waits for the disk (SQLite syncs its log, PostgreSQL its WAL), and
on the event store one writer commits at a time (the chain is sealed in order). Saves that
arrive while another is committing therefore wait anyway; here they are collected and the
next of them to go first (the leader) writes them all in one transaction, with one wait for
the disk, as databases do for concurrent commits.

Each save stays its own: the leader writes each behind a savepoint, so one refused by the
store (a version already taken, a precondition that moved on, a chain that may not be
extended) is rolled back alone and its thread gets that refusal, while the others commit. No
thread returns before the transaction holding its events has committed, so nothing is
acknowledged that is not stored. Anything else going wrong in the shared transaction
(an I/O error, a lock held too long by another process) rolls the whole batch back, and each
save is then tried once more in a transaction of its own, so it fails or succeeds as it would
have alone.

With a `turn` (edc.audit.write_turns: several processes writing one SQLite file), the leader
takes the turn before it takes the batch: the saves that arrive while it waits for another
process's commit join its batch instead of waiting for the next one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

C = TypeVar("C")  # the cursor of one transaction


@dataclass
class Save:
    """One thread's save: its stored events and the recorder's keyword arguments."""

    events: Sequence[Any]
    kwargs: dict[str, Any]
    positions: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = False
    sealed: Any = field(default=None)  # the last link the save sealed, for the head log


class Refused(Exception):
    """Raised by `write_one` for a save the store refuses on its own merits (rolled back to
    its savepoint); `cause` is what its thread raises."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class GroupCommit(Generic[C]):
    """Leader/follower batching of saves into one transaction.

    `transaction()` is a context manager giving a cursor and committing on a clean exit;
    `write_one(cursor, save, savepoint)` writes one save inside it (behind a savepoint when
    `savepoint` is true) and raises `Refused` for a save the store refuses on its own.
    """

    def __init__(
        self,
        transaction: Callable[[], Any],
        write_one: Callable[[C, Save, bool], None],
        turn: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._transaction, self._write_one = transaction, write_one
        self._turn = turn or contextlib.nullcontext
        self._cond = threading.Condition()
        self._pending: list[Save] = []
        self._committing = False

    def submit(self, save: Save) -> Save:
        """Write `save` (alone or with the saves waiting beside it); raise its refusal."""
        with self._cond:
            self._pending.append(save)
            while not save.done and self._committing:
                self._cond.wait()
            if save.done:
                return self._outcome(save)
            # No commit under way and ours not written: lead the saves waiting now (and those
            # that arrive until this process's turn to write comes).
            self._committing = True
        batch: list[Save] = []
        try:
            with self._turn():
                with self._cond:
                    batch, self._pending = self._pending, []
                self._write(batch)
        except BaseException as error:
            if batch:
                raise
            # The turn could not be taken: nothing was written, and every save waiting fails
            # with that error (this one included) rather than wait for a turn that never comes.
            with self._cond:
                batch, self._pending = self._pending, []
            for each in batch:
                each.error = error
        finally:
            with self._cond:
                for each in batch:
                    each.done = True
                self._committing = False
                self._cond.notify_all()
        return self._outcome(save)

    @staticmethod
    def _outcome(save: Save) -> Save:
        if save.error is not None:
            raise save.error
        return save

    def _write(self, batch: list[Save]) -> None:
        if len(batch) == 1:
            self._alone(batch[0])
            return
        try:
            with self._transaction() as cursor:
                for save in batch:
                    try:
                        self._write_one(cursor, save, True)
                    except Refused as refused:
                        save.error, save.positions, save.sealed = refused.cause, None, None
        except BaseException:
            # The shared transaction failed as a whole: each save alone, as without batching.
            for save in batch:
                save.error, save.positions, save.sealed = None, None, None
                self._alone(save)

    def _alone(self, save: Save) -> None:
        try:
            with self._transaction() as cursor:
                self._write_one(cursor, save, False)
        except Refused as refused:
            save.error, save.positions, save.sealed = refused.cause, None, None
        except BaseException as error:
            save.error, save.positions, save.sealed = error, None, None
