"""Protocol deviations that a correction after randomisation reveals about the randomisation.

A randomised participant keeps their allocation (intention to treat) whatever is corrected
later. But when a corrected screening or MRI item shows they were not eligible, or a corrected
minimisation factor shows minimisation decided on a wrong level, the randomisation itself was
a deviation. Both are worked out from the participant's own values as they stood when
randomised (kept by the participant aggregate), compared with the same values as corrected:
never from the allocation's decision record, which reveals the arm, so blinded monitors see
these deviations too.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from domain import crf
from domain.minimisation import FACTORS, factor_levels

Items = Mapping[str, Any]
# The forms whose values randomisation depended on (eligibility and minimisation factors).
RANDOMISATION_FORMS = ("screening", "mri", "baseline")


class RandomisationDeviation(StrEnum):
    INELIGIBLE = "randomised while ineligible"
    WRONG_FACTOR_LEVEL = "randomised on a wrong factor level"


def _levels(sheets: Mapping[str, Items]) -> dict[str, str] | None:
    """The factor levels, or None when they cannot be worked out (a value outside strata)."""
    try:
        return factor_levels(sheets["screening"], sheets["mri"], sheets["baseline"])
    except (KeyError, ValueError):
        return None


def randomisation_deviations(
    as_randomised: Mapping[str, Items], corrected: Mapping[str, Items]
) -> dict[RandomisationDeviation, str]:
    """The deviations the corrected values reveal, each with a description.

    `as_randomised` and `corrected` hold the screening, MRI and baseline sheets: as they stood
    when the participant was randomised, and as they stand after the correction.
    """
    found: dict[RandomisationDeviation, str] = {}
    inclusion = crf.inclusion(corrected["screening"], corrected["mri"])
    if not inclusion.eligible:
        criteria = "; ".join(crf.describe_criterion(c) for c in inclusion.failed_criteria)
        found[RandomisationDeviation.INELIGIBLE] = (
            f"Randomised while ineligible, as corrected: {criteria}. The allocation stands "
            "(intention to treat)."
        )
    used, correct = _levels(as_randomised), _levels(corrected)
    # A value outside every stratum (an age over 60) is an eligibility matter, not a level.
    if isinstance(used, dict) and isinstance(correct, dict) and used != correct:
        wrong = [
            f"{factor} randomised as {used[factor]}, corrected to {correct[factor]}"
            for factor in FACTORS
            if used[factor] != correct[factor]
        ]
        found[RandomisationDeviation.WRONG_FACTOR_LEVEL] = (
            f"Randomised on a wrong minimisation factor level: {'; '.join(wrong)}. The "
            "allocation stands (intention to treat)."
        )
    return found


def randomisation_deviations_of(deviations: Mapping[str, str]) -> dict[str, str]:
    """The randomisation deviations among a participant's recorded deviations (by kind)."""
    kinds = {kind.value for kind in RandomisationDeviation}
    return {kind: text for kind, text in deviations.items() if kind in kinds}
