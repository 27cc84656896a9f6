"""The aggregate cache follows the store (edc/repository.py): two applications on one store, as
two processes are (a server and the CLI), never decide on a stale cached copy, and a refused or
failed save leaves the cache exactly as the store has it."""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import pytest

from domain.errors import Locked, StaleVersion
from edc.application import Trial
from edc.config import Settings
from edc.storage import StorageUnavailable
from tests import factories
from tests.app import two_trials
from tests.app.conftest import PASSWORD, Accounts, StepClock
from tests.app.journeys import ready_to_randomise
from tests.app.two_trials import REASON, as_stored, cached

pair = two_trials.pair


def baseline(trial: Trial, staff: Any, pid: UUID) -> tuple[int, int]:
    form = trial.get_participant(staff, pid)["forms"]["baseline"]
    return form["version"], form["items"]["LBP_NOW"]


def test_a_change_saved_by_another_process_is_seen_by_the_next_read_and_save(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    assert baseline(server, staff, pid) == (1, 6)  # cached by the server now

    other = cli.actor_for(staff.user)
    cli.correct_form(
        other, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    assert baseline(server, staff, pid) == (2, 7)

    # A save made on the version the other process left is taken (not refused as stale) ...
    cli.correct_form(
        other, pid, "baseline", factories.outcomes(LBP_NOW=8), expected_version=2, reason=REASON
    )
    server.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=3, reason=REASON
    )
    assert baseline(cli, other, pid) == (4, 9)
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)
    cli.correct_form(
        cli.actor_for(staff.user),
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason=REASON,
    )

    with pytest.raises(StaleVersion) as refused:
        server.correct_form(
            staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=1, reason=REASON
        )

    assert refused.value.code == "conflict"  # 409 over HTTP
    assert refused.value.current_version == 2
    assert baseline(cli, cli.actor_for(staff.user), pid) == (2, 7)
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_database_lock_committed_by_another_process_between_load_and_save_refuses_it(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)  # participant and the (open) database lock cached
    data_manager = Accounts(cli)["data_manager"]
    recorder: Any = server.recorder
    insert = recorder.insert_events
    locked: list[bool] = []

    def lock_first(*args: Any, **kwargs: Any) -> Any:
        # The save's checks found the database open; the lock commits just before its insert.
        if not locked:
            locked.append(True)
            cli.lock_database(data_manager, PASSWORD, factories.LOCK_OVERRIDES)
        return insert(*args, **kwargs)

    recorder.insert_events = lock_first
    try:
        with pytest.raises(Locked):
            server.correct_form(
                staff,
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=7),
                expected_version=1,
                reason=REASON,
            )
    finally:
        del recorder.insert_events

    assert locked
    assert baseline(cli, cli.actor_for(staff.user), pid) == (1, 6)
    assert cached(server, pid) == as_stored(settings, clock, pid)

    cli.unlock_database(data_manager, "Late correction from the site")
    server.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    assert baseline(cli, cli.actor_for(staff.user), pid) == (2, 7)
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_save_the_store_fails_leaves_the_cached_participant_as_stored(
    trial: Trial, settings: Settings, clock: StepClock
) -> None:
    staff = Accounts(trial)["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.get_participant(staff, pid)
    recorder: Any = trial.recorder

    def disk_fails(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    recorder.insert_events = disk_fails
    try:
        with pytest.raises(StorageUnavailable):
            trial.correct_form(
                staff,
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=7),
                expected_version=1,
                reason=REASON,
            )
    finally:
        del recorder.insert_events

    assert cached(trial, pid) == as_stored(settings, clock, pid)
    assert baseline(trial, staff, pid) == (1, 6)
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    assert baseline(trial, staff, pid) == (2, 7)
    assert cached(trial, pid) == as_stored(settings, clock, pid)
