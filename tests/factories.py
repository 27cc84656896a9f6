"""Valid form items for tests, with overrides: each test states only what matters to it."""

from __future__ import annotations

from typing import Any

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
    items: dict[str, Any] = {
        "MRI_DATE": "2024-01-12",
        "MODIC_PRESENT": "Y",
        "MODIC_TYPE": "1",
        "MODIC_LEVELS": ["L4/L5"],
        "MODIC_LARGE": "N",
    }
    return {**items, **overrides}


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
    if form == "baseline":
        items |= {"SMOKER": "N", "PHYSICAL_LOAD": 2, "WORK_STATUS": "working"}
    else:
        items["GLOBAL_TRANSITION"] = 3
    return {**items, **overrides}
