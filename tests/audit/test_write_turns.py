"""Several processes writing one SQLite store take turns (edc.audit.write_turns): a save waits
while another process holds the turn, the saves that arrive meanwhile join its transaction,
and a turn that cannot be taken fails the waiting saves without writing anything."""

from __future__ import annotations

import fcntl
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from edc import audit
from edc.application import Trial
from edc.audit.group_commit import GroupCommit, Save
from edc.audit.sqlite_chain import SealingSQLiteRecorder
from edc.audit.write_turns import SUFFIX, for_database
from edc.bootstrap import build_trial
from edc.config import Settings
from tests.app.conftest import Accounts, StepClock
from tests.app.journeys import ready_to_randomise
from tests.audit.tamper import RawStore
from tests.audit.test_group_commit import correct, in_thread


# Turns are taken at a SQLite file: these tests run on SQLite only.
@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var")


@pytest.fixture
def trial(settings: Settings, clock: StepClock) -> Iterator[Trial]:
    app = build_trial(settings, clock=clock, draw=random.Random(7).random)
    yield app
    app.close()


@contextmanager
def another_process_writing(database: Path) -> Iterator[Callable[[], None]]:
    """Hold the store's turn as another serving process would (a lock on an open file of its
    own); the caller releases it."""
    fd = os.open(f"{database}{SUFFIX}", os.O_RDONLY | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            fcntl.flock(fd, fcntl.LOCK_UN)
            released = True

    try:
        yield release
    finally:
        release()
        os.close(fd)


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def test_saves_wait_for_another_processs_turn_and_go_in_one_transaction(
    trial: Trial, settings: Settings
) -> None:
    staff = Accounts(trial)["site_staff"]
    first, second, third = (ready_to_randomise(trial, staff) for _ in range(3))
    recorder = trial.recorder
    assert isinstance(recorder, SealingSQLiteRecorder)
    group = recorder._group
    opened = group._transaction
    transactions: list[int] = []

    @contextmanager
    def counted() -> Iterator[Any]:
        transactions.append(1)
        with opened() as cursor:
            yield cursor

    group._transaction = counted
    head = recorder.max_notification_id()
    outcomes: dict[str, Any] = {}
    with another_process_writing(settings.sqlite_path("trial")) as release:
        leader = in_thread(correct(trial, staff, first, 7), outcomes, "first")
        # The leader waits for the turn with its save not yet taken out of the queue.
        until(lambda: group._committing and len(group._pending) == 1, "the leader never waited")
        others = [
            in_thread(correct(trial, staff, second, 8), outcomes, "second"),
            in_thread(correct(trial, staff, third, 9), outcomes, "third"),
        ]
        until(lambda: len(group._pending) == 3, "the saves never queued")
        # Nothing is written while the other process has the turn.
        assert outcomes == {} and transactions == []
        assert recorder.max_notification_id() == head
        release()
        for thread in [leader, *others]:
            thread.join(20)

    assert len(transactions) == 1
    for name, pid, lbp in (("first", first, 7), ("second", second, 8), ("third", third, 9)):
        assert not isinstance(outcomes[name], BaseException), outcomes[name]
        assert trial.load_participant(pid).form_version("baseline") == 2
        assert trial.get_participant(staff, pid)["forms"]["baseline"]["items"]["LBP_NOW"] == lbp
    result = audit.verify(trial)
    assert result.ok, result.message
    assert result.events_checked == len(RawStore(settings).rows())


def test_a_turn_that_cannot_be_taken_fails_the_waiting_saves_and_writes_nothing() -> None:
    written: list[Save] = []
    failing = [OSError("no lock to be had")]

    @contextmanager
    def turn() -> Iterator[None]:
        if failing:
            raise failing.pop()
        yield

    @contextmanager
    def transaction() -> Iterator[None]:
        yield None

    group: GroupCommit[None] = GroupCommit(
        transaction, lambda _cursor, save, _savepoint: written.append(save), turn=turn
    )
    with pytest.raises(OSError, match="no lock to be had"):
        group.submit(Save(["an event"], {}))
    assert written == []
    # The next save, once the turn can be taken, is written as usual.
    later = group.submit(Save(["another event"], {}))
    assert written == [later] and later.error is None


def test_only_a_database_file_has_turns(tmp_path: Path) -> None:
    assert for_database(":memory:") is None
    assert for_database("file:trial.sqlite?mode=ro") is None
    turns = for_database(str(tmp_path / "trial.sqlite"))
    assert turns is not None
    with turns.turn():
        assert (tmp_path / f"trial.sqlite{SUFFIX}").exists()
