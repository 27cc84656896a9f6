"""Logging in (21 CFR Part 11 §11.300): failures counted, lock-out after five, admin unlock."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import AuthenticationFailed, EdcError, PermissionDenied
from domain.user import MAX_FAILED_LOGINS, User
from edc.application import Trial
from tests.accounts.helpers import STAFF_PASSWORD, add_staff, events_of
from tests.app.conftest import StepClock

WRONG = "not the password"


def fail_logins(trial: Trial, name: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
            trial.authenticate(name, WRONG)


def test_a_login_gives_the_accounts_actor_and_is_recorded(trial: Trial, clock: StepClock) -> None:
    add_staff(trial)
    actor = trial.authenticate("sune", STAFF_PASSWORD)
    assert actor == Actor(user="sune", role="site_staff", site="RINGE", blinded=False)
    [login] = events_of(trial, "sune", User.LoginSucceeded)
    assert login.actor == {"user": "sune", "role": "site_staff", "site": "RINGE"}
    assert login.timestamp == clock.current
    [listed] = [u for u in trial.list_users() if u["name"] == "sune"]
    assert listed["last_login"] == clock.current.isoformat()
    assert listed["locked_out"] is False and listed["active"] is True


def test_four_failures_then_the_right_password_logs_in_and_resets_the_count(
    trial: Trial,
) -> None:
    add_staff(trial)
    fail_logins(trial, "sune", MAX_FAILED_LOGINS - 1)
    assert trial.get_user("sune").failed_logins == 4
    trial.authenticate("sune", STAFF_PASSWORD)
    assert trial.get_user("sune").failed_logins == 0
    # The count starts again: four more failures still do not lock the account.
    fail_logins(trial, "sune", MAX_FAILED_LOGINS - 1)
    assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"
    failures = [e.failures for e in events_of(trial, "sune", User.LoginFailed)]
    assert failures == [1, 2, 3, 4, 1, 2, 3, 4]
    assert events_of(trial, "sune", User.LockedOut) == []


def test_the_fifth_failure_in_a_row_locks_the_account_even_against_the_right_password(
    trial: Trial,
) -> None:
    add_staff(trial)
    fail_logins(trial, "sune", MAX_FAILED_LOGINS)
    [locked] = events_of(trial, "sune", User.LockedOut)
    assert locked.failures == 5
    with pytest.raises(AuthenticationFailed, match="locked after too many failed logins") as right:
        trial.authenticate("sune", STAFF_PASSWORD)
    # A wrong password gets the same answer: the locked account tells a guesser nothing.
    with pytest.raises(AuthenticationFailed) as wrong:
        trial.authenticate("sune", WRONG)
    assert right.value.message == wrong.value.message
    assert len(events_of(trial, "sune", User.LockedOut)) == 1
    assert trial.get_user("sune").locked_out


def test_an_administrator_unlocks_a_locked_out_account(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    fail_logins(trial, "sune", MAX_FAILED_LOGINS)
    with pytest.raises(PermissionDenied):
        trial.unlock_user(actors["monitor"], "sune")
    view = trial.unlock_user(actors["admin"], "sune")
    assert view["locked_out"] is False and view["failed_logins"] == 0
    [unlocked] = events_of(trial, "sune", User.Unlocked)
    assert unlocked.actor == actors["admin"].as_dict()
    assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"
    with pytest.raises(EdcError, match="not locked"):
        trial.unlock_user(actors["admin"], "sune")


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(trial: Trial) -> None:
    add_staff(trial)
    with pytest.raises(AuthenticationFailed) as unknown:
        trial.authenticate("nobody", STAFF_PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        trial.authenticate("sune", WRONG)
    assert unknown.value.message == wrong.value.message == "Wrong user name or password."
    assert unknown.value.code == wrong.value.code == "unauthorized"


def test_a_deactivated_account_cannot_log_in_until_reactivated(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    admin = actors["admin"]
    with pytest.raises(EdcError, match="reason"):
        trial.deactivate_user(admin, "sune", "  ")
    view = trial.deactivate_user(admin, "sune", "left the trial team")
    assert view["active"] is False
    [deactivated] = events_of(trial, "sune", User.Deactivated)
    assert deactivated.reason == "left the trial team"
    assert deactivated.actor == admin.as_dict()
    # A right and a wrong password get the same answer: the account is deactivated.
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        trial.authenticate("sune", WRONG)
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        trial.authenticate("sune", STAFF_PASSWORD)
    trial.reactivate_user(admin, "sune", "back on the team")
    assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"
    assert [e.reason for e in events_of(trial, "sune", User.Reactivated)] == ["back on the team"]


def test_an_administrator_may_not_deactivate_or_demote_their_own_account(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    admin = actors["admin"]
    with pytest.raises(PermissionDenied, match="own account"):
        trial.deactivate_user(admin, admin.user, "oops")
    with pytest.raises(PermissionDenied, match="own account"):
        trial.change_role(admin, admin.user, "monitor")
    assert trial.get_user(admin.user).active
