"""Roles, blinding and printed names are changed by administrators, each as an event."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import EdcError, PermissionDenied
from domain.user import User
from edc.application import Trial
from tests.accounts.helpers import STAFF_PASSWORD, add_staff, events_of


def test_a_role_change_is_one_event_with_old_and_new_role_and_the_actor(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    admin = actors["admin"]
    view = trial.change_role(admin, "sune", "investigator", "RINGE")
    assert view["role"] == "investigator" and view["site"] == "RINGE"
    [changed] = events_of(trial, "sune", User.RoleChanged)
    assert (changed.old_role, changed.old_site) == ("site_staff", "RINGE")
    assert (changed.new_role, changed.new_site) == ("investigator", "RINGE")
    assert changed.actor == admin.as_dict()
    # Investigators are blinded by default, so the change blinds Sune in the same step.
    [blinding] = events_of(trial, "sune", User.BlindingChanged)
    assert blinding.blinded is True and blinding.actor == admin.as_dict()
    assert trial.authenticate("sune", STAFF_PASSWORD) == Actor(
        "sune", "investigator", "RINGE", blinded=True
    )


def test_a_role_change_is_checked(trial: Trial, actors: dict[str, Actor]) -> None:
    add_staff(trial)
    admin = actors["admin"]
    with pytest.raises(EdcError, match="needs a site"):
        trial.change_role(admin, "sune", "assessor")
    with pytest.raises(EdcError, match="Unknown role"):
        trial.change_role(admin, "sune", "surgeon", "RINGE")
    with pytest.raises(EdcError, match="already has that role"):
        trial.change_role(admin, "sune", "site_staff", "RINGE")
    with pytest.raises(PermissionDenied):
        trial.grant_role(actors["data_manager"], "sune", "monitor")
    assert events_of(trial, "sune", User.RoleChanged) == []
    # A trial-wide role has no site.
    assert trial.grant_role(admin, "sune", "monitor", "RINGE")["site"] is None


def test_the_blinded_flag_is_an_audited_setting_that_actors_carry(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    admin = actors["admin"]
    trial.add_user(admin, "alma", "analyst", "an analyst password")
    assert trial.actor_for("alma").blinded is True
    # After database lock the analyst may be unblinded, with a recorded reason.
    with pytest.raises(EdcError, match="reason"):
        trial.set_blinded(admin, "alma", False)
    trial.set_blinded(admin, "alma", False, "database locked and released")
    grant = trial.choose_password("alma", "an analyst password", "alma's own passphrase")
    assert grant.actor.blinded is False
    [changed] = events_of(trial, "alma", User.BlindingChanged)
    assert changed.blinded is False and changed.actor == admin.as_dict()
    assert changed.reason == "database locked and released"
    with pytest.raises(EdcError, match="already unblinded"):
        trial.set_blinded(admin, "alma", False, "again")
    with pytest.raises(PermissionDenied):
        trial.set_blinded(actors["monitor"], "alma", True)


def test_the_printed_name_for_signatures_is_kept_with_the_account(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    admin = actors["admin"]
    created = trial.add_user(
        admin,
        "iben",
        "investigator",
        "an investigator password",
        site="RINGE",
        full_name="Iben Holm",
    )
    assert created["full_name"] == "Iben Holm"
    trial.set_full_name(admin, "iben", "Iben Holm Nielsen")
    names = [e.full_name for e in events_of(trial, "iben", User.FullNameChanged)]
    assert names == ["Iben Holm", "Iben Holm Nielsen"]
    with pytest.raises(EdcError, match="full name"):
        trial.set_full_name(admin, "iben", " ")


def test_people_see_their_own_account_and_only_administrators_see_others(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    add_staff(trial)
    sune = trial.actor_for("sune")
    assert trial.show_user(sune, "sune")["name"] == "sune"
    with pytest.raises(PermissionDenied):
        trial.show_user(sune, actors["monitor"].user)
    assert trial.show_user(actors["admin"], "sune")["role"] == "site_staff"


def test_only_administrators_list_accounts(trial: Trial, actors: dict[str, Actor]) -> None:
    add_staff(trial)
    names = [u["name"] for u in trial.list_accounts(actors["admin"])]
    assert names == ["adam", "sune"]
    with pytest.raises(PermissionDenied):
        trial.list_accounts(actors["monitor"])
    [refused] = trial.list_refusals(actors["monitor"])
    assert refused["command"] == "list_accounts" and refused["user"] == "mona"
