"""One audit row per event, for any event class: who, role, site, when (UTC), why, what changed.

The rendering is generic so that event classes added later (queries, signatures, locks,
accounts) appear in the trail without code here. It reads the conventional attributes
`actor`, `timestamp`, `reason`, `changes` (item -> [old, new]) and `items` (a first entry),
and shows the remaining attributes as details. Attributes whose names contain "hash", "token",
"password" or "secret" are never shown, at any depth: credentials stay out of the trail.
Blinding is the caller's job: rows are rendered only for events the reader may see.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.blinding import CLASSIFICATION
from domain.event_words import event_words, split_words
from domain.participant import Participant
from domain.protocol import FORM_LABELS, REASON_LABELS, VISIT_BY_KEY, VISIT_OF_FORM, ReasonCode
from domain.visit_records import MISSED_REASON_LABELS
from domain.wording import message_from_record
from edc.audit.detail_words import all_phrases as detail_phrases

HIDDEN = re.compile(r"hash|token|password|secret", re.IGNORECASE)
# Attributes the row shows in its own columns, or that only the event store needs.
_STRUCTURAL = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "actor",
        "reason",
        "changes",
        "items",
    }
)
# A message kept with its id and holes (a refusal's, domain.wording.message_record) is shown as
# the one message it is, for a page to read again in the reader's language.
_MESSAGE_RECORD = frozenset({"message_id", "message_params"})
_SUMMARY_CHANGES = 3

# A browser session's start and end in words. The session's id is the key its cookie opens, so
# the trail never prints it: it names the session by a short reference derived from the id (the
# same on the login and on the logout that ends it), which lets a monitor pair the two.
SESSION_WORDS: dict[str, str] = {
    "User.LoginSucceeded": "Logged in with user name and password (session %(session)s)",
    "User.LoggedOut": "Logged out (session %(session)s)",
}
SESSION_WORDS_WITHOUT_ID: dict[str, str] = {
    "User.LoginSucceeded": "Logged in with user name and password",
    "User.LoggedOut": "Logged out",
}
_SESSION_REFERENCE_LENGTH = 6
# A reason code as the trail reads it (reasons for change, and why a visit was missed): the
# reason's label, without the form's hint for "other" (its text follows).
REASON_WORDS: dict[str, str] = {
    **{code.value: label for code, label in MISSED_REASON_LABELS.items()},
    **{code.value: label for code, label in REASON_LABELS.items()},
    ReasonCode.OTHER.value: "Other",
}
# Events that record a form's first values without naming the form: screening records the
# screening form's items in the event that creates the participant.
_FORM_RECORDED_BY: tuple[tuple[type, str], ...] = ((Participant.Screened, "screening"),)


def render_event(
    event: Any, position: int, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The audit row of one domain event stored at `position`.

    `context` supplies attributes the event itself lacks, e.g. the form of a query for the
    events after the one that raised it.
    """
    attributes = {**(context or {}), **vars(event)}
    actor = attributes.get("actor") or {}
    sheet = sheet_of(event, attributes)
    changes = _changes(attributes, sheet)
    event_type = event_type_name(type(event))
    row: dict[str, Any] = {
        "position": position,
        "time": utc_iso(event.timestamp),
        "type": event_type,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "user": actor.get("user"),
        "role": actor.get("role"),
        "site": actor.get("site"),
        # How the person proved who they were: a session, an API token (`via_id`: the token's
        # public id, never its secret), or a shell command run by a named operating-system user.
        "via": actor.get("via"),
        "via_id": actor.get("token_id"),
        "operator": actor.get("operator"),
        "reason": _reason(attributes.get("reason")),
        "form": sheet,
        "visit": attributes.get("visit") if isinstance(attributes.get("visit"), str) else None,
        "changes": changes,
        "details": {
            name: _plain(value)
            for name, value in vars(event).items()
            if name not in _STRUCTURAL | _MESSAGE_RECORD and not HIDDEN.search(name)
        },
    }
    if isinstance(row["details"].get("message"), str):
        row["details"]["message"] = message_from_record(
            row["details"]["message"],
            attributes.get("message_id"),
            attributes.get("message_params"),
        )
    row["words"] = event_words(type(event))
    message = summary_message(event_type, attributes)
    if message is not None:
        row["summary_message"] = {"id": message[0], "parameters": message[1]}
        row["summary"] = message[0] % message[1]
    else:
        row["summary"] = summarise(event_type, row["details"], changes, attributes, row["words"])
    return row


def session_reference(session_id: str) -> str:
    """A short name for a browser session that does not give away its id."""
    digest = hashlib.sha256(session_id.encode("utf-8")).hexdigest()
    return digest[:_SESSION_REFERENCE_LENGTH]


def summary_message(
    event_type: str, attributes: Mapping[str, Any]
) -> tuple[str, dict[str, str]] | None:
    """The summary of an event worded as a catalogue message and its parameters, for events
    whose details are not shown as they are stored (a session's id)."""
    if event_type not in SESSION_WORDS:
        return None
    session_id = attributes.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        return SESSION_WORDS_WITHOUT_ID[event_type], {}
    return SESSION_WORDS[event_type], {"session": session_reference(session_id)}


def event_type_name(cls: type) -> str:
    """`Participant.FormCorrected` for a nested event class."""
    return cls.__qualname__


def event_type_choices(classes: Iterable[type]) -> list[tuple[str, str]]:
    """(filter value, words) per event type a reader may filter by, in the order of the words.

    A review step's mixin event is worded as the participant's own event that specialises it
    (the one stored), so only the specialised one is offered.
    """
    listed = list(classes)
    offered = [
        cls
        for cls in listed
        if not any(other is not cls and issubclass(other, cls) for other in listed)
        or not cls.__qualname__.split(".")[0].endswith("Mixin")
    ]
    return sorted(
        ((cls.__qualname__, event_words(cls)) for cls in offered),
        key=lambda choice: (choice[1].lower(), choice[0]),
    )


def reason_words(reason: Mapping[str, Any] | None, translate: Callable[[str], str] = str) -> str:
    """A row's reason in words: the reason code's label and the text given, if any.
    `translate` puts the label in the reader's language (the text stays as typed)."""
    if not reason:
        return ""
    code, text = reason.get("code"), (reason.get("text") or "").strip()
    label = REASON_WORDS.get(code, split_words(str(code)).replace("_", " ")) if code else ""
    label = translate(label) if label else ""
    return f"{label}: {text}" if label and text else label or text


def sheet_of(event: Any, attributes: Mapping[str, Any] | None = None) -> str | None:
    """The sheet (form, or form:repeat) whose items an event records or concerns, if any."""
    attributes = vars(event) if attributes is None else attributes
    sheet = attributes.get("key") or attributes.get("form")
    if isinstance(sheet, str):
        return sheet
    return next((form for cls, form in _FORM_RECORDED_BY if isinstance(event, cls)), None)


# How a repeat of a repeating form is named (weekly reports by week, adverse events by number).
WEEK_OF_FORM = "%(form)s, week %(number)s"
NUMBER_OF_FORM = "%(form)s no. %(number)s"


def form_words(sheet: str | None, translate: Callable[[str], str] = str) -> str:
    """A sheet as people name it: the form's label, and the repeat (week, AE number)."""
    if not sheet:
        return ""
    form, _, repeat = sheet.partition(":")
    label = translate(FORM_LABELS.get(form, form))
    if not repeat:
        return label
    number = repeat.lstrip("0") or "0"
    pattern = WEEK_OF_FORM if form == "weekly" else NUMBER_OF_FORM
    return translate(pattern) % {"form": label, "number": number}


def visit_words(sheet: str | None) -> str:
    """The protocol visit a sheet belongs to, in words."""
    visit = VISIT_OF_FORM.get((sheet or "").partition(":")[0])
    return visit.label if visit else ""


def sheet_words(
    sheet: str | None, visit_key: str | None = None, translate: Callable[[str], str] = str
) -> str:
    """Visit and form in words ("Week 10 · Adherence to intervention"); the visit once when
    the form's name already says it ("Baseline", "Week 10 outcomes"); the visit alone for an
    event about a visit rather than a form (a missed visit). `translate` puts each part in the
    reader's language."""
    if not sheet:
        visit_def = VISIT_BY_KEY.get(visit_key or "")
        return translate(visit_def.label) if visit_def else ""
    form, visit = form_words(sheet), visit_words(sheet)
    if not visit or form.startswith(visit):
        return form_words(sheet, translate)
    return f"{translate(visit)} · {form_words(sheet, translate)}"


def all_words() -> list[str]:
    """Every phrase the trail shows from here (for the translation catalogue)."""
    phrases = [event_words(cls) for cls in CLASSIFICATION]
    # (Form names are the eCRF catalogue's: web/i18n.py reads them there.)
    phrases += list(REASON_WORDS.values())
    phrases += [visit.label for visit in VISIT_BY_KEY.values()]
    phrases += [WEEK_OF_FORM, NUMBER_OF_FORM]
    phrases += [*SESSION_WORDS.values(), *SESSION_WORDS_WITHOUT_ID.values()]
    phrases += detail_phrases()
    return list(dict.fromkeys(phrases))


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def summarise(
    event_type: str,
    details: Mapping[str, Any],
    changes: list[dict[str, Any]],
    attributes: Mapping[str, Any],
    words: str | None = None,
) -> str:
    kind = words or event_type.rpartition(".")[2]
    sheet = attributes.get("key") or attributes.get("form")
    if not isinstance(sheet, str):
        sheet = None
    if changes and attributes.get("changes") is not None:
        shown = "; ".join(
            f"{c['item']} {_short(c['old'])} -> {_short(c['new'])}"
            for c in changes[:_SUMMARY_CHANGES]
        )
        hidden = len(changes) - _SUMMARY_CHANGES
        more = f" (+{hidden} more)" if hidden > 0 else ""
        return f"{kind}{' ' + sheet if sheet else ''}: {shown}{more}"
    if changes:
        return f"{kind}{' ' + sheet if sheet else ''}: {len(changes)} items entered"
    shown = ", ".join(f"{name}={_short(value)}" for name, value in details.items())
    return f"{kind}: {shown}" if shown else kind


def _changes(attributes: Mapping[str, Any], sheet: str | None) -> list[dict[str, Any]]:
    changes = attributes.get("changes")
    if isinstance(changes, Mapping):
        return [
            {"form": sheet, "item": item, "old": _plain(pair[0]), "new": _plain(pair[1])}
            for item, pair in changes.items()
            if not HIDDEN.search(str(item))
        ]
    items = attributes.get("items")
    if isinstance(items, Mapping):
        return [
            {"form": sheet, "item": item, "old": None, "new": _plain(value)}
            for item, value in items.items()
            if not HIDDEN.search(str(item))
        ]
    return []


def _reason(reason: Any) -> dict[str, Any] | None:
    if reason is None:
        return None
    if isinstance(reason, Mapping):
        return {"code": reason.get("code"), "text": reason.get("text") or ""}
    return {"code": None, "text": str(reason)}


def _plain(value: Any) -> Any:
    """JSON-ready values, with hidden keys dropped from nested mappings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if not HIDDEN.search(str(k))}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _short(value: Any, limit: int = 40) -> str:
    text = "(empty)" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
