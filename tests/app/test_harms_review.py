"""Harms are handled by unblinded accounts: an unblinded investigator reports and signs an
adverse event, an unblinded monitor verifies it, a later change invalidates both, and blinded
accounts of every role are refused all of it alike and see no trace of it."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.actor import Actor
from domain.errors import PermissionDenied
from edc.application import SYSTEM, Trial
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


@pytest.fixture
def harms(trial: Trial, actors: dict[str, Actor]) -> tuple[UUID, Actor, Actor]:
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    pid, _arm = randomised(trial, actors["site_staff"])
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    return pid, investigator, monitor


def test_an_unblinded_investigator_signs_and_an_unblinded_monitor_verifies_an_adverse_event(
    trial: Trial, harms: tuple[UUID, Actor, Actor]
) -> None:
    pid, investigator, monitor = harms
    signed = trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    assert signed["form"] == "adverse_event" and signed["status"] == "valid"
    assert signed["participant_id"] == str(pid)
    verified = trial.verify_form(monitor, pid, "adverse_event")
    assert verified["verified"] and verified["verified_by"] == "ulla"
    form = trial.get_participant(investigator, pid)["forms"]["adverse_event"]
    assert form["signed"] is True and form["verified"] is True

    # A correction of the event invalidates the signature and clears the verification.
    trial.record_form(
        investigator,
        pid,
        "adverse_event",
        factories.adverse_event(AE_NO=1, AE_SEVERITY="severe"),
        expected_version=1,
        reason={"code": "late_source", "text": "hospital letter"},
    )
    form = trial.get_participant(investigator, pid)["forms"]["adverse_event"]
    assert form["signed"] is False and form["verified"] is False
    [signature] = [s for s in trial.signatures(investigator, pid) if s["form"] == "adverse_event"]
    assert signature["status"] == "invalidated"
    assert signature["invalidated_by"]["event"] == "ItemsCorrected"


def test_blinded_accounts_are_refused_alike_and_see_no_trace_of_the_review(
    trial: Trial, actors: dict[str, Actor], harms: tuple[UUID, Actor, Actor]
) -> None:
    pid, investigator, monitor = harms
    trial.sign(investigator, pid, PASSWORD, "approval", form="adverse_event")
    trial.verify_form(monitor, pid, "adverse_event")
    other = randomised(trial, actors["site_staff"])[0]  # no adverse event at all
    messages = set()
    for participant in (pid, other):
        with pytest.raises(PermissionDenied) as signing:
            trial.sign(actors["investigator"], participant, PASSWORD, "approval", "adverse_event")
        with pytest.raises(PermissionDenied) as verifying:
            trial.verify_form(actors["monitor"], participant, "adverse_event")
        messages |= {str(signing.value), str(verifying.value)}
    assert len(messages) == 1  # the same refusal with or without an adverse event
    for role in ("investigator", "monitor", "data_manager"):
        assert trial.signatures(actors[role], pid) == []
        assert "adverse_event" not in trial.get_participant(actors[role], pid)["forms"]
    trail = trial.participant_trail(actors["monitor"], pid)
    assert not [row for row in trail if "adverse" in str(row).lower()]
    assert not [row for row in trail if "Verified" in str(row) or "Signed" in str(row)]
