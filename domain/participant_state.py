"""Where a participant stands: the one definition of status, eligibility, inclusion, key
dates, end of study and CONSORT stage.

A pure value over the few facts these depend on: the sheets that move a participant along
(`STANDING_FORMS`), the recorded outcome of screening and the day of randomisation. The
aggregate (`domain.participant`), the read model (`projections.projector`) and the exports
(`projections.exports.casebook`) each hold those facts their own way and build this value from
them, so none of them works out a status of its own. A blinded reader's facts are all
blinded-safe: none of the standing forms reveals the arm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from domain import crf
from domain.protocol import EosStatus

Items = Mapping[str, Any]

# The sheets a participant's standing is worked out from: a change to any other sheet leaves
# it as it was (a read model need not restate the participant for it).
STANDING_FORMS = frozenset({"screening", "mri", "consent", "baseline", "end_of_study"})
# The sheets inclusion depends on.
INCLUSION_FORMS = frozenset({"screening", "mri"})
NOT_INCLUDED_WITHOUT_MRI = crf.Eligibility(False, ("mri_not_done",))


@dataclass(frozen=True)
class ParticipantState:
    """One participant's standing, from their standing sheets (the forms not yet entered are
    None), the outcome of screening as recorded, and the day of randomisation."""

    screening: Items
    mri_eligibility: crf.Eligibility
    randomised_on: date | None = None
    mri: Items | None = None
    consent: Items | None = None
    baseline: Items | None = None
    end_of_study: Items | None = None

    @classmethod
    def of(
        cls,
        sheets: Mapping[str, Items],
        mri_eligibility: crf.Eligibility,
        randomised_on: date | None,
    ) -> ParticipantState:
        """From a participant's sheets by key (other sheets are ignored)."""
        return cls(
            screening=sheets["screening"],
            mri_eligibility=mri_eligibility,
            randomised_on=randomised_on,
            mri=sheets.get("mri"),
            consent=sheets.get("consent"),
            baseline=sheets.get("baseline"),
            end_of_study=sheets.get("end_of_study"),
        )

    # ---- eligibility --------------------------------------------------------------------

    @cached_property
    def inclusion(self) -> crf.Eligibility:
        """Eligible for MRI and Modic changes on it; not included while the MRI is not done."""
        if self.mri is None:
            return NOT_INCLUDED_WITHOUT_MRI
        return crf.inclusion(self.screening, self.mri)

    @property
    def included(self) -> bool:
        return self.mri is not None and self.inclusion.eligible

    # ---- end of study -------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self.end_of_study is not None

    @property
    def eos_status(self) -> str | None:
        return _item(self.end_of_study, "EOS_STATUS")

    @property
    def eos_reason(self) -> str | None:
        # An empty reason is no reason.
        return _item(self.end_of_study, "EOS_REASON") or None

    # ---- key dates, as entered (ISO text) -----------------------------------------------

    @property
    def screened_on(self) -> str | None:
        return _item(self.screening, "SCR_DATE")

    @property
    def mri_on(self) -> str | None:
        return _item(self.mri, "MRI_DATE")

    @property
    def consent_on(self) -> str | None:
        return _item(self.consent, "CONSENT_DATE")

    @property
    def ended_on(self) -> str | None:
        return _item(self.end_of_study, "EOS_DATE")

    # ---- where the participant stands ---------------------------------------------------

    @property
    def status(self) -> str:
        """Where the participant stands in the trial (blinded-safe: no arm)."""
        if self.end_of_study is not None:
            eos = self.eos_status
            return "completed" if eos == EosStatus.COMPLETED else f"ended: {eos}"
        if self.randomised_on is not None:
            return "randomised"
        if not self.mri_eligibility.eligible:
            return "screen failure"
        if self.mri is None:
            return "awaiting MRI"
        if not self.inclusion.eligible:
            return "excluded at MRI"
        if self.consent is None:
            return "awaiting consent"
        if self.baseline is None:
            return "awaiting baseline"
        return "ready to randomise"

    def consort_stage(self) -> dict[str, Any]:
        """Where the participant falls in the enrolment part of the CONSORT flow.

        Randomised comes first: once randomised, always counted (intention to treat), even
        when a screening item is later corrected to ineligible.
        """
        if self.randomised_on is not None:
            return {"stage": "randomised"}
        if not self.mri_eligibility.eligible:
            return {
                "stage": "screen_failure",
                "criteria": list(self.mri_eligibility.failed_criteria),
            }
        if self.mri is not None and not self.inclusion.eligible:
            return {"stage": "excluded_mri"}
        if self.eos_status is not None:
            if self.eos_status == EosStatus.WITHDREW_CONSENT:
                return {"stage": "declined"}
            return {"stage": "other", "reason": self.eos_status}
        return {"stage": "pending"}


def _item(sheet: Items | None, item: str) -> Any:
    return sheet.get(item) if sheet is not None else None
