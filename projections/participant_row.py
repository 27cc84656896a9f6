"""A participant's row in the read model: their standing (`domain.participant_state`, the one
definition) laid out as columns, and the rows of their scheduled visits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from domain import crf
from domain.participant_state import ParticipantState
from domain.protocol import VISIT_DATE_ITEM, VISIT_OF_FORM, VISITS

Items = Mapping[str, Any]

# Forms with derived items (scores, eligibility flags).
DERIVING_FORMS = frozenset(form for form, specs in crf.DERIVED.items() if specs)
# Visits with a target day and window: (visit, target day, first day, last day), scheduled
# once the participant is randomised.
SCHEDULED_VISITS: tuple[tuple[str, int, int, int], ...] = tuple(
    (visit.key, visit.target_day, *visit.window)
    for visit in VISITS
    if visit.target_day is not None and visit.window is not None
)
# The form whose date item says when a scheduled visit took place.
VISIT_DATE_FORM: dict[str, str] = {VISIT_OF_FORM[form].key: form for form in VISIT_DATE_ITEM}


def screening_outcome_columns(mri_eligible: bool, failed_criteria: list[str]) -> dict[str, Any]:
    """The outcome of screening as its events record it (Screened, MriEligibilityReassessed):
    CONSORT's screen failures are counted from these, never worked out again."""
    return {"mri_eligible": int(mri_eligible), "failed_criteria": list(failed_criteria)}


def state_of_row(row: Mapping[str, Any], sheets: Mapping[str, Items]) -> ParticipantState:
    """The participant's standing from their row and their standing sheets by key."""
    randomised_on = row["randomised_on"]
    return ParticipantState.of(
        sheets,
        crf.Eligibility(bool(row["mri_eligible"]), tuple(row["failed_criteria"])),
        date.fromisoformat(randomised_on) if randomised_on is not None else None,
    )


def standing_columns(state: ParticipantState) -> dict[str, Any]:
    """The columns of a participant's row that their standing fills."""
    return {
        "included": int(state.included),
        "status": state.status,
        "screened_on": state.screened_on,
        "mri_on": state.mri_on,
        "consent_on": state.consent_on,
        "ended_on": state.ended_on,
        "eos_status": state.eos_status,
        "eos_reason": state.eos_reason,
    }


def visit_rows(participant_id: str, randomised_on: str) -> list[dict[str, Any]]:
    """The scheduled visits of a newly randomised participant, with target day and window."""
    day0 = date.fromisoformat(randomised_on)
    rows = []
    for visit, target, first, last in SCHEDULED_VISITS:
        rows.append(
            {
                "participant_id": participant_id,
                "visit": visit,
                "target_on": (day0 + timedelta(days=target)).isoformat(),
                "window_start": (day0 + timedelta(days=first)).isoformat(),
                "window_end": (day0 + timedelta(days=last)).isoformat(),
                "done_on": None,
                "deviation": None,
                "missed": None,
            }
        )
    return rows
