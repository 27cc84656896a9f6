"""The aggregate cache: commands get independent copies, read-only lookups the cached object."""

from __future__ import annotations

from domain.actor import Actor
from edc.application import Trial
from tests import factories
from tests.app.journeys import ready_to_randomise

REASON = {"code": "transcription_error", "text": "Misread the paper form"}


def test_changes_to_a_loaded_participant_never_reach_the_cache(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    loaded = trial.load_participant(pid)
    loaded.sheets["baseline"]["LBP_NOW"] = 99  # what a command failing half-way would leave
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 6
    assert trial.load_participant(pid) is not trial.load_participant(pid)


def test_a_read_without_copy_is_the_cached_participant_and_sees_later_saves(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff = actors["site_staff"]
    pid = ready_to_randomise(trial, staff)
    cached = trial.repository.get(pid, deepcopy_from_cache=False)
    assert trial.repository.get(pid, deepcopy_from_cache=False) is cached
    trial.correct_form(
        staff, pid, "baseline", factories.outcomes(LBP_NOW=7), expected_version=1, reason=REASON
    )
    assert trial.repository.get(pid, deepcopy_from_cache=False).sheets["baseline"]["LBP_NOW"] == 7
    assert trial.load_participant(pid).sheets["baseline"]["LBP_NOW"] == 7
