"""CONSORT 2010 flow counts at a cut of the event store, and the check that they add up.

The counting and its definitions are shared with the read models (`projections.consort`), so
the diagram and the dashboard count alike; here each participant's record is built from their
events up to the cut. A blinded cut has no arm, so its counts are totals only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import EdcError
from projections.consort import adherence_received, check_consort, count_consort
from projections.exports.casebook import Casebook, casebooks
from projections.exports.source import Cut
from projections.participant_state import consort_stage


class ConsortArithmeticError(EdcError):
    """Raised when the flow diagram's numbers do not add up; the diagram is not drawn."""

    code = "consort_arithmetic"


def consort_record(casebook: Casebook) -> dict[str, Any]:
    """Where one participant stands in the CONSORT flow at the cut."""
    participant = casebook.participant
    sheets = participant.sheets
    eligibility = participant.mri_eligibility
    end = sheets.get("end_of_study")
    row = {
        "mri_eligible": eligibility.eligible,
        "failed_criteria": list(eligibility.failed_criteria),
        "included": participant.inclusion.eligible,
        "randomised_on": participant.randomised_on,
        "eos_status": end.get("EOS_STATUS") if end else None,
    }
    record = consort_stage(row, "mri" in sheets)
    record["arm"] = casebook.arm
    if record["stage"] == "randomised":
        record["week10"] = "week10" in sheets
        record["month12"] = "month12" in sheets
        record["eos_status"] = row["eos_status"]
        adherence = sheets.get("adherence")  # never present in a blinded cut
        # Without an adherence form, receipt is unknown: counted as "no adherence record".
        if adherence is not None:
            record["received"] = adherence_received(casebook.arm, adherence)
    return {key: value for key, value in record.items() if value is not None}


def consort_counts(cut: Cut) -> dict[str, Any]:
    """The diagram's boxes at the cut, checked; raises ConsortArithmeticError if broken."""
    counts = count_consort(
        (consort_record(casebook) for casebook in casebooks(cut)), blinded=cut.view.blinded
    )
    require_consistent(counts)
    return counts


def require_consistent(counts: Mapping[str, Any]) -> None:
    problems = check_consort(counts)
    if problems:
        raise ConsortArithmeticError(
            "The CONSORT numbers do not add up: " + "; ".join(problems) + "."
        )
