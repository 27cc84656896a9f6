"""Attacks on the form save through two applications on one store (a server and the CLI, each
with its own aggregate cache), SQLite and PostgreSQL:

- a form locked by the other process just now refuses the next save here, though this
  process's cached participant was read before the lock;
- a save refused for any reason (an invalid value, a role that may not, a stale version, no
  reason for a correction, a wrong signing password, a save that loses the race to the other
  process at the insert) leaves the cached participant exactly as the store has it: the next
  read shows no trace of the refused change, and the next good save is taken;
- a lock taken here after the other process saved covers the other's change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain.errors import EdcError, Locked, StaleVersion
from edc.application import Trial
from edc.config import Settings
from tests import factories
from tests.app import two_trials
from tests.app.conftest import Accounts, StepClock
from tests.app.journeys import ready_to_randomise
from tests.app.two_trials import REASON, as_stored, cached

pair = two_trials.pair


def baseline(trial: Trial, pid: UUID) -> tuple[int, Any]:
    participant = trial.load_participant(pid)
    return participant.form_version("baseline"), participant.sheets["baseline"]["LBP_NOW"]


def test_a_form_locked_by_the_other_process_refuses_the_next_save_here(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)  # cached here, unlocked
    cli.lock_form(Accounts(cli)["data_manager"], pid, "baseline", "Reviewed")
    with pytest.raises(Locked):
        server.correct_form(
            staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=1, reason=REASON
        )
    assert baseline(cli, pid) == (1, 6)
    assert cached(server, pid) == as_stored(settings, clock, pid)


Refused = Callable[[Trial, Any, UUID], object]


def _invalid_value(trial: Trial, staff: Any, pid: UUID) -> object:
    return trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=99), expected_version=2, reason=REASON
    )


def _role_may_not(trial: Trial, staff: Any, pid: UUID) -> object:
    assessor = Accounts(trial)["assessor"]
    return trial.correct_form(
        assessor, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=2, reason=REASON
    )


def _stale_version(trial: Trial, staff: Any, pid: UUID) -> object:
    return trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=1, reason=REASON
    )


def _no_reason(trial: Trial, staff: Any, pid: UUID) -> object:
    return trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=2, reason=None
    )


def _wrong_signing_password(trial: Trial, staff: Any, pid: UUID) -> object:
    investigator = Accounts(trial)["investigator"]
    return trial.sign(investigator, pid, "not the password", "review", "baseline")


@pytest.mark.parametrize(
    "refused",
    [_invalid_value, _role_may_not, _stale_version, _no_reason, _wrong_signing_password],
)
def test_a_refused_save_leaves_the_cached_participant_as_stored(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock, refused: Refused
) -> None:
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    # The other process changes the participant first, so the refused command starts by
    # bringing this process's cache up to date.
    server.get_participant(staff, pid)
    cli.correct_form(
        cli.actor_for(staff.user),
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason=REASON,
    )
    with pytest.raises(EdcError):
        refused(server, staff, pid)
    assert cached(server, pid) == as_stored(settings, clock, pid)
    assert baseline(server, pid) == (2, 7)
    assert server.load_participant(pid).signatures == []
    server.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=8), expected_version=2, reason=REASON
    )
    assert baseline(cli, pid) == (3, 8)
    assert cached(server, pid) == as_stored(settings, clock, pid)
    assert cached(cli, pid) == as_stored(settings, clock, pid)


def test_a_save_that_loses_the_race_at_the_insert_leaves_the_cache_as_stored(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    """The other process saves the same participant between this one's checks and its insert:
    this save is refused as stale (409), the other's change is what both then read, and this
    cache holds none of the refused change."""
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)
    recorder: Any = server.recorder
    insert = recorder.insert_events
    raced: list[bool] = []

    def other_saves_first(*args: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(True)
            cli.correct_form(
                cli.actor_for(staff.user),
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=8),
                expected_version=1,
                reason=REASON,
            )
        return insert(*args, **kwargs)

    recorder.insert_events = other_saves_first
    try:
        with pytest.raises(StaleVersion):
            server.correct_form(
                staff,
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=9),
                expected_version=1,
                reason=REASON,
            )
    finally:
        del recorder.insert_events
    assert raced
    assert baseline(server, pid) == (2, 8)
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_lock_taken_here_after_the_other_process_saved_is_on_the_stored_participant(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    """The lock is decided on the participant as stored, not on this cache's older copy: the
    other process's correction is kept, and the lock covers it."""
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)
    cli.correct_form(
        cli.actor_for(staff.user),
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=8),
        expected_version=1,
        reason=REASON,
    )
    server.lock_form(Accounts(server)["data_manager"], pid, "baseline", "Reviewed")
    assert baseline(cli, pid) == (2, 8)
    assert cached(server, pid) == as_stored(settings, clock, pid)
    with pytest.raises(Locked):
        cli.correct_form(
            cli.actor_for(staff.user),
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=9),
            expected_version=2,
            reason=REASON,
        )
