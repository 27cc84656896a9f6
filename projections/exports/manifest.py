"""The manifest that states what an export contains: position, time, view, chain head, digests.

Everything in it comes from the cut (never the wall clock), so the same cut gives the same
manifest byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from eventsourcing.utils import get_topic

from domain.database_lock import DatabaseLock
from domain.protocol import STUDY_OID
from projections.exports.source import Cut

CHUNK = 1 << 16


@dataclass(frozen=True)
class Digest:
    sha256: str
    bytes: int


class DigestingWriter:
    """Writes through to a binary file while computing the sha256 and the size."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self._hash = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self._size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()

    @property
    def digest(self) -> Digest:
        return Digest(self._hash.hexdigest(), self._size)


def copy_digesting(source: IO[bytes], target: IO[bytes]) -> Digest:
    writer = DigestingWriter(target)
    while chunk := source.read(CHUNK):
        writer.write(chunk)
    return writer.digest


LOCK_TOPICS = tuple(
    get_topic(cls)
    for cls in (DatabaseLock.Locked, DatabaseLock.UnblindedDataReleased, DatabaseLock.Unlocked)
)


def database_lock_at(cut: Cut) -> dict[str, Any]:
    """The database lock as it stood at the cut: open, locked or released, and how often it
    was unlocked after a release (every export after such an unlock says so)."""
    state, release_from, unlocks_after_release = "open", None, 0
    for notification in cut.notifications(topics=LOCK_TOPICS):
        event = cut.decode(notification)
        if isinstance(event, DatabaseLock.Locked):
            state = "locked"
        elif isinstance(event, DatabaseLock.UnblindedDataReleased):
            state, release_from = "released", event.from_position
        elif isinstance(event, DatabaseLock.Unlocked):
            state, release_from = "open", None
            unlocks_after_release += 1 if event.after_release else 0
    return {
        "state": state,
        "unblinded_release_from": release_from,
        "unlocked_after_release": unlocks_after_release,
    }


def build_manifest(cut: Cut, kind: str, files: Mapping[str, Digest]) -> dict[str, Any]:
    return {
        "database_lock": database_lock_at(cut),
        "study": STUDY_OID,
        "kind": kind,
        "view": cut.view.value,
        "as_of": cut.as_of,
        "as_of_time": cut.last_event_time().isoformat(),
        "chain_head": cut.chain_head(),
        "files": {
            name: {"sha256": digest.sha256, "bytes": digest.bytes} for name, digest in files.items()
        },
    }


def manifest_json(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
