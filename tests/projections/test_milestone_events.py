"""The read models over the milestone events: built bit by bit while a participant's path
unfolds, they equal a rebuild, and applied page by page (each page offered twice) every
milestone event is applied exactly once.

The path covers every milestone the trial names: screened, excluded at MRI, MRI confirmed and
withdrawn on correction, consent, baseline, randomisation, weekly reports, adherence, an
adverse event, discontinuation, deviations of both kinds, a missed visit and its withdrawal,
a follow-up outcome and the end of study.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from domain.actor import Actor
from edc.application import SYSTEM, Trial
from edc.config import Settings
from edc.usecases.reads import Reads
from projections.db import ViewDatabase
from projections.service import Projections
from projections.tracking import TrackingConflict
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised, screened
from tests.projections.tables import dumps

NO_MODIC = {"MODIC_PRESENT": "N", "MODIC_TYPE": None, "MODIC_LEVELS": None, "MODIC_LARGE": None}
DEVIATION = {
    "kind": "assessment",
    "description": "RMDQ read aloud to the participant",
    "occurred_on": "2024-01-15",
}
MILESTONES = {
    "Participant.Screened",
    "Participant.ExcludedAtMri",
    "Participant.ModicConfirmed",
    "Participant.ModicConfirmationWithdrawn",
    "Participant.Consented",
    "Participant.BaselineRecorded",
    "Participant.Randomised",
    "Participant.WeeklyReportReceived",
    "Participant.DeviationRecorded",
    "Participant.VisitMissed",
    "Participant.MissedVisitWithdrawn",
    "Participant.OutcomeRecorded",
    "Participant.StudyEnded",
    "ArmRevealingRecord.AdherenceRecorded",
    "ArmRevealingRecord.AdverseEventReported",
    "ArmRevealingRecord.InterventionDiscontinued",
    "ArmRevealingRecord.DeviationRecorded",
}


def _path(
    trial: Trial, actors: dict[str, Actor], clock: StepClock, projections: Projections
) -> UUID:
    staff, assessor = actors["site_staff"], actors["assessor"]
    trial.add_user(
        SYSTEM, "uffe", "investigator", PASSWORD, site="RINGE", blinded=False, blinding_reason="AE"
    )
    investigator = trial.actor_for("uffe")
    excluded = screened(trial, staff)
    trial.record_mri(staff, excluded, factories.mri(**NO_MODIC))
    re_read = screened(trial, staff)
    trial.record_mri(staff, re_read, factories.mri())
    projections.catch_up()
    trial.correct_form(
        staff,
        re_read,
        "mri",
        factories.mri(**NO_MODIC),
        expected_version=1,
        reason={"code": "transcription_error", "text": "The radiologist re-read the scan"},
    )
    pid, arm = randomised(trial, staff)
    projections.catch_up()
    trial.record_form(
        staff, pid, "weekly", {"WEEK": 1, "LBP_DAYS": 3, "SICK_LEAVE_DAYS": 0}, expected_version=0
    )
    adherence = {"EXERCISE_SESSIONS": 8} if arm == "exercise" else {"REST_HOURS_PER_DAY": 2.0}
    trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
    trial.record_form(
        investigator, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    projections.catch_up()
    trial.record_deviation(staff, pid, DEVIATION)
    trial.record_deviation(staff, pid, {**DEVIATION, "kind": "intervention"})
    trial.record_form(
        staff, pid, "discontinuation", factories.discontinuation(), expected_version=0
    )
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    trial.record_visit_missed(staff, pid, "week10", {"reason": "unreachable", "text": ""})
    projections.catch_up()
    trial.withdraw_missed_visit(
        staff, pid, "week10", {"code": "late_source", "text": "The visit took place after all"}
    )
    trial.record_form(
        assessor,
        pid,
        "week10",
        factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
        expected_version=0,
    )
    trial.record_end_of_study(
        staff,
        pid,
        {"EOS_DATE": "2024-03-26", "EOS_STATUS": "lost to follow-up", "EOS_REASON": "No calls"},
    )
    return pid


def _stored_types(trial: Trial) -> set[str]:
    return {
        n.topic.rpartition(":")[2]
        for n in trial.recorder.select_notifications(start=1, limit=10**6)
    }


def _another_view_db(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> ViewDatabase:
    if settings.database_url is None:
        return ViewDatabase.sqlite(tmp_path / "other-readmodels.sqlite")
    server = request.getfixturevalue("postgres_server")
    return ViewDatabase.postgres(server.create_database(server.unique_name("views")))


def test_read_models_built_along_the_path_equal_a_rebuild(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
) -> None:
    pid = _path(trial, actors, clock, projections)
    assert MILESTONES - _stored_types(trial) == set()
    projections.catch_up()
    built = dumps(projections.db)
    projections.rebuild()
    assert dumps(projections.db) == built
    listed, _ = Reads(trial, projections).participants(actors["assessor"], None)
    assert {row["id"]: row["status"] for row in listed}[str(pid)] == "ended: lost to follow-up"


def test_each_milestone_event_is_applied_exactly_once_page_by_page(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    settings: Settings,
    projections: Projections,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    _path(trial, actors, clock, projections)
    projections.catch_up()
    db = _another_view_db(settings, tmp_path, request)
    try:
        stepwise = Projections(db, trial, page_size=1)
        stepwise.ensure_schema()
        for runner in stepwise.runners.values():
            head = runner.head()
            while (before := runner.tracking()).position < head:
                events, reached = runner.read_page(before.position, head)
                after = runner.apply_page(before, events, reached)
                assert after.position == reached > before.position
                # The same page offered again is refused and writes nothing.
                with pytest.raises(TrackingConflict):
                    runner.apply_page(before, events, reached)
                assert runner.tracking() == after
        assert dumps(db) == dumps(projections.db)
    finally:
        db.close()
