"""CONSORT 2010 flow counts at a cut of the event store, and the check that they add up.

The counting and its definitions are shared with the read models (`projections.consort`), so
the diagram and the dashboard count alike; here each participant's record is built from their
events up to the cut. A blinded cut has no arm, so its counts are totals only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import EdcError
from domain.itt import FOLLOW_UP_VISITS
from domain.protocol import ARM_REVEALING_FORMS
from projections.consort import arm_record, check_consort, count_consort, follow_up_record
from projections.exports.casebook import Casebook, casebooks
from projections.exports.source import Cut
from projections.reports.visits import cut_off_date


class ConsortArithmeticError(EdcError):
    """Raised when the flow diagram's numbers do not add up; the diagram is not drawn."""

    code = "consort_arithmetic"


def consort_record(casebook: Casebook) -> dict[str, Any]:
    """Where one participant stands in the CONSORT flow at the cut."""
    participant = casebook.participant
    sheets = participant.sheets
    state = casebook.state
    record = state.consort_stage()
    if record["stage"] == "randomised":
        row = {
            "randomised_on": state.randomised_on,
            "ended_on": state.ended_on,
            "eos_status": state.eos_status,
            "missed_visits": participant.missed_visits,
        }
        record |= follow_up_record(row, {visit: sheets.get(visit) for visit in FOLLOW_UP_VISITS})
        # Arm-revealing sheets are never present in a blinded cut.
        arm_sheets = {
            key: items for key, items in sheets.items() if key.split(":")[0] in ARM_REVEALING_FORMS
        }
        record |= arm_record(casebook.arm, arm_sheets)
    return {key: value for key, value in record.items() if value is not None}


def consort_counts(cut: Cut) -> dict[str, Any]:
    """The diagram's boxes at the cut, checked; raises ConsortArithmeticError if broken."""
    cut_off = cut_off_date(cut) if cut.as_of else None
    counts = count_consort(
        (consort_record(casebook) for casebook in casebooks(cut)),
        blinded=cut.view.blinded,
        cut_off=cut_off,
    )
    require_consistent(counts)
    return counts


def require_consistent(counts: Mapping[str, Any]) -> None:
    problems = check_consort(counts)
    if problems:
        raise ConsortArithmeticError(
            "The CONSORT numbers do not add up: " + "; ".join(problems) + "."
        )
