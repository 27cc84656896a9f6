"""The merge of a stale save as a use case: per item, from the events, and blind-safe."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied
from domain.stale_merge import THEIRS
from edc.application import Trial
from tests import factories
from tests.app.journeys import randomised, ready_to_randomise
from tests.review.helpers import CORRECTION


def test_the_merge_names_the_colleagues_change_and_keeps_it_where_the_writer_did_not_touch(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, investigator = actors["site_staff"], actors["investigator"]
    pid = ready_to_randomise(trial, staff)
    trial.correct_form(
        investigator,
        pid,
        "baseline",
        factories.outcomes(LBP_NOW=8),
        expected_version=1,
        reason=CORRECTION,
    )
    merged = trial.merge_stale_save(staff, pid, "baseline", 1, factories.outcomes(LBP_WORST_2W=9))
    assert merged["version"] == 2 and merged["theirs"]["LBP_NOW"] == 8
    assert set(merged["merges"]) == {"LBP_NOW", "LBP_WORST_2W"}
    now = merged["merges"]["LBP_NOW"]
    assert now.kept == THEIRS and (now.base, now.theirs, now.mine) == (6, 8, 6)
    assert [(c.user, c.role) for c in now.changes] == [("ivan", "investigator")]


def test_a_blinded_account_gets_no_merge_of_an_arm_revealing_form(
    trial: Trial, actors: dict[str, Actor]
) -> None:
    staff, assessor, monitor = actors["site_staff"], actors["assessor"], actors["monitor"]
    pid, _ = randomised(trial, staff)
    for form in ("adherence", "adverse_event", "discontinuation"):
        for who in (assessor, monitor):
            with pytest.raises((PermissionDenied, NotFound)):
                trial.merge_stale_save(who, pid, form, 0, {})
