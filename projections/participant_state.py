"""A participant's standing, worked out from their sheets the way `domain.participant` does.

Eligibility and inclusion come from `domain.crf`; the status wording follows
`Participant.status`, and a test checks that both agree for every participant of a demo trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from domain import crf
from domain.protocol import VISIT_DATE_ITEM, VISIT_OF_FORM, VISITS, EosStatus

Items = Mapping[str, Any]

# Forms whose values change where a participant stands (status, dates, CONSORT stage).
STATUS_FORMS = frozenset({"screening", "mri", "consent", "baseline", "end_of_study"})
# Forms that change eligibility or inclusion.
ELIGIBILITY_FORMS = frozenset({"screening", "mri"})
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


def screening_outcome_of(mri_eligible: bool, failed_criteria: list[str]) -> dict[str, Any]:
    """The outcome of screening as its events record it (Screened, MriEligibilityReassessed):
    CONSORT's screen failures are counted from these, never worked out again."""
    return {"mri_eligible": int(mri_eligible), "failed_criteria": list(failed_criteria)}


def inclusion_of(screening: Items, mri: Items | None) -> dict[str, Any]:
    """Inclusion (only changes with the screening or MRI form)."""
    included = mri is not None and crf.inclusion(screening, mri).eligible
    return {"included": int(included)}


def status_of(
    row: Mapping[str, Any],
    screening: Items,
    mri: Items | None,
    consent: Items | None,
    baseline: Items | None,
    end_of_study: Items | None,
) -> dict[str, Any]:
    """Status and key dates, from the eligibility columns, randomisation and the sheets."""
    if end_of_study is not None:
        eos = end_of_study.get("EOS_STATUS")
        status = "completed" if eos == EosStatus.COMPLETED else f"ended: {eos}"
    elif row["randomised_on"] is not None:
        status = "randomised"
    elif not row["mri_eligible"]:
        status = "screen failure"
    elif mri is None:
        status = "awaiting MRI"
    elif not row["included"]:
        status = "excluded at MRI"
    elif consent is None:
        status = "awaiting consent"
    elif baseline is None:
        status = "awaiting baseline"
    else:
        status = "ready to randomise"
    return {
        "status": status,
        "screened_on": screening.get("SCR_DATE"),
        "mri_on": mri.get("MRI_DATE") if mri else None,
        "consent_on": consent.get("CONSENT_DATE") if consent else None,
        "ended_on": end_of_study.get("EOS_DATE") if end_of_study else None,
        "eos_status": end_of_study.get("EOS_STATUS") if end_of_study else None,
        "eos_reason": (end_of_study.get("EOS_REASON") or None) if end_of_study else None,
    }


def consort_stage(row: Mapping[str, Any], mri_done: bool) -> dict[str, Any]:
    """Where a participant falls in the enrolment part of the CONSORT flow.

    Randomised comes first: once randomised, always counted (intention to treat), even when a
    screening item is later corrected to ineligible.
    """
    if row["randomised_on"] is not None:
        return {"stage": "randomised"}
    if not row["mri_eligible"]:
        return {"stage": "screen_failure", "criteria": list(row["failed_criteria"])}
    if mri_done and not row["included"]:
        return {"stage": "excluded_mri"}
    if row["eos_status"] is not None:
        if row["eos_status"] == EosStatus.WITHDREW_CONSENT:
            return {"stage": "declined"}
        return {"stage": "other", "reason": row["eos_status"]}
    return {"stage": "pending"}


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
