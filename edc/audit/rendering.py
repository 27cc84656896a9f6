"""One audit row per event, for any event class: who, role, site, when (UTC), why, what changed.

The rendering is generic so that event classes added later (queries, signatures, locks,
accounts) appear in the trail without code here. It reads the conventional attributes
`actor`, `timestamp`, `reason`, `changes` (item -> [old, new]) and `items` (a first entry),
and shows the remaining attributes as details. Attributes whose names contain "hash", "token",
"password" or "secret" are never shown, at any depth: credentials stay out of the trail.
Blinding is the caller's job: rows are rendered only for events the reader may see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

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
_SUMMARY_CHANGES = 3


def render_event(
    event: Any, position: int, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The audit row of one domain event stored at `position`.

    `context` supplies attributes the event itself lacks, e.g. the form of a query for the
    events after the one that raised it.
    """
    attributes = {**(context or {}), **vars(event)}
    actor = attributes.get("actor") or {}
    sheet = attributes.get("key") or attributes.get("form")
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
        "reason": _reason(attributes.get("reason")),
        "changes": changes,
        "details": {
            name: _plain(value)
            for name, value in vars(event).items()
            if name not in _STRUCTURAL and not HIDDEN.search(name)
        },
    }
    row["words"] = event_words(type(event))
    row["summary"] = summarise(event_type, row["details"], changes, attributes, row["words"])
    return row


def event_type_name(cls: type) -> str:
    """`Participant.FormCorrected` for a nested event class."""
    return cls.__qualname__


def event_words(cls: type) -> str:
    """What happened in the trial's words: a milestone's own wording (its `WORDS`), else the
    event's name."""
    words = getattr(cls, "WORDS", None)
    return words if isinstance(words, str) else cls.__name__


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
