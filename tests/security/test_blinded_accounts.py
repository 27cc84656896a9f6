"""A blinded account, whatever its role, is refused every use of an arm-revealing form before
anything reads the arm (issue 9 §1): the same refusal for every participant, whatever its arm,
whether the form was entered or not, and for a participant that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.errors import EdcError
from domain.protocol import ARM_REVEALING_FORMS
from edc.application import SYSTEM, Trial
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised
from tests.security.test_hidden_versions import adherence_for

ROLES = ("site_staff", "assessor", "investigator", "monitor", "data_manager", "analyst", "admin")

Attempt = Callable[[Trial, Actor, UUID, str], Any]

ATTEMPTS: dict[str, Attempt] = {
    "enter": lambda t, a, p, f: t.record_form(a, p, f, {}, expected_version=0),
    "enter draft": lambda t, a, p, f: t.record_form(
        a, p, f, {}, expected_version=None, complete=False
    ),
    "correct": lambda t, a, p, f: t.correct_form(
        a, p, f, {}, expected_version=1, reason={"code": "transcription_error", "text": "x"}
    ),
    "sign": lambda t, a, p, f: t.sign(a, p, PASSWORD, "approval", form=f),
    "lock": lambda t, a, p, f: t.lock_form(a, p, f),
    "unlock": lambda t, a, p, f: t.unlock_form(a, p, f, "reopened"),
    "verify": lambda t, a, p, f: t.verify_form(a, p, f),
    "query": lambda t, a, p, f: t.raise_query(a, p, f, "REST_HOURS_PER_DAY", "Please check"),
    "history": lambda t, a, p, f: t.item_history(a, p, f, "REST_HOURS_PER_DAY"),
}


def blinded_account(trial: Trial, role: str) -> Actor:
    name = f"blind_{role}"
    site = "RINGE" if role in {"site_staff", "assessor", "investigator"} else None
    trial.add_user(SYSTEM, name, role, PASSWORD, site=site, blinded=True)
    actor = trial.actor_for(name)
    assert actor.blinded
    return actor


def refusal(call: Callable[[], Any]) -> tuple[str, str]:
    try:
        call()
    except EdcError as error:
        return type(error).__name__, str(error)
    raise AssertionError("a blinded account was allowed to act on an arm-revealing form")


@pytest.fixture
def participants(trial: Trial, actors: dict[str, Actor]) -> list[UUID]:
    """Participants of both arms, one with adherence entered, and one that does not exist."""
    staff = actors["site_staff"]
    found: dict[str, UUID] = {}
    while len(found) < 2:
        pid, arm = randomised(trial, staff)
        if arm not in found:
            found[arm] = pid
            if len(found) == 1:
                trial.record_form(staff, pid, "adherence", adherence_for(arm), expected_version=0)
    return [*found.values(), uuid4()]


@pytest.mark.parametrize("role", ROLES)
def test_a_blinded_account_of_every_role_gets_one_refusal_for_every_participant(
    trial: Trial, participants: list[UUID], role: str
) -> None:
    actor = blinded_account(trial, role)
    for form in sorted(ARM_REVEALING_FORMS):
        for attempt, call in ATTEMPTS.items():
            answers = {refusal(partial(call, trial, actor, pid, form)) for pid in participants}
            assert len(answers) == 1, (role, form, attempt, answers)
            (kind, message), *_ = answers
            assert kind == "PermissionDenied", (role, form, attempt, message)
            assert "rest" not in message.lower() and "exercise" not in message.lower()


def test_blinded_site_staff_can_no_longer_write_adherence(
    trial: Trial, participants: list[UUID]
) -> None:
    actor = blinded_account(trial, "site_staff")
    pid = participants[1]
    kind, _ = refusal(
        lambda: trial.record_form(
            actor, pid, "adherence", {"EXERCISE_SESSIONS": 3}, expected_version=0
        )
    )
    assert kind == "PermissionDenied"
    assert trial.load_arm_revealing_record(pid) is None
