"""Pre-MRI eligibility (screening form) and inclusion (eligible and Modic changes on MRI).

Each criterion has a stable machine name, stored in events and exports, and a readable text.
Missing or malformed answers count as a criterion not met: eligibility must be shown, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

AGE_RANGE = (18, 60)
LBP_DURATION_RANGE = (3, 12)  # months
LBP_NOW_MIN = 4  # 0..10 box scale

NO_MODIC_CHANGES = "no_modic_changes"

CRITERIA: dict[str, str] = {
    "age_out_of_range": f"Age must be {AGE_RANGE[0]} to {AGE_RANGE[1]} years",
    "lbp_duration_out_of_range": (
        f"Low back pain must have lasted {LBP_DURATION_RANGE[0]} to {LBP_DURATION_RANGE[1]} months"
    ),
    "lbp_too_mild": f"Current low back pain must be at least {LBP_NOW_MIN} on the 0-10 scale",
    "does_not_speak_danish": "The participant must speak Danish",
    "not_willing": "The participant must be willing to take part",
    "other_disorder": "No other physical or mental disorder may prevent participation",
    "pregnant": "The participant must not be pregnant",
    "referred_for_surgery": "The participant must not be referred for back surgery",
    NO_MODIC_CHANGES: "The MRI must show Modic changes",
}


@dataclass(frozen=True)
class Eligibility:
    """The outcome of an eligibility check: the names of the criteria not met, in stable order."""

    eligible: bool
    failed_criteria: tuple[str, ...]


def _within(value: Any, low: int, high: int | None = None) -> bool:
    if type(value) is not int:  # bool is an int subclass and is never a valid answer here
        return False
    return low <= value and (high is None or value <= high)


_CHECKS: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    ("age_out_of_range", lambda s: _within(s.get("AGE"), *AGE_RANGE)),
    (
        "lbp_duration_out_of_range",
        lambda s: _within(s.get("LBP_DURATION_MONTHS"), *LBP_DURATION_RANGE),
    ),
    ("lbp_too_mild", lambda s: _within(s.get("LBP_NOW_SCR"), LBP_NOW_MIN)),
    ("does_not_speak_danish", lambda s: s.get("SPEAKS_DANISH") == "Y"),
    ("not_willing", lambda s: s.get("WILLING") == "Y"),
    ("other_disorder", lambda s: s.get("EXCL_DISORDER") == "N"),
    ("pregnant", lambda s: s.get("EXCL_PREGNANT") in ("N", "NA")),
    ("referred_for_surgery", lambda s: s.get("EXCL_SURGERY_REFERRAL") == "N"),
)


def mri_eligibility(screening: Mapping[str, Any]) -> Eligibility:
    """Decide from the screening items whether the participant may go on to MRI."""
    failed = tuple(name for name, met in _CHECKS if not met(screening))
    return Eligibility(eligible=not failed, failed_criteria=failed)


def inclusion(screening: Mapping[str, Any], mri: Mapping[str, Any]) -> Eligibility:
    """Decide inclusion: eligible at screening and Modic changes present on the MRI."""
    failed = mri_eligibility(screening).failed_criteria
    if mri.get("MODIC_PRESENT") != "Y":
        failed = (*failed, NO_MODIC_CHANGES)
    return Eligibility(eligible=not failed, failed_criteria=failed)


def describe_criterion(name: str) -> str:
    """The readable text of a criterion; an unknown name is shown as it is rather than hidden."""
    return CRITERIA.get(name, name)
