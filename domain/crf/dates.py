"""Dates that must make sense together (CRF.md, "Dates"): hard rules, one message per item.

Every date lies between the trial's start and today; some follow a date of the same
participant (screening, consent, randomisation) or of the same form (an adverse event ends on
or after its onset). "Today" and the participant's dates come in the `FormContext`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.crf import messages
from domain.crf.context import FormContext
from domain.crf.items import ITEMS
from domain.protocol import TRIAL_START, VISIT_BY_KEY
from domain.wording import Message

SCREENING, CONSENT, RANDOMISATION = "screening", "consent", "randomisation"
_EVENT_WORDS = {
    SCREENING: "the screening date",
    CONSENT: "the consent date",
    RANDOMISATION: "the randomisation date",
}
# (form, date item) -> what it must be on or after: a participant date or an item of the form.
ON_OR_AFTER: dict[tuple[str, str], str] = {
    ("mri", "MRI_DATE"): SCREENING,
    ("consent", "CONSENT_DATE"): SCREENING,
    ("baseline", "ASSESS_DATE"): CONSENT,
    ("week10", "ASSESS_DATE"): RANDOMISATION,
    ("month12", "ASSESS_DATE"): RANDOMISATION,
    ("end_of_study", "EOS_DATE"): CONSENT,
    ("discontinuation", "DISC_DATE"): CONSENT,
    ("adverse_event", "AE_ONSET"): CONSENT,
    ("adverse_event", "AE_END"): "AE_ONSET",
}
# A baseline older than this many days on the day of randomisation must be repeated first.
BASELINE_MAX_AGE_DAYS = -(VISIT_BY_KEY["baseline"].window or (0, 0))[0]


def _bound(bound: str, values: Mapping[str, Any], context: FormContext) -> tuple[date | None, str]:
    if bound == SCREENING:
        return context.screening_date, _EVENT_WORDS[bound]
    if bound == CONSENT:
        return context.consent_date, _EVENT_WORDS[bound]
    if bound == RANDOMISATION:
        return context.randomised_on, _EVENT_WORDS[bound]
    value = values.get(bound)
    return (value if isinstance(value, date) else None), bound


def check_dates(form: str, values: Mapping[str, Any], context: FormContext) -> dict[str, str]:
    """A message for each date item of `form` breaking a date rule (typed values)."""
    errors: dict[str, str] = {}
    for spec in ITEMS[form]:
        value = values.get(spec.name)
        if not isinstance(value, date):
            continue
        if value > context.today:
            errors[spec.name] = messages.NOT_IN_FUTURE
            continue
        if value < TRIAL_START:
            errors[spec.name] = messages.before_trial_start(TRIAL_START.isoformat())
            continue
        bound_name = ON_OR_AFTER.get((form, spec.name))
        if bound_name is None or bound_name in errors:  # never against a date already wrong
            continue
        bound, words = _bound(bound_name, values, context)
        if bound is not None and value < bound:
            errors[spec.name] = messages.on_or_after(words, bound.isoformat())
    return errors


def baseline_too_old(baseline: Mapping[str, Any], randomisation_day: date) -> str | None:
    """Why the baseline is too old to randomise on `randomisation_day`, or None if it is not."""
    assessed = baseline.get("ASSESS_DATE")
    if not isinstance(assessed, str):
        return None
    age = (randomisation_day - date.fromisoformat(assessed)).days
    if age <= BASELINE_MAX_AGE_DAYS:
        return None
    return Message(
        "the baseline assessment (%(assessed)s) is %(age)s days old, more than %(limit)s: "
        "repeat the baseline and record it as a correction with a reason first",
        assessed=assessed,
        age=age,
        limit=BASELINE_MAX_AGE_DAYS,
    )
