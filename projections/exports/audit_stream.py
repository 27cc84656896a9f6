"""The whole audit trail as NDJSON: one JSON object per event, in store order, streamed.

Each line gives the position, time, event type and what it says in the trial's words (as the
trail words it: "MRI confirmed Modic changes"), aggregate, version, actor and the event's own
fields. Fields ending in `_hash` (password hashes, content hashes) are left out: the trail says
that a password changed, never what it hashes to. A blinded stream is read through the blinded
view, so arm-revealing events are not in it at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any
from uuid import UUID

from domain.event_words import event_words
from projections.exports.manifest import DigestingWriter, build_manifest
from projections.exports.source import Cut

HIDDEN_SUFFIX = "_hash"
ENVELOPE = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}
)


def _plain(value: Any) -> Any:
    """Event values as JSON values; nested mappings lose their hidden fields too."""
    if isinstance(value, Mapping):
        return {
            str(key): _plain(item)
            for key, item in value.items()
            if not str(key).endswith(HIDDEN_SUFFIX)
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_entry(position: int, event: Any) -> dict[str, Any]:
    fields = {key: value for key, value in vars(event).items() if key not in ENVELOPE}
    return {
        "position": position,
        "time": event.timestamp.isoformat(),
        "type": type(event).__qualname__,
        "words": event_words(type(event)),
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "actor": _plain(getattr(event, "actor", None)),
        "data": _plain(fields),
    }


def audit_line(position: int, event: Any) -> bytes:
    text = json.dumps(
        audit_entry(position, event), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return (text + "\n").encode("utf-8")


def write_audit_ndjson(cut: Cut, out: IO[bytes], file_name: str = "audit.ndjson") -> dict[str, Any]:
    """Write every event of the cut as one NDJSON line; returns the manifest."""
    target = DigestingWriter(out)
    for position, event in cut.events():
        target.write(audit_line(position, event))
    return build_manifest(cut, "audit", {file_name: target.digest})
