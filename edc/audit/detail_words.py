"""An audit row's details in words, in the reader's language, read from the stored fields.

The trail stores each event's own attributes (edc/audit/rendering.py); a page words them when
it is read: each field by its name in words, a form by its label, a role, a yes/no, a date and
a code by the words the protocol gives it. Fields that only link records (ids, versions, the
form key the row's own column already names) are left out. The phrases are English here and
go through the page's `translate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain import crf
from domain.crf.eligibility import CRITERIA
from domain.protocol import FORM_LABELS
from domain.randomisation_deviation import RandomisationDeviation
from domain.visit_records import DEVIATION_KIND_LABELS

# The name each shown field goes by.
FIELD_WORDS: dict[str, str] = {
    "name": "name",
    "role": "role",
    "site": "site",
    "blinded": "blinded",
    "blinding_reason": "reason for blinding",
    "screening_number": "screening number",
    "mri_eligible": "eligible for MRI",
    "failed_criteria": "criteria not met",
    "number": "number",
    "kind": "kind",
    "description": "description",
    "occurred_on": "occurred on",
    "randomised_on": "randomised on",
    "scope": "scope",
    "meaning": "meaning",
    "printed_name": "printed name",
    "incomplete": "incomplete",
    "incomplete_reason": "why incomplete",
    "form_version": "form version",
    "text": "text",
    "item": "item",
    "study_day": "study day",
    "channel": "channel",
    "visit": "visit",
    "signed_by": "signed by",
    "checks": "checks",
    "after_release": "after release",
    "as_of": "as of",
    "sequence_number": "sequence number",
    "decision": "decision",
    "message": "message",
    "enabled": "enabled",
    "arm": "arm",
    "probability": "probability",
}
# Fields that link records or repeat the row's own columns (the form is the row's "visit and
# form"; the participant its own column).
_LEFT_OUT = frozenset(
    {
        "originator_id_type",
        "participant_id",
        "participant_version",
        "record_version",
        "query_id",
        "link_id",
        "form",
        "key",
        "old_head",
        "new_head",
    }
)
# A randomisation deviation's description is the system's own sentence, in English; its kind
# says the same in words.
_LEFT_OUT_OF: dict[str, frozenset[str]] = {
    "Participant.RandomisationDeviationFound": frozenset({"description"}),
}
_DATES = frozenset({"occurred_on", "randomised_on", "as_of"})
_CODES = frozenset({"arm", "role", "scope", "meaning", "channel", "decision", "visit"})
YES, NO = "yes", "no"
CAUSE = "after a correction of %(form)s by %(user)s"
CAUSE_WITHOUT_USER = "after a correction of %(form)s"
FIELD = "%(field)s %(value)s"


@dataclass(frozen=True)
class Wording:
    """How a page puts phrases, codes and dates in the reader's language."""

    translate: Callable[[str], str]
    code: Callable[[Any], str]
    date: Callable[[Any], str]
    number: Callable[[Any], str]
    # The trial's clinical wording (the eligibility criteria) is the eCRF catalogue's.
    clinical: Callable[[str], str]


def details_words(row: Mapping[str, Any], wording: Wording) -> str:
    """The row's details as "field value; field value", in words; empty when none is shown."""
    details = row.get("details") or {}
    left_out = _LEFT_OUT | _LEFT_OUT_OF.get(str(row.get("type")), frozenset())
    shown: list[str] = []
    for name, value in details.items():
        if name in left_out or value is None or value == "" or value == []:
            continue
        if name == "cause":
            shown.append(_cause(row, wording))
            continue
        if name == "item":
            value = _item_label(row, str(value), wording)
        words = _field(name, value, wording)
        if words:
            shown.append(words)
    return "; ".join(shown)


def _item_label(row: Mapping[str, Any], item: str, wording: Wording) -> str:
    form = str(row.get("form") or "").partition(":")[0]
    spec = next((s for s in crf.ITEMS.get(form, ()) if s.name == item), None)
    return wording.clinical(spec.label) if spec else item


def _cause(row: Mapping[str, Any], wording: Wording) -> str:
    sheet = str(row.get("form") or "").partition(":")[0]
    form = wording.translate(FORM_LABELS.get(sheet, sheet))
    user = row.get("user")
    if user:
        return wording.translate(CAUSE) % {"form": form, "user": user}
    return wording.translate(CAUSE_WITHOUT_USER) % {"form": form}


def _field(name: str, value: Any, wording: Wording) -> str:
    words = _value(name, value, wording)
    field = FIELD_WORDS.get(name)
    if not field or not words:
        return words
    return wording.translate(FIELD) % {"field": wording.translate(field), "value": words}


def _decision(decision: Mapping[str, Any], wording: Wording) -> str:
    """A minimisation decision by its outcome: the arm and how likely it was (the factor levels
    and imbalances it weighed are the allocation report's)."""
    parts = [
        _field(name, decision[name], wording)
        for name in ("arm", "probability")
        if decision.get(name) is not None
    ]
    return ", ".join(parts)


def _value(name: str, value: Any, wording: Wording) -> str:
    if isinstance(value, bool):
        return wording.translate(YES if value else NO)
    if isinstance(value, float):
        return wording.number(value)
    if name in _DATES:
        return wording.date(value)
    if name == "failed_criteria" and isinstance(value, list):
        return ", ".join(wording.clinical(CRITERIA.get(str(c), str(c))) for c in value)
    if name == "kind":
        label = {k.value: v for k, v in DEVIATION_KIND_LABELS.items()}.get(str(value))
        return wording.translate(label) if label else wording.code(value)
    if name == "decision" and isinstance(value, Mapping):
        return _decision(value, wording)
    if isinstance(value, Mapping):
        return ", ".join(_field(str(k), v, wording) for k, v in value.items() if k not in _LEFT_OUT)
    if name in _CODES:
        return wording.code(value)
    if isinstance(value, list):
        return ", ".join(_value(name, v, wording) for v in value)
    return str(value)


def all_phrases() -> list[str]:
    """Every phrase worded here (for the translation catalogue)."""
    phrases = [*FIELD_WORDS.values(), YES, NO, CAUSE, CAUSE_WITHOUT_USER, FIELD]
    phrases += list(DEVIATION_KIND_LABELS.values())
    phrases += [deviation.value for deviation in RandomisationDeviation]
    return list(dict.fromkeys(phrases))
