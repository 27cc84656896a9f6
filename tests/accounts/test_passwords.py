"""Passwords: changed by their holder with the old one, set by administrators, stored hashed."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import AuthenticationFailed, EdcError, PermissionDenied
from domain.user import User
from edc.application import Trial
from tests.accounts.helpers import STAFF_PASSWORD, add_staff, events_of, stored_bytes

NEW = "a brand new passphrase"


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
    assert reset.actor == actors["admin"].as_dict()
    assert trial.authenticate("sune", NEW).user == "sune"
