"""The trail read as the protocol: each step a person takes is one event named for it.

Narrated in the manner of the cargo-shipping example: the story is told with the use cases,
and the participant's events must read, in order, as the protocol does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from edc.application import SYSTEM, Trial
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised

CORRECTION = {"code": "transcription_error", "text": "The radiologist re-read the scan"}
DEVIATION = {
    "kind": "assessment",
    "description": "RMDQ read aloud to the participant by the receptionist",
    "occurred_on": "2024-01-15",
}


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


def unblinded(trial: Trial, name: str, role: str, site: str | None) -> Actor:
    trial.add_user(
        SYSTEM, name, role, PASSWORD, site=site, blinded=False, blinding_reason="handles harms"
    )
    return trial.actor_for(name)


def trail_story(trial: Trial, reader: Actor, pid: UUID) -> list[str]:
    """The participant's trail by event name, with the arm-revealing record's events for an
    unblinded reader (the record's opening is bookkeeping, not a step of the protocol)."""
    return [
        name
        for name in (row["type"].rpartition(".")[2] for row in trial.participant_trail(reader, pid))
        if name not in {"Started", "NumberIssued", "Opened", "Allocated"}
    ]


def test_a_missed_visit_a_deviation_an_adverse_event_discontinuation_and_the_end_of_study(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff = actors["site_staff"]
    investigator = unblinded(trial, "uffe", "investigator", "RINGE")
    monitor = unblinded(trial, "ulla", "monitor", None)
    # A randomised participant
    pid, _arm = randomised(trial, staff)
    # reports an adverse event after a session,
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    # the site notes that an outcome questionnaire was read aloud to them (a deviation),
    trial.record_deviation(staff, pid, DEVIATION)
    # they stop the intervention,
    trial.record_form(
        staff, pid, "discontinuation", factories.discontinuation(), expected_version=0
    )
    # do not come to the week-10 visit,
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    trial.record_visit_missed(
        staff, pid, "week10", {"reason": "unreachable", "text": "No answer on three calls"}
    )
    # and end the study, withdrawing consent.
    trial.record_end_of_study(
        staff,
        pid,
        {
            "EOS_DATE": "2024-03-26",
            "EOS_STATUS": "withdrew consent",
            "EOS_REASON": "No longer wishes to take part",
        },
    )
    assert trail_story(trial, monitor, pid) == [
        "Screened",
        "ModicConfirmed",
        "Consented",
        "BaselineRecorded",
        "Randomised",
        "AdverseEventReported",
        "DeviationRecorded",
        "InterventionDiscontinued",
        "VisitMissed",
        "StudyEnded",
    ]
    words = [row["words"] for row in trial.participant_trail(monitor, pid)]
    for said in (
        "Adverse event reported",
        "Protocol deviation recorded",
        "Intervention discontinued",
        "Visit missed",
        "Study ended",
    ):
        assert said in words
    # A blinded monitor follows the same path without the arm-revealing steps.
    assert trail_story(trial, actors["monitor"], pid) == [
        "Screened",
        "ModicConfirmed",
        "Consented",
        "BaselineRecorded",
        "Randomised",
        "DeviationRecorded",
        "VisitMissed",
        "StudyEnded",
    ]
