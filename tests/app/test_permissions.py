"""Permissions are enforced by the application, whatever the caller."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import EdcError, PermissionDenied
from edc.application import Trial
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised, ready_to_randomise


@pytest.mark.parametrize("role", ["assessor", "monitor", "data_manager", "analyst", "admin"])
def test_only_site_staff_and_investigators_screen(
    trial: Trial, actors: dict[str, Actor], role: str
) -> None:
    with pytest.raises(PermissionDenied):
        trial.screen(actors[role], factories.screening())
    assert trial.participant_ids() == []


@pytest.mark.parametrize("role", ["investigator", "assessor", "monitor", "data_manager"])
def test_blinded_roles_may_not_randomise(trial: Trial, actors: dict[str, Actor], role: str) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    with pytest.raises(PermissionDenied):
        trial.randomise(actors[role], pid)
    assert trial.load_allocation() is None


def test_outcomes_are_entered_only_by_assessors_and_adherence_only_by_site_staff(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid, _arm = randomised(trial, actors["site_staff"])
    with pytest.raises(PermissionDenied, match="Week 10"):
        trial.record_form(
            actors["site_staff"], pid, "week10", factories.outcomes("week10"), expected_version=0
        )
    with pytest.raises(PermissionDenied, match="Adherence"):
        trial.record_form(
            actors["assessor"], pid, "adherence", {"EXERCISE_SESSIONS": 3}, expected_version=0
        )


def test_site_roles_work_only_with_their_own_site(trial: Trial, actors: dict[str, Actor]) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    elsewhere = Actor(user="olga", role="site_staff", site="ODENSE", blinded=False)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.get_participant(elsewhere, pid)
    with pytest.raises(PermissionDenied, match="own site"):
        trial.randomise(elsewhere, pid)


def test_admins_manage_accounts_but_see_no_clinical_data(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    with pytest.raises(PermissionDenied):
        trial.get_participant(actors["admin"], pid)
    created = trial.add_user(actors["admin"], "nina", "assessor", PASSWORD, site="RINGE")
    assert (
        created
        | {
            "name": "nina",
            "role": "assessor",
            "site": "RINGE",
            "blinded": True,
            "active": True,
            "locked_out": False,
            "tokens": [],
        }
        == created
    )
    with pytest.raises(PermissionDenied):
        trial.add_user(actors["monitor"], "mads", "assessor", PASSWORD, site="RINGE")


@pytest.mark.parametrize(
    ("name", "role", "password", "site", "message"),
    [
        ("sara", "assessor", PASSWORD, "RINGE", "already exists"),
        ("newbie", "surgeon", PASSWORD, "RINGE", "Unknown role"),
        ("newbie", "assessor", "short", "RINGE", "at least"),
        ("newbie", "assessor", PASSWORD, None, "needs a site"),
        ("new bie", "monitor", PASSWORD, None, "letters, digits"),
    ],
)
def test_bad_account_requests_are_refused_clearly(
    trial: Trial,
    actors: dict[str, Actor],
    name: str,
    role: str,
    password: str,
    site: str | None,
    message: str,
) -> None:
    admin, _existing = actors["admin"], actors["site_staff"]
    before = len(trial.list_users())
    with pytest.raises(EdcError, match=message):
        trial.add_user(admin, name, role, password, site=site)
    assert len(trial.list_users()) == before
