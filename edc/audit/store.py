"""Which recorder seals the chain for which event store, and how to reach it from the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import Environment

from edc.audit.links import Link, LinkRow, StoredRow

# The library builds the recorder named by this key; the chain needs a sealing one.
RECORDER_KEY = "APPLICATION_RECORDER_TOPIC"
SEALING_RECORDERS = {
    "eventsourcing.sqlite": "edc.audit.sqlite_chain:SealingSQLiteRecorder",
    "eventsourcing.postgres": "edc.audit.postgres_chain:SealingPostgresRecorder",
}


class ChainUnavailable(RuntimeError):
    """Raised when the application's event store has no audit chain (e.g. in-memory)."""


class HeadNoter(Protocol):
    """Told each committed head (position, link), to anchor it outside the store."""

    def note(self, position: int, link: bytes) -> None: ...
    def flush(self) -> None: ...


class ChainRecorder(Protocol):
    """What the sealing recorders offer beyond the library's application recorder."""

    def seal_unsealed(self, page_size: int = 1000) -> Link | None: ...
    def older_format_from(self) -> int | None: ...
    def reseal_from(self, position: int, page_size: int = 1000) -> tuple[Link | None, int]: ...
    def stored_rows(self, after: int, upto: int, limit: int) -> list[StoredRow]: ...
    def chain_rows(self, after: int, upto: int, limit: int) -> list[LinkRow]: ...
    def id_value(self, raw: bytes) -> UUID | str: ...
    def chain_head(self) -> Link | None: ...
    def chain_link_at_or_before(self, position: int) -> Link | None: ...
    def chain_link_of(self, originator_id: UUID | str, version: int) -> Link | None: ...
    def event_position(self, originator_id: UUID | str, version: int) -> int | None: ...
    def versions_after(self, position: int, limit: int) -> list[tuple[int, UUID | str, int]]: ...
    def positions_concerning(self, participant_id: UUID) -> list[int]: ...
    def notifications_at(self, positions: Sequence[int]) -> list[Notification]: ...
    def chain_count(self, upto: int) -> int: ...
    def event_count(self) -> int: ...
    def event_and_link_counts(self) -> tuple[int, int]: ...


def use_sealing_recorder(env: Environment) -> None:
    """Make SQLite and PostgreSQL stores record through the sealing recorder."""
    topic = SEALING_RECORDERS.get(env.get("PERSISTENCE_MODULE") or "")
    if topic and env.get(RECORDER_KEY) is None:
        env[RECORDER_KEY] = topic


def chain_recorder(app: Application) -> ChainRecorder:
    recorder = app.recorder
    if not hasattr(recorder, "chain_head"):
        raise ChainUnavailable(
            f"This event store ({type(recorder).__name__}) keeps no audit chain; "
            "the chain needs SQLite or PostgreSQL."
        )
    return cast(ChainRecorder, recorder)
