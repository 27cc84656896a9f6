"""The corrected CRF through the application: drafts, missing codes, consent before MRI,
adverse events numbered in order, discontinuation, and the baseline's age at randomisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actor import Actor
from domain.errors import FormInvalid, PermissionDenied, RandomisationRefused
from edc.application import Trial
from tests import factories
from tests.app.conftest import StepClock
from tests.app.journeys import randomised, ready_to_randomise, screened


def test_a_baseline_with_skipped_questions_is_saved_complete_and_scored(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    items = factories.outcomes(RMDQ_05={"missing": "ANS"}, EQ5D_UA={"missing": "ND"})
    saved = trial.record_form(staff, pid, "baseline", items, expected_version=0)
    assert saved["complete"] is True and saved["missing"] == []
    assert saved["items"]["RMDQ_05_NC"] == "ANS" and saved["items"]["RMDQ_05"] is None
    assert saved["derived"]["RMDQ_SCORE"] == 0 and saved["derived"]["EQ5D_INDEX_DK"] is None
    assert trial.randomise(staff, pid)["arm"] in ("exercise", "rest")


def test_a_draft_lists_what_is_missing_and_blocks_randomisation_until_complete(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    items = factories.outcomes()
    del items["BOTHER"], items["RMDQ_23"]
    with pytest.raises(FormInvalid):
        trial.record_form(staff, pid, "baseline", items, expected_version=0)
    draft = trial.record_form(staff, pid, "baseline", items, expected_version=0, complete=False)
    assert draft["complete"] is False and draft["missing"] == ["RMDQ_23", "BOTHER"]
    view = trial.get_participant(staff, pid)["forms"]["baseline"]
    assert view["missing"] == ["RMDQ_23", "BOTHER"]
    with pytest.raises(RandomisationRefused, match="incomplete"):
        trial.randomise(staff, pid)
    done = trial.record_form(
        staff, pid, "baseline", {**items, "BOTHER": 2, "RMDQ_23": "N"}, expected_version=1
    )
    assert done["complete"] is True
    trial.randomise(staff, pid)


def test_consent_may_come_before_the_mri_but_randomisation_needs_both(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_consent(staff, pid, factories.consent(CONSENT_DATE="2024-01-11"))
    trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    with pytest.raises(RandomisationRefused, match="not included"):
        trial.randomise(staff, pid)
    trial.record_mri(staff, pid, factories.mri())
    trial.randomise(staff, pid)


def test_a_baseline_older_than_30_days_is_repeated_as_a_correction_first(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)  # baseline on 2024-01-14
    clock.current = datetime(2024, 2, 14, 9, 0, tzinfo=UTC)  # 31 days later
    with pytest.raises(RandomisationRefused, match="repeat the baseline"):
        trial.randomise(staff, pid)
    with pytest.raises(Exception, match="reason"):
        trial.record_form(
            staff, pid, "baseline", factories.outcomes(ASSESS_DATE="2024-02-14"), expected_version=1
        )
    trial.record_form(
        staff,
        pid,
        "baseline",
        factories.outcomes(ASSESS_DATE="2024-02-14"),
        expected_version=1,
        reason={"code": "late_source", "text": "Baseline repeated before randomisation"},
    )
    assert trial.randomise(staff, pid)["randomised_on"] == "2024-02-14"


def test_adverse_events_are_numbered_in_order_and_hidden_from_blinded_roles(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)
    first = trial.record_form(
        staff, pid, "adverse_event", factories.adverse_event(), expected_version=0
    )
    second = trial.record_form(
        staff,
        pid,
        "adverse_event",
        factories.adverse_event(
            AE_TERM="Fall", AE_SERIOUS="Y", AE_SAE_CRITERIA=["hospitalisation"]
        ),
        expected_version=1,
    )
    assert sorted(second["items"]) == ["1", "2"]
    assert first["items"]["1"]["AE_NO"] == 1 and second["items"]["2"]["AE_TERM"] == "Fall"
    unblinded = trial.get_participant(staff, pid)["forms"]
    assert set(unblinded["adverse_event"]["items"]) == {"1", "2"}
    blinded = trial.get_participant(actors["assessor"], pid)["forms"]
    assert "adverse_event" not in blinded and "discontinuation" not in blinded
    with pytest.raises(PermissionDenied):
        trial.record_form(
            actors["assessor"], pid, "adverse_event", factories.adverse_event(), expected_version=2
        )


def test_discontinuation_is_once_after_randomisation(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    with pytest.raises(Exception, match="before randomisation"):
        trial.record_form(
            staff, pid, "discontinuation", factories.discontinuation(), expected_version=0
        )
    trial.randomise(staff, pid)
    saved = trial.record_form(
        staff,
        pid,
        "discontinuation",
        factories.discontinuation(DISC_DATE="2024-01-15"),
        expected_version=0,
    )
    assert saved["items"]["DISC_REASON_CODE"] == "participant_wish"
