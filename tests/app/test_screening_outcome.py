"""Screening records its outcome (eligible for MRI, or the criteria failed) in the event, and a
correction that changes the outcome records the new one: CONSORT counts screen failures from
these events. Screened events stored before the outcome was part of them still replay."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.participant import Participant
from edc.application import Trial
from edc.exports import store_reader
from projections.exports.source import Cut
from projections.exports.view import View
from projections.reports.consort import consort_counts
from tests import factories

CORRECTION = {"code": "transcription_error", "text": "Age typed wrong"}


def screened_event(trial: Trial, pid: UUID) -> Participant.Screened:
    event = next(iter(trial.events.get(pid)))
    assert isinstance(event, Participant.Screened)
    return event


def own_rows(trial: Trial, reader: Actor, pid: UUID) -> list[dict[str, Any]]:
    return [row for row in trial.participant_trail(reader, pid) if row["aggregate_id"] == str(pid)]


def test_the_screened_event_carries_the_eligibility_outcome(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    too_old = UUID(trial.screen(staff, factories.screening(AGE=70))["id"])
    eligible = UUID(trial.screen(staff, factories.screening())["id"])
    assert (
        screened_event(trial, too_old).mri_eligible,
        screened_event(trial, too_old).failed_criteria,
    ) == (
        False,
        ["age_out_of_range"],
    )
    assert screened_event(trial, eligible).mri_eligible is True
    assert screened_event(trial, eligible).failed_criteria == []
    row = own_rows(trial, actors["monitor"], too_old)[0]
    assert row["details"]["mri_eligible"] is False
    assert row["details"]["failed_criteria"] == ["age_out_of_range"]


def test_a_correction_that_changes_the_outcome_records_it_and_consort_follows(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid = UUID(trial.screen(staff, factories.screening(AGE=70))["id"])
    excluded = consort_counts(Cut.of(store_reader(trial), View.BLINDED))["excluded"]
    assert excluded["not_meeting_criteria"]["screen_failure"] == 1
    trial.correct_form(
        staff, pid, "screening", factories.screening(), expected_version=1, reason=CORRECTION
    )
    trail = own_rows(trial, monitor, pid)
    assert [row["type"].rpartition(".")[2] for row in trail] == [
        "Screened",
        "FormCorrected",
        "MriEligibilityReassessed",
    ]
    assert trail[-1]["details"] == {"mri_eligible": True, "failed_criteria": []}
    assert trial.get_participant(monitor, pid)["mri_eligible"] is True
    counts = consort_counts(Cut.of(store_reader(trial), View.BLINDED))
    assert counts["excluded"]["not_meeting_criteria"]["screen_failure"] == 0
    assert counts["pending"] == 1
    # A correction that leaves the outcome as it was records no reassessment.
    trial.correct_form(
        staff,
        pid,
        "screening",
        factories.screening(AGE=46),
        expected_version=2,
        reason=CORRECTION,
    )
    assert trial.participant_trail(monitor, pid)[-1]["type"].endswith(".FormCorrected")


def test_a_screened_event_stored_without_the_outcome_replays_with_it(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = UUID(trial.screen(actors["site_staff"], factories.screening(AGE=17))["id"])
    mapper = trial.mapper
    stored = mapper.to_stored_event(screened_event(trial, pid))
    state = mapper.transcoder.decode(stored.state)
    # As written before the outcome was recorded: version 1, no outcome fields.
    for name in ("class_version", "mri_eligible", "failed_criteria"):
        state.pop(name, None)
    old = replace(stored, state=mapper.transcoder.encode(state))
    event = mapper.to_domain_event(old)
    assert isinstance(event, Participant.Screened)
    assert (event.mri_eligible, event.failed_criteria) == (False, ["age_out_of_range"])
    participant = event.mutate(None)
    assert participant is not None and not participant.mri_eligibility.eligible
