"""Locks: a locked form or participant refuses changes until unlocked with a reason; the
database lock freezes everything except emergency unblinding."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import EdcError, Locked, ReasonRequired
from edc.application import Trial
from tests import factories
from tests.app.conftest import PASSWORD
from tests.app.journeys import randomised, ready_to_randomise, screened
from tests.review.helpers import CORRECTION, clinical_topics_after, events_of, position


def test_a_locked_form_refuses_changes_naming_the_form_and_who_locked_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager = actors["site_staff"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    locked = trial.lock_form(manager, pid, "baseline")
    assert locked["locked"] is True and locked["locked_by"] == "dana"
    assert trial.get_participant(staff, pid)["forms"]["baseline"]["locked"] is True

    before = position(trial)
    with pytest.raises(Locked) as refused:
        trial.correct_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=7),
            expected_version=1,
            reason=CORRECTION,
        )
    assert "Baseline form" in refused.value.message
    assert "dana (data_manager)" in refused.value.message
    assert "unlock" in refused.value.message
    assert clinical_topics_after(trial, before) == []
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 6

    # Other forms of the same participant stay open.
    trial.correct_form(
        staff,
        pid,
        "consent",
        factories.consent(CONSENT_VERSION="2.2"),
        expected_version=1,
        reason=CORRECTION,
    )


def test_unlocking_needs_a_reason_and_then_the_form_takes_changes_again(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager = actors["site_staff"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    trial.lock_form(manager, pid, "baseline")
    for missing in ("", "   ", None):
        with pytest.raises(ReasonRequired):
            trial.unlock_form(manager, pid, "baseline", missing)  # type: ignore[arg-type]
    assert trial.get_participant(staff, pid)["forms"]["baseline"]["locked"] is True

    unlocked = trial.unlock_form(manager, pid, "baseline", "Query 12 needs a correction")
    assert unlocked["locked"] is False
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=CORRECTION
    )
    unlock_event = next(e for e in events_of(trial, pid) if type(e).__name__ == "FormUnlocked")
    assert unlock_event.reason == "Query 12 needs a correction"
    assert unlock_event.actor["user"] == "dana"
    with pytest.raises(EdcError, match="not locked"):
        trial.unlock_form(manager, pid, "baseline", "again")


def test_locking_twice_is_refused(trial: Trial, actors: dict[str, Actor]) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    trial.lock_form(actors["data_manager"], pid, "mri")
    with pytest.raises(EdcError, match="already locked by dana"):
        trial.lock_form(actors["data_manager"], pid, "mri")


def test_a_locked_participant_refuses_every_form_and_randomisation(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager = actors["site_staff"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    trial.lock_participant(manager, pid)
    assert trial.get_participant(staff, pid)["locked"] is True
    before = position(trial)
    with pytest.raises(Locked, match="Participant RINGE-"):
        trial.correct_form(
            staff,
            pid,
            "consent",
            factories.consent(CONSENT_VERSION="2.2"),
            expected_version=1,
            reason=CORRECTION,
        )
    with pytest.raises(Locked, match="locked by dana"):
        trial.randomise(staff, pid)
    assert clinical_topics_after(trial, before) == []
    assert trial.load_allocation() is None

    with pytest.raises(ReasonRequired):
        trial.unlock_participant(manager, pid, "")
    trial.unlock_participant(manager, pid, "Locked by mistake")
    assert trial.randomise(staff, pid)["arm"] in {"exercise", "rest"}


def test_the_database_lock_freezes_everything_but_emergency_unblinding(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager, monitor = actors["site_staff"], actors["data_manager"], actors["monitor"]
    investigator = actors["investigator"]
    randomised_id, _arm = randomised(trial, staff)
    ready_id = ready_to_randomise(trial, staff)
    query = trial.raise_query(monitor, ready_id, "baseline", "LBP_NOW", "Please check.")
    assert trial.database_locked() is False

    status = trial.lock_database(manager, PASSWORD, factories.LOCK_OVERRIDES)
    assert status["locked"] is True and status["locked_by"] == "dana"
    assert trial.database_locked() is True
    before = position(trial)
    refused_commands = {
        "screen": lambda: trial.screen(staff, factories.screening()),
        "correct": lambda: trial.correct_form(
            staff,
            ready_id,
            "baseline",
            factories.outcomes(LBP_NOW=7),
            expected_version=1,
            reason=CORRECTION,
        ),
        "randomise": lambda: trial.randomise(staff, ready_id),
        "raise query": lambda: trial.raise_query(monitor, ready_id, "mri", "MODIC_TYPE", "?"),
        "answer": lambda: trial.answer_query(staff, query["id"], "Checked", {"LBP_NOW": 7}),
        "close": lambda: trial.close_query(monitor, query["id"]),
        "verify": lambda: trial.verify_form(monitor, ready_id, "baseline"),
        "sign": lambda: trial.sign(investigator, ready_id, PASSWORD, "approval"),
        "lock form": lambda: trial.lock_form(manager, ready_id, "baseline"),
    }
    for name, command in refused_commands.items():
        with pytest.raises(Locked, match="database is locked by dana") as refused:
            command()
        assert "unlocks it with a reason" in refused.value.message, name
    assert clinical_topics_after(trial, before) == []

    # Emergency code-breaking must never wait for anyone.
    assert "arm" in trial.unblind(investigator, randomised_id, "Anaphylaxis in the ER")

    with pytest.raises(ReasonRequired):
        trial.unlock_database(manager, " ")
    assert trial.unlock_database(manager, "Late source documents arrived")["locked"] is False
    trial.correct_form(
        staff,
        ready_id,
        "baseline",
        factories.outcomes(LBP_NOW=7),
        expected_version=1,
        reason=CORRECTION,
    )
    with pytest.raises(EdcError, match="not locked"):
        trial.unlock_database(manager, "again")


def test_a_form_may_be_locked_before_it_is_entered(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.lock_form(actors["data_manager"], pid, "mri")
    with pytest.raises(Locked, match="MRI form"):
        trial.record_mri(staff, pid, factories.mri())


def test_a_lock_says_who_when_and_why_for_the_forms_page(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, manager = actors["site_staff"], actors["data_manager"]
    pid = ready_to_randomise(trial, staff)
    assert trial.lock_of_form(staff, pid, "baseline") is None
    trial.lock_form(manager, pid, "baseline", "Monitored and clean")
    lock = trial.lock_of_form(staff, pid, "baseline")
    assert lock is not None
    assert (lock["scope"], lock["user"], lock["reason"]) == ("form", "dana", "Monitored and clean")
    # A lock without a reason (as the API and older locks have) says none.
    trial.lock_form(manager, pid, "consent")
    assert trial.lock_of_form(staff, pid, "consent")["reason"] is None  # type: ignore[index]
    with pytest.raises(ReasonRequired):
        trial.lock_form(manager, pid, "mri", "x" * 501)
    trial.lock_participant(manager, pid, "Casebook review")
    whole = trial.lock_of_form(staff, pid, "mri")
    assert whole is not None and (whole["scope"], whole["reason"]) == (
        "participant",
        "Casebook review",
    )
    with pytest.raises(Locked, match=r"locked by dana \(data_manager\) on .* CET \(Casebook"):
        trial.correct_form(
            staff, pid, "mri", factories.mri(MODIC_TYPE="2"), expected_version=1, reason=CORRECTION
        )
