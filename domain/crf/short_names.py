"""Eight-character names for SAS transport (XPORT version 5) files, the format regulators take.

XPORT 5 allows names of at most 8 characters, so every column of the snapshot has a short
name, listed in the data dictionary. The chosen names are here, in one place; a column without
one (a new item) gets a compacted name, made unique within its file by a numeric suffix.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_LENGTH = 8
# The companion column that carries an item's missing-answer code (CRF.md).
COMPANION_SUFFIX = "_NC"

CHOSEN: dict[str, str] = {
    "participant_id": "PID",
    "screening_number": "SCRNO",
    "randomised_on": "RANDDT",
    "status": "STATUS",
    "site": "SITE",
    "visit": "VISIT",
    "ARM": "ARM",
    "ASSESS_DATE": "ASSESSDT",
    "CONSENT_DATE": "CONSDT",
    "CONSENT_OBTAINED": "CONSOBT",
    "CONSENT_VERSION": "CONSVER",
    "EOS_DATE": "EOSDT",
    "EOS_REASON": "EOSREAS",
    "EOS_STATUS": "EOSSTAT",
    "EQ5D_INDEX_DK": "EQ5DIDX",
    "EXCL_DISORDER": "EXDISORD",
    "EXCL_PREGNANT": "EXPREG",
    "EXCL_SURGERY_REFERRAL": "EXSURG",
    "EXERCISE_SESSIONS": "EXSESS",
    "GLOBAL_TRANSITION": "GLOBTRAN",
    "HOME_EXERCISE_DAYS_PER_WEEK": "HOMEEXD",
    "LBP_DURATION_MONTHS": "LBPDURM",
    "LEVEL_MODIC_TYPE": "LVLTYPE",
    "LEVEL_MODIC_LARGE": "LVLLARGE",
    "LEVEL_PFIRRMANN": "LVLPFIRR",
    "LEVEL_HERNIATION": "LVLHERN",
    "LBP_MEAN3": "LBPMEAN3",
    "LBP_NOW_SCR": "LBPNOWSC",
    "LBP_TYPICAL_2W": "LBPTYP2W",
    "LBP_WORST_2W": "LBPWRS2W",
    "LEG_TYPICAL_2W": "LEGTYP2W",
    "LEG_WORST_2W": "LEGWRS2W",
    "MODIC_LARGE": "MODLARGE",
    "MODIC_LEVELS": "MODLEVS",
    "MODIC_PRESENT": "MODPRES",
    "MODIC_TYPE": "MODTYPE",
    "MRI_ELIGIBLE": "MRIELIG",
    "PHYSICAL_LOAD": "PHYSLOAD",
    "REST_HOURS_PER_DAY": "RESTHRS",
    "REST_MEETINGS": "RESTMEET",
    "RMDQ_SCORE": "RMDQSCOR",
    "SICK_LEAVE_DAYS": "SICKDAYS",
    "SICK_LEAVE_DAYS_4W": "SICKD4W",
    "SPEAKS_DANISH": "DANISH",
    "WORK_STATUS": "WORKSTAT",
}


def compact(name: str) -> str:
    """A name's chosen short name, or its letters and digits cut to eight characters."""
    if name in CHOSEN:
        return CHOSEN[name]
    if name.endswith(COMPANION_SUFFIX):
        return compact(name[: -len(COMPANION_SUFFIX)])[: MAX_LENGTH - 2] + "NC"
    letters = "".join(ch for ch in name.upper() if ch.isalnum())
    return letters[:MAX_LENGTH]


def short_names(names: Iterable[str]) -> dict[str, str]:
    """Short names for the columns of one file, unique within it, in the given order."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        candidate = compact(name)
        number = 1
        while candidate in taken:
            suffix = str(number)
            candidate = compact(name)[: MAX_LENGTH - len(suffix)] + suffix
            number += 1
        taken.add(candidate)
        result[name] = candidate
    return result
