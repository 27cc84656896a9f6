"""A follow-up visit recorded as missed, and protocol deviations recorded by the site.

Told as the protocol: a randomised participant does not come to the week-10 visit; site staff
record it as missed, so the week-10 form is missing by design (not overdue) in the visit and
missing-data reports and in CONSORT; the form is refused until the missed record is withdrawn
with a reason. Deviations are recorded with kind, description and date, seen by monitors; one
about the intervention reveals the arm and stays on the unblinded side.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.errors import (
    FormInvalid,
    PermissionDenied,
    ProtocolOrderViolated,
    ReasonRequired,
    StateConflict,
)
from edc.application import SYSTEM, Trial
from edc.exports import store_reader
from projections.exports.source import Cut
from projections.exports.view import View
from projections.reading import ReadModels
from projections.reports.consort import consort_counts
from projections.reports.missing import missing_report
from projections.reports.visits import visit_report
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import randomised, screened
from tests.projections.conftest import projections, read_models
from tests.stored import events_besides_refusals

__all__ = ["projections", "read_models"]

MISSED = {"reason": "unreachable", "text": "No answer on three calls"}
WITHDRAW = {"code": "late_source", "text": "The visit took place; the paper form came late"}
DEVIATION = {
    "kind": "assessment",
    "description": "RMDQ read aloud to the participant by the receptionist",
    "occurred_on": "2024-01-14",
}


def names(trial: Trial, reader: Actor, pid: UUID) -> list[str]:
    return [row["type"].rpartition(".")[2] for row in trial.participant_trail(reader, pid)]


def week10_due(trial: Trial, actors: dict[str, Actor], clock: StepClock) -> UUID:
    """A randomised participant on the first day of the week-10 window."""
    pid, _arm = randomised(trial, actors["site_staff"])
    clock.current = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)  # day 63 from 2024-01-15
    return pid


def test_a_missed_week10_visit_is_missing_by_design_and_its_form_waits_for_a_withdrawal(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff, assessor, monitor = actors["site_staff"], actors["assessor"], actors["monitor"]
    pid = week10_due(trial, actors, clock)
    # The participant does not come; site staff record the visit as missed,
    answer = trial.record_visit_missed(staff, pid, "week10", MISSED)
    assert answer["missed_visits"] == {"week10": {"code": "unreachable", "text": MISSED["text"]}}
    assert names(trial, monitor, pid)[-1] == "VisitMissed"
    view = trial.get_participant(monitor, pid)
    assert view["missed_visits"]["week10"]["code"] == "unreachable"
    # so the assessor cannot enter a week-10 form that contradicts it,
    week10 = factories.outcomes("week10", ASSESS_DATE="2024-03-18")
    with pytest.raises(ProtocolOrderViolated, match="recorded as missed"):
        trial.record_form(assessor, pid, "week10", week10, expected_version=0)
    # until the record is withdrawn, with a reason for change;
    with pytest.raises(ReasonRequired):
        trial.withdraw_missed_visit(staff, pid, "week10", None)
    trial.withdraw_missed_visit(staff, pid, "week10", WITHDRAW)
    trial.record_form(assessor, pid, "week10", week10, expected_version=0)
    assert names(trial, monitor, pid)[-2:] == ["MissedVisitWithdrawn", "OutcomeRecorded"]
    # a visit with its form entered cannot be recorded as missed.
    with pytest.raises(StateConflict, match="is entered"):
        trial.record_visit_missed(staff, pid, "week10", MISSED)


def test_a_missed_visit_needs_randomisation_a_follow_up_visit_and_a_known_reason(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    before = screened(trial, staff)
    with pytest.raises(ProtocolOrderViolated, match="before randomisation"):
        trial.record_visit_missed(staff, before, "week10", MISSED)
    pid = week10_due(trial, actors, clock)
    stored = events_besides_refusals(trial)
    with pytest.raises(FormInvalid) as baseline:
        trial.record_visit_missed(staff, pid, "baseline", MISSED)
    assert "follow-up visit" in baseline.value.fields["visit"]
    with pytest.raises(FormInvalid) as unknown:
        trial.record_visit_missed(staff, pid, "week10", {"reason": "forgot"})
    assert "unreachable" in unknown.value.fields["reason"]
    with pytest.raises(FormInvalid) as other:
        trial.record_visit_missed(staff, pid, "week10", {"reason": "other", "text": "  "})
    assert other.value.fields["text"].startswith("Required")
    with pytest.raises(PermissionDenied):
        trial.record_visit_missed(monitor, pid, "week10", MISSED)
    assert events_besides_refusals(trial) == stored
    trial.record_visit_missed(staff, pid, "week10", MISSED)
    with pytest.raises(StateConflict, match="already recorded"):
        trial.record_visit_missed(staff, pid, "week10", MISSED)


def test_reports_and_consort_count_a_recorded_missed_visit_as_missed_not_overdue(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
    read_models: ReadModels,
) -> None:
    staff = actors["site_staff"]
    waiting = randomised(trial, staff)[0]
    missed = week10_due(trial, actors, clock)
    clock.current = datetime(2024, 3, 28, 9, 0, tzinfo=UTC)  # past the target day of both
    trial.record_visit_missed(staff, missed, "week10", MISSED)
    projections.catch_up()
    today = date(2024, 3, 28)
    status = {
        v["participant_id"]: v["status"]
        for v in read_models.visits("blinded", today)
        if v["visit"] == "week10"
    }
    assert status == {str(missed): "recorded as missed", str(waiting): "overdue"}
    # On a day before it was recorded, the visit's status is the calendar's.
    earlier = {
        v["participant_id"]: v["status"]
        for v in read_models.visits("blinded", date(2024, 3, 20))
        if v["visit"] == "week10"
    }
    assert earlier == {str(missed): "due", str(waiting): "due"}
    cut = Cut.of(store_reader(trial), View.BLINDED)
    lines = {(line.participant_id, line.visit): line for line in visit_report(cut)}
    assert lines[(str(missed), "week10")].status == "recorded as missed"
    assert lines[(str(missed), "week10")].missed_reason == (
        "Participant could not be reached: No answer on three calls"
    )
    assert lines[(str(waiting), "week10")].status == "overdue"
    by_item = {(line.form, line.item): line for line in missing_report(cut)}
    assert by_item[("week10", "LBP_NOW")].missed_by_design == 1
    assert by_item[("week10", "LBP_NOW")].forms_entered == 0
    # While the window is still open, CONSORT counts the recorded miss as missed.
    counts = consort_counts(cut)
    assert counts["follow_up"]["week10"]["not_assessed"]["by_reason"] == {
        "visit missed": 1,
        "visit window still open at the cut-off": 1,
    }


def test_a_deviation_is_recorded_with_kind_description_and_date_and_monitors_see_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = screened(trial, staff)
    answer = trial.record_deviation(staff, pid, DEVIATION)
    assert answer == DEVIATION
    assert names(trial, monitor, pid)[-1] == "DeviationRecorded"
    (shown,) = trial.get_participant(monitor, pid)["deviations_recorded"]
    assert (shown["kind"], shown["description"], shown["occurred_on"]) == (
        "assessment",
        DEVIATION["description"],
        "2024-01-14",
    )
    assert shown["user"] == "sara" and not shown["arm_revealing"]
    row = trial.participant_trail(monitor, pid)[-1]
    assert row["words"] == "Protocol deviation recorded"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "late"}, "kind", "Unknown kind"),
        ({"description": ""}, "description", "Required"),
        ({"occurred_on": "2099-01-01"}, "occurred_on", "future"),
        ({"occurred_on": "2024-01-01"}, "occurred_on", "before the participant's screening"),
        ({"occurred_on": "14/01/2024"}, "occurred_on", "YYYY-MM-DD"),
        ({"description": "x\u202ey"}, "description", "bidirectional"),
    ],
)
def test_a_bad_deviation_is_refused_with_a_message_and_stores_nothing(
    trial: Trial, actors: dict[str, Actor], change: dict[str, Any], field: str, message: str
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    stored = events_besides_refusals(trial)
    with pytest.raises(FormInvalid) as refused:
        trial.record_deviation(staff, pid, {**DEVIATION, **change})
    assert message in refused.value.fields[field]
    assert events_besides_refusals(trial) == stored


def test_an_intervention_deviation_reveals_the_arm_and_stays_on_the_unblinded_side(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = week10_due(trial, actors, clock)
    version = trial.load_participant(pid).version
    blinded_trail = trial.participant_trail(monitor, pid)
    deviation = {**DEVIATION, "kind": "intervention", "description": "Belt not handed out"}
    trial.record_deviation(staff, pid, deviation)
    # No participant version counts it, and blinded readers see nothing of it,
    assert trial.load_participant(pid).version == version
    assert trial.participant_trail(monitor, pid) == blinded_trail
    assert trial.get_participant(monitor, pid)["deviations_recorded"] == []
    # while unblinded staff do.
    (shown,) = trial.get_participant(staff, pid)["deviations_recorded"]
    assert shown["arm_revealing"] and shown["description"] == "Belt not handed out"


def test_a_blinded_account_is_refused_an_intervention_deviation_alike_for_everyone(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid = week10_due(trial, actors, clock)
    trial.add_user(SYSTEM, "blind-sam", "site_staff", PASSWORD, site="RINGE", blinded=True)
    blinded_staff = trial.actor_for("blind-sam")
    deviation = {**DEVIATION, "kind": "intervention"}
    stored = events_besides_refusals(trial)
    messages = set()
    for target in (pid, UUID(int=0)):  # a participant, and none at all
        with pytest.raises(PermissionDenied) as refused:
            trial.record_deviation(blinded_staff, target, deviation)
        messages.add(refused.value.message)
    assert len(messages) == 1 and "reveals the arm" in messages.pop()
    assert events_besides_refusals(trial) == stored
    # A deviation of another kind is theirs to record.
    trial.record_deviation(blinded_staff, pid, DEVIATION)
