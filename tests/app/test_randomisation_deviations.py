"""A correction after randomisation that shows the randomisation was a protocol deviation:
the allocation stands (intention to treat) and the deviation is recorded, worked out from the
participant's values as they stood when randomised, and blinded monitors see it."""

from __future__ import annotations

from typing import Any

from domain.actor import Actor
from domain.participant import Participant
from edc.application import Trial
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise

INELIGIBLE = "randomised while ineligible"
WRONG_LEVEL = "randomised on a wrong factor level"
REASON = {"code": "late_source", "text": "Checked against the hospital record"}


def _correct(trial: Trial, staff: Actor, pid: Any, form: str, items: dict[str, Any]) -> None:
    version = trial.load_participant(pid).form_version(form)
    trial.correct_form(staff, pid, form, items, expected_version=version, reason=REASON)


def _found(trial: Trial, pid: Any) -> list[str]:
    return [
        event.kind
        for event in trial.events.get(pid)
        if isinstance(event, Participant.RandomisationDeviationFound)
    ]


def test_an_eligibility_item_corrected_after_randomisation_is_a_deviation_not_an_exclusion(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, monitor = actors["site_staff"], actors["monitor"]
    pid, arm = randomised(trial, staff)
    _correct(trial, staff, pid, "screening", factories.screening(AGE=61))
    participant = trial.load_participant(pid)
    assert participant.state.status == "randomised"
    allocation = trial.load_allocation()
    assert allocation is not None and allocation.arm_of(pid) == arm  # the allocation stands
    text = participant.deviations[INELIGIBLE]
    assert "Age must be 18 to 60 years" in text
    assert _found(trial, pid) == [INELIGIBLE]  # an event in the trial's words
    # A blinded monitor sees it (worked out from blinded-safe values only).
    view = trial.get_participant(monitor, pid)
    assert monitor.blinded and INELIGIBLE in view["randomisation_deviations"]
    assert arm not in repr(view["randomisation_deviations"])


def test_a_minimisation_factor_corrected_after_randomisation_is_judged_against_the_value_used(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid, _arm = randomised(trial, staff)  # randomised as: non-smoker, light physical load
    baseline = factories.outcomes()
    _correct(trial, staff, pid, "baseline", {**baseline, "SMOKER": "Y"})
    first = trial.load_participant(pid).deviations[WRONG_LEVEL]
    assert "smoking randomised as no, corrected to yes" in first
    # A second correction is still judged against the values as randomised, not the last ones.
    _correct(trial, staff, pid, "baseline", {**baseline, "SMOKER": "Y", "PHYSICAL_LOAD": 4})
    second = trial.load_participant(pid).deviations[WRONG_LEVEL]
    assert "smoking randomised as no, corrected to yes" in second
    assert "physical_load randomised as light, corrected to heavy" in second
    # An MRI correction of the Modic type is a factor too.
    _correct(trial, staff, pid, "mri", factories.mri(MODIC_TYPE="2"))
    assert (
        "modic_type randomised as 1 or 1/2, corrected to other"
        in (trial.load_participant(pid).deviations[WRONG_LEVEL])
    )
    assert INELIGIBLE not in trial.load_participant(pid).deviations


def test_corrections_before_randomisation_or_of_other_items_are_no_deviation(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    _correct(trial, staff, pid, "baseline", {**factories.outcomes(), "SMOKER": "Y"})
    trial.randomise(staff, pid)
    _correct(trial, staff, pid, "baseline", {**factories.outcomes(), "SMOKER": "Y", "LBP_NOW": 7})
    assert trial.load_participant(pid).deviations == {}
