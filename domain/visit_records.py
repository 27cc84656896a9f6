"""What site staff record about visits and the protocol besides forms: a follow-up visit that
did not take place, and a protocol deviation.

The codes are the trial's choices (*assumed*: the trial's own lists are not published), kept
here in one place. Both records are checked here, purely; the use cases supply today's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from domain.errors import FormInvalid
from domain.itt import FOLLOW_UP_VISITS
from domain.protocol import TRIAL_START
from domain.text import normalise_line_breaks, text_problem
from domain.wording import Message

MAX_TEXT = 1000
# The visits that can be recorded as missed: the follow-up visits (each visit's own form
# records that it took place; baseline must be done before randomisation).
MISSABLE_VISITS: tuple[str, ...] = FOLLOW_UP_VISITS


class MissedReason(StrEnum):
    UNREACHABLE = "unreachable"
    DECLINED = "declined"
    ILL = "ill"
    SITE = "site"
    OTHER = "other"


MISSED_REASON_LABELS = {
    MissedReason.UNREACHABLE: "Participant could not be reached",
    MissedReason.DECLINED: "Participant declined the visit",
    MissedReason.ILL: "Participant ill or in hospital",
    MissedReason.SITE: "Not done by the site (scheduling, staff)",
    MissedReason.OTHER: "Other (text required)",
}


class DeviationKind(StrEnum):
    ELIGIBILITY = "eligibility"
    CONSENT = "consent"
    VISIT_SCHEDULE = "visit_schedule"
    ASSESSMENT = "assessment"
    BLINDING = "blinding"
    INTERVENTION = "intervention"
    OTHER = "other"


DEVIATION_KIND_LABELS = {
    DeviationKind.ELIGIBILITY: "Eligibility criteria",
    DeviationKind.CONSENT: "Informed consent",
    DeviationKind.VISIT_SCHEDULE: "Visit schedule",
    DeviationKind.ASSESSMENT: "Outcome assessment not done as the protocol says",
    DeviationKind.BLINDING: "Outcome assessor's blinding at risk",
    DeviationKind.INTERVENTION: "Intervention not given as allocated (reveals the arm)",
    DeviationKind.OTHER: "Other",
}
# A deviation in the delivery of the intervention names the intervention, so it reveals the
# arm: it is kept in the arm-revealing record, and blinded accounts may not record or see it.
ARM_REVEALING_DEVIATIONS = frozenset({DeviationKind.INTERVENTION})


@dataclass(frozen=True)
class MissedVisit:
    """A follow-up visit recorded as not done, and why."""

    visit: str
    reason: MissedReason
    text: str = ""

    def as_reason(self) -> dict[str, str]:
        return {"code": self.reason.value, "text": self.text}

    @classmethod
    def parse(cls, visit: Any, data: Mapping[str, Any]) -> MissedVisit:
        if visit not in MISSABLE_VISITS:
            allowed = ", ".join(MISSABLE_VISITS)
            raise FormInvalid(
                {
                    "visit": Message(
                        "Only a follow-up visit can be recorded as missed (%(allowed)s).",
                        allowed=allowed,
                    )
                }
            )
        code = data.get("reason")
        try:
            reason = MissedReason(str(code))
        except ValueError:
            allowed = ", ".join(r.value for r in MissedReason)
            raise FormInvalid(
                {
                    "reason": Message(
                        "Unknown reason %(code)s; use one of: %(allowed)s.",
                        code=repr(code),
                        allowed=allowed,
                    )
                }
            ) from None
        text = _text(data.get("text"), "text", required=reason is MissedReason.OTHER)
        return cls(str(visit), reason, text)


@dataclass(frozen=True)
class Deviation:
    """A protocol deviation as site staff record it: what kind, what happened, and when."""

    kind: DeviationKind
    description: str
    occurred_on: date

    @property
    def reveals_arm(self) -> bool:
        return self.kind in ARM_REVEALING_DEVIATIONS

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "description": self.description,
            "occurred_on": self.occurred_on.isoformat(),
        }

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, today: date, screened_on: date) -> Deviation:
        code = data.get("kind")
        try:
            kind = DeviationKind(str(code))
        except ValueError:
            allowed = ", ".join(k.value for k in DeviationKind)
            raise FormInvalid(
                {
                    "kind": Message(
                        "Unknown kind %(code)s; use one of: %(allowed)s.",
                        code=repr(code),
                        allowed=allowed,
                    )
                }
            ) from None
        description = _text(data.get("description"), "description", required=True)
        occurred_on = _date(data.get("occurred_on"), today=today, screened_on=screened_on)
        return cls(kind, description, occurred_on)


def recorded_deviation_key(number: int) -> str:
    """Where the participant's deviations (by form or kind) keep the site's deviation `number`."""
    return f"recorded:{number:02d}"


def _text(value: Any, field: str, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FormInvalid({field: "Must be text."})
    if len(value) > MAX_TEXT:
        raise FormInvalid({field: Message("At most %(limit)s characters.", limit=MAX_TEXT)})
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise FormInvalid({field: problem})
    text = normalise_line_breaks(value).strip()
    if required and not text:
        raise FormInvalid({field: "Required: say what happened."})
    return text


def _date(value: Any, *, today: date, screened_on: date) -> date:
    field = "occurred_on"
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise FormInvalid({field: "A date as YYYY-MM-DD is required."}) from None
    if day > today:
        raise FormInvalid({field: "The date cannot be in the future."})
    if day < max(TRIAL_START, screened_on):
        raise FormInvalid({field: "The date cannot be before the participant's screening."})
    return day
