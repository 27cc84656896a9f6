"""Attacks on the form save's first attempt, which decides on this process's cached
participant without asking the store what changed (its insert checks the participant's version
and the database lock's), through two applications on one store, SQLite and PostgreSQL.

The save an attacker aims at is one that inserts nothing: the form sent again exactly as this
process's cache holds it. Nothing is inserted, so no insert checks the cache. Whatever the other
process did first (corrected the form, locked it, signed it, locked the database), the answer
is the one the store gives: the same refusal a fresh application gives, or, when the save is
allowed, the form as stored.

And a process whose very first command is a form save: the participant it loads then is
followed like any other, so the other process's later correction is what it shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from domain.errors import EdcError, Locked, StaleVersion
from edc.application import Trial
from edc.bootstrap import build_trial
from edc.config import Settings
from tests import factories
from tests.app import two_trials
from tests.app.conftest import NAMES, PASSWORD, Accounts, StepClock
from tests.app.journeys import ready_to_randomise
from tests.app.two_trials import REASON, as_stored, cached

pair = two_trials.pair

OtherProcess = Callable[[Trial, UUID], object]


def _actor(trial: Trial, role: str) -> Any:
    """The actor of an account the server created (`_accounts`), as this process reads it."""
    return trial.actor_for(NAMES[role])


def _accounts(server: Trial) -> Any:
    accounts = Accounts(server)
    for role in ("data_manager", "investigator"):
        accounts[role]  # created on first use
    return accounts["site_staff"]


def _corrects(cli: Trial, pid: UUID) -> object:
    staff = _actor(cli, "site_staff")
    outcomes = factories.outcomes(LBP_NOW=7)
    return cli.correct_form(staff, pid, "baseline", outcomes, expected_version=1, reason=REASON)


def _locks_the_form(cli: Trial, pid: UUID) -> object:
    return cli.lock_form(_actor(cli, "data_manager"), pid, "baseline", "Reviewed")


def _signs_the_form(cli: Trial, pid: UUID) -> object:
    return cli.sign(_actor(cli, "investigator"), pid, PASSWORD, "review", "baseline")


def _locks_the_database(cli: Trial, pid: UUID) -> object:
    return cli.lock_database(_actor(cli, "data_manager"), PASSWORD, factories.LOCK_OVERRIDES)


def _send_unchanged(trial: Trial, staff: Any, pid: UUID) -> dict[str, Any]:
    """The baseline sent again exactly as first entered, at the version first seen."""
    outcomes = factories.outcomes()
    return trial.correct_form(staff, pid, "baseline", outcomes, expected_version=1, reason=REASON)


def _answer(trial: Trial, staff: Any, pid: UUID) -> object:
    try:
        answer = _send_unchanged(trial, staff, pid)
    except EdcError as error:
        return type(error), str(error)
    answer.pop("warnings")
    return answer


@pytest.mark.parametrize(
    ("other", "refusal"),
    [
        (_corrects, StaleVersion),
        (_locks_the_form, Locked),
        (_signs_the_form, None),
        (_locks_the_database, Locked),
    ],
)
def test_a_form_sent_again_unchanged_is_answered_as_the_store_has_it(
    pair: tuple[Trial, Trial],
    settings: Settings,
    clock: StepClock,
    other: OtherProcess,
    refusal: type[EdcError] | None,
) -> None:
    server, cli = pair
    staff = _accounts(server)
    pid = ready_to_randomise(server, staff)
    server.get_participant(staff, pid)  # cached here as first entered, database open
    # The request's account is read here (as a server reads it per request, following the
    # store), and then the other process commits, before this save is decided.
    staff = _actor(server, "site_staff")
    other(cli, pid)
    answer = _answer(server, staff, pid)
    fresh = build_trial(settings, clock=clock)
    try:
        assert answer == _answer(fresh, _actor(fresh, "site_staff"), pid)
    finally:
        fresh.close()
    if refusal is not None:
        assert isinstance(answer, tuple) and answer[0] is refusal
    else:
        assert isinstance(answer, dict) and answer["signed"]
    assert cached(server, pid) == as_stored(settings, clock, pid)
    assert (
        server.get_participant(staff, pid)["forms"]["baseline"]
        == (cli.get_participant(_actor(cli, "site_staff"), pid)["forms"]["baseline"])
    )


def test_a_form_sent_again_unchanged_on_an_up_to_date_cache_is_answered_once(
    pair: tuple[Trial, Trial], settings: Settings, clock: StepClock
) -> None:
    """Nothing changed elsewhere: the unchanged form is taken, saves nothing, and the next save
    here still goes through."""
    server, cli = pair
    staff = Accounts(server)["site_staff"]
    pid = ready_to_randomise(server, staff)
    head = server.recorder.max_notification_id()
    assert _send_unchanged(server, staff, pid)["version"] == 1
    assert server.recorder.max_notification_id() == head
    outcomes = factories.outcomes(LBP_NOW=8)
    server.correct_form(staff, pid, "baseline", outcomes, expected_version=1, reason=REASON)
    assert cli.load_participant(pid).form_version("baseline") == 2
    assert cached(server, pid) == as_stored(settings, clock, pid)


def test_a_process_whose_first_command_is_a_form_save_sees_every_later_change(
    settings: Settings, clock: StepClock
) -> None:
    """A process that has read nothing yet (started a moment ago, its actor known without a
    read) saves a form first: the participant it loads for that save is followed from then on,
    so a correction by the other process just after is what this process shows and saves on."""
    cli = build_trial(settings, clock=clock, draw=random.Random(7).random)
    staff = Accounts(cli)["site_staff"]
    pid = ready_to_randomise(cli, staff)
    server = build_trial(settings, clock=clock, draw=random.Random(8).random)
    try:
        outcomes = factories.outcomes(LBP_NOW=8)
        server.correct_form(staff, pid, "baseline", outcomes, expected_version=1, reason=REASON)
        outcomes = factories.outcomes(LBP_NOW=9)
        cli.correct_form(staff, pid, "baseline", outcomes, expected_version=2, reason=REASON)
        shown = server.get_participant(staff, pid)["forms"]["baseline"]
        assert (shown["version"], shown["items"]["LBP_NOW"]) == (3, 9)
        assert cached(server, pid) == as_stored(settings, clock, pid)
        outcomes = factories.outcomes(LBP_NOW=4)
        server.correct_form(staff, pid, "baseline", outcomes, expected_version=3, reason=REASON)
        assert cli.get_participant(staff, pid)["forms"]["baseline"]["items"]["LBP_NOW"] == 4
    finally:
        server.close()
        cli.close()
