"""Derived scores: LBP_MEAN3, RMDQ_SCORE, EQ5D_INDEX_DK (outcome forms) and MRI_ELIGIBLE.

Scores are computed from canonical items and are None when an input is missing or malformed:
a score is never guessed from a partial form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.crf.eligibility import mri_eligibility
from domain.crf.items import LBP_ITEMS, RMDQ_ITEMS

OUTCOME_FORMS = frozenset({"baseline", "week10", "month12"})

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


def lbp_mean3(items: Mapping[str, Any]) -> float | None:
    values = _whole_numbers(items, LBP_ITEMS)
    if values is None:
        return None
    # A mean of three whole numbers ends in .0, .33.. or .66..: never a rounding tie.
    return round(sum(values) / len(values), 1)


def rmdq_score(items: Mapping[str, Any]) -> int | None:
    answers = [items.get(name) for name in RMDQ_ITEMS]
    if any(answer not in ("Y", "N") for answer in answers):
        return None
    return answers.count("Y")


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


def derive(form: str, items: Mapping[str, Any]) -> dict[str, Any]:
    """The derived items of a form, computed from its canonical items."""
    if form in OUTCOME_FORMS:
        return {
            "LBP_MEAN3": lbp_mean3(items),
            "RMDQ_SCORE": rmdq_score(items),
            "EQ5D_INDEX_DK": eq5d_index_dk(items),
        }
    if form == "screening":
        return {"MRI_ELIGIBLE": "Y" if mri_eligibility(items).eligible else "N"}
    return {}
