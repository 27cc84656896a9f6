"""The trail read as the protocol: each step a person takes is one event named for it.

Narrated in the manner of the cargo-shipping example: the story is told with the use cases,
and the participant's events must read, in order, as the protocol does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from tests import factories
from tests.app.conftest import StepClock

CORRECTION = {"code": "transcription_error", "text": "The radiologist re-read the scan"}


def story_of(trial: Trial, reader: Actor, pid: UUID) -> list[str]:
    """The participant's own events, by name, as a monitor's trail shows them."""
    return [
        row["type"].rpartition(".")[2]
        for row in trial.participant_trail(reader, pid)
        if row["aggregate_id"] == str(pid)
    ]


def week10(**overrides: Any) -> dict[str, Any]:
    return factories.outcomes("week10", ASSESS_DATE="2024-03-25", **overrides)


def test_screened_modic_confirmed_consented_baseline_randomised_week10_outcome(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff, assessor, monitor = actors["site_staff"], actors["assessor"], actors["monitor"]
    # A person is screened,
    pid = UUID(trial.screen(staff, factories.screening())["id"])
    # the MRI confirms Modic changes,
    trial.record_mri(staff, pid, factories.mri())
    # they consent,
    trial.record_consent(staff, pid, factories.consent())
    # baseline is recorded,
    trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    # they are randomised,
    trial.randomise(staff, pid)
    # and ten weeks later the week-10 outcome is recorded.
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    trial.record_form(assessor, pid, "week10", week10(), expected_version=0)
    assert story_of(trial, monitor, pid) == [
        "Screened",
        "ModicConfirmed",
        "Consented",
        "BaselineRecorded",
        "Randomised",
        "OutcomeRecorded",
    ]
    words = [row["words"] for row in trial.participant_trail(monitor, pid)]
    assert "MRI confirmed Modic changes" in words and "Follow-up outcome recorded" in words


def test_an_mri_without_modic_changes_excludes_the_person(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = UUID(trial.screen(staff, factories.screening())["id"])
    trial.record_mri(
        staff,
        pid,
        factories.mri(MODIC_PRESENT="N", MODIC_TYPE=None, MODIC_LEVELS=None, MODIC_LARGE=None),
    )
    assert story_of(trial, actors["monitor"], pid) == ["Screened", "ExcludedAtMri"]


def test_an_mri_re_read_after_modic_confirmed_is_a_named_event_not_a_silent_change(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = UUID(trial.screen(staff, factories.screening())["id"])
    trial.record_mri(staff, pid, factories.mri())
    re_read = factories.mri(MODIC_PRESENT="N", MODIC_TYPE=None, MODIC_LEVELS=None, MODIC_LARGE=None)
    trial.correct_form(staff, pid, "mri", re_read, expected_version=1, reason=CORRECTION)
    trail = trial.participant_trail(actors["monitor"], pid)
    assert [row["type"] for row in trail if row["aggregate_id"] == str(pid)] == [
        "Participant.Screened",
        "Participant.ModicConfirmed",
        "Participant.ModicConfirmationWithdrawn",
    ]
    withdrawn = trail[-1]
    assert withdrawn["reason"] == CORRECTION
    assert {"item": "MODIC_PRESENT", "old": "Y", "new": "N"}.items() <= {
        **next(c for c in withdrawn["changes"] if c["item"] == "MODIC_PRESENT")
    }.items()
    assert trial.get_participant(staff, pid)["status"] == "excluded at MRI"


def test_a_weekly_report_is_received(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff = actors["site_staff"]
    pid = UUID(trial.screen(staff, factories.screening())["id"])
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    trial.randomise(staff, pid)
    weekly = {"WEEK": 1, "LBP_DAYS": 3, "SICK_LEAVE_DAYS": 0}
    trial.record_form(staff, pid, "weekly", weekly, expected_version=None)
    assert story_of(trial, actors["monitor"], pid)[-1] == "WeeklyReportReceived"
