"""`FormContext`: what validation needs to know beyond the items themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FormContext:
    """Facts from outside the form, passed in so that validation stays pure.

    `today` is the server's date ("not in the future"); `screening_date` is SCR_DATE and
    `consent_date` is CONSENT_DATE ("on or after" checks); `randomised_on` is day 0 of the visit
    windows; `arm` ("exercise" or "rest") decides which adherence items apply.
    """

    today: date
    screening_date: date | None = None
    consent_date: date | None = None
    randomised_on: date | None = None
    arm: str | None = None
