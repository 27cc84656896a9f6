"""What randomisation needs from the forms: a complete baseline whose minimisation factors and
primary outcome are values, not missing codes (CRF.md, "Missing answers")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.crf.context import FormContext
from domain.crf.dates import baseline_too_old
from domain.crf.validation import missing_items
from domain.wording import Message

# Baseline items randomisation needs as values: the minimisation factors and LBP_NOW.
NEEDED_AS_VALUES = {"baseline": ("SMOKER", "PHYSICAL_LOAD", "LBP_NOW"), "mri": ("MODIC_TYPE",)}


def form_readiness_problems(
    sheets: Mapping[str, Mapping[str, Any]], randomisation_day: date | None = None
) -> list[str]:
    """Why the baseline and MRI sheets do not allow randomisation yet (empty: they do); given
    the day of randomisation, a baseline more than 30 days older is one reason."""
    problems = []
    baseline = sheets.get("baseline")
    if baseline is not None and randomisation_day is not None:
        too_old = baseline_too_old(baseline, randomisation_day)
        if too_old:
            problems.append(too_old)
    context = FormContext(today=date.max)  # completeness does not depend on dates
    for form, names in NEEDED_AS_VALUES.items():
        sheet = sheets.get(form)
        if sheet is None:
            continue
        missing = missing_items(form, sheet, context)
        if missing:
            problems.append(
                Message(
                    "the %(form)s form is incomplete (missing: %(missing)s)",
                    form=form,
                    missing=", ".join(missing),
                )
            )
        coded = [name for name in names if sheet.get(name) is None and name not in missing]
        if coded:
            problems.append(
                Message("%(items)s must be a value, not a missing code", items=", ".join(coded))
            )
    return problems
