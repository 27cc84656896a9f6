"""Emergency unblinding: an investigator learns one participant's arm, with a reason; data
managers see that it happened (not the arm); no blinded path shows it; nobody else is revealed."""

from __future__ import annotations

import json

import pytest

from domain.actor import Actor
from domain.allocation import ALLOCATION_ID
from domain.blinding import is_blinded_safe
from domain.errors import PermissionDenied, ProtocolOrderViolated, ReasonRequired
from edc.application import Trial
from tests.app.journeys import randomised, ready_to_randomise
from tests.review.helpers import clinical_topics_after, events_of, position, topics_after

REASON = "Severe allergic reaction; the ER needs to know the treatment"


def test_an_investigator_learns_the_arm_and_the_event_is_arm_revealing(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, arm = randomised(trial, staff)
    before = position(trial)
    assert trial.unblind(investigator, pid, REASON) == {"arm": arm}
    stored = topics_after(trial, before)
    # Split like randomisation (issue 9): the arm apart, the fact blinded-safe.
    assert [t.rsplit(".", 1)[-1] for t in stored] == ["ArmRevealed", "EmergencyUnblinded"]
    assert [is_blinded_safe(topic) for topic in stored] == [False, True]
    fact = events_of(trial, pid)[-1]
    assert (fact.reason, fact.actor["user"]) == (REASON, "ivan")
    assert arm not in json.dumps(fact.__dict__, default=str).replace(REASON, "")
    revealed = events_of(trial, ALLOCATION_ID)[-1]
    assert (revealed.participant_id, revealed.reason) == (pid, REASON)
    assert revealed.actor == {"user": "ivan", "role": "investigator", "site": "RINGE"}


def test_data_managers_see_who_when_why_and_for_whom_but_not_the_arm(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator, manager = (
        actors["site_staff"],
        actors["investigator"],
        actors["data_manager"],
    )
    pid, arm = randomised(trial, staff)
    trial.unblind(investigator, pid, REASON)
    [row] = trial.list_unblindings(manager)
    participant = trial.load_participant(pid)
    assert row["participant_id"] == str(pid)
    assert row["screening_number"] == participant.screening_number
    assert (row["user"], row["role"], row["reason"]) == ("ivan", "investigator", REASON)
    assert row["at"].endswith("+00:00")
    assert "arm" not in row
    assert arm not in json.dumps(row).replace(REASON, "")


def test_blinded_views_of_the_participant_do_not_change_when_the_blind_is_broken(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, _arm = randomised(trial, staff)
    blinded = [actors[role] for role in ("investigator", "monitor", "data_manager", "assessor")]
    views_before = [trial.get_participant(actor, pid) for actor in blinded]
    lists_before = [trial.list_participants(actor) for actor in blinded]
    trial.unblind(investigator, pid, REASON)
    assert [trial.get_participant(actor, pid) for actor in blinded] == views_before
    assert [trial.list_participants(actor) for actor in blinded] == lists_before
    for view in views_before:
        assert "arm" not in view and "adherence" not in view["forms"]


def test_unblinding_reveals_nothing_about_any_other_participant(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, _arm = randomised(trial, staff)
    other, _other_arm = randomised(trial, staff)
    answer = trial.unblind(investigator, pid, REASON)
    assert set(answer) == {"arm"}
    revealed = events_of(trial, ALLOCATION_ID)[-1]
    assert str(other) not in json.dumps(revealed.__dict__, default=str)
    assert [row["participant_id"] for row in trial.list_unblindings(actors["data_manager"])] == [
        str(pid)
    ]


def test_unblinding_needs_a_randomised_participant_a_reason_and_an_investigator(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid, _arm = randomised(trial, staff)
    waiting = ready_to_randomise(trial, staff)
    roles = ("site_staff", "assessor", "monitor", "data_manager", "analyst", "admin")
    others = {role: actors[role] for role in roles}
    before = position(trial)
    with pytest.raises(ProtocolOrderViolated, match="not randomised"):
        trial.unblind(investigator, waiting, REASON)
    for blank in ("", "   "):
        with pytest.raises(ReasonRequired):
            trial.unblind(investigator, pid, blank)
    for other in others.values():
        with pytest.raises(PermissionDenied):
            trial.unblind(other, pid, REASON)
    elsewhere = Actor(user="olaf", role="investigator", site="ODENSE")
    with pytest.raises(PermissionDenied, match="own site"):
        trial.unblind(elsewhere, pid, REASON)
    assert clinical_topics_after(trial, before) == []
    for role in ("site_staff", "investigator", "assessor", "analyst", "admin"):
        with pytest.raises(PermissionDenied):
            trial.list_unblindings(actors[role])
