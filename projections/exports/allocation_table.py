"""The allocation decisions of the unblinded snapshot: how minimisation chose each arm.

One row per randomised participant with the factor levels the decision used, the imbalance
score of each arm, the preferred arm, its probability, the random draw and the arm, so that an
unblinded statistician can re-check the allocation sequence from the export alone. The person
randomising never sees these (allocation concealment); blinded snapshots never hold the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from domain.allocation import randomisation_number
from domain.minimisation import FACTOR_LEVELS, FACTORS
from domain.protocol import ARM_LABELS, ARMS
from projections.exports.casebook import Casebook
from projections.exports.values import as_text

ALLOCATION = "allocation"

LEVEL_COLUMNS: dict[str, str] = {factor: f"MIN_{factor.upper()}" for factor in FACTORS}
IMBALANCE_COLUMNS: dict[str, str] = {arm.value: f"IMBALANCE_{arm.value.upper()}" for arm in ARMS}

COLUMNS: tuple[str, ...] = (
    "participant_id",
    "screening_number",
    "randomisation_number",
    "allocated_at",
    "allocated_by",
    "method",
    *LEVEL_COLUMNS.values(),
    *IMBALANCE_COLUMNS.values(),
    "PREFERRED_ARM",
    "PROBABILITY",
    "DRAW",
    "ARM",
)


def allocation_rows(casebook: Casebook) -> Iterator[list[str]]:
    """The participant's allocation decision as one row (none before randomisation)."""
    allocated = casebook.allocation
    if allocated is None:
        return
    decision = allocated.decision
    levels = decision.get("levels", {})
    imbalance = decision.get("imbalance", {})
    yield [
        str(casebook.id),
        casebook.screening_number,
        randomisation_number(allocated.sequence_number),
        allocated.timestamp.isoformat(),
        str(allocated.actor.get("user", "")),
        str(decision.get("method", "")),
        *(as_text(levels.get(factor)) for factor in LEVEL_COLUMNS),
        *(as_text(imbalance.get(arm)) for arm in IMBALANCE_COLUMNS),
        as_text(decision.get("preferred")),
        as_text(decision.get("probability")),
        as_text(decision.get("draw")),
        as_text(decision.get("arm")),
    ]


def _arm_codes() -> str:
    return "; ".join(f"{arm.value}={label}" for arm, label in ARM_LABELS.items())


@dataclass(frozen=True)
class ColumnDescription:
    """One column of the allocation file, as the data dictionary describes it."""

    item: str
    label: str
    type: str
    codes: str = ""
    required: str = "yes"
    note: str = ""


def described_columns() -> Iterator[ColumnDescription]:
    yield ColumnDescription(
        "participant_id", "Participant identifier", "text", note="joins participants.csv"
    )
    yield ColumnDescription("screening_number", "Screening number", "text")
    yield ColumnDescription(
        "randomisation_number", "Randomisation number", "text", note="R-001, R-002, ..."
    )
    yield ColumnDescription("allocated_at", "Time of the allocation", "text", note="ISO 8601, UTC")
    yield ColumnDescription("allocated_by", "Account that randomised", "text")
    yield ColumnDescription("method", "Allocation method", "text", note="minimisation variant")
    for factor, column in LEVEL_COLUMNS.items():
        yield ColumnDescription(
            column,
            f"Minimisation factor {factor.replace('_', ' ')} as the decision used it",
            "code",
            "; ".join(f"{level}={level}" for level in FACTOR_LEVELS[factor]),
        )
    for arm, column in IMBALANCE_COLUMNS.items():
        yield ColumnDescription(
            column,
            f"Imbalance score if allocated to {arm}",
            "float",
            note="sum over factors of the range of arm counts at the participant's levels",
        )
    yield ColumnDescription(
        "PREFERRED_ARM", "Arm minimisation preferred", "code", _arm_codes(), "no", "empty on a tie"
    )
    yield ColumnDescription(
        "PROBABILITY", "Probability of the preferred arm", "float", note="0.5 on a tie"
    )
    yield ColumnDescription("DRAW", "Uniform random draw that decided", "float", note="in [0, 1)")
    yield ColumnDescription("ARM", "Allocated arm", "code", _arm_codes())
