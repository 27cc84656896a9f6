"""Catching a read model up with the event store, exactly once, by polling in pages.

SQLite has no subscriptions and PostgreSQL's LISTEN/NOTIFY runner can hang when a
notification is lost (eventsourcing #305), so both back ends poll: read the head position, read
the notifications after our position in pages (only the view's topics), decode them with the
application's mapper, and apply each page in ONE transaction together with the new position.
The transaction first checks that the stored position is still the one the page was read from;
if not (a replayed page, another runner, a rebuild), nothing is written.

A page that comes back short has reached the head read at the start, so the position moves to
that head even when the last events were of topics this view does not read: the blinded view
thus reports the same position as the unblinded one once both are caught up.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper

from projections.arm_projector import ArmProjector
from projections.batch import ParticipantCache
from projections.db import ViewDatabase
from projections.decoding import EventDecoder
from projections.pages import StoredRow, page_reader
from projections.projector import Projector
from projections.rebuild_parts import (
    PARTS_FROM_EVENTS,
    available_cores,
    can_split,
    rebuild_in_parts,
)
from projections.schema import (
    SCHEMA_VERSION,
    create_statements,
    drop_statements,
    index_statements,
)
from projections.spec import ViewSpec
from projections.tracking import (
    Tracking,
    TrackingConflict,
    advance,
    ensure_tracking_table,
    read_tracking,
    reset_tracking,
)

log = logging.getLogger(__name__)

# Large enough that a rebuild writes each busy participant's row, and commits, a few times rather
# than dozens; a caught-up follower's pages are as small as what arrived, whatever this is.
DEFAULT_PAGE_SIZE = 50_000
# Called after each committed page with (events applied so far, position, head).
Progress = Callable[[int, int, int], None]
Decoded = tuple[int, str, Any]
# read_page(after, head, pause): `pause` is called now and then while the page is read.
PageRead = Callable[[int, int, Callable[[], None] | None], tuple[list[Decoded], int]]
# Events decoded between two calls of a page reader's `pause`.
_PAUSE_EVERY = 64


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a catch-up reads and applies its pages.

    A page allocates tens of thousands of objects while the participant cache keeps thousands
    alive; the collector would walk them over and over, which doubles the cost of decoding,
    and re-enabled between pages it still walks the whole cache once per page. Nothing a
    page makes refers to itself, so reference counting frees it all; the collector runs again
    once the catch-up returns.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Abandoned(Exception):
    """A page read ahead that will not be used stops early."""


class _PageAhead:
    """Reads the page after the one being applied, in a thread of its own, while the database
    commits the one in hand.

    A commit is the database's work alone, done without Python's lock: the reading and
    decoding of the next page can use that lock meanwhile. The reading thread runs only while
    the `window` is open (a commit, a reset, the catch-up waiting for the page): running while
    a page is applied, it would take Python's lock from the applying thread at every row the
    database steps through, and slow it down more than the read gains. Only reading happens
    ahead: each page is still applied in its own transaction after the tracking check, and a
    page read ahead from a position the catch-up does not reach (a conflict, a stop) is never
    used. A failure while reading ahead is raised by `page`, before anything of that page is
    written.
    """

    def __init__(self, read: PageRead, window: threading.Event) -> None:
        self._read = read
        self.window = window
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: tuple[int, int, Future[tuple[list[Decoded], int]]] | None = None
        self._abandoned = False

    def __enter__(self) -> _PageAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._discard()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def start(self, after: int, head: int) -> None:
        """Begin reading the page after `after` (up to `head`), in the windows to come."""
        self._discard()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="read-model-page")
        self._ahead = (after, head, self._pool.submit(self._read, after, head, self._pause))

    def page(self, after: int, head: int) -> tuple[list[Decoded], int]:
        """The page after `after`: the one read ahead if it is that one, else read now."""
        ahead = self._ahead
        if ahead is not None and ahead[:2] == (after, head):
            self._ahead = None
            with self.open():
                return ahead[2].result()
        self._discard()
        return self._read(after, head, None)

    @contextmanager
    def open(self) -> Iterator[None]:
        """Let the page be read ahead while the calling thread waits on something else."""
        self.window.set()
        try:
            yield
        finally:
            self.window.clear()

    def _pause(self) -> None:
        self.window.wait()
        if self._abandoned:
            raise _Abandoned

    def _discard(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        self._abandoned = True
        try:
            with self.open():
                ahead[2].exception()  # waits for it to end, however it ends
        finally:
            self._abandoned = False


class EventSource(Protocol):
    """What a runner needs of the application: its recorder and its mapper (the Trial)."""

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> Mapper[Any]: ...


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    schema_ok: bool

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class ProjectionRunner:
    """Keeps one read model caught up with the event store."""

    def __init__(
        self,
        db: ViewDatabase,
        source: EventSource,
        view: ViewSpec,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        parts: int | None = None,
        parts_from: int = PARTS_FROM_EVENTS,
    ) -> None:
        if page_size < 1:
            raise ValueError("The page size must be at least 1.")
        self.db = db
        self.source = source
        self.view = view
        self.page_size = page_size
        # A rebuild of at least `parts_from` events is made in this many processes where the
        # read model allows it (`projections.rebuild_parts`); one core, one process.
        self.parts = available_cores() if parts is None else parts
        self.parts_from = parts_from
        self.projector: Projector | ArmProjector = (
            Projector(view) if view.blinded else ArmProjector(view)
        )
        self.cache = ParticipantCache()
        self.decode = EventDecoder(source.mapper)
        self.read_rows = page_reader(source.recorder)
        # One catch-up at a time in this process; other processes are kept out by tracking.
        self._lock = threading.RLock()
        # Open while this runner's thread waits on the database (see `_PageAhead`).
        self._window = threading.Event()

    @property
    def name(self) -> str:
        return self.view.name

    # ---- schema ---------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the tables; rebuild from scratch if they were made by another schema."""
        ensure_tracking_table(self.db)
        with self.db.schema_transaction() as cur:
            tracking = read_tracking(cur, self.name, for_update=True)
            if tracking is not None and tracking.schema_version == SCHEMA_VERSION:
                for statement in create_statements(self.view, self.db.dialect):
                    cur.execute(statement)
                return
            if tracking is not None:
                log.warning(
                    "%s: tables built by schema %s, now %s: rebuilding from the events",
                    self.name,
                    tracking.schema_version,
                    SCHEMA_VERSION,
                )
            self._reset(cur)

    def _reset(self, cur: Any, *, indexes: bool = True) -> Tracking:
        for statement in drop_statements(self.view):
            cur.execute(statement)
        for statement in create_statements(self.view, self.db.dialect, indexes=indexes):
            cur.execute(statement)
        return reset_tracking(cur, self.name, SCHEMA_VERSION)

    def _create_indexes(self) -> None:
        with self.db.transaction() as cur:
            for statement in index_statements(self.view):
                cur.execute(statement)

    # ---- positions ------------------------------------------------------------------------

    def tracking(self) -> Tracking:
        with self.db.cursor() as cur:
            found = read_tracking(cur, self.name)
        if found is None:
            raise RuntimeError(f"The {self.name} read model has no tables yet.")
        return found

    def position(self) -> int:
        return self.tracking().position

    def head(self) -> int:
        return self.source.recorder.max_notification_id() or 0

    def status(self) -> Status:
        tracking = self.tracking()
        return Status(
            self.name, tracking.position, self.head(), tracking.schema_version == SCHEMA_VERSION
        )

    # ---- catching up ----------------------------------------------------------------------

    def read_page(
        self, after: int, head: int, pause: Callable[[], None] | None = None
    ) -> tuple[list[Decoded], int]:
        """The decoded events after `after` (one page), and the position the page reaches.

        `pause`, if given, is called before reading and every few events decoded."""
        if pause is not None:
            pause()
        rows = self.read_rows(after, head, self.page_size, self.view.topics)
        if pause is None:
            events = self._decoded(rows)
        else:
            events = []
            for start in range(0, len(rows), _PAUSE_EVERY):
                pause()
                events += self._decoded(rows[start : start + _PAUSE_EVERY])
        full = len(rows) == self.page_size
        return events, rows[-1][0] if full else head

    def _decoded(self, rows: list[StoredRow]) -> list[Decoded]:
        decode = self.decode.stored
        return [(p, topic, decode(topic, o, v, state)) for p, o, v, topic, state in rows]

    def apply_page(self, expected: Tracking, events: list[Decoded], position: int) -> Tracking:
        """Apply decoded events and move to `position`, in one transaction, exactly once.

        Raises TrackingConflict, writing nothing, unless the stored tracking is `expected`.
        """
        with self._committing(), self.db.transaction() as cur:
            current = read_tracking(cur, self.name, for_update=True)
            if current != expected:
                raise TrackingConflict(
                    f"{self.name}: the page was read at position {expected.position}, "
                    f"but the stored position is {current.position if current else None}."
                )
            self.cache.trust(expected)
            try:
                projector: Any = self.projector
                batch = projector.new_batch(cur, self.cache)
                pids = projector.participants_of([event for _, _, event in events])
                projector.prepare(batch, (pid for pid in pids if pid))
                apply = projector.apply
                for (event_position, topic, event), pid in zip(events, pids, strict=True):
                    apply(batch, event_position, topic, event, pid)
                projector.finish(batch)
                batch.flush()
                tracking = advance(cur, expected, position)
                self._window.set()  # the commit, at the end of this block
            except BaseException:
                # The transaction rolls back: rows changed in memory are not in the database.
                self.cache.clear()
                raise
        self.cache.committed(tracking)
        return tracking

    @contextmanager
    def _committing(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._window.clear()

    def catch_up(
        self,
        *,
        target: int | None = None,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Apply everything up to the current head (or `target`); return the events applied."""
        with self._lock, _PageAhead(self.read_page, self._window) as ahead, collector_paused():
            return self._catch_up(ahead, target=target, progress=progress, stop=stop)

    def _catch_up(
        self,
        ahead: _PageAhead,
        *,
        target: int | None = None,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
        applied: int = 0,
    ) -> int:
        head = self.head()
        tracking = self.tracking()
        while tracking.position < head:
            if stop is not None and stop.is_set():
                break
            if target is not None and tracking.position >= target:
                break
            try:
                events, reached = ahead.page(tracking.position, head)
                if reached < head and (target is None or reached < target):
                    # Most likely the next page: read it while this one commits.
                    ahead.start(reached, head)
                tracking = self.apply_page(tracking, events, reached)
            except TrackingConflict:
                # Another runner moved on (or a rebuild started): continue from there.
                tracking = self.tracking()
                continue
            applied += len(events)
            if progress is not None:
                progress(applied, tracking.position, head)
        return applied

    def rebuild(
        self, *, progress: Progress | None = None, forked: Callable[[], None] | None = None
    ) -> int:
        """Drop the read model's tables and build them again from the first event.

        `forked`: called once a rebuild made in parts has started its processes (see
        `projections.rebuild_parts`); not called otherwise."""
        with self._lock, _PageAhead(self.read_page, self._window) as ahead, collector_paused():
            ensure_tracking_table(self.db)
            head = self.head()
            in_parts = self.rebuilds_in_parts(head)
            if not in_parts:
                # The first page is read while the old tables are dropped.
                ahead.start(0, head)
            with ahead.open(), self.db.transaction() as cur:
                read_tracking(cur, self.name, for_update=True)
                # Without the secondary indexes until the end; a rebuild that stops early gets
                # them from the next `ensure_schema`, which creates whatever is missing.
                emptied = self._reset(cur, indexes=False)
            # Participants not seen since are known to be absent, without reading them.
            self.cache.empty(emptied)
            try:
                applied = (
                    rebuild_in_parts(self, emptied, head, self.parts, forked) if in_parts else None
                )
                if applied is None:
                    return self._catch_up(ahead, progress=progress)
                self.cache.clear()  # the rows were written by other processes
                if progress is not None:
                    progress(applied, head, head)
                return self._catch_up(ahead, progress=progress, applied=applied)
            finally:
                self._create_indexes()

    def rebuilds_in_parts(self, head: int | None = None) -> bool:
        """Whether a rebuild up to `head` (the store's now) is made in parts, in processes of
        its own (`projections.rebuild_parts`), leaving this one mostly waiting."""
        head = self.head() if head is None else head
        return self.parts > 1 and head >= self.parts_from and can_split(self)

    def part(self, db: ViewDatabase) -> ProjectionRunner:
        """A runner of this view that fills `db`: one part of a rebuild made in parts."""
        return ProjectionRunner(db, self.source, self.view, page_size=self.page_size, parts=1)

    def fill(self, pages: Iterable[list[StoredRow]]) -> int:
        """Empty this read model and apply the stored events of `pages`, each page in one
        transaction: a part of a rebuild made in parts (`projections.rebuild_parts`), whose
        rebuilding process reads the store and sends the pages. The events applied."""
        ensure_tracking_table(self.db)
        with self._lock, collector_paused():
            with self.db.transaction() as cur:
                tracking = self._reset(cur, indexes=False)
            self.cache.empty(tracking)
            applied = 0
            for rows in pages:
                if rows:
                    events = self._decoded(rows)
                    tracking = self.apply_page(tracking, events, rows[-1][0])
                    applied += len(events)
            return applied

    def wait_for(self, position: int, timeout: float) -> bool:
        """Read-your-writes: return once this view has applied `position` (False on timeout).

        Catches up in the calling thread when no one else is doing it, so a page served right
        after a save shows that save without waiting for a poll interval.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self.position() >= position:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._lock.acquire(timeout=min(remaining, 0.05)):
                try:
                    self.catch_up(target=position)
                finally:
                    self._lock.release()
            else:
                time.sleep(0.005)
