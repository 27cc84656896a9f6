"""Screening to randomisation through the use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actor import Actor
from domain.errors import FormInvalid, ProtocolOrderViolated, RandomisationRefused
from edc.application import Trial
from tests import factories
from tests.app.conftest import StepClock
from tests.app.journeys import randomised, ready_to_randomise, screened
from tests.stored import events_besides_refusals


def event_count(trial: Trial) -> int:
    # A refused command adds a record to the refusal log and nothing else.
    return events_besides_refusals(trial)


def test_site_staff_take_a_participant_from_screening_to_randomisation(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    # Screening: eligible for MRI, a screening number from the site's log.
    answer = trial.screen(staff, factories.screening())
    assert answer["screening_number"] == "RINGE-0001"
    assert answer["mri_eligible"] is True and answer["failed_criteria"] == []
    assert answer["version"] == 1
    pid = screened(trial, staff)
    assert trial.get_participant(staff, pid)["screening_number"] == "RINGE-0002"
    # MRI with Modic changes includes; consent and baseline make them ready.
    trial.record_mri(staff, pid, factories.mri())
    assert trial.get_participant(staff, pid)["status"] == "awaiting consent"
    trial.record_consent(staff, pid, factories.consent())
    baseline = trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    assert baseline["version"] == 1
    # CRF.md changed: LBP_MEAN3 is stored at full precision (pages show one decimal).
    assert baseline["derived"]["LBP_MEAN3"] == pytest.approx(19 / 3)
    assert trial.get_participant(staff, pid)["status"] == "ready to randomise"
    # Randomisation: an arm, a date and a randomisation number; the minimisation details a
    # monitor can re-check are stored with the allocation, not told to the person randomising.
    result = trial.randomise(staff, pid)
    assert result["arm"] in {"exercise", "rest"}
    assert result["randomisation_number"] == "R-001"
    allocation = trial.load_allocation()
    assert allocation is not None
    decision = allocation.decisions[pid]
    assert decision["levels"] == {
        "sex": "F",
        "age": "40-60",
        "smoking": "no",
        "physical_load": "light",
        "modic_type": "1 or 1/2",
    }
    assert set(decision["imbalance"]) == {"exercise", "rest"}
    view = trial.get_participant(staff, pid)
    assert view["status"] == "randomised"
    assert view["randomised_on"] == "2024-01-15"
    assert view["arm"] == result["arm"]


def test_blinded_roles_see_the_fact_of_randomisation_but_never_the_arm(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    adherence = {"EXERCISE_SESSIONS": 8} if arm == "exercise" else {"REST_HOURS_PER_DAY": 2.0}
    trial.record_form(staff, pid, "adherence", adherence, expected_version=0)
    for role in ("assessor", "investigator", "monitor", "data_manager", "analyst"):
        view = trial.get_participant(actors[role], pid)
        assert view["status"] == "randomised"
        assert "arm" not in view
        assert "adherence" not in view["forms"]
        assert arm not in repr(view)
    assert "adherence" in trial.get_participant(staff, pid)["forms"]


def test_a_screen_failure_has_each_failed_criterion_named_and_gets_no_mri(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    answer = trial.screen(staff, factories.screening(AGE=61, LBP_NOW_SCR=3))
    assert answer["mri_eligible"] is False
    assert len(answer["failed_criteria"]) == 2
    from uuid import UUID

    pid = UUID(answer["id"])
    with pytest.raises(ProtocolOrderViolated, match="not eligible for MRI"):
        trial.record_mri(staff, pid, factories.mri())
    assert trial.get_participant(staff, pid)["status"] == "screen failure"


def test_no_modic_changes_at_mri_excludes_and_refuses_consent(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_mri(staff, pid, {"MRI_DATE": "2024-01-12", "MODIC_PRESENT": "N"})
    assert trial.get_participant(staff, pid)["status"] == "excluded at MRI"
    with pytest.raises(ProtocolOrderViolated, match="Modic"):
        trial.record_consent(staff, pid, factories.consent())


@pytest.mark.parametrize("missing_step", ["consent", "baseline"])
def test_randomisation_needs_consent_and_a_complete_baseline(
    trial: Trial, actors: dict[str, Actor], missing_step: str
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_mri(staff, pid, factories.mri())
    if missing_step == "baseline":
        trial.record_consent(staff, pid, factories.consent())
    before = event_count(trial)
    with pytest.raises(RandomisationRefused, match=missing_step):
        trial.randomise(staff, pid)
    assert event_count(trial) == before


def test_a_participant_is_randomised_exactly_once(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid, arm = randomised(trial, staff)
    with pytest.raises(RandomisationRefused, match="already randomised"):
        trial.randomise(staff, pid)
    allocation = trial.load_allocation()
    assert allocation is not None and allocation.arms == {pid: arm}


def test_a_participant_who_ended_the_study_cannot_be_randomised(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.record_end_of_study(
        staff,
        pid,
        {"EOS_DATE": "2024-01-15", "EOS_STATUS": "withdrew consent", "EOS_REASON": "Moved away"},
    )
    with pytest.raises(RandomisationRefused, match="ended the study"):
        trial.randomise(staff, pid)


def test_follow_up_outcomes_are_refused_before_randomisation(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    pid = ready_to_randomise(trial, actors["site_staff"])
    with pytest.raises(ProtocolOrderViolated, match="before randomisation"):
        trial.record_form(
            actors["assessor"], pid, "week10", factories.outcomes("week10"), expected_version=0
        )


def test_an_out_of_window_visit_is_accepted_and_flagged_as_a_deviation(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    pid, _arm = randomised(trial, actors["site_staff"])
    clock.current = datetime(2024, 4, 21, 9, 0, tzinfo=UTC)
    # Randomised on 2024-01-15: day 70 is 2024-03-25, the window ends at day 84 (2024-04-08).
    late = trial.record_form(
        actors["assessor"],
        pid,
        "week10",
        factories.outcomes("week10", ASSESS_DATE="2024-04-20"),
        expected_version=0,
    )
    assert late["version"] == 1
    assert "day 96" in late["deviation"] and "late" in late["deviation"]
    assert "ASSESS_DATE" in late["warnings"]


def test_invalid_screening_is_refused_per_item_and_stores_nothing(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    before = event_count(trial)
    bad = factories.screening(AGE="forty", LBP_NOW_SCR=11, UNKNOWN=1)
    del bad["SEX"]
    with pytest.raises(FormInvalid) as refused:
        trial.screen(staff, bad)
    assert {"AGE", "LBP_NOW_SCR", "UNKNOWN", "SEX"} <= set(refused.value.fields)
    assert event_count(trial) == before
