"""The intention-to-treat population: who is analysed at each follow-up, and why not.

One definition, for the CONSORT diagram now and for the analysis later (CONSORT 2010 items 13
and 16). Everyone randomised stays in the arm allocated, whatever happened after: a screening
item corrected to ineligible, the intervention stopped, a visit missed. At each follow-up
visit a participant is *analysed* when that visit's form holds a value of the primary outcome
(LBP_NOW, current low back pain); a missing-answer code is no value. The visits are judged
one by one: a missed week 10 neither ends the study nor keeps anyone from the 1-year visit.

Pure: the cut-off date is given by the caller (the time of the last event counted).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from domain.protocol import VISIT_OF_FORM, EosStatus

# The follow-up visits, by the form that records each (protocol order).
FOLLOW_UP_VISITS: tuple[str, ...] = ("week10", "month12")
FOLLOW_UP_LABELS = {"week10": "week 10", "month12": "1 year"}
PRIMARY_OUTCOME = "LBP_NOW"


class VisitOutcome(StrEnum):
    """What a follow-up visit holds for one randomised participant."""

    OUTCOME = "outcome"  # assessed, primary outcome present: analysed
    NO_OUTCOME = "no outcome"  # assessed, primary outcome missing (a missing-answer code)


class NotAnalysed(StrEnum):
    """Why a randomised participant has no outcome at a follow-up visit."""

    OUTCOME_MISSING = "assessed, primary outcome missing"
    NOT_YET_DUE = "visit window still open at the cut-off"
    MISSED = "visit missed"


def has_outcome(sheet: Mapping[str, Any] | None) -> bool:
    """Whether a follow-up form holds a value of the primary outcome (the analysed rule)."""
    if sheet is None:
        return False
    value = sheet.get(PRIMARY_OUTCOME)
    return isinstance(value, int) and not isinstance(value, bool)


def visit_outcome(sheet: Mapping[str, Any] | None) -> VisitOutcome | None:
    """None when the visit's form was never entered."""
    if sheet is None:
        return None
    return VisitOutcome.OUTCOME if has_outcome(sheet) else VisitOutcome.NO_OUTCOME


def window_end(visit: str, randomised_on: date) -> date:
    window = VISIT_OF_FORM[visit].window
    assert window is not None, f"{visit} is a follow-up visit with a window"
    return randomised_on + timedelta(days=window[1])


def not_analysed_reason(
    visit: str,
    outcome: VisitOutcome | None,
    *,
    randomised_on: date,
    ended_on: date | None,
    eos_status: str | None,
    cut_off: date | None,
    recorded_missed: bool = False,
) -> str | None:
    """Why the participant is not analysed at `visit` (None when analysed).

    Leaving the study before the visit's window closed gives the end-of-study status
    ("lost to follow-up", "withdrew consent", ...); a visit whose window is still open at the
    cut-off is not yet due; otherwise the visit was missed. A visit the site recorded as
    missed (`recorded_missed`) is missed, whatever the cut-off. `cut_off` None means
    "after everything", so no window is still open.
    """
    if outcome is VisitOutcome.OUTCOME:
        return None
    if outcome is VisitOutcome.NO_OUTCOME:
        return NotAnalysed.OUTCOME_MISSING
    if recorded_missed:
        return NotAnalysed.MISSED
    closes = window_end(visit, randomised_on)
    if left_study_early(eos_status) and (ended_on is None or ended_on <= closes):
        return str(eos_status)
    if cut_off is not None and cut_off <= closes and eos_status is None:
        return NotAnalysed.NOT_YET_DUE
    return NotAnalysed.MISSED


def left_study_early(eos_status: str | None) -> bool:
    """Ended after randomisation before completing (lost, withdrew, died, excluded, other)."""
    return eos_status is not None and eos_status != EosStatus.COMPLETED
