"""Passwords: changed by their holder with the old one, set by administrators, stored hashed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import extract_parameters, profiles

from domain.actor import Actor
from domain.errors import AuthenticationFailed, EdcError, PermissionDenied
from domain.user import PasswordChangeRequired, User
from edc.application import Trial
from tests.accounts.helpers import STAFF_PASSWORD, add_staff, events_of, stored_bytes

NEW = "a brand new passphrase"
ROOT = Path(__file__).resolve().parents[2]


def test_the_holder_changes_their_password_by_giving_the_old_one(trial: Trial) -> None:
    add_staff(trial)
    sune = trial.authenticate("sune", STAFF_PASSWORD)
    trial.change_password(sune, STAFF_PASSWORD, NEW)
    with pytest.raises(AuthenticationFailed):
        trial.authenticate("sune", STAFF_PASSWORD)
    assert trial.authenticate("sune", NEW).user == "sune"
    [changed] = events_of(trial, "sune", User.PasswordChanged)
    assert changed.actor == sune.as_dict()
    assert changed.password_hash.startswith("$argon2")
    assert NEW.encode() not in stored_bytes(trial)


def test_a_wrong_old_password_is_refused_and_counts_as_a_failed_login(trial: Trial) -> None:
    add_staff(trial)
    sune = trial.authenticate("sune", STAFF_PASSWORD)
    with pytest.raises(AuthenticationFailed, match="current password is wrong"):
        trial.change_password(sune, "a guessed password", NEW)
    assert trial.get_user("sune").failed_logins == 1
    assert events_of(trial, "sune", User.PasswordChanged) == []
    assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "at least 10 characters"),
        (" padded password ", "spaces"),
        (STAFF_PASSWORD, "differ from the current one"),
    ],
)
def test_a_new_password_must_meet_the_policy(trial: Trial, new: str, message: str) -> None:
    add_staff(trial)
    sune = trial.authenticate("sune", STAFF_PASSWORD)
    with pytest.raises(EdcError, match=message):
        trial.change_password(sune, STAFF_PASSWORD, new)
    assert events_of(trial, "sune", User.PasswordChanged) == []
    assert trial.authenticate("sune", STAFF_PASSWORD).user == "sune"


def test_an_administrator_sets_a_password_and_others_may_not(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    with pytest.raises(PermissionDenied):
        trial.set_password(actors["data_manager"], "sune", NEW)
    with pytest.raises(EdcError, match="at least 10"):
        trial.set_password(actors["admin"], "sune", "short")
    trial.set_password(actors["admin"], "sune", NEW)
    [reset] = events_of(trial, "sune", User.PasswordReset)
    assert reset.actor == actors["admin"].as_dict() and reset.one_time is True
    # The administrator's password serves only to choose a new one (issue 9).
    with pytest.raises(PasswordChangeRequired):
        trial.authenticate("sune", NEW)
    grant = trial.choose_password("sune", NEW, "sune's own passphrase")
    assert grant.actor.user == "sune"
    assert trial.authenticate("sune", "sune's own passphrase").user == "sune"


def test_re_entering_a_password_counts_failures_towards_lock_out(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    sune = trial.actor_for("sune")
    assert trial.confirm_password(sune, STAFF_PASSWORD).name == "sune"
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="password is wrong"):
            trial.confirm_password(sune, "not my password")
    with pytest.raises(AuthenticationFailed, match="locked"):
        trial.confirm_password(sune, STAFF_PASSWORD)
    refused = trial.list_refusals(actors["monitor"])
    assert [r["command"] for r in refused] == ["confirm_password"] * 6
    assert trial.get_user("sune").locked_out


def test_a_stranger_re_entering_a_password_is_refused(trial: Trial) -> None:
    ghost = Actor("ghost", "investigator", "RINGE")
    with pytest.raises(AuthenticationFailed, match="password is wrong"):
        trial.confirm_password(ghost, STAFF_PASSWORD)


def test_outside_the_test_suite_passwords_are_hashed_at_argon2s_full_cost() -> None:
    # The suite hashes its own throwaway accounts cheaply (tests/conftest.py); a process of
    # the application, as a server or a command is, never does.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from edc.passwords import hash_password; print(hash_password('a long passphrase'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert extract_parameters(done.stdout.strip()) == profiles.RFC_9106_LOW_MEMORY
