"""Corrections need reasons, versions are per form, and stale writers get a conflict."""

from __future__ import annotations

import threading

import pytest

from domain.actor import Actor
from domain.errors import FormInvalid, ReasonRequired, StaleVersion
from edc.application import Trial
from tests import factories
from tests.app.journeys import ready_to_randomise, screened
from tests.stored import events_besides_refusals

REASON = {"code": "transcription_error", "text": "Misread the paper form"}


def test_changing_an_entered_value_needs_a_reason_and_keeps_the_old_value_in_history(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    with pytest.raises(ReasonRequired) as refused:
        trial.record_form(staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1)
    assert set(refused.value.fields) == {"LBP_NOW"}
    saved = trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    assert saved["version"] == 2 and saved["items"]["LBP_NOW"] == 7
    participant = trial.load_participant(pid)
    corrections = [
        e for e in trial.repository.event_store.get(pid) if type(e).__name__ == "FormCorrected"
    ]
    assert len(corrections) == 1
    assert corrections[0].changes == {"LBP_NOW": [6, 7]}
    assert corrections[0].reason == REASON
    assert corrections[0].actor == {"user": "sara", "role": "site_staff", "site": "RINGE"}
    assert participant.sheets["baseline"]["LBP_NOW"] == 7


def test_a_reason_coded_other_needs_a_text(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    with pytest.raises(ReasonRequired, match="other"):
        trial.correct_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=7),
            expected_version=1,
            reason={"code": "other", "text": " "},
        )


def test_filling_an_empty_optional_item_needs_no_reason(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    without_vas = factories.outcomes()
    del without_vas["EQ5D_VAS"]
    trial.correct_form(staff, pid, "baseline", without_vas, expected_version=1, reason=REASON)
    saved = trial.record_form(
        staff, pid, "baseline", factories.outcomes(EQ5D_VAS=70), expected_version=2
    )
    assert saved["version"] == 3 and saved["items"]["EQ5D_VAS"] == 70


def test_saving_unchanged_values_adds_no_version(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    before = trial.recorder.max_notification_id()
    saved = trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=1)
    assert saved["version"] == 1
    assert trial.recorder.max_notification_id() == before


def test_a_stale_version_is_a_conflict_that_stores_nothing(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    with pytest.raises(StaleVersion) as conflict:
        trial.correct_form(
            staff, pid, "baseline", factories.outcomes(LBP_NOW=9), expected_version=1, reason=REASON
        )
    assert conflict.value.current_version == 2
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 7


def test_two_writers_correcting_the_same_form_from_the_same_version_one_wins(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid = ready_to_randomise(trial, staff)
    outcomes: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def write(name: str, actor: Actor, value: int) -> None:
        barrier.wait()
        try:
            trial.correct_form(
                actor,
                pid,
                "baseline",
                factories.outcomes(LBP_NOW=value),
                expected_version=1,
                reason=REASON,
            )
            outcomes[name] = "saved"
        except StaleVersion:
            outcomes[name] = "conflict"

    threads = [
        threading.Thread(target=write, args=("a", staff, 2)),
        threading.Thread(target=write, args=("b", investigator, 9)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner_value = 2 if outcomes["a"] == "saved" else 9
    participant = trial.load_participant(pid)
    assert participant.sheets["baseline"]["LBP_NOW"] == winner_value
    assert participant.form_version("baseline") == 2


def test_writers_of_different_forms_of_one_participant_do_not_conflict(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = screened(trial, staff)
    trial.record_mri(staff, pid, factories.mri())
    trial.record_consent(staff, pid, factories.consent())
    # Both writers saw the participant at the same moment; each names its own form's version.
    trial.record_form(staff, pid, "baseline", factories.outcomes(), expected_version=0)
    saved = trial.correct_form(
        staff, pid, "mri", factories.mri(MODIC_LARGE="Y"), expected_version=1, reason=REASON
    )
    assert saved["version"] == 2
    assert trial.get_participant(staff, pid)["forms"]["baseline"]["version"] == 1


def test_an_invalid_correction_stores_nothing(trial: Trial, actors: dict[str, Actor]) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    before = events_besides_refusals(trial)
    with pytest.raises(FormInvalid) as refused:
        trial.correct_form(
            staff,
            pid,
            "baseline",
            factories.outcomes(LBP_NOW=12, EQ5D_MO=4),
            expected_version=1,
            reason=REASON,
        )
    assert set(refused.value.fields) == {"LBP_NOW", "EQ5D_MO"}
    assert events_besides_refusals(trial) == before
