"""The application, both read models and the exports show one participant state.

Told as a trial: one participant has a corrected baseline, is randomised, has the baseline
signed and then corrected again (the signature is invalidated by that change), misses the
week-10 visit and withdraws consent; another is screened eligible and corrected to ineligible.
For each, the state the domain defines (`domain.participant_state`, folded from their events)
is what the application's participant view, the blinded and the unblinded read model (their
participant list and work list to sign) and the casebooks of a blinded and an unblinded export
all show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.participant import Participant
from domain.participant_state import STANDING_FORMS, ParticipantState
from domain.protocol import ARM_REVEALING_FORMS
from domain.signing import CASEBOOK
from edc.application import Trial
from edc.exports import store_reader
from projections import worklists
from projections.exports.casebook import casebooks
from projections.exports.source import Cut
from projections.exports.view import View
from projections.reading import ReadModels
from projections.reports.consort import consort_record
from projections.service import Projections
from tests import factories
from tests.app.conftest import PASSWORD, StepClock
from tests.app.journeys import ready_to_randomise, screened
from tests.projections.conftest import projections, read_models

__all__ = ["projections", "read_models"]

REASON = {"code": "transcription_error", "text": ""}
MISSED = {"reason": "unreachable", "text": "No answer on three calls"}
WITHDRAWAL = {
    "EOS_DATE": "2024-04-02",
    "EOS_STATUS": "withdrew consent",
    "EOS_REASON": "No longer wishes to take part",
}


def _facts(state: ParticipantState) -> dict[str, Any]:
    """What every reader shows of a participant's standing."""
    return {
        "status": state.status,
        "mri_eligible": state.mri_eligibility.eligible,
        "failed_criteria": list(state.mri_eligibility.failed_criteria),
        "included": state.included,
        "randomised_on": state.randomised_on.isoformat() if state.randomised_on else None,
    }


def _shown(view: dict[str, Any]) -> dict[str, Any]:
    return {key: view[key] for key in ("status", "mri_eligible", "failed_criteria", "included")} | {
        "randomised_on": view["randomised_on"] or None
    }


def _record_facts(participant: Participant) -> dict[str, Any]:
    """What the participant's record holds besides their standing."""
    return {
        "form_versions": dict(participant.form_versions),
        "missed_visits": set(participant.missed_visits),
        "signatures_valid": [participant.signature_is_valid(s) for s in participant.signatures],
    }


def _scenario(trial: Trial, actors: dict[str, Actor], clock: StepClock) -> tuple[UUID, UUID]:
    staff, investigator = actors["site_staff"], actors["investigator"]

    def correct(pid: UUID, form: str, items: dict[str, Any], version: int) -> None:
        trial.correct_form(staff, pid, form, items, expected_version=version, reason=REASON)

    withdrawn = ready_to_randomise(trial, staff)
    correct(withdrawn, "baseline", factories.outcomes(LEG_NOW=3), 1)
    trial.randomise(staff, withdrawn)
    trial.sign(investigator, withdrawn, PASSWORD, "approval", form="baseline")
    trial.sign(investigator, withdrawn, PASSWORD, "review", incomplete_reason="Interim review")
    correct(withdrawn, "baseline", factories.outcomes(LEG_NOW=4), 2)
    clock.current = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)  # the week-10 window opens
    trial.record_visit_missed(staff, withdrawn, "week10", MISSED)
    clock.current = datetime(2024, 4, 2, 9, 0, tzinfo=UTC)
    trial.record_end_of_study(staff, withdrawn, WITHDRAWAL)
    corrected = screened(trial, staff)
    correct(corrected, "screening", factories.screening(AGE=70), 1)
    return withdrawn, corrected


def test_the_state_is_made_only_of_blinded_safe_forms() -> None:
    """So the blinded read model and a blinded export build it from what they may read."""
    assert not STANDING_FORMS & ARM_REVEALING_FORMS


def test_application_read_models_and_exports_show_the_one_participant_state(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
    read_models: ReadModels,
) -> None:
    withdrawn, corrected = _scenario(trial, actors, clock)
    monitor = actors["monitor"]
    projections.catch_up()
    reader = store_reader(trial)
    exported = {
        view: {casebook.id: casebook for casebook in casebooks(Cut.of(reader, view, None))}
        for view in View
    }
    for pid in (withdrawn, corrected):
        participant = trial.load_participant(pid)
        state = participant.state
        expected = _facts(state)
        # The application's view (edc.presenters) applies the state;
        shown = trial.get_participant(monitor, pid)
        assert _shown(shown) == expected
        # so do both read models (projections.projector), as their lists show them,
        for model in ("blinded", "unblinded"):
            row = {p["id"]: p for p in read_models.participants(model)}[str(pid)]
            assert _shown(row) == expected, model
            assert {
                key: row[key]
                for key in ("screened_on", "mri_on", "consent_on", "ended_on", "eos_status")
            } == {
                "screened_on": state.screened_on,
                "mri_on": state.mri_on,
                "consent_on": state.consent_on,
                "ended_on": state.ended_on,
                "eos_status": state.eos_status,
            }, model
            versions = {form: v for form, v in row["form_versions"].items() if v}
            assert versions == participant.form_versions, model
            assert set(row["missed_visits"]) == set(participant.missed_visits), model
            # the signatures a later change invalidated, in the work list to sign again.
            to_sign = {r["participant_id"]: r for r in worklists.to_sign(read_models, model, None)}
            invalid = [
                "casebook" if s.scope == CASEBOOK else s.form
                for s in participant.signatures
                if not participant.signature_is_valid(s)
            ]
            assert to_sign.get(str(pid), {"re_sign": []})["re_sign"] == invalid, model
        # and the casebooks of both exports (projections.exports.casebook).
        for view, by_id in exported.items():
            assert _record_facts(by_id[pid].participant) == _record_facts(participant), view
            assert _facts(by_id[pid].state) == expected, view
            assert consort_record(by_id[pid])["stage"] == state.consort_stage()["stage"], view

    # The one definition says what a reader of this trial expects to see.
    ended = trial.load_participant(withdrawn)
    assert _facts(ended.state) == {
        "status": "ended: withdrew consent",
        "mri_eligible": True,
        "failed_criteria": [],
        "included": True,
        "randomised_on": "2024-01-15",
    }
    assert ended.state.eos_reason == WITHDRAWAL["EOS_REASON"]
    assert ended.form_versions["baseline"] == 3
    assert set(ended.missed_visits) == {"week10"}
    # The baseline's and the casebook's signatures were both invalidated by the correction.
    assert [ended.signature_is_valid(s) for s in ended.signatures] == [False, False]
    assert all(s.invalidated_by is not None for s in ended.signatures)
    shown = trial.get_participant(monitor, withdrawn)
    assert shown["forms"]["baseline"]["signed"] is False
    assert shown["forms"]["baseline"]["resign_needed"] is True
    (listed,) = [r for r in worklists.to_sign(read_models, "blinded", None)]
    assert listed["participant_id"] == str(withdrawn) and "baseline" in listed["forms"]
    assert listed["re_sign"] == ["baseline", "casebook"]
    failed = trial.load_participant(corrected).state
    assert _facts(failed) == {
        "status": "screen failure",
        "mri_eligible": False,
        "failed_criteria": ["age_out_of_range"],
        "included": False,
        "randomised_on": None,
    }
    assert failed.consort_stage() == {"stage": "screen_failure", "criteria": ["age_out_of_range"]}
