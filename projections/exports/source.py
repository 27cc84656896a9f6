"""A cut of the event store: every notification up to position `as_of`, seen through a view.

Exports read the event store directly (never a read model), and only notifications with
id <= as_of, so the same cut gives the same content however much data arrived later. A blinded
cut filters by topic before any payload is decoded: arm-revealing events are never even read
into memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, StoredEvent

from domain.blinding import BLINDED_SAFE_TOPICS
from domain.errors import EdcError
from projections.decoding import EventDecoder
from projections.exports.store_rows import Head, StoreRows, store_rows
from projections.exports.view import View
from projections.pages import PageReader, page_reader

PAGE = 500
# Called with the position reached, so a terminal can show progress of long exports.
Progress = Callable[[int], None]
ChainHead = Callable[[int], str]


class ExportError(EdcError):
    """Raised when an export cannot be made as asked (empty store, position out of range)."""

    code = "export"


class AsOfOutOfRange(ExportError):
    """An `as_of` before the first or beyond the latest event: refused, never answered with
    the current state (which would change as events arrive)."""

    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.fields = {"as_of": message}


@dataclass(frozen=True)
class StoreReader:
    """What exports need from the application: its recorder, its mapper, the chain head."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]
    # The tamper-evidence chain's head at a position (`edc audit`); None when not available.
    chain_head: ChainHead | None = None
    # Gives the mapper's events with less work per event (`projections.decoding`).
    decoder: EventDecoder = field(init=False, repr=False, compare=False)
    # The first pass and the histories of casebooks, read with less work per row.
    rows: StoreRows = field(init=False, repr=False, compare=False)
    # Pages of every event, as plain rows.
    pages: PageReader = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decoder", EventDecoder(self.mapper))
        object.__setattr__(self, "rows", store_rows(self.recorder))
        object.__setattr__(self, "pages", page_reader(self.recorder))


@dataclass(frozen=True)
class Cut:
    """The store up to `as_of` as `view` sees it."""

    reader: StoreReader
    as_of: int
    view: View
    progress: Progress | None = None
    # Only this site's participants (reports for site roles); None: the whole trial.
    site: str | None = None

    @classmethod
    def of(
        cls,
        reader: StoreReader,
        view: View,
        as_of: int | None = None,
        progress: Progress | None = None,
    ) -> Cut:
        """The cut at `as_of` (default: the last event now stored)."""
        head = reader.recorder.max_notification_id() or 0
        if head == 0:
            raise ExportError("The event store is empty: there is nothing to export.")
        if as_of is None:
            as_of = head
        if not 1 <= as_of <= head:
            raise AsOfOutOfRange(
                f"as_of {as_of} is out of range: the store holds events 1 to {head}"
                f" (the latest is {head})."
            )
        cut = cls(reader, as_of, view, progress)
        if view.blinded:
            # A blinded answer never lands on a hidden event: the cut is said to be at the
            # last position this view can see, so sweeping as_of finds no hidden position.
            cut = cls(reader, cut.last_visible_position(), view, progress)
        return cut

    # ---- reading ------------------------------------------------------------------------------

    def notifications(
        self, topics: Sequence[str] = (), start: int = 1, stop: int | None = None
    ) -> Iterator[Notification]:
        """Notifications from `start` up to `stop` (default as_of) that the view may read."""
        stop = self.as_of if stop is None else min(stop, self.as_of)
        if not topics and self.view.blinded:
            topics = BLINDED_SAFE_TOPICS
        position = start
        while position <= stop:
            page = self.reader.recorder.select_notifications(
                start=position, limit=PAGE, stop=stop, topics=topics
            )
            for notification in page:
                if self.view.allows(notification.topic):
                    yield notification
            if len(page) < PAGE:
                break
            position = page[-1].id + 1
            if self.progress is not None:
                self.progress(page[-1].id)

    def heads(self, with_state: frozenset[str] = frozenset()) -> Iterator[Head]:
        """Every stored event of the cut the view may read, without its state unless its
        topic is in `with_state`: what `notifications()` gives, with less to read."""
        topics: Sequence[str] = BLINDED_SAFE_TOPICS if self.view.blinded else ()
        for page in self.reader.rows.heads(1, self.as_of, topics, with_state):
            for head in page:
                if self.view.allows(head.topic):
                    yield head
            if page and self.progress is not None:
                self.progress(page[-1].position)

    def histories(self, wanted: Iterable[tuple[UUID, int]]) -> Iterator[tuple[UUID, list[Any]]]:
        """For each (aggregate, version) wanted, in order, that aggregate's events up to the
        version as the view may read them (`aggregate_events` for many aggregates)."""
        allows, decode = self.view.allows, self.reader.decoder.stored
        for aggregate, rows in self.reader.rows.histories(wanted):
            yield (
                aggregate,
                [
                    decode(topic, aggregate, version, state)
                    for version, topic, state in rows
                    if allows(topic)
                ],
            )

    def decode(self, stored: StoredEvent) -> Any:
        """A stored event (or notification) as a domain event, as the mapper makes it."""
        return self.reader.decoder(stored)

    def events(self, topics: Sequence[str] = ()) -> Iterator[tuple[int, Any]]:
        """(position, domain event) for every notification of the cut, in order: what
        decoding `notifications(topics)` gives, read as plain rows (`projections.pages`)."""
        if not topics and self.view.blinded:
            topics = BLINDED_SAFE_TOPICS
        read, allows, decode = self.reader.pages, self.view.allows, self.reader.decoder.stored
        after, stop = 0, self.as_of
        while after < stop:
            page = read(after, stop, PAGE, topics)
            for position, originator_id, version, topic, state in page:
                if allows(topic):
                    yield position, decode(topic, originator_id, version, state)
            if len(page) < PAGE:
                break
            after = page[-1][0]
            if self.progress is not None:
                self.progress(after)

    def aggregate_events(self, originator_id: UUID, up_to_version: int) -> Iterator[Any]:
        """One aggregate's events up to a version, as the view may read them."""
        stored: Sequence[StoredEvent] = self.reader.recorder.select_events(
            originator_id, lte=up_to_version
        )
        for event in stored:
            if self.view.allows(event.topic):
                yield self.decode(event)

    def last_visible_position(self) -> int:
        """The position of the last event up to `as_of` that the view may read."""
        stop = self.as_of
        while stop >= 1:
            start = max(1, stop - PAGE + 1)
            page = list(self.notifications(start=start, stop=stop))
            if page:
                return page[-1].id
            stop = start - 1
        raise ExportError(
            f"No event up to position {self.as_of} is visible in the {self.view} view."
        )

    def last_event_time(self) -> datetime:
        """The time of the last event the cut includes (the manifest's `as_of_time`)."""
        stop = self.as_of
        while stop >= 1:
            start = max(1, stop - PAGE + 1)
            page = list(self.notifications(start=start, stop=stop))
            if page:
                timestamp: datetime = self.decode(page[-1]).timestamp
                return timestamp
            stop = start - 1
        raise ExportError(
            f"No event up to position {self.as_of} is visible in the {self.view} view."
        )

    def first_event_time(self) -> datetime:
        for notification in self.notifications():
            timestamp: datetime = self.decode(notification).timestamp
            return timestamp
        raise ExportError(
            f"No event up to position {self.as_of} is visible in the {self.view} view."
        )

    def chain_head(self) -> str | None:
        chain_head = self.reader.chain_head
        return chain_head(self.as_of) if chain_head is not None else None
