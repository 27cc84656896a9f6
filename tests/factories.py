"""Valid form items for tests, with overrides: each test states only what matters to it."""

from __future__ import annotations

from typing import Any

from domain.crf.items import level_item

RMDQ = {f"RMDQ_{n:02d}": "N" for n in range(1, 24)}


def screening(**overrides: Any) -> dict[str, Any]:
    items: dict[str, Any] = {
        "SCR_DATE": "2024-01-10",
        "SITE": "RINGE",
        "AGE": 45,
        "SEX": "F",
        "LBP_DURATION_MONTHS": 6,
        "LBP_NOW_SCR": 6,
        "SPEAKS_DANISH": "Y",
        "WILLING": "Y",
        "EXCL_DISORDER": "N",
        "EXCL_PREGNANT": "N",
        "EXCL_SURGERY_REFERRAL": "N",
    }
    return {**items, **overrides}


def mri(**overrides: Any) -> dict[str, Any]:
    """An MRI with Modic changes, and a row for each level listed (unless given)."""
    items: dict[str, Any] = {
        "MRI_DATE": "2024-01-12",
        "MODIC_PRESENT": "Y",
        "MODIC_TYPE": "1",
        "MODIC_LEVELS": ["L4/L5"],
        "MODIC_LARGE": "N",
    }
    items.update(overrides)
    for level in items.get("MODIC_LEVELS") or []:
        row = {
            level_item("LEVEL_MODIC_TYPE", level): "1",
            level_item("LEVEL_MODIC_LARGE", level): "N",
        }
        items.update({name: value for name, value in row.items() if name not in overrides})
    return items


def consent(**overrides: Any) -> dict[str, Any]:
    return {
        "CONSENT_DATE": "2024-01-13",
        "CONSENT_VERSION": "2.1",
        "CONSENT_OBTAINED": "Y",
        **overrides,
    }


def outcomes(form: str = "baseline", **overrides: Any) -> dict[str, Any]:
    items: dict[str, Any] = {
        "ASSESS_DATE": "2024-01-14",
        "LBP_NOW": 6,
        "LBP_WORST_2W": 8,
        "LBP_TYPICAL_2W": 5,
        "LEG_NOW": 2,
        "LEG_WORST_2W": 4,
        "LEG_TYPICAL_2W": 2,
        **RMDQ,
        "EQ5D_MO": 1,
        "EQ5D_SC": 1,
        "EQ5D_UA": 2,
        "EQ5D_PD": 2,
        "EQ5D_AD": 1,
        "EQ5D_VAS": 60,
        "BOTHER": 3,
    }
    items |= {"WORK_STATUS": "working", "SICK_LEAVE_DAYS_4W": 0, "PAIN_MEDICATION": ["none"]}
    if form == "baseline":
        items |= {"SMOKER": "N", "PHYSICAL_LOAD": 2, "HEIGHT_CM": 172, "WEIGHT_KG": 74.5}
    else:
        items |= {"GLOBAL_TRANSITION": 3, "CO_INTERVENTION": "N", "SURGERY_SINCE_LAST": "N"}
    return {**items, **overrides}


def adverse_event(**overrides: Any) -> dict[str, Any]:
    items: dict[str, Any] = {
        "AE_TERM": "Low back pain flare after a session",
        "AE_ONSET": "2024-01-14",
        "AE_ONGOING": "N",
        "AE_END": "2024-01-15",
        "AE_SEVERITY": "mild",
        "AE_SERIOUS": "N",
        "AE_RELATED": "possible",
        "AE_ACTION": "none",
        "AE_OUTCOME": "recovered",
    }
    return {**items, **overrides}


def discontinuation(**overrides: Any) -> dict[str, Any]:
    items: dict[str, Any] = {
        "DISC_DATE": "2024-01-15",
        "DISC_REASON_CODE": "participant_wish",
        "FOLLOW_UP_CONTINUES": "Y",
    }
    return {**items, **overrides}


# Every pre-lock check overridden with a reason: for tests about what a locked database does,
# whatever the small trial still has open (the checks themselves are tested on their own).
LOCK_OVERRIDES = {
    "open_queries": "Test trial: queries left open on purpose",
    "arm_revealing_queries": "Test trial: queries on arm-revealing forms left open on purpose",
    "follow_up": "Test trial: follow-up not complete",
    "signatures": "Test trial: casebooks not signed",
}
