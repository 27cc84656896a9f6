"""Derived items: computed in `domain.crf`, stored in read models and exports, never typed in."""

from __future__ import annotations

from domain.crf.eligibility import CRITERIA, NO_MODIC_CHANGES
from domain.crf.items import ITEMS
from domain.crf.scoring import EQ5D_DK_CONSTANT, EQ5D_DK_DECREMENTS
from domain.crf.spec import YES_NO, ItemSpec

_DECREMENTS = ", ".join(
    f"{name.removeprefix('EQ5D_')} {level2 / 1000:.3f}/{level3 / 1000:.3f}"
    for name, (level2, level3) in EQ5D_DK_DECREMENTS.items()
)
_SCREENING_CRITERIA = "; ".join(text for name, text in CRITERIA.items() if name != NO_MODIC_CHANGES)

_OUTCOME_DERIVED = (
    ItemSpec(
        "LBP_MEAN3",
        "Mean low back pain (now, worst and typical)",
        "float",
        min=0,
        max=10,
        required=False,
        shown_decimals=1,
        note=(
            "mean of LBP_NOW, LBP_WORST_2W and LBP_TYPICAL_2W at full precision (shown with "
            "one decimal); empty (undefined) if any of the three is missing"
        ),
    ),
    ItemSpec(
        "RMDQ_SCORE",
        "Roland-Morris score",
        "integer",
        min=0,
        max=23,
        required=False,
        note=(
            "number of Y among RMDQ_01..RMDQ_23; with 1 or 2 items missing, prorated to 23 "
            "items (Y count x 23 / items answered, rounded half up); empty (undefined) if 3 or "
            "more are missing"
        ),
    ),
    ItemSpec(
        "EQ5D_INDEX_DK",
        "EQ-5D index (Danish TTO value set)",
        "float",
        min=-0.624,
        max=1,
        required=False,
        note=(
            f"Danish TTO value set (Wittrup-Jensen et al. 2009): 11111 = 1; otherwise "
            f"1 - {EQ5D_DK_CONSTANT / 1000:.3f} - decrements (level 2/level 3: {_DECREMENTS}); "
            "no N3 term; three decimals; empty (undefined) if any dimension is missing"
        ),
    ),
)

DERIVED: dict[str, tuple[ItemSpec, ...]] = {form: () for form in ITEMS}
DERIVED.update(
    {
        "screening": (
            ItemSpec(
                "MRI_ELIGIBLE",
                "Eligible for MRI",
                "yesno",
                codes=YES_NO,
                required=False,
                note=f"Y when all are met: {_SCREENING_CRITERIA}; otherwise N, naming those failed",
            ),
        ),
        "mri": (
            ItemSpec(
                "INCLUDED",
                "Included",
                "yesno",
                codes=YES_NO,
                required=False,
                note="Y when MRI_ELIGIBLE = Y and MODIC_PRESENT = Y",
            ),
        ),
        "baseline": (
            *_OUTCOME_DERIVED,
            ItemSpec(
                "BMI",
                "Body mass index (kg/m2)",
                "float",
                min=0,
                max=200,
                required=False,
                note="WEIGHT_KG / (HEIGHT_CM / 100)^2, one decimal rounded half up",
            ),
        ),
        "week10": _OUTCOME_DERIVED,
        "month12": _OUTCOME_DERIVED,
    }
)
