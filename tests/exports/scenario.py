"""A small trial with every path the exports and reports must show, counted by hand.

Eight people screened at RINGE (site staff sara, assessor anna):
- A: 70 years old -> screen failure (age)
- B: current pain 2 and not willing -> screen failure (two criteria)
- C: MRI without Modic changes -> excluded at MRI
- D: MRI with Modic changes, then declined (end of study: withdrew consent) -> declined
- E: MRI with Modic changes, consent not yet given -> not yet randomised at the cut-off
- F: randomised; weekly reports for weeks 1 and 2; adherence showing participation; week 10;
  month 12 with a correction (reason given) -> analysed
- G: randomised; adherence showing no participation; then lost to follow-up
- H: randomised; week 10 only; no adherence record
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from domain.actor import Actor
from edc.application import Trial
from tests import factories
from tests.app import journeys
from tests.app.conftest import StepClock

ADHERENCE_SHOWING = {
    "exercise": {"EXERCISE_SESSIONS": 8, "HOME_EXERCISE_DAYS_PER_WEEK": 3},
    "rest": {"REST_HOURS_PER_DAY": 1.75, "BELT_USE": "sometimes"},
}
ADHERENCE_NONE = {"exercise": {"EXERCISE_SESSIONS": 0}, "rest": {"REST_HOURS_PER_DAY": 0.0}}
NO_MODIC = {"MODIC_PRESENT": "N", "MODIC_TYPE": None, "MODIC_LEVELS": None, "MODIC_LARGE": None}


@dataclass
class SmallTrial:
    ids: dict[str, UUID] = field(default_factory=dict)
    arms: dict[str, str] = field(default_factory=dict)
    # The position after randomisation of F, G and H, before any follow-up.
    after_randomisation: int = 0


def eos(day: str, status: str, reason: str = "") -> dict[str, object]:
    items: dict[str, object] = {"EOS_DATE": day, "EOS_STATUS": status}
    if reason:
        items["EOS_REASON"] = reason
    return items


def build_small_trial(trial: Trial, clock: StepClock, actors: dict[str, Actor]) -> SmallTrial:
    staff, assessor = actors["site_staff"], actors["assessor"]
    small = SmallTrial()
    ids = small.ids
    ids["A"] = journeys.screened(trial, staff, AGE=70)
    ids["B"] = journeys.screened(trial, staff, LBP_NOW_SCR=2, WILLING="N")
    ids["C"] = journeys.screened(trial, staff)
    trial.record_mri(staff, ids["C"], factories.mri(**NO_MODIC))
    ids["D"] = journeys.screened(trial, staff)
    trial.record_mri(staff, ids["D"], factories.mri())
    trial.record_end_of_study(
        staff, ids["D"], eos("2024-01-15", "withdrew consent", "Declined after the MRI result")
    )
    ids["E"] = journeys.screened(trial, staff)
    trial.record_mri(staff, ids["E"], factories.mri())
    for name in ("F", "G", "H"):
        ids[name], small.arms[name] = journeys.randomised(trial, staff)
    small.after_randomisation = trial.recorder.max_notification_id() or 0

    for week in (1, 2):
        trial.record_form(
            staff,
            ids["F"],
            "weekly",
            {"WEEK": week, "LBP_DAYS": 4 - week, "SICK_LEAVE_DAYS": 0},
            expected_version=week - 1,
        )
    clock.current = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)  # day 71 after randomisation
    trial.record_form(
        staff, ids["F"], "adherence", ADHERENCE_SHOWING[small.arms["F"]], expected_version=0
    )
    trial.record_form(
        staff, ids["G"], "adherence", ADHERENCE_NONE[small.arms["G"]], expected_version=0
    )
    for name in ("F", "H"):
        trial.record_form(
            assessor,
            ids[name],
            "week10",
            factories.outcomes("week10", ASSESS_DATE="2024-03-25"),
            expected_version=0,
        )
    trial.record_end_of_study(
        staff, ids["G"], eos("2024-03-26", "lost to follow-up", "Does not answer calls")
    )
    # CRF.md changed: the 1-year follow-up is at day 434 (week 62).
    clock.current = datetime(2025, 3, 25, 9, 0, tzinfo=UTC)  # day 435
    month12 = factories.outcomes("month12", ASSESS_DATE="2025-03-24", LBP_NOW=3)
    trial.record_form(assessor, ids["F"], "month12", month12, expected_version=0)
    trial.correct_form(
        assessor,
        ids["F"],
        "month12",
        {**month12, "LBP_NOW": 2},
        expected_version=1,
        reason={"code": "transcription_error", "text": "LBP now misread"},
    )
    return small
