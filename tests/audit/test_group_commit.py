"""Group commit on SQLite and PostgreSQL: saves waiting while another commits go into one
transaction, and each keeps its own outcome (edc.audit.group_commit)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from domain.actor import Actor
from edc import audit
from edc.application import Trial
from edc.config import Settings
from tests import factories
from tests.app.conftest import Accounts
from tests.app.journeys import ready_to_randomise
from tests.audit.tamper import RawStore

REASON = {"code": "transcription_error", "text": "Misread the paper form"}


class HeldFirstCommit:
    """Holds the first transaction open until released, counting every transaction."""

    def __init__(self, recorder: Any) -> None:
        self.group = recorder._group
        self._open = self.group._transaction
        self.entered, self.release = threading.Event(), threading.Event()
        self.transactions = 0
        self.group._transaction = self._transaction

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        self.transactions += 1
        first = self.transactions == 1
        with self._open() as cursor:
            if first:
                self.entered.set()
                assert self.release.wait(10)
            yield cursor

    def wait_for_waiting(self, count: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.group._pending) < count:
            assert time.monotonic() < deadline, "the saves never queued"
            time.sleep(0.005)


def in_thread(call: Callable[[], Any], outcomes: dict[str, Any], name: str) -> threading.Thread:
    def run() -> None:
        try:
            outcomes[name] = call()
        except BaseException as error:  # looked at in the test's thread
            outcomes[name] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def correct(trial: Trial, staff: Actor, pid: UUID, lbp: int) -> Callable[[], Any]:
    return lambda: trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=lbp), expected_version=1, reason=REASON
    )


def test_saves_waiting_for_a_commit_share_the_next_transaction_and_one_refusal_stays_its_own(
    trial: Trial, settings: Settings
) -> None:
    staff = Accounts(trial)["site_staff"]
    first, second, third = (ready_to_randomise(trial, staff) for _ in range(3))
    recorder: Any = trial.recorder
    taken = recorder.select_events(second, limit=1)[0]  # a version the store already holds
    held = HeldFirstCommit(recorder)
    outcomes: dict[str, Any] = {}

    leader = in_thread(correct(trial, staff, first, 7), outcomes, "first")
    assert held.entered.wait(10)
    waiting = [
        in_thread(correct(trial, staff, second, 8), outcomes, "second"),
        in_thread(
            lambda: recorder.insert_events(
                [StoredEvent(taken.originator_id, taken.originator_version, taken.topic, b"{}")]
            ),
            outcomes,
            "taken",
        ),
        in_thread(correct(trial, staff, third, 9), outcomes, "third"),
    ]
    held.wait_for_waiting(3)
    held.release.set()
    for thread in [leader, *waiting]:
        thread.join(20)

    # The three that waited were written together, after the first: two transactions.
    assert held.transactions == 2
    assert isinstance(outcomes["taken"], IntegrityError)
    for name, pid, lbp in (("first", first, 7), ("second", second, 8), ("third", third, 9)):
        assert not isinstance(outcomes[name], BaseException), outcomes[name]
        assert outcomes[name]["version"] == 2
        assert trial.load_participant(pid).form_version("baseline") == 2
        assert trial.get_participant(staff, pid)["forms"]["baseline"]["items"]["LBP_NOW"] == lbp
    result = audit.verify(trial)
    assert result.ok, result.message
    assert result.events_checked == len(RawStore(settings).rows())


def test_a_shared_transaction_that_fails_as_a_whole_is_tried_again_save_by_save(
    trial: Trial, settings: Settings
) -> None:
    staff = Accounts(trial)["site_staff"]
    first, second, third = (ready_to_randomise(trial, staff) for _ in range(3))
    recorder: Any = trial.recorder
    held = HeldFirstCommit(recorder)
    write_one = held.group._write_one
    failures = iter([OSError("disk I/O error")])

    def fail_once_in_a_batch(cursor: Any, save: Any, savepoint: bool) -> None:
        if savepoint:  # only inside a shared transaction
            failure = next(failures, None)
            if failure is not None:
                raise failure
        write_one(cursor, save, savepoint)

    held.group._write_one = fail_once_in_a_batch
    outcomes: dict[str, Any] = {}
    leader = in_thread(correct(trial, staff, first, 7), outcomes, "first")
    assert held.entered.wait(10)
    waiting = [
        in_thread(correct(trial, staff, second, 8), outcomes, "second"),
        in_thread(correct(trial, staff, third, 9), outcomes, "third"),
    ]
    held.wait_for_waiting(2)
    held.release.set()
    for thread in [leader, *waiting]:
        thread.join(20)

    # first alone; the shared one rolled back; then second and third each alone.
    assert held.transactions == 4
    for name, pid in (("first", first), ("second", second), ("third", third)):
        assert not isinstance(outcomes[name], BaseException), outcomes[name]
        assert trial.load_participant(pid).form_version("baseline") == 2
    result = audit.verify(trial)
    assert result.ok, result.message
    assert result.events_checked == len(RawStore(settings).rows())
