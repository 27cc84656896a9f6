"""Derived scores: LBP_MEAN3, RMDQ_SCORE, EQ5D_INDEX_DK, BMI (outcome forms), MRI_ELIGIBLE.

The rules for missing input live here and nowhere else (CRF.md, "Missing answers"; *assumed*):
an item is missing when it holds no value, whether it carries a missing code or is still empty
in an incomplete form. LBP_MEAN3 and EQ5D_INDEX_DK are undefined (None) with any input missing;
RMDQ_SCORE is prorated to 23 items with 1 or 2 missing and undefined with more.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from domain.crf.eligibility import mri_eligibility
from domain.crf.items import LBP_ITEMS, OUTCOME_FORMS, RMDQ_ITEMS

# Danish EQ-5D-3L TTO value set (Wittrup-Jensen et al. 2009), in thousandths so that the
# arithmetic is exact: index = 1 - constant - decrements, unless the state is 11111.
EQ5D_DK_CONSTANT = 114
EQ5D_DK_DECREMENTS: dict[str, tuple[int, int]] = {  # dimension -> (level 2, level 3)
    "EQ5D_MO": (53, 411),
    "EQ5D_SC": (63, 192),
    "EQ5D_UA": (48, 144),
    "EQ5D_PD": (62, 396),
    "EQ5D_AD": (68, 367),
}


def _whole_numbers(items: Mapping[str, Any], names: tuple[str, ...]) -> list[int] | None:
    """The items as whole numbers, or None if any is missing or not a whole number."""
    values = [items.get(name) for name in names]
    numbers = [value for value in values if type(value) is int]  # bool is not a number here
    return numbers if len(numbers) == len(values) else None


# RMDQ_SCORE is prorated for up to this many missing items, undefined beyond.
RMDQ_MAX_MISSING = 2


def lbp_mean3(items: Mapping[str, Any]) -> float | None:
    """The mean at full precision: it is rounded only where it is shown."""
    values = _whole_numbers(items, LBP_ITEMS)
    if values is None:
        return None
    return sum(values) / len(values)


def rmdq_score(items: Mapping[str, Any]) -> int | None:
    answers = [items.get(name) for name in RMDQ_ITEMS]
    if any(answer not in ("Y", "N", None) for answer in answers):
        return None  # never in a validated sheet: a malformed answer is not guessed at
    answered = [answer for answer in answers if answer is not None]
    missing = len(answers) - len(answered)
    if missing > RMDQ_MAX_MISSING:
        return None
    prorated = Fraction(answered.count("Y") * len(answers), len(answered))
    return int((prorated + Fraction(1, 2)) // 1)  # rounded half up


def eq5d_index_dk(items: Mapping[str, Any]) -> float | None:
    levels = _whole_numbers(items, tuple(EQ5D_DK_DECREMENTS))
    if levels is None or any(level not in (1, 2, 3) for level in levels):
        return None
    if all(level == 1 for level in levels):
        return 1.0
    thousandths = 1000 - EQ5D_DK_CONSTANT
    for level, (level2, level3) in zip(levels, EQ5D_DK_DECREMENTS.values(), strict=True):
        thousandths -= {1: 0, 2: level2, 3: level3}[level]
    return thousandths / 1000


def bmi(items: Mapping[str, Any]) -> float | None:
    """Body mass index (kg/m2) to one decimal, rounded half up; None without both inputs."""
    height, weight = items.get("HEIGHT_CM"), items.get("WEIGHT_KG")
    if type(height) is not int or type(weight) not in (int, float) or height <= 0:
        return None
    value = Decimal(str(weight)) * 10000 / (Decimal(height) * Decimal(height))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def derive(form: str, items: Mapping[str, Any]) -> dict[str, Any]:
    """The derived items of a form, computed from its canonical items."""
    if form in OUTCOME_FORMS:
        scores = {
            "LBP_MEAN3": lbp_mean3(items),
            "RMDQ_SCORE": rmdq_score(items),
            "EQ5D_INDEX_DK": eq5d_index_dk(items),
        }
        return {**scores, "BMI": bmi(items)} if form == "baseline" else scores
    if form == "screening":
        return {"MRI_ELIGIBLE": "Y" if mri_eligibility(items).eligible else "N"}
    return {}
