"""CONSORT counts from the store's cut (what the dashboard's diagram and `edc report consort`
count), against a small trial counted by hand."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from edc.exports import store_reader
from projections.consort import check_consort, count_consort
from projections.exports import Cut, View
from projections.reports.consort import consort_counts
from projections.reports.consort_svg import consort_svg
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

    # 6-9: randomised (on 2024-01-15).
    p6, arm6 = randomised(trial, staff)
    p7, arm7 = randomised(trial, staff)
    p8, arm8 = randomised(trial, staff)
    p9, arm9 = randomised(trial, staff)
    # p9's age, corrected after randomisation, makes them ineligible: still randomised (ITT).
    trial.correct_form(
        staff,
        p9,
        "screening",
        factories.screening(AGE=70),
        expected_version=1,
        reason={"code": "late_source", "text": "Age checked against the CPR register"},
    )
    trial.record_form(staff, p8, "adherence", SOME_RECEIVED[arm8], expected_version=0)
    trial.record_form(staff, p9, "adherence", NONE_RECEIVED[arm9], expected_version=0)
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)
    # Harms: p8 has two adverse events, one of them serious; p9 has one.
    sae = factories.adverse_event(
        AE_SERIOUS="Y", AE_SAE_CRITERIA=["hospitalisation"], AE_SEVERITY="severe"
    )
    trial.record_form(staff, p8, "adverse_event", factories.adverse_event(), expected_version=0)
    trial.record_form(staff, p8, "adverse_event", sae, expected_version=1)
    trial.record_form(staff, p9, "adverse_event", factories.adverse_event(), expected_version=0)
    # p6 stops the intervention and stays in follow-up (completes the study below).
    trial.record_form(staff, p6, "discontinuation", factories.discontinuation(), expected_version=0)
    for pid in (p6, p7):
        trial.record_form(
            assessor,
            pid,
            "week10",
            factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
            expected_version=0,
        )
    _end(trial, staff, p7, "lost to follow-up", "Moved abroad, no answer to letters")
    # p8 missed week 10 (its window closed on 2024-04-08) and still comes at 1 year.
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


MISSED = "visit missed"
NOT_YET = "visit window still open at the cut-off"
LOST = "lost to follow-up"


def _box(**reasons: int) -> dict[str, Any]:
    by_reason = {reason.replace("_", " "): n for reason, n in reasons.items() if n}
    by_reason = {
        {"missed": MISSED, "not yet": NOT_YET, "lost": LOST}[k]: n for k, n in by_reason.items()
    }
    return {"total": sum(by_reason.values()), "by_reason": dict(sorted(by_reason.items()))}


def _visits(week10: tuple[int, dict[str, int]], month12: tuple[int, dict[str, int]]) -> Any:
    """Follow-up and analysis boxes: (assessed, reasons for not being assessed) per visit."""
    follow_up = {
        visit: {"assessed": seen, "not_assessed": _box(**reasons)}
        for visit, (seen, reasons) in (("week10", week10), ("month12", month12))
    }
    analysis = {
        visit: {"analysed": seen, "excluded": _box(**reasons)}
        for visit, (seen, reasons) in (("week10", week10), ("month12", month12))
    }
    return follow_up, analysis


def _expected_arm(arms: dict[str, str], arm: str) -> dict[str, Any]:
    def n(*people: str) -> int:
        return sum(1 for p in people if arms[p] == arm)

    allocated = n("p6", "p7", "p8", "p9")
    follow_up, analysis = _visits(
        (n("p6", "p7"), {"missed": n("p8", "p9")}),
        (n("p6", "p8"), {"lost": n("p7"), "not yet": n("p9")}),
    )
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
            **follow_up,
            "left_study": {"total": lost, "by_reason": {LOST: lost} if lost else {}},
            "discontinued": {
                "total": n("p6"),
                "by_reason": {"participant_wish": n("p6")} if n("p6") else {},
                "follow_up_continues": n("p6"),
                "follow_up_stopped": 0,
            },
        },
        "analysis": analysis,
        "harms": {
            "adverse_events": 2 * n("p8") + n("p9"),
            "serious_adverse_events": n("p8"),
            "participants_with_ae": n("p8", "p9"),
            "participants_with_sae": n("p8"),
        },
    }


def _counts(trial: Trial, view: str, as_of: int | None = None) -> dict[str, Any]:
    return consort_counts(Cut.of(store_reader(trial), View(view), as_of))


def test_consort_counts_match_a_hand_counted_trial_in_both_views(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    cut, arms = build_small_trial(trial, actors, clock)
    follow_up, analysis = _visits((2, {"missed": 2}), (2, {"lost": 1, "not yet": 1}))
    totals = {
        "assessed": 10,
        "excluded": {
            "total": 5,
            "not_meeting_criteria": {
                "total": 3,
                # p9, corrected to age 70 after randomisation, is no screen failure (ITT).
                "screen_failure": 2,
                "by_criterion": {"age_out_of_range": 2, "does_not_speak_danish": 1},
                "no_modic_changes": 1,
            },
            "declined": 1,
            "other": {"total": 1, "by_reason": {"other": 1}},
        },
        "pending": 1,
        "randomised": 4,
        "follow_up": {**follow_up, "left_study": {"total": 1, "by_reason": {LOST: 1}}},
        "analysis": analysis,
    }
    blinded = _counts(trial, "blinded")
    assert {key: blinded[key] for key in totals} == totals
    assert "arms" not in blinded
    assert "discontinued" not in repr(blinded) and "harms" not in repr(blinded)

    unblinded = _counts(trial, "unblinded")
    assert {key: unblinded[key] for key in totals} == totals
    assert unblinded["arms"] == {arm: _expected_arm(arms, arm) for arm in ("exercise", "rest")}
    assert check_consort(unblinded) == [] and check_consort(blinded) == []

    # At a cut-off after the first five people: nobody randomised yet, one still pending.
    early = _counts(trial, "unblinded", cut)
    assert (early["assessed"], early["randomised"], early["pending"]) == (5, 0, 1)
    assert early["excluded"]["total"] == 4 and check_consort(early) == []
    assert all(arm["allocated"] == 0 for arm in early["arms"].values())
    # Before anybody was screened: an empty, consistent diagram.
    empty = count_consort([], blinded=True, cut_off=None)
    assert empty["assessed"] == 0 and check_consort(empty) == []


def test_the_self_check_names_each_broken_identity(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    build_small_trial(trial, actors, clock)
    counts = _counts(trial, "unblinded")
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
    broken["follow_up"]["left_study"]["by_reason"]["died"] = 1
    assert check_consort(broken) == [
        "all randomised: left the study early: total 1 != sum of reasons"
    ]

    # The follow-up and analysis boxes must reconcile, visit by visit.
    broken = copy.deepcopy(counts)
    broken["analysis"]["month12"]["analysed"] += 1
    broken["analysis"]["month12"]["excluded"]["by_reason"][LOST] -= 1
    broken["analysis"]["month12"]["excluded"]["total"] -= 1
    problems = check_consort(broken)
    assert "all randomised: analysed at month12 != assessed - outcome missing" in problems
    assert "analysed at month12: arms do not add up to the total" in problems

    broken = copy.deepcopy(counts)
    broken["follow_up"]["week10"]["not_assessed"]["by_reason"] = {NOT_YET: 2}
    problems = check_consort(broken)
    assert (
        "all randomised: reasons for exclusion at week10 != reasons for not being assessed"
        in problems
    )


def test_the_blinded_diagram_shows_none_of_the_arm_revealing_boxes(
    trial: Trial, actors: dict[str, Actor], clock: StepClock
) -> None:
    """The dashboard's diagram (a cut of the store) in both views."""
    build_small_trial(trial, actors, clock)
    reader = store_reader(trial)
    blinded_svg = consort_svg(
        consort_counts(Cut.of(reader, View.BLINDED)), blinded=True, caption=""
    )
    assert "Randomised (n=4)" in blinded_svg and "Discontinued" not in blinded_svg
    assert "Harms" not in blinded_svg and "Received allocated" not in blinded_svg
    unblinded_svg = consort_svg(
        consort_counts(Cut.of(reader, View.UNBLINDED)), blinded=False, caption=""
    )
    assert "Discontinued intervention" in unblinded_svg and "Harms" in unblinded_svg
