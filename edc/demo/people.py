"""Synthetic people and their answers: plausible values for every form, from a seeded Random."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from domain.crf.items import level_item
from domain.protocol import Arm

RMDQ_ITEMS = [f"RMDQ_{n:02d}" for n in range(1, 24)]


def screening_items(rng: random.Random, on: date, site: str) -> dict[str, Any]:
    """A referred patient; about a third fail pre-MRI eligibility, as in a spine clinic."""
    sex = rng.choice(["F", "M"])
    age = rng.choice([rng.randint(18, 60)] * 9 + [rng.randint(61, 75), rng.randint(16, 17)])
    duration = rng.choice([rng.randint(3, 12)] * 6 + [rng.randint(13, 60), rng.randint(0, 2)])
    pain = min(10, max(0, round(rng.gauss(6, 2))))
    return {
        "SCR_DATE": on.isoformat(),
        "SITE": site,
        "AGE": age,
        "SEX": sex,
        "LBP_DURATION_MONTHS": duration,
        "LBP_NOW_SCR": pain,
        "SPEAKS_DANISH": "Y" if rng.random() < 0.96 else "N",
        "WILLING": "Y" if rng.random() < 0.93 else "N",
        "EXCL_DISORDER": "Y" if rng.random() < 0.04 else "N",
        "EXCL_PREGNANT": "NA" if sex == "M" else ("Y" if rng.random() < 0.03 else "N"),
        "EXCL_SURGERY_REFERRAL": "Y" if rng.random() < 0.03 else "N",
    }


def mri_items(rng: random.Random, on: date) -> dict[str, Any]:
    """About half of MRI-eligible patients show Modic changes."""
    present = rng.random() < 0.55
    items: dict[str, Any] = {"MRI_DATE": on.isoformat(), "MODIC_PRESENT": "Y" if present else "N"}
    if present:
        items["MODIC_TYPE"] = rng.choices(["1", "2", "3", "1/2", "2/3"], [45, 35, 3, 12, 5])[0]
        levels = ["L1/L2", "L2/L3", "L3/L4", "L4/L5", "L5/S1"]
        items["MODIC_LEVELS"] = sorted(
            rng.sample(levels, rng.choice([1, 1, 1, 2])), key=levels.index
        )
        items["MODIC_LARGE"] = "Y" if rng.random() < 0.4 else "N"
        items.update(level_rows(items))
    return items


def level_rows(items: dict[str, Any]) -> dict[str, Any]:
    """A row per affected level, drawn from a generator of its own so that adding the rows left
    every other value of the seeded demo as it was."""
    detail = random.Random(f"mri-levels:{items['MRI_DATE']}:{items['MODIC_LEVELS']}")
    rows: dict[str, Any] = {}
    for level in items["MODIC_LEVELS"]:
        dominant = items["MODIC_TYPE"] if detail.random() < 0.8 else detail.choice(["1", "2"])
        rows[level_item("LEVEL_MODIC_TYPE", level)] = dominant
        rows[level_item("LEVEL_MODIC_LARGE", level)] = items["MODIC_LARGE"]
        rows[level_item("LEVEL_PFIRRMANN", level)] = detail.choice([2, 3, 3, 4, 4, 5])
        rows[level_item("LEVEL_HERNIATION", level)] = detail.choice(
            ["none", "none", "bulge", "protrusion", "extrusion"]
        )
    return rows


def consent_items(on: date) -> dict[str, Any]:
    return {"CONSENT_DATE": on.isoformat(), "CONSENT_VERSION": "2.1", "CONSENT_OBTAINED": "Y"}


def outcome_items(rng: random.Random, form: str, on: date, severity: float) -> dict[str, Any]:
    """Pain, RMDQ and EQ-5D answers consistent with a severity between 0 and 1."""

    def pain() -> int:
        return min(10, max(0, round(rng.gauss(10 * severity, 1.5))))

    items: dict[str, Any] = {
        "ASSESS_DATE": on.isoformat(),
        "LBP_NOW": pain(),
        "LBP_WORST_2W": pain(),
        "LBP_TYPICAL_2W": pain(),
        "LEG_NOW": pain() // 2,
        "LEG_WORST_2W": pain() // 2,
        "LEG_TYPICAL_2W": pain() // 2,
    }
    for item in RMDQ_ITEMS:
        items[item] = "Y" if rng.random() < severity else "N"
    for item in ("EQ5D_MO", "EQ5D_SC", "EQ5D_UA", "EQ5D_PD", "EQ5D_AD"):
        items[item] = 1 + sum(rng.random() < severity * 0.7 for _ in range(2))
    items["EQ5D_VAS"] = min(100, max(0, round(rng.gauss(100 - 70 * severity, 10))))
    items["BOTHER"] = min(5, max(1, round(1 + 4 * severity + rng.gauss(0, 0.6))))
    if form == "baseline":
        items["SMOKER"] = "Y" if rng.random() < 0.3 else "N"
        items["PHYSICAL_LOAD"] = rng.choice([1, 2, 2, 3, 3, 4])
        items["WORK_STATUS"] = rng.choices(
            ["working", "sick-listed", "unemployed", "retired", "student"], [55, 30, 8, 2, 5]
        )[0]
    else:
        items["GLOBAL_TRANSITION"] = min(7, max(1, round(4 - 3 * (0.7 - severity))))
    return {**items, **_newer_items(form, on, severity, items.get("WORK_STATUS"))}


def _newer_items(form: str, on: date, severity: float, work_status: Any) -> dict[str, Any]:
    """Items added by the corrected CRF, drawn from a generator of their own, so that the
    answers drawn before them (and every later participant's) stay as they were."""
    rng = random.Random(f"{form}:{on.isoformat()}:{severity!r}")
    status = work_status or rng.choices(["working", "sick-listed", "retired"], [70, 25, 5])[0]
    items: dict[str, Any] = {
        "WORK_STATUS": status,
        "PAIN_MEDICATION": ["none"]
        if rng.random() > severity
        else sorted(rng.sample(["paracetamol", "nsaid", "opioid"], rng.randint(1, 2))),
    }
    if status in ("working", "sick-listed"):
        items["SICK_LEAVE_DAYS_4W"] = min(28, max(0, round(rng.gauss(20 * severity - 6, 4))))
    if form == "baseline":
        items["HEIGHT_CM"] = rng.randint(155, 195)
        items["WEIGHT_KG"] = round(rng.uniform(52, 110), 1)
    else:
        other = rng.random() < 0.2
        items["CO_INTERVENTION"] = "Y" if other else "N"
        if other:
            items["CO_INTERVENTION_TEXT"] = rng.choice(["Chiropractor", "Physiotherapy"])
        items["SURGERY_SINCE_LAST"] = "N"
    return items


def adherence_items(rng: random.Random, arm: str) -> dict[str, Any]:
    if arm == Arm.EXERCISE:
        return {
            "EXERCISE_SESSIONS": rng.randint(3, 10),
            "HOME_EXERCISE_DAYS_PER_WEEK": rng.randint(0, 7),
        }
    return {
        "REST_HOURS_PER_DAY": round(rng.uniform(0.5, 2.5), 1),
        "BELT_USE": rng.choice(["never", "sometimes", "daily"]),
        "REST_MEETINGS": rng.randint(0, 5),
    }


def weekly_items(rng: random.Random, week: int, severity: float) -> dict[str, Any]:
    days = min(7, max(0, round(rng.gauss(7 * severity, 1.5))))
    return {
        "WEEK": week,
        "LBP_DAYS": days,
        "SICK_LEAVE_DAYS": min(days, rng.choice([0, 0, 0, 0, 1, 2, 5, 7])),
    }


AE_TERMS = (
    "Increased low back pain after a session",
    "Muscle soreness",
    "Sciatica flare",
    "Headache",
    "Fall at home, bruised hip",
)


def adverse_event_items(rng: random.Random, on: date, serious: bool) -> dict[str, Any]:
    """An adverse event that began two days ago and is over; a serious one is a hospital stay."""
    items: dict[str, Any] = {
        "AE_TERM": "Admitted with severe low back pain" if serious else rng.choice(AE_TERMS),
        "AE_ONSET": (on - timedelta(days=2)).isoformat(),
        "AE_ONGOING": "N",
        "AE_END": on.isoformat(),
        "AE_SEVERITY": "severe" if serious else rng.choice(["mild", "mild", "moderate"]),
        "AE_SERIOUS": "Y" if serious else "N",
        "AE_RELATED": rng.choice(["not_related", "unlikely", "possible", "probable"]),
        "AE_ACTION": "paused" if serious else rng.choice(["none", "none", "paused"]),
        "AE_OUTCOME": "recovered" if rng.random() < 0.8 else "recovering",
    }
    if serious:
        items["AE_SAE_CRITERIA"] = ["hospitalisation"]
    return items


def discontinuation_items(rng: random.Random, on: date, continues: bool) -> dict[str, Any]:
    return {
        "DISC_DATE": on.isoformat(),
        "DISC_REASON_CODE": rng.choice(["adverse_event", "lack_of_effect", "participant_wish"]),
        "FOLLOW_UP_CONTINUES": "Y" if continues else "N",
    }


def skipped_answers(rng: random.Random, skip_primary: bool = False) -> dict[str, Any]:
    """Now and then a question is not answered, and now and then a phone visit leaves the pain
    scale undone (so the visit has no primary outcome)."""
    skipped: dict[str, Any] = {}
    if rng.random() < 0.1:
        skipped[rng.choice(RMDQ_ITEMS)] = {"missing": "ANS"}
    if rng.random() < 0.04 or skip_primary:
        for item in ("LBP_NOW", "LBP_WORST_2W", "LBP_TYPICAL_2W"):
            skipped[item] = {"missing": "ND"}
    return skipped
