"""Attacks on group commit (edc/audit/group_commit.py) with the database lock, on SQLite and
PostgreSQL: a change whose
checks passed while the database was open, saved in the same shared transaction as the lock
that comes before it, must be refused and never acknowledged; once the lock is stored, every
save is refused at once."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import Locked
from edc.application import Trial
from tests import factories
from tests.app.conftest import PASSWORD, Accounts, clock, settings, trial
from tests.app.journeys import ready_to_randomise
from tests.audit.test_group_commit import HeldFirstCommit, correct, in_thread

__all__ = ["clock", "settings", "trial"]  # the fixtures, used by name


def test_a_change_written_behind_the_lock_in_one_shared_transaction_is_refused(
    trial: Trial,
) -> None:
    accounts = Accounts(trial)
    staff, data_manager = accounts["site_staff"], accounts["data_manager"]
    second = ready_to_randomise(trial, staff)
    held = HeldFirstCommit(trial.recorder)
    outcomes: dict[str, Any] = {}

    # The held first transaction is a screening's: a form save holds its participant until
    # its commit (edc/repository.py, taken in place), and the lock's checks read every
    # participant, so they would wait for it instead of passing while it is held.
    leader = in_thread(lambda: trial.screen(staff, factories.screening()), outcomes, "first")
    assert held.entered.wait(10)
    lock = in_thread(
        lambda: trial.lock_database(data_manager, PASSWORD, factories.LOCK_OVERRIDES),
        outcomes,
        "lock",
    )
    held.wait_for_waiting(1)
    # Its checks find the database open (the lock waits, uncommitted); its save queues behind.
    late = in_thread(correct(trial, staff, second, 8), outcomes, "late")
    held.wait_for_waiting(2)
    held.release.set()
    for thread in (leader, lock, late):
        thread.join(20)

    assert held.transactions >= 2
    assert not isinstance(outcomes["first"], BaseException), outcomes["first"]
    assert not isinstance(outcomes["lock"], BaseException), outcomes["lock"]
    assert isinstance(outcomes["late"], Locked), outcomes["late"]
    assert trial.load_participant(second).form_version("baseline") == 1
    assert trial.database_locked()


def test_once_the_lock_is_stored_a_save_is_refused_at_once(trial: Trial) -> None:
    accounts = Accounts(trial)
    staff, data_manager = accounts["site_staff"], accounts["data_manager"]
    pid = ready_to_randomise(trial, staff)
    trial.lock_database(data_manager, PASSWORD, factories.LOCK_OVERRIDES)
    head = trial.recorder.max_notification_id()

    with pytest.raises(Locked):
        correct(trial, staff, pid, 9)()

    assert trial.load_participant(pid).form_version("baseline") == 1
    # Only the refusal itself was stored (the log of refused actions), no clinical event.
    assert trial.recorder.max_notification_id() == (head or 0) + 1
