"""CONSORT counts from the read models, against a small trial counted by hand."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from projections.consort import check_consort
from projections.readmodels import ReadModels
from projections.service import Projections
from tests import factories
from tests.app.conftest import StepClock
from tests.app.journeys import randomised, screened

NONE_RECEIVED = {"exercise": {"EXERCISE_SESSIONS": 0}, "rest": {"REST_HOURS_PER_DAY": 0.0}}
SOME_RECEIVED = {"exercise": {"EXERCISE_SESSIONS": 8}, "rest": {"REST_HOURS_PER_DAY": 3.5}}


def _end(trial: Trial, staff: Actor, pid: UUID, status: str, reason: str = "") -> None:
    items = {"EOS_DATE": trial.local_date(trial.clock()).isoformat(), "EOS_STATUS": status}
    if reason:
        items["EOS_REASON"] = reason
    trial.record_end_of_study(staff, pid, items)


def build_small_trial(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> tuple[int, dict[str, str]]:
    """Ten people screened; returns the position after the first five, and the arms."""
    staff, assessor = actors["site_staff"], actors["assessor"]
    # 1, 2: screen failures (one criterion, then two).
    screened(trial, staff, AGE=70)
    screened(trial, staff, AGE=70, SPEAKS_DANISH="N")
    # 3: no Modic changes on MRI.
    no_modic = screened(trial, staff)
    trial.record_mri(staff, no_modic, {"MRI_DATE": "2024-01-12", "MODIC_PRESENT": "N"})
    # 4: included, then declined before consent.
    declined = screened(trial, staff)
    trial.record_mri(staff, declined, factories.mri())
    _end(trial, staff, declined, "withdrew consent", "Declined after the MRI result")
    # 5: included, consent not yet given (pending at every cut-off below).
    pending = screened(trial, staff)
    trial.record_mri(staff, pending, factories.mri())
    cut = trial.recorder.max_notification_id()
    assert cut is not None

    # 6-9: randomised.
    p6, arm6 = randomised(trial, staff)
    p7, arm7 = randomised(trial, staff)
    p8, arm8 = randomised(trial, staff)
    p9, arm9 = randomised(trial, staff)
    trial.record_form(staff, p8, "adherence", SOME_RECEIVED[arm8], expected_version=0)
    trial.record_form(staff, p9, "adherence", NONE_RECEIVED[arm9], expected_version=0)
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    for pid in (p6, p7):
        trial.record_form(
            assessor,
            pid,
            "week10",
            factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
            expected_version=0,
        )
    _end(trial, staff, p7, "lost to follow-up", "Moved abroad, no answer to letters")
    clock.current = datetime(2025, 1, 16, 9, 0, tzinfo=UTC)
    for pid in (p6, p8):
        trial.record_form(
            assessor,
            pid,
            "month12",
            factories.outcomes("month12", ASSESS_DATE="2025-01-15"),
            expected_version=0,
        )
    _end(trial, staff, p6, "completed")
    # 10: eligible, ended before the MRI for another reason.
    other = screened(trial, staff)
    _end(trial, staff, other, "other", "Moved to another region before the MRI")
    return cut, {"p6": arm6, "p7": arm7, "p8": arm8, "p9": arm9}


def _expected_arm(arms: dict[str, str], arm: str) -> dict[str, Any]:
    def n(*people: str) -> int:
        return sum(1 for p in people if arms[p] == arm)

    allocated = n("p6", "p7", "p8", "p9")
    analysed = n("p6", "p8")
    lost = n("p7")
    return {
        "allocated": allocated,
        "received": n("p8"),
        "not_received": {
            "total": allocated - n("p8"),
            "by_reason": {
                k: v
                for k, v in (
                    ("no adherence record", n("p6", "p7")),
                    ("adherence record shows none", n("p9")),
                )
                if v
            },
        },
        "follow_up": {
            "week10": n("p6", "p7"),
            "month12": n("p6", "p8"),
            "lost": {"total": lost, "by_reason": {"lost to follow-up": lost} if lost else {}},
        },
        "analysed": analysed,
        "excluded_from_analysis": {
            "total": allocated - analysed,
            "by_reason": {"no month 12 outcome": allocated - analysed}
            if allocated > analysed
            else {},
        },
    }


def test_consort_counts_match_a_hand_counted_trial_in_both_read_models(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
    read_models: ReadModels,
) -> None:
    cut, arms = build_small_trial(trial, actors, clock)
    projections.catch_up()
    totals = {
        "assessed": 10,
        "excluded": {
            "total": 5,
            "not_meeting_criteria": {
                "total": 3,
                "screen_failure": 2,
                "by_criterion": {"age_out_of_range": 2, "does_not_speak_danish": 1},
                "no_modic_changes": 1,
            },
            "declined": 1,
            "other": {"total": 1, "by_reason": {"other": 1}},
        },
        "pending": 1,
        "randomised": 4,
        "follow_up": {
            "week10": 2,
            "month12": 2,
            "lost": {"total": 1, "by_reason": {"lost to follow-up": 1}},
        },
        "analysed": 2,
        "excluded_from_analysis": {"total": 2, "by_reason": {"no month 12 outcome": 2}},
        "problems": [],
    }
    blinded = read_models.consort("blinded")
    assert {key: blinded[key] for key in totals} == totals
    assert "arms" not in blinded

    unblinded = read_models.consort("unblinded")
    assert {key: unblinded[key] for key in totals} == totals
    assert unblinded["arms"] == {arm: _expected_arm(arms, arm) for arm in ("exercise", "rest")}
    assert unblinded["as_of_position"] == trial.recorder.max_notification_id()

    # At a cut-off after the first five people: nobody randomised yet, one still pending.
    early = read_models.consort("unblinded", cutoff_position=cut)
    assert early["as_of_position"] == cut
    assert (early["assessed"], early["randomised"], early["pending"]) == (5, 0, 1)
    assert early["excluded"]["total"] == 4 and early["problems"] == []
    assert all(arm["allocated"] == 0 for arm in early["arms"].values())
    # A cut-off before anything happened: an empty, consistent diagram.
    empty = read_models.consort("blinded", cutoff_position=0)
    assert empty["assessed"] == 0 and empty["problems"] == []


def test_the_self_check_names_each_broken_identity(
    trial: Trial,
    actors: dict[str, Actor],
    clock: StepClock,
    projections: Projections,
    read_models: ReadModels,
) -> None:
    build_small_trial(trial, actors, clock)
    projections.catch_up()
    counts = read_models.consort("unblinded")
    assert check_consort(counts) == []

    broken = copy.deepcopy(counts)
    broken["assessed"] += 1
    assert check_consort(broken) == ["assessed != excluded + pending + randomised"]

    broken = copy.deepcopy(counts)
    broken["arms"]["exercise"]["allocated"] += 1
    problems = check_consort(broken)
    assert "randomised != sum of allocated" in problems
    assert "exercise: allocated != received + not received" in problems

    broken = copy.deepcopy(counts)
    broken["follow_up"]["lost"]["by_reason"]["died"] = 1
    assert check_consort(broken) == ["all randomised: lost: total 1 != sum of reasons"]
