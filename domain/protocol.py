"""The trial protocol as data: visits and windows, forms, arms, sites and reason codes.

Everything a second trial would describe differently lives here (items live in `domain.crf`).
Choices marked *assumed* in CRF.md are made here, in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

STUDY_OID = "ST.NCT00454792"
STUDY_NAME = "Rest versus exercise for low back pain with Modic changes (NCT00454792)"
SITES: tuple[str, ...] = ("RINGE",)
TIME_ZONE = "Europe/Copenhagen"


class Arm(StrEnum):
    EXERCISE = "exercise"
    REST = "rest"


ARMS: tuple[Arm, ...] = (Arm.EXERCISE, Arm.REST)
ARM_LABELS = {
    Arm.EXERCISE: "Exercise and advice to stay active (active comparator)",
    Arm.REST: "Rest and flexible lumbar belt (experimental)",
}


@dataclass(frozen=True)
class VisitDef:
    """A protocol visit: its ODM OID, target day and window in days from randomisation."""

    key: str
    oid: str
    label: str
    forms: tuple[str, ...]
    target_day: int | None = None
    window: tuple[int, int] | None = None
    repeating: bool = False


VISITS: tuple[VisitDef, ...] = (
    VisitDef("screening", "SE.SCREENING", "Screening", ("screening", "mri", "consent")),
    VisitDef("baseline", "SE.BASELINE", "Baseline", ("baseline",), 0, (-30, 0)),
    VisitDef("week10", "SE.WEEK10", "Week 10", ("week10", "adherence"), 70, (63, 84)),
    # 52 weeks after the 10-week intervention (TRIAL-FACTS.md section 3), not 12 months after
    # baseline: the OID keeps its stable name `month12`. The window is *assumed* (CRF.md).
    VisitDef("month12", "SE.MONTH12", "1-year follow-up (week 62)", ("month12",), 434, (413, 455)),
    VisitDef("weekly", "SE.WEEKLY", "Weekly reports", ("weekly",), repeating=True),
    VisitDef(
        "anytime",
        "SE.ANYTIME",
        "Any time after consent",
        ("adverse_event", "discontinuation"),
        repeating=True,  # one repeat per adverse event (its AE_NO); discontinuation once
    ),
    VisitDef("eos", "SE.EOS", "End of study", ("end_of_study",)),
)
VISIT_BY_KEY = {visit.key: visit for visit in VISITS}
VISIT_OF_FORM = {form: visit for visit in VISITS for form in visit.forms}

# Forms in protocol order (the order of the timeline and of exports).
FORMS: tuple[str, ...] = tuple(form for visit in VISITS for form in visit.forms)
FORM_LABELS = {
    "screening": "Screening (pre-MRI eligibility)",
    "mri": "MRI",
    "consent": "Informed consent",
    "baseline": "Baseline",
    "week10": "Week 10 outcomes",
    "adherence": "Adherence to intervention",
    "month12": "1-year follow-up (week 62) outcomes",
    "weekly": "Weekly patient report",
    "adverse_event": "Adverse event",
    "discontinuation": "Discontinuation of the intervention",
    "end_of_study": "End of study",
}
# Forms whose very existence or content reveals the arm.
# Adverse events and discontinuation name the intervention in their text and relatedness, so
# each is arm-revealing as a whole (CRF.md).
ARM_REVEALING_FORMS = frozenset({"adherence", "adverse_event", "discontinuation"})
# Outcome forms that blinded assessors enter.
FOLLOW_UP_FORMS = frozenset({"week10", "month12"})
# Forms that may only be entered once the participant is randomised.
POST_RANDOMISATION_FORMS = frozenset(
    {"week10", "adherence", "month12", "weekly", "discontinuation"}
)
# Forms that may only be entered once consent is recorded.
AFTER_CONSENT_FORMS = frozenset({"baseline", "adverse_event"})
# Repeating forms, keyed by one of their items (WEEK, AE_NO).
REPEATING_FORM_KEY_ITEM = {"weekly": "WEEK", "adverse_event": "AE_NO"}
# Weekly reports run from week 1 to the 1-year follow-up (week 62).
LAST_REPORT_WEEK = 62
# The registry's study start: no date of the trial lies before it (CRF.md, dates).
TRIAL_START = date(2007, 3, 1)
# The date item that places a form on the study calendar (for the visit window).
VISIT_DATE_ITEM = {
    "baseline": "ASSESS_DATE",
    "week10": "ASSESS_DATE",
    "month12": "ASSESS_DATE",
}


class ReasonCode(StrEnum):
    TRANSCRIPTION_ERROR = "transcription_error"
    QUERY_RESOLUTION = "query_resolution"
    LATE_SOURCE = "late_source"
    WRONG_RECORD = "wrong_record"
    OTHER = "other"


REASON_LABELS = {
    ReasonCode.TRANSCRIPTION_ERROR: "Transcription error",
    ReasonCode.QUERY_RESOLUTION: "Query resolution",
    ReasonCode.LATE_SOURCE: "Late information from source",
    ReasonCode.WRONG_RECORD: "Entered on wrong participant/visit",
    ReasonCode.OTHER: "Other (text required)",
}


class EosStatus(StrEnum):
    COMPLETED = "completed"
    WITHDREW_CONSENT = "withdrew consent"
    LOST_TO_FOLLOW_UP = "lost to follow-up"
    EXCLUDED_AFTER_RANDOMISATION = "excluded after randomisation"
    DIED = "died"
    OTHER = "other"


# How `window_status` words a deviation, to read a recorded one back into its parts (a page
# says it again in the reader's language).
WINDOW_DEVIATION = re.compile(
    r"^(?P<visit>.+) on study day (?P<day>-?\d+) is (?P<side>early|late): "
    r"the window is day (?P<low>-?\d+) to day (?P<high>-?\d+)$"
)


def window_status(visit: VisitDef, study_day: int) -> str | None:
    """Return None when inside the window, else a deviation text (out-of-window is accepted)."""
    if visit.window is None:
        return None
    low, high = visit.window
    if low <= study_day <= high:
        return None
    side = "early" if study_day < low else "late"
    return (
        f"{visit.label} on study day {study_day} is {side}: the window is day {low} to day {high}"
    )
