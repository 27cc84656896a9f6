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
from domain.wording import Label, Message, Word
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


@dataclass(frozen=True)
class ColumnDescription:
    """One column of the allocation file, as the data dictionary describes it: the label is the
    trial's wording, the codes pair each code with its label, the note is the dictionary's own
    phrase; what reads the same in every language (a format, a range) is plain text."""

    item: str
    label: str
    type: str
    codes: tuple[tuple[str, str], ...] = ()
    required: bool = True
    note: str = ""


def factor_label(factor: str) -> Label:
    """A minimisation factor named in words ("physical load"), as the trial words it."""
    return Label(factor.replace("_", " "))


_ARM_CODES = tuple((arm.value, label) for arm, label in ARM_LABELS.items())


def described_columns() -> Iterator[ColumnDescription]:
    yield ColumnDescription(
        "participant_id",
        Label("Participant identifier"),
        "text",
        note=Message("joins participants.csv"),
    )
    yield ColumnDescription("screening_number", Label("Screening number"), "text")
    yield ColumnDescription(
        "randomisation_number", Label("Randomisation number"), "text", note="R-001, R-002, ..."
    )
    yield ColumnDescription(
        "allocated_at", Label("Time of the allocation"), "text", note="ISO 8601, UTC"
    )
    yield ColumnDescription("allocated_by", Label("Account that randomised"), "text")
    yield ColumnDescription(
        "method", Label("Allocation method"), "text", note=Message("minimisation variant")
    )
    for factor, column in LEVEL_COLUMNS.items():
        yield ColumnDescription(
            column,
            Message(
                "Minimisation factor %(factor)s as the decision used it",
                factor=factor_label(factor),
            ),
            "code",
            tuple((level, level) for level in FACTOR_LEVELS[factor]),
        )
    for arm, column in IMBALANCE_COLUMNS.items():
        yield ColumnDescription(
            column,
            Message("Imbalance score if allocated to %(arm)s", arm=Word(arm)),
            "float",
            note=Message("sum over factors of the range of arm counts at the participant's levels"),
        )
    yield ColumnDescription(
        "PREFERRED_ARM",
        Label("Arm minimisation preferred"),
        "code",
        _ARM_CODES,
        required=False,
        note=Message("empty on a tie"),
    )
    yield ColumnDescription(
        "PROBABILITY",
        Label("Probability of the preferred arm"),
        "float",
        note=Message("0.5 on a tie"),
    )
    yield ColumnDescription(
        "DRAW", Label("Uniform random draw that decided"), "float", note=Message("in [0, 1)")
    )
    yield ColumnDescription("ARM", Label("Allocated arm"), "code", _ARM_CODES)
